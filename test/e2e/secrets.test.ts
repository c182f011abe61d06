// The API key never leaves the process in clear: not in a log line (daemon and --sync, debug level, error
// paths included), not on stderr, not in `status` output, not in the state file. Whatever its source:
// RAGFLOW_API_KEY, server.apiKey or server.apiKeyFile.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProfileName } from '../emulator/index.js';
import { API_KEY, eventually, expectedMirror, makeSandbox, mirrorOf, runCli, startDaemonProcess, writeTree, type CliResult, type Sandbox } from './harness.js';

type KeySource = 'env' | 'config' | 'file';

/** Fails naming where the key showed up. Also looks for its distinctive tail, in case it was cut or wrapped. */
function expectNoKey(key: string, texts: Record<string, string>): void {
  const tail = key.slice(-16);
  for (const [where, text] of Object.entries(texts)) {
    expect(text.includes(key), `the key appears in ${where}`).toBe(false);
    expect(text.includes(tail), `the end of the key appears in ${where}`).toBe(false);
  }
}

/** Points the sandbox's config at the key through one source; returns the env the CLI needs. */
async function useKeySource(box: Sandbox, source: KeySource, key: string): Promise<NodeJS.ProcessEnv> {
  const config = JSON.parse(await readFile(box.configFile, 'utf8')) as { server: Record<string, unknown> };
  delete config.server['apiKey'];
  let env: NodeJS.ProcessEnv = { RAGFLOW_API_KEY: '' };
  if (source === 'env') env = { RAGFLOW_API_KEY: key };
  if (source === 'config') config.server['apiKey'] = key;
  if (source === 'file') {
    await writeFile(path.join(box.dir, 'api-key'), `${key}\n`, { mode: 0o600 });
    config.server['apiKeyFile'] = 'api-key';
  }
  await writeFile(box.configFile, JSON.stringify(config, null, 2));
  return env;
}

function all(result: CliResult): Record<string, string> {
  return { stdout: result.stdout, stderr: result.stderr };
}

