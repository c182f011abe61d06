// Gapless replace (docs/smart-sync.md): while a changed file's new version parses, the KB keeps the old one.
// The built CLI, the v1 0.27 emulator with a slow parse, the KB sampled every 100 ms.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isNameOrDuplicateOf } from '../../../src/core/plan-sync.js';
import { expectedMirror, mirrorOf, makeSandbox, runCli, writeTree, type Sandbox } from '../harness.js';

describe('gapless replace (v1-0.27)', () => {
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.cleanup();
    box = undefined;
  });

  const forPath = (sandbox: Sandbox, name: string) => sandbox.emulator.documents('handbook').filter((d) => isNameOrDuplicateOf(d.name, name));

  /** Runs --sync while sampling the documents of `name`: each sample must hold exactly one retrievable
   *  (DONE and enabled) document, alone or beside one new version still parsing or not yet enabled. The one
   *  allowed exception is the swap itself (enable the new one, then delete the old one: two requests), which
   *  a sample may catch at most once. */
  async function syncSampling(sandbox: Sandbox, name: string) {
    const bad: string[] = [];
    const swapSeen: string[] = [];
    let samples = 0;
    const running = runCli(['--config', sandbox.configFile, '--sync']);
    let finished = false;
    void running.then(() => (finished = true));
    while (!finished) {
      const docs = forPath(sandbox, name);
      const serving = docs.filter((d) => d.run === 'DONE' && d.enabled).length;
      const sample = docs.map((d) => `${d.name}:${d.run}:${d.enabled ? 'on' : 'off'}`).join(' ');
      if (serving === 2 && docs.length === 2) swapSeen.push(sample);
      else if (serving !== 1 || docs.length > 2) bad.push(sample);
      samples += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (swapSeen.length > 1) bad.push(...swapSeen);
    return { result: await running, bad, samples };
  }

  it('the KB always holds exactly one DONE document for the path; the new one takes over the name once parsed', async () => {
    const sandbox = (box = await makeSandbox({ profile: 'v1-0.27', parseMs: 800 }));
    await writeTree(sandbox.docs, { 'a.md': 'version 1\n' });
    expect((await runCli(['--config', sandbox.configFile, '--sync'])).code).toBe(0);
    await writeFile(path.join(sandbox.docs, 'a.md'), 'version 2\n');
    const { result, bad, samples } = await syncSampling(sandbox, 'a.md');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(samples).toBeGreaterThan(5);
    expect(bad).toEqual([]);
    const docs = forPath(sandbox, 'a.md');
    expect(docs.map((d) => [d.name, d.run])).toEqual([['a.md', 'DONE']]);
    expect((await docs[0]!.content()).toString()).toBe('version 2\n');
    expect(await mirrorOf(sandbox)).toEqual(await expectedMirror(sandbox.docs));
  });

  it('a new version that fails to parse is removed and the old one stays', async () => {
    const sandbox = (box = await makeSandbox({ profile: 'v1-0.27', parseMs: 300, folder: { parseRetries: 1 } }));
    await writeTree(sandbox.docs, { 'a.md': 'version 1\n' });
    expect((await runCli(['--config', sandbox.configFile, '--sync'])).code).toBe(0);
    await writeFile(path.join(sandbox.docs, 'a.md'), 'version 2, unparseable\n');
    sandbox.emulator.failParse(/\(1\)\.md$/, 'Simulated: the new version cannot be chunked', 2);
    const { result, bad } = await syncSampling(sandbox, 'a.md');
    expect(result.code, result.stdout + result.stderr).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('the new version cannot be chunked');
    expect(bad).toEqual([]);
    const docs = forPath(sandbox, 'a.md');
    expect(docs.map((d) => [d.name, d.run])).toEqual([['a.md', 'DONE']]);
    expect((await docs[0]!.content()).toString()).toBe('version 1\n');
    // Not retried until the bytes change; the next run is quiet.
    sandbox.emulator.clearRequests();
    const again = await runCli(['--config', sandbox.configFile, '--sync']);
    expect(again.code, again.stdout + again.stderr).toBe(0); // known, reported failures are not news
    expect(sandbox.emulator.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
