// Mass-delete guards: a vanished or swapped folder root deletes nothing; a run deleting too much of a
// folder holds its deletes until --allow-mass-delete; narrowing the filters or the size limit deletes
// nothing unless deleteExcluded. The guards are API-independent, so one profile (v1-0.27) is enough.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, makeSandbox, readStateJson, startDaemonProcess, uploads, writeTree, writes, type DaemonProcess, type Sandbox, type StateJson, writeStateJson } from '../harness.js';
import { expectConverged, logLines, seedForeign, sync, syncOk, type ForeignDoc } from './fault-kit.js';

async function readState(box: Sandbox): Promise<StateJson> {
  return readStateJson(box.stateFile);
}

function onlyFolder(state: StateJson) {
  const folders = Object.values(state.folders);
  expect(folders).toHaveLength(1);
  return folders[0]!;
}

describe('mass-delete guards (v1-0.27)', () => {
  let box: Sandbox;
  let foreign: ForeignDoc[];
  let daemon: DaemonProcess | undefined;
  beforeEach(async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    foreign = seedForeign(box);
  });
  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null) await daemon.stop('SIGKILL');
    daemon = undefined;
    await box.cleanup();
  });

  const ourCount = () => box.emulator.documents('handbook').filter((d) => !d.seeded).length;
  const deletes = () => box.emulator.requests.filter((r) => r.method === 'DELETE');

  it('a missing, renamed-away or not-a-directory root, or one on another device, deletes nothing and is reported', async () => {
    await writeTree(box.docs, { 'a.md': 'alpha\n', 'sub/b.md': 'bravo\n', 'sub/c.md': 'charlie\n' });
    await syncOk(box);
    box.emulator.clearRequests();

    // Renamed away (a user renaming the synced folder): every file looks deleted.
    const away = path.join(box.dir, 'docs-away');
    await rename(box.docs, away);
    const missing = await sync(box);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/"level":50[^\n]*folder root missing or unreadable; nothing is deleted/);
    expect(writes(box.emulator).map((r) => `${r.method} ${r.path}`)).toEqual([]);

    // Something else in its place: a regular file.
    await writeFile(box.docs, 'not a folder');
    expect((await sync(box)).code).toBe(1);
    expect(writes(box.emulator).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    await rm(box.docs);
    await rename(away, box.docs);

    // The same path, but on another device than the state recorded (an unmounted disk shows the empty
    // mount point): nothing is synced for it, neither deletes nor uploads of what the other disk holds.
    const state = await readState(box);
    const folder = onlyFolder(state);
    folder.meta = { kbName: 'handbook', ...folder.meta, rootDev: (folder.meta?.rootDev ?? 0) + 1 };
    await writeStateJson(box.stateFile, state);
    await rm(path.join(box.docs, 'sub'), { recursive: true });
    await writeTree(box.docs, { 'only-on-the-other-disk.md': 'x\n' });
    const swapped = await sync(box);
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toMatch(/"level":50[^\n]*another device than recorded/);
    expect(writes(box.emulator).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(ourCount()).toBe(3);

    // The folder really moved to a new disk: --allow-mass-delete accepts it once.
    await syncOk(box, '--allow-mass-delete');
    await expectConverged(box, foreign);
    await syncOk(box);
  });

  it('the daemon deletes nothing while its root is moved away, then rebuilds its watcher when the root is back', async () => {
    await writeTree(box.docs, { 'a.md': 'alpha\n', 'sub/b.md': 'bravo\n', 'sub/c.md': 'charlie\n' });
    daemon = startDaemonProcess(box.configFile);
    await daemon.waitForLog(/"msg":"watching"/);
    await expectConverged(box, foreign);
    box.emulator.clearRequests();

    const away = path.join(box.dir, 'docs-away');
    await rename(box.docs, away);
    await daemon.waitForLog(/folder root vanished or changed device/, 10_000);
    await new Promise((r) => setTimeout(r, 1000)); // hint batches of the "deleted" files have run by now
    expect(deletes()).toEqual([]);
    expect(ourCount()).toBe(3);

    await rename(away, box.docs);
    await daemon.waitForLog(/folder root is back; rebuilding the watcher/, 10_000);
    await writeTree(box.docs, { 'after-return.md': 'seen by the new watcher\n' });
    await eventually(() => expectConverged(box, foreign), 10_000);

    // Away and back between two root checks: chokidar's watch is just as dead, and is rebuilt.
    await rename(box.docs, away);
    await rename(away, box.docs);
    await writeTree(box.docs, { 'after-quick-return.md': 'seen by the next watcher\n' });
    await eventually(() => expectConverged(box, foreign), 10_000);
    expect(deletes()).toEqual([]);
    expect((await daemon.stop()).code).toBe(0);
  });

  it('deleting more than maxDeletePercent and more than 10 documents holds the deletes (uploads go on) until --allow-mass-delete', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 24; i += 1) files[`f${String(i).padStart(2, '0')}.md`] = `file ${i}\n`;
    await writeTree(box.docs, files);
    await syncOk(box);
    for (let i = 0; i < 16; i += 1) await rm(path.join(box.docs, `f${String(i).padStart(2, '0')}.md`)); // 16 of 24: 67 %
    await writeFile(path.join(box.docs, 'f20.md'), 'file 20, changed\n');
    await writeTree(box.docs, { 'new.md': 'new\n' });
    box.emulator.clearRequests();

    const held = await syncOk(box);
    const gone = Array.from({ length: 16 }, (_, i) => `f${String(i).padStart(2, '0')}.md`);
    const names = () => box.emulator.documents('handbook').map((d) => d.name);
    expect(names()).toEqual(expect.arrayContaining(gone)); // all 16 documents are still there
    expect(ourCount()).toBe(24 + 1); // the new file went up; the changed one was replaced
    expect(uploads(box.emulator)).toHaveLength(2);
    expect(deletes()).toHaveLength(1); // only the replaced version of f20.md
    const warning = logLines(held.stdout).find((l) => l['msg'] === 'deletions held by the mass-delete guard; run --sync --allow-mass-delete to let them through');
    expect(warning).toMatchObject({ level: 40, count: 16, reason: 'mass-delete' });
    expect(onlyFolder(await readState(box)).meta?.heldDeletes).toEqual(gone);

    // Two files come back: their deletes are no longer wanted; the other 14 (56 % of 25) stay held.
    await writeTree(box.docs, { 'f00.md': 'file 0\n', 'f01.md': 'file 1\n' });
    box.emulator.clearRequests();
    await syncOk(box);
    expect(onlyFolder(await readState(box)).meta?.heldDeletes).toEqual(gone.slice(2));
    expect(writes(box.emulator)).toEqual([]);
    expect(names()).toEqual(expect.arrayContaining(gone));

    await syncOk(box, '--allow-mass-delete');
    expect(deletes()).toHaveLength(14);
    expect(onlyFolder(await readState(box)).meta?.heldDeletes).toBeUndefined();
    await expectConverged(box, foreign);
  });

  it('narrowing include/exclude or maxFileSizeMB deletes nothing unless deleteExcluded is true', async () => {
    await writeTree(box.docs, { 'keep.md': 'keep\n', 'notes/n1.md': 'note 1\n', 'notes/n2.md': 'note 2\n', 'big.md': 'x'.repeat(4096) });
    await syncOk(box);
    box.emulator.clearRequests();
    const config = JSON.parse(await readFile(box.configFile, 'utf8')) as { folders: Array<Record<string, unknown>> };
    const setFolder = async (patch: Record<string, unknown>) => {
      config.folders[0] = { ...config.folders[0], ...patch };
      await writeFile(box.configFile, JSON.stringify(config));
    };

    await setFolder({ exclude: ['notes/**'], maxFileSizeMB: 0.001 });
    await syncOk(box);
    expect(writes(box.emulator).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    await expectConverged(box, foreign); // every document stays, excluded or not

    await setFolder({ deleteExcluded: true });
    await syncOk(box);
    expect(deletes()).toHaveLength(3);
    await expectConverged(box, foreign, (rel) => rel === 'keep.md');
  });
});
