// `--sync` on a terminal: the progress line (forced onto a pipe, and once under a real pseudo-terminal with
// `script`), its absence on a pipe and with --quiet, and the one-line summary at the end.
import { spawn, spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, makeSandbox, runCli, writeTree, type Sandbox } from './harness.js';

const FORCE = { RAGFLOW_SYNC_FORCE_TTY: '1' };
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('--sync progress', () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'a.md': 'alpha\n', 'b.md': 'bravo\n', 'sub/c.md': 'x'.repeat(5000) });
  });
  afterEach(async () => box.cleanup());
  const sync = (extra: string[] = [], env: NodeJS.ProcessEnv = {}) => runCli(['--config', box.configFile, '--sync', ...extra], { env });

  it('on a terminal: phases with files scanned, bytes hashed, changes and requests, ETA; then the summary', async () => {
    const result = await sync([], FORCE);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/docs scanning +\[-+\] 0% · 0 files scanned/);
    expect(out).toMatch(/docs hashing +\[[=-]+\] \d+% · 3 files scanned · [\d.]+ \w*B of 4\.9 KiB hashed · requests \d+ · ETA/);
    expect(out).toMatch(/docs syncing +\[[=-]+\] \d+% · 3 files scanned · 4\.9 KiB of 4\.9 KiB hashed · changes \d\/3 · requests \d+ · ETA/);
    expect(out).toMatch(/docs done +\[=+\] 100% · 3 files scanned · 4\.9 KiB of 4\.9 KiB hashed · changes 3\/3 · requests \d+ · ETA/);
    expect(out).not.toContain('"level"'); // no JSON log lines mixed into the terminal output
    const lines = out.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^sync finished: 3 uploaded, 0 replaced, 0 deleted, 0 unchanged, 0 failed in \d+\.\ds$/);
    expect(result.stderr).toBe('');
  });

  it('with --quiet on a terminal: no progress, the logs and their summary line only', async () => {
    const result = await sync(['--quiet'], FORCE);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('files scanned');
    expect(result.stdout).toContain('"msg":"sync finished: 3 uploaded');
  });

  it('on a pipe: no progress, JSON logs with the summary', async () => {
    const result = await sync();
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('files scanned');
    expect(result.stdout).toContain('"msg":"sync finished: 3 uploaded');
    for (const line of result.stdout.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it.skipIf(!hasScript)('under a real pseudo-terminal (script): the bar is drawn and the cursor restored', async () => {
    const command = [process.execPath, CLI, '--config', box.configFile, '--sync'].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // Asynchronously: the emulator answers from this process's event loop.
    const result = await run('script', ['-qec', command, '/dev/null'], { ...process.env, RAGFLOW_SYNC_FORCE_TTY: '' });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('\x1b[?25l'); // cursor hidden while drawing…
    expect(result.stdout).toContain('\x1b[?25h'); // …and shown again
    expect(result.stdout).toMatch(/docs done +\[=+\] 100% · 3 files scanned/);
    expect(result.stdout).toMatch(/sync finished: 3 uploaded, 0 replaced, 0 deleted, 0 unchanged, 0 failed in \d+\.\ds\r?\n/);
  });
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}
