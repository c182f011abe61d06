// Done means parsed (docs/smart-sync.md): --sync follows parsing, retries a FAIL, reports it with RAGFlow's
// message, and never has more than maxParsing documents parsing at once. The built CLI, the v1 0.27 emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { makeSandbox, readStateJson, runCli, writeTree, type Sandbox } from '../harness.js';

describe('done means parsed (v1-0.27)', () => {
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.cleanup();
    box = undefined;
  });
  const parseRequestsFor = (sandbox: Sandbox, id: string) =>
    sandbox.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chunks') && (r.fields['document_ids'] as string[]).includes(id)).length;

  it('a parse failure is retried parseRetries times, then reported with RAGFlow’s message; a file that parses on a retry is fine', async () => {
    const sandbox = (box = await makeSandbox({ profile: 'v1-0.27', folder: { parseRetries: 2 } }));
    await writeTree(sandbox.docs, { 'bad.md': 'never parses\n', 'flaky.md': 'parses on the second try\n', 'good.md': 'fine\n' });
    sandbox.emulator.failParse('bad.md', 'Simulated chunker crash: bad.md', 3);
    sandbox.emulator.failParse('flaky.md', 'Simulated hiccup', 1);
    const result = await runCli(['--config', sandbox.configFile, '--sync']);
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain('Simulated chunker crash: bad.md');
    const doc = (name: string) => sandbox.emulator.documents('handbook').find((d) => d.name === name)!;
    expect(doc('bad.md').run).toBe('FAIL');
    expect(parseRequestsFor(sandbox, doc('bad.md').id)).toBe(3); // the first request and two retries
    expect(doc('flaky.md').run).toBe('DONE');
    expect(parseRequestsFor(sandbox, doc('flaky.md').id)).toBe(2);
    expect(doc('good.md').run).toBe('DONE');
    const state = await readStateJson(sandbox.stateFile);
    const files = Object.values(state.folders)[0]!.files;
    expect(files['bad.md']?.lastError).toContain('Simulated chunker crash');
    expect(files['flaky.md']?.lastError).toBeUndefined();
  });

  it('maxParsing holds throughout a 200-file load, and --sync returns once every document is DONE', async () => {
    const sandbox = (box = await makeSandbox({
      profile: 'v1-0.27',
      parseMs: 40,
      folder: { maxParsing: 8 },
      config: { rateLimit: { requestsPerSecond: 200, concurrency: 8 } },
    }));
    const tree: Record<string, string> = {};
    for (let i = 0; i < 200; i += 1) tree[`bulk/f${i}.md`] = `file ${i}\n`;
    await writeTree(sandbox.docs, tree);
    const result = await runCli(['--config', sandbox.configFile, '--sync']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const docs = sandbox.emulator.documents('handbook');
    expect(docs).toHaveLength(200);
    expect(docs.every((d) => d.run === 'DONE')).toBe(true);
    expect(sandbox.emulator.maxConcurrentRunning('handbook')).toBeGreaterThan(1);
    expect(sandbox.emulator.maxConcurrentRunning('handbook')).toBeLessThanOrEqual(8);
  }, 60_000);
});
