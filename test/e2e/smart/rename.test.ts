// Renames and moves without re-parse (docs/smart-sync.md): the built CLI, real folders, the v1 0.27 emulator.
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, expectedMirror, mirrorOf, makeSandbox, runCli, startDaemonProcess, uploads, writeTree, type DaemonProcess, type Sandbox } from '../harness.js';

describe('renames in place (v1-0.27)', () => {
  let box: Sandbox | undefined;
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null) await daemon.stop('SIGKILL');
    daemon = undefined;
    await box?.cleanup();
    box = undefined;
  });

  const idsByName = (sandbox: Sandbox) => new Map(sandbox.emulator.documents('handbook').map((d) => [d.name, d.id]));

  it('--sync: renaming a file and a folder of 50 files sends no upload and keeps every document id', async () => {
    const sandbox = (box = await makeSandbox({ profile: 'v1-0.27' }));
    const tree: Record<string, string> = { 'a.md': 'alpha\n' };
    for (let i = 0; i < 50; i += 1) tree[`dir/f${i}.md`] = `file ${i}\n`;
    await writeTree(sandbox.docs, tree);
    const sync = async () => {
      const result = await runCli(['--config', sandbox.configFile, '--sync']);
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    };
    await sync();
    const before = idsByName(sandbox);
    sandbox.emulator.clearRequests();

    await rename(path.join(sandbox.docs, 'a.md'), path.join(sandbox.docs, 'b.md'));
    await rename(path.join(sandbox.docs, 'dir'), path.join(sandbox.docs, 'moved'));
    await sync();

    expect(uploads(sandbox.emulator)).toEqual([]);
    expect(sandbox.emulator.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    const after = idsByName(sandbox);
    expect(after.get('b.md')).toBe(before.get('a.md'));
    for (let i = 0; i < 50; i += 1) expect(after.get(`moved/f${i}.md`)).toBe(before.get(`dir/f${i}.md`));
    expect(await mirrorOf(sandbox)).toEqual(await expectedMirror(sandbox.docs));
  });

  it('--sync: a changed extension falls back to upload + delete', async () => {
    const sandbox = (box = await makeSandbox({ profile: 'v1-0.27' }));
    await writeTree(sandbox.docs, { 'a.md': 'alpha\n' });
    expect((await runCli(['--config', sandbox.configFile, '--sync'])).code).toBe(0);
    sandbox.emulator.clearRequests();
    await rename(path.join(sandbox.docs, 'a.md'), path.join(sandbox.docs, 'a.txt'));
    expect((await runCli(['--config', sandbox.configFile, '--sync'])).code).toBe(0);
    expect(uploads(sandbox.emulator)).toHaveLength(1);
    expect(await mirrorOf(sandbox)).toEqual(await expectedMirror(sandbox.docs));
  });

  it('daemon: a renamed file and a renamed folder are renamed in place, without an upload', async () => {
    const sandbox = (box = await makeSandbox({ profile: 'v1-0.27' }));
    await writeTree(sandbox.docs, { 'a.md': 'alpha\n', 'sub/b.md': 'bravo\n', 'sub/c.md': 'charlie\n' });
    daemon = startDaemonProcess(sandbox.configFile);
    await daemon.waitForLog(/"msg":"watching"/);
    const before = idsByName(sandbox);
    sandbox.emulator.clearRequests();

    await rename(path.join(sandbox.docs, 'a.md'), path.join(sandbox.docs, 'renamed.md'));
    await mkdir(path.join(sandbox.docs, 'deep'));
    await rename(path.join(sandbox.docs, 'sub'), path.join(sandbox.docs, 'deep/sub2'));
    await eventually(async () => expect(await mirrorOf(sandbox)).toEqual(await expectedMirror(sandbox.docs)), 10_000);

    expect(uploads(sandbox.emulator)).toEqual([]);
    const after = idsByName(sandbox);
    expect(after.get('renamed.md')).toBe(before.get('a.md'));
    expect(after.get('deep/sub2/b.md')).toBe(before.get('sub/b.md'));
    expect(after.get('deep/sub2/c.md')).toBe(before.get('sub/c.md'));
  });
});
