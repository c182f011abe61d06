// Parser rules and reversible deletes (docs/smart-sync.md): the built CLI, real folders, the v1 0.27 emulator.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectedMirror, mirrorOf, makeSandbox, runCli, uploads, writeTree, type Sandbox } from '../harness.js';

describe('parser rules and reversible deletes (v1-0.27)', () => {
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.cleanup();
    box = undefined;
  });

  const syncOk = async (sandbox: Sandbox) => {
    const result = await runCli(['--config', sandbox.configFile, '--sync']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    return result;
  };
  const setFolder = async (sandbox: Sandbox, patch: Record<string, unknown>) => {
    const config = JSON.parse(await readFile(sandbox.configFile, 'utf8')) as { folders: Array<Record<string, unknown>> };
    config.folders[0] = { ...config.folders[0], ...patch };
    await writeFile(sandbox.configFile, JSON.stringify(config));
  };
  const doc = (sandbox: Sandbox, name: string) => sandbox.emulator.documents('handbook').find((d) => d.name === name);
  const parseRequestIds = (sandbox: Sandbox) =>
    sandbox.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chunks')).flatMap((r) => r.fields['document_ids'] as string[]);

  it('the first matching rule picks the parser; a rules change re-parses the affected documents without an upload', async () => {
    const sandbox = (box = await makeSandbox({ profile: 'v1-0.27', folder: { rules: [{ match: '**/*.csv', parserId: 'table' }] } }));
    await writeTree(sandbox.docs, { 'a.md': '# alpha\n', 'data/t.csv': 'a,b\n1,2\n', 'q.txt': 'Q: why?\nA: because\n' });
    await syncOk(sandbox);
    expect(doc(sandbox, 'data/t.csv')?.parserId).toBe('table');
    expect(doc(sandbox, 'a.md')?.parserId).toBe('naive');

    await setFolder(sandbox, { rules: [{ match: '**/*.txt', parserId: 'qa' }, { match: '**/*', parserId: 'naive' }] });
    sandbox.emulator.clearRequests();
    await syncOk(sandbox);
    expect(uploads(sandbox.emulator)).toEqual([]);
    expect(doc(sandbox, 'data/t.csv')?.parserId).toBe('naive');
    expect(doc(sandbox, 'q.txt')?.parserId).toBe('qa');
    expect(doc(sandbox, 'a.md')?.parserId).toBe('naive');
    expect(parseRequestIds(sandbox).sort()).toEqual([doc(sandbox, 'data/t.csv')?.id, doc(sandbox, 'q.txt')?.id].sort());

    sandbox.emulator.clearRequests();
    await syncOk(sandbox); // settled: nothing more to do
    expect(sandbox.emulator.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/documents'))).toEqual([]);
    expect(await mirrorOf(sandbox)).toEqual(await expectedMirror(sandbox.docs));
  });

  it('deleteMode "disable": a vanished file disables its document, coming back enables it without an upload', async () => {
    const sandbox = (box = await makeSandbox({ profile: 'v1-0.27', folder: { deleteMode: 'disable' } }));
    await writeTree(sandbox.docs, { 'a.md': 'alpha\n', 'b.md': 'bravo\n' });
    await syncOk(sandbox);
    const id = doc(sandbox, 'a.md')?.id;

    await rm(path.join(sandbox.docs, 'a.md'));
    sandbox.emulator.clearRequests();
    await syncOk(sandbox);
    expect(sandbox.emulator.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(doc(sandbox, 'a.md')).toMatchObject({ id, enabled: false });

    await syncOk(sandbox); // still within the grace period: kept, disabled
    expect(doc(sandbox, 'a.md')).toMatchObject({ id, enabled: false });

    await writeTree(sandbox.docs, { 'a.md': 'alpha\n' });
    sandbox.emulator.clearRequests();
    await syncOk(sandbox);
    expect(uploads(sandbox.emulator)).toEqual([]);
    expect(doc(sandbox, 'a.md')).toMatchObject({ id, enabled: true });
    expect(await mirrorOf(sandbox)).toEqual(await expectedMirror(sandbox.docs));
  });

  it('deleteMode "disable": the document is deleted once the grace period has passed', async () => {
    const sandbox = (box = await makeSandbox({ profile: 'v1-0.27', folder: { deleteMode: 'disable', deleteGraceHours: 0 } }));
    await writeTree(sandbox.docs, { 'a.md': 'alpha\n', 'b.md': 'bravo\n' });
    await syncOk(sandbox);
    await rm(path.join(sandbox.docs, 'a.md'));
    await syncOk(sandbox);
    expect(doc(sandbox, 'a.md')?.enabled).toBe(false);
    await syncOk(sandbox);
    expect(doc(sandbox, 'a.md')).toBeUndefined();
    expect(await mirrorOf(sandbox)).toEqual(await expectedMirror(sandbox.docs));
  });
});
