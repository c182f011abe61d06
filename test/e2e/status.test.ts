// `ragflow-sync status` end to end: the built CLI reads the state file and asks the emulator for the parse
// state of the documents (v1 listing; legacy document/infos), as a table and as JSON; without a key or a
// server it shows the state alone and says why.
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileName } from '../emulator/index.js';
import { makeSandbox, runCli, writeTree, type Sandbox } from './harness.js';

const PROFILES: ProfileName[] = ['v1-0.27', 'legacy-0.19'];

for (const profile of PROFILES) {
  describe(`status against ${profile}`, () => {
    let box: Sandbox;
    beforeEach(async () => {
      // Parsing is finished by hand below: the run must not wait for it (docs/smart-sync.md, parseTimeoutMinutes).
      box = await makeSandbox({ profile, folder: { parseTimeoutMinutes: 0 } });
      box.emulator.setParse({ mode: 'manual' });
      box.emulator.failParse('bad.md', 'OCR engine crashed on page 3');
      await writeTree(box.docs, { 'good.md': 'good\n', 'bad.md': 'bad\n', 'deep/slow.md': 'slow\n' });
      const sync = await runCli(['--config', box.configFile, '--sync']);
      expect(sync.code, sync.stdout + sync.stderr).toBe(0);
      const id = (name: string) => box.emulator.documents('handbook').find((d) => d.name === name)?.id ?? '';
      box.emulator.finishParse(id('good.md'), 'DONE');
      box.emulator.finishParse(id('bad.md'));
      await expect.poll(() => box.emulator.document(id('deep/slow.md'))?.progress ?? 0).toBeGreaterThan(0);
    });
    afterEach(async () => box.cleanup());

    it('shows per folder the parse states, the running progress and the failure message; --json has them all', async () => {
      const result = await runCli(['--config', box.configFile, 'status']);
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe(`${box.docs} → handbook`);
      expect(lines[1]).toMatch(/^ {2}tracked 3 {3}pending 0 {3}failed 0 .*last reconcile \d{4}-/);
      expect(result.stdout).toContain('  parsing: 1 RUNNING · 1 DONE · 1 FAIL\n');
      expect(result.stdout).toMatch(/\n {4}PATH +STATE +PROGRESS +MESSAGE\n {4}bad\.md +FAIL +- +\S+ \[ERROR\]OCR engine crashed on page 3\n {4}deep\/slow\.md +RUNNING +\d+% +\S+ (Task is queued|Page\(1~\d+\): Start to parse)/);
      expect(result.stdout).not.toMatch(/good\.md/); // DONE documents are counted, not listed

      // --json: every document with its state, progress and message
      const json = await runCli(['--config', box.configFile, 'status', '--json']);
      expect(json.code).toBe(0);
      const out = JSON.parse(json.stdout);
      expect(out.server).toEqual({ url: box.emulator.url, reachable: true, api: profile.startsWith('legacy') ? 'legacy' : 'v1' });
      const [folder] = out.folders;
      expect(folder).toMatchObject({ folder: box.docs, kb: 'handbook', tracked: 3, pending: 0, failed: [] });
      expect(folder.parse.counts).toEqual({ DONE: 1, FAIL: 1, RUNNING: 1 });
      expect(folder.parse.missing).toBe(0);
      expect(folder.parse.documents.map((d: { path: string; run: string }) => [d.path, d.run])).toEqual([
        ['bad.md', 'FAIL'],
        ['deep/slow.md', 'RUNNING'],
        ['good.md', 'DONE'],
      ]);
      expect(folder.parse.documents[0].message).toContain('[ERROR]OCR engine crashed on page 3');
      expect(folder.parse.documents[1].progress).toBeGreaterThan(0);
    });
  });
}

describe('status without the server', () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'a.md': 'alpha\n' });
    expect((await runCli(['--config', box.configFile, '--sync'])).code).toBe(0);
  });
  afterEach(async () => box.cleanup());

  const withServer = async (server: Record<string, unknown>) => {
    const config = JSON.parse(JSON.stringify({ stateFile: 'state.json', folders: [{ path: 'docs', kb: 'handbook' }], server }));
    await writeFile(box.configFile, JSON.stringify(config));
  };

  it('no key, no server, a rejected key: the state file only, with a note saying why', async () => {
    await withServer({ url: box.emulator.url });
    box.emulator.clearRequests();
    const result = await runCli(['--config', box.configFile, 'status'], { env: { RAGFLOW_API_KEY: '' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^note: no API key configured .*showing the state file only\n\n/);
    expect(result.stdout).toMatch(/tracked 1 {3}pending 0 {3}failed 0/);
    expect(result.stdout).not.toContain('parsing:');
    expect(box.emulator.requests).toHaveLength(0);
    const json = JSON.parse((await runCli(['--config', box.configFile, 'status', '--json'], { env: { RAGFLOW_API_KEY: '' } })).stdout);
    expect(json.server.reachable).toBe(false);
    expect(json.folders[0].tracked).toBe(1);

    // server unreachable, or key rejected: the same, saying which
    await withServer({ url: 'http://127.0.0.1:1', apiKey: box.emulator.apiKey });
    const down = await runCli(['--config', box.configFile, 'status']);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^note: the server could not be reached \(.+\): showing the state file only\n/);
    expect(down.stdout).toMatch(/tracked 1 {3}pending 0 {3}failed 0/);

    await withServer({ url: box.emulator.url, apiKey: 'ragflow-wrong-key-0000000000000000' });
    const rejected = await runCli(['--config', box.configFile, 'status']);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(/^note: the server rejected the API key: showing the state file only\n/);
    expect(rejected.stdout).not.toContain('ragflow-wrong-key');
  });
});
