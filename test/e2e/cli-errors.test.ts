// Mistakes on the command line and in the configuration, through the built CLI: configuration problems exit
// 78 and name the field, what is expected and what was found; usage problems exit 64; never a stack trace.
// Cases run concurrently: each is one short-lived CLI process, and starting Node dominates their time.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './harness.js';

/** A stack trace line (`    at fn (file:line:col)`) or a Node error dump. */
const STACK = /^\s+at\s|node:internal|Error: .*\n\s+at /m;

const VALID = {
  server: { url: 'http://127.0.0.1:9', apiKey: 'ragflow-cli-errors-test-key' },
  folders: [{ path: 'docs', kb: 'handbook' }],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ragflow-sync-cli-errors-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function withConfig(name: string, content: unknown, args: readonly string[] = ['--sync']): Promise<CliResult> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return runCli(['--config', file, ...args], { env: { RAGFLOW_API_KEY: '' } });
}

function expectConfigError(result: CliResult, ...parts: Array<string | RegExp>): void {
  expect(result.code, result.stderr).toBe(78);
  expect(result.stderr).toMatch(/^ragflow-sync: configuration invalid:\n/);
  for (const part of parts) {
    if (typeof part === 'string') expect(result.stderr).toContain(part);
    else expect(result.stderr).toMatch(part);
  }
  expect(result.stderr).not.toMatch(STACK);
  expect(result.stdout).toBe('');
}

describe.concurrent('configuration mistakes exit 78 and say field, expected and found', () => {
  it('a file that does not exist', async () => {
    const result = await runCli(['--config', path.join(dir, 'missing.json'), '--sync']);
    expectConfigError(result, 'missing.json: cannot read the configuration file (ENOENT)', 'pass an existing file with --config');
  });

  it('a file that is not JSON', async () => {
    expectConfigError(await withConfig('broken.json', '{ "server": '), 'broken.json: not valid JSON', 'the configuration is a JSON object');
  });

  it('a wrong type, a bad URL, a bad number and a misspelt key, all reported at once', async () => {
    const result = await withConfig('several.json', {
      server: { url: 'localhost:9380', apiKey: 'ragflow-x' },
      rateLimit: { concurrency: 'two' },
      folders: [{ path: 'docs', kb: 'handbook', kb_name: 'typo', maxFileSizeMB: -1 }],
    });
    expectConfigError(
      result,
      'server.url: expected an http(s) URL such as "http://127.0.0.1:9380", found "localhost:9380"',
      'rateLimit.concurrency: expected a whole number, found "two"',
      'folders[0].maxFileSizeMB: expected a size in MB greater than 0, found -1',
      /folders\[0\]: unknown key "kb_name"; remove it or check its spelling \(known keys: path, kb, /,
    );
  });

  it('no folder, and a folder without its knowledge base', async () => {
    expectConfigError(await withConfig('no-folders.json', { ...VALID, folders: [] }), 'folders: expected at least one folder to mirror, found []');
    expectConfigError(await withConfig('no-kb.json', { ...VALID, folders: [{ path: 'docs' }] }), /folders\[0\]\.kb: expected .*, found nothing/);
  });

  it('the same folder twice', async () => {
    const result = await withConfig('twice.json', { ...VALID, folders: [{ path: 'docs', kb: 'a' }, { path: './docs/', kb: 'b' }] });
    expectConfigError(result, /folders\[1\]\.path: expected each folder once, found ".*\/docs" again \(also folders\[0\]\)/);
  });

  it('no API key anywhere, and a key file that cannot be read', async () => {
    const { apiKey: _key, ...server } = VALID.server;
    expectConfigError(await withConfig('no-key.json', { ...VALID, server }), 'server.apiKey: expected an API key: set RAGFLOW_API_KEY, server.apiKey or server.apiKeyFile');
    expectConfigError(await withConfig('key-file.json', { ...VALID, server: { ...server, apiKeyFile: 'no-such-key-file' } }), /server\.apiKeyFile: expected a path to a file holding the API key; cannot read .*no-such-key-file \(ENOENT\)/);
  });

  it('a value out of range and an unknown enum value', async () => {
    expectConfigError(
      await withConfig('range.json', { ...VALID, server: { ...VALID.server, api: 'v2' }, folders: [{ path: 'docs', kb: 'h', maxDeletePercent: 150 }] }),
      'server.api: expected "auto", "legacy" or "v1", found "v2"',
      /folders\[0\]\.maxDeletePercent: .*found 150/,
    );
  });

  it('status, which needs no key, still refuses a broken file', async () => {
    expectConfigError(await withConfig('status.json', { folders: 'docs' }, ['status']), /server: expected object, found nothing/, /folders: expected array, found "docs"/);
  });
});

describe.concurrent('usage mistakes exit 64', () => {
  it.each([
    [[], 'missing --config FILE'],
    [['--config'], "Option '-c, --config <value>' argument missing"],
    [['--frobnicate', '--config', 'x.json'], "Unknown option '--frobnicate'"],
    [['--config', 'x.json', 'statuss'], 'unknown command "statuss"; the only command word is "status"'],
    [['--config', 'x.json', 'status', 'now'], 'unknown command "status now"'],
    [['--config', 'x.json', '--dry-run'], '--dry-run, --allow-mass-delete and --skip-listing go with --sync'],
  ])('%j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(64);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(STACK);
  });
});