describe('secrets (v1-0.27)', () => {
  let box: Sandbox;
  afterEach(async () => box.cleanup());

  it.each<KeySource>(['env', 'config', 'file'])('key from %s: --sync at debug level, status and --json, the state file', async (source) => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'a.md': 'alpha\n', 'b.md': 'bravo\n' });
    const env = await useKeySource(box, source, API_KEY);
    const sync = await runCli(['--config', box.configFile, '--sync', '--log-level', 'debug'], { env });
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs));
    const [status, json] = await Promise.all([runCli(['--config', box.configFile, 'status'], { env }), runCli(['--config', box.configFile, 'status', '--json'], { env })]);
    expect(status.code).toBe(0);
    expectNoKey(API_KEY, { ...all(sync), 'status stdout': status.stdout, 'status stderr': status.stderr, 'status --json': json.stdout, 'state file': await readFile(box.stateFile, 'utf8') });
  });

  it('error paths of --sync: an answer that echoes the key, 500 pages, connections reset, then a rejected key and an unreachable server', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'a.md': 'alpha\n', 'b.md': 'bravo\n', 'c.md': 'charlie\n' });
    // RAGFlow's exception envelope repeating the Authorization header (refused for good: that file fails at
    // once), a proxy page doing the same with HTTP 500, then sockets cut: the other two files go through
    // nine failed attempts between them, so at least one fails after its five and is logged in full.
    const envelope = JSON.stringify({ code: 100, message: `Exception("bad header Authorization: Bearer ${API_KEY}")`, data: null });
    const page = `<html><body>upstream error for Authorization: Bearer ${API_KEY}</body></html>`;
    box.emulator.addFault({ method: 'POST', path: /\/documents$/, times: 1, action: { type: 'status', status: 200, body: envelope } });
    box.emulator.addFault({ method: 'POST', path: /\/documents$/, times: 4, action: { type: 'status', status: 500, body: page } });
    box.emulator.addFault({ method: 'POST', path: /\/documents$/, times: 5, action: { type: 'reset', after: 'headers' } });
    const failing = await runCli(['--config', box.configFile, '--sync', '--log-level', 'debug']);
    expect(failing.code, failing.stdout + failing.stderr).toBe(1);
    expect(failing.stdout).toContain('Bearer [redacted]'); // the server's text is shown, the key is not
    expect(failing.stdout).toMatch(/"msg":"upload failed; will retry on the next sync"/);

    // A key the server refuses: exit 77, and the refused key is not printed either.
    const wrongKey = 'ragflow-WRONG-secret-0000111122223333';
    const env = await useKeySource(box, 'config', wrongKey);
    const rejected = await runCli(['--config', box.configFile, '--sync', '--log-level', 'debug'], { env });
    expect(rejected.code, rejected.stdout + rejected.stderr).toBe(77);
    expect(rejected.stderr).toMatch(/rejected the API key/);

    // No server at all: exit 69.
    const config = JSON.parse(await readFile(box.configFile, 'utf8')) as { server: { url: string } };
    config.server.url = 'http://127.0.0.1:9';
    await writeFile(box.configFile, JSON.stringify(config, null, 2));
    const unreachable = await runCli(['--config', box.configFile, '--sync', '--log-level', 'debug']);
    expect(unreachable.code, unreachable.stdout + unreachable.stderr).toBe(69);
    const status = await runCli(['--config', box.configFile, 'status', '--json']);

    expectNoKey(API_KEY, { ...all(failing), 'state file': await readFile(box.stateFile, 'utf8'), status: status.stdout + status.stderr });
    expectNoKey(wrongKey, { ...all(rejected), ...all(unreachable), status: status.stdout + status.stderr });
  });

  it('the daemon at debug level: key from the environment, a server outage while watching, then a rejected key (exit 77)', async () => {
    box = await makeSandbox({
      profile: 'v1-0.27',
      config: { daemon: { quietWindowMs: 200, rescanIntervalMinutes: 60, drainTimeoutSeconds: 2 }, log: { level: 'debug' } },
    });
    await writeTree(box.docs, { 'a.md': 'alpha\n' });
    const env = await useKeySource(box, 'env', API_KEY);
    const daemon = startDaemonProcess(box.configFile, { ...env });
    try {
      await daemon.waitForLog(/"msg":"watching"/);
      await box.emulator.refuseConnections(2500);
      await writeTree(box.docs, { 'b.md': 'written while the server is down\n' });
      await daemon.waitForLog(/"kind":"network".*"msg":"retrying after a transient failure"/, 15_000);
      await eventually(async () => expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs)), 15_000);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      if (daemon.child.exitCode === null) await daemon.stop('SIGKILL');
    }
    expectNoKey(API_KEY, { 'daemon output': daemon.output(), 'state file': await readFile(box.stateFile, 'utf8') });

    const wrongKey = 'ragflow-WRONG-daemon-key-44445555666677';
    const refused = startDaemonProcess(box.configFile, { RAGFLOW_API_KEY: wrongKey });
    const code = await new Promise<number | null>((resolve) => refused.child.on('close', resolve));
    expect(code, refused.output()).toBe(77);
    expectNoKey(wrongKey, { 'daemon output': refused.output() });
  });
});

describe('secrets (legacy-0.19)', () => {
  let box: Sandbox;
  afterEach(async () => box.cleanup());

  it('key from a key file: --sync, a rejected key, status and the state file', async () => {
    const profile: ProfileName = 'legacy-0.19';
    box = await makeSandbox({ profile });
    await writeTree(box.docs, { 'a.md': 'alpha\n' });
    const env = await useKeySource(box, 'file', API_KEY);
    const sync = await runCli(['--config', box.configFile, '--sync', '--log-level', 'debug'], { env });
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    const status = await runCli(['--config', box.configFile, 'status', '--json'], { env });
    expectNoKey(API_KEY, { ...all(sync), status: status.stdout + status.stderr, 'state file': await readFile(box.stateFile, 'utf8') });

    const wrongKey = 'ragflow-WRONG-legacy-key-8888999900001';
    await rm(path.join(box.dir, 'api-key'));
    await useKeySource(box, 'file', wrongKey);
    const rejected = await runCli(['--config', box.configFile, '--sync', '--log-level', 'debug'], { env });
    expect(rejected.code, rejected.stdout + rejected.stderr).toBe(77);
    expectNoKey(wrongKey, all(rejected));
  });
});
