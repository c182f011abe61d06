// The settled-run shortcut of `--sync --skip-listing` end to end: the built CLI, real temp folders, the
// emulator over real HTTP. A run that leaves every folder settled records the trees' listings beside the
// state (`<state file>.settled`); the next such run whose trees, state, config and version still match
// reports the folders unchanged without starting the engine (so without a single request). Any change must
// send the run back to the engine, and the engine's result must be exactly the mirror.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile, rename, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileName, RequestLogEntry } from '../emulator/index.js';
import type { Totals } from '../../src/sync/sync-report.js';
import type { SettledRecord } from '../../src/adapters/settled-record-file.js';
import { API_KEY, expectedMirror, makeSandbox, mirrorOf, readStateJson, runCli, uploads, writeStateJson, writeTree, writes, type CliResult, type Sandbox } from './harness.js';

const TREE: Record<string, string> = {
  'README.md': '# Handbook\n',
  'guides/install.md': 'install steps\n',
  'guides/deep/nested/config.md': 'nested config\n',
  'Ünïcode and spaces/naïve café.txt': 'unicode content ✓\n',
  'empty.txt': '',
  'drafts/wip.md': 'excluded by the folder config\n',
  '.git/config': 'dotfolder\n',
  '.hidden.md': 'dotfile\n',
  'notes.md.swp': 'vim swap\n',
};
const MIRRORED = 5; // the first five
const excludedBy =
  (...globs: RegExp[]) =>
  (rel: string): boolean =>
    !rel.startsWith('drafts/') && !rel.split('/').some((s) => s.startsWith('.')) && !rel.endsWith('.swp') && !globs.some((g) => g.test(rel));

interface Run {
  readonly result: CliResult;
  /** Every request the emulator received during the run. */
  readonly requests: readonly RequestLogEntry[];
  readonly totals: Totals;
}

interface FileId {
  readonly ino: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly size: number;
}

function idOf(file: string): FileId {
  const stats = statSync(file);
  return { ino: stats.ino, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, size: stats.size };
}

/** The summary line (`sync finished: …`) as the JSON log line the CLI prints when stdout is no terminal. */
function totalsOf(stdout: string): Totals {
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => typeof line['unchanged'] === 'number' && 'dryRun' in line);
  expect(lines, stdout).toHaveLength(1);
  const { uploaded, replaced, renamed, deleted, unchanged, failed, held, folderErrors } = lines[0] as unknown as Totals;
  return { uploaded, replaced, renamed, deleted, unchanged, failed, held, folderErrors };
}

const NOTHING: Totals = { uploaded: 0, replaced: 0, renamed: 0, deleted: 0, unchanged: 0, failed: 0, held: 0, folderErrors: 0 };

function harness(getBox: () => Sandbox) {
  const recordFile = () => `${getBox().stateFile}.settled`;
  const record = (): SettledRecord | undefined => (existsSync(recordFile()) ? (JSON.parse(readFileSync(recordFile(), 'utf8')) as SettledRecord) : undefined);
  /** One CLI run with the request log cleared first; `expectCode` undefined skips the exit-code check. */
  const run = async (args: readonly string[], expectCode: number | undefined = 0): Promise<Run> => {
    const box = getBox();
    box.emulator.clearRequests();
    const result = await runCli(['--config', box.configFile, ...args]);
    if (expectCode !== undefined) expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(expectCode);
    const requests = [...box.emulator.requests];
    // With --dry-run the log (and so the summary line) goes to stderr: stdout holds the plan.
    return { result, requests, totals: result.code === 0 || result.code === 1 ? totalsOf(args.includes('--dry-run') ? result.stderr : result.stdout) : NOTHING };
  };
  const skipListing = (expectCode?: number) => run(['--sync', '--skip-listing'], expectCode);
  /** A run that must have been the shortcut: not one request, the folders unchanged, nothing else. */
  const expectShortcut = async (unchanged: number): Promise<Run> => {
    const stateBefore = idOf(getBox().stateFile);
    const recordBefore = readFileSync(recordFile());
    const shortcut = await skipListing();
    expect(shortcut.requests).toEqual([]);
    expect(shortcut.totals).toEqual({ ...NOTHING, unchanged });
    expect(idOf(getBox().stateFile)).toEqual(stateBefore); // not rewritten, not even opened for writing
    expect(readFileSync(recordFile())).toEqual(recordBefore);
    return shortcut;
  };
  /** A run that must have gone through the engine (it always asks the server for the KB at least). */
  const expectEngine = async (expectCode?: number): Promise<Run> => {
    const engine = await skipListing(expectCode);
    expect(engine.requests.length, engine.result.stdout).toBeGreaterThan(0);
    return engine;
  };
  /** First upload, then the no-op run that records, then the shortcut: the starting point of most cases. */
  const settle = async (unchanged = MIRRORED): Promise<void> => {
    const first = await skipListing();
    expect(first.totals).toEqual({ ...NOTHING, uploaded: unchanged });
    expect(record()).toBeUndefined();
    const second = await expectEngine();
    expect(writes(getBox().emulator)).toEqual([]);
    expect(second.totals).toEqual({ ...NOTHING, unchanged });
    expect(record()).toBeDefined();
    await expectShortcut(unchanged);
  };
  /** After a change converged: the next run leaves a record (it is a no-op of the engine, or was already
   *  recorded by the converging run), and the one after is the shortcut again. */
  const expectRecordedAgain = async (unchanged: number): Promise<void> => {
    const next = await skipListing();
    expect(next.totals).toEqual({ ...NOTHING, unchanged });
    expect(writes(getBox().emulator)).toEqual([]);
    expect(record()).toBeDefined();
    await expectShortcut(unchanged);
  };
  return { recordFile, record, run, skipListing, expectShortcut, expectEngine, settle, expectRecordedAgain };
}

const PROFILES: ProfileName[] = ['v1-0.27', 'legacy-0.19'];

for (const profile of PROFILES) {
  describe(`--sync --skip-listing settled runs against ${profile}`, () => {
    let box: Sandbox;
    const h = harness(() => box);
    beforeEach(async () => {
      box = await makeSandbox({ profile, folder: { exclude: ['drafts/**'] } });
      await writeTree(box.docs, TREE);
    });
    afterEach(async () => box.cleanup());
    const mirrorHolds = async () => expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs, excludedBy()));

    it('uploads, then records the no-op run, then skips the engine: no request, unchanged = N, state untouched', async () => {
      const first = await h.skipListing();
      expect(first.totals).toEqual({ ...NOTHING, uploaded: MIRRORED });
      expect(uploads(box.emulator)).toHaveLength(MIRRORED);
      expect(h.record()).toBeUndefined(); // the run had work: nothing recorded
      await mirrorHolds();

      const second = await h.skipListing();
      expect(second.requests.length).toBeGreaterThan(0); // the engine ran…
      expect(writes(box.emulator)).toEqual([]); // …and found nothing to do
      expect(second.totals).toEqual({ ...NOTHING, unchanged: MIRRORED });
      const record = h.record();
      expect(record).toMatchObject({ format: 1, state: idOf(box.stateFile), folders: [{ root: box.docs, files: MIRRORED }] });

      const third = await h.expectShortcut(MIRRORED);
      expect(third.result.stderr).toBe('');
      expect(third.totals).toEqual(second.totals);
      const fourth = await h.expectShortcut(MIRRORED); // and again: the shortcut changes nothing it checks
      expect(fourth.totals).toEqual(second.totals);
      await mirrorHolds();
    });

    it('a rename after the record runs the engine and converges; the next runs record and skip again', async () => {
      await h.settle();
      await rename(path.join(box.docs, 'guides/install.md'), path.join(box.docs, 'guides/setup.md'));
      const moved = await h.expectEngine();
      expect(moved.totals).toEqual(profile.startsWith('v1') ? { ...NOTHING, renamed: 1, unchanged: MIRRORED - 1 } : { ...NOTHING, uploaded: 1, deleted: 1, unchanged: MIRRORED - 1 });
      expect(h.record()).toBeUndefined();
      await mirrorHolds();
      await h.expectRecordedAgain(MIRRORED);
    });
  });
}

describe('--sync --skip-listing settled runs: what sends the run back to the engine (v1-0.27)', () => {
  let box: Sandbox;
  const h = harness(() => box);
  let sleeper: ChildProcess | undefined;
  beforeEach(async () => {
    box = await makeSandbox({ profile: 'v1-0.27', folder: { exclude: ['drafts/**'] } });
    await writeTree(box.docs, TREE);
  });
  afterEach(async () => {
    if (sleeper !== undefined && sleeper.exitCode === null && sleeper.signalCode === null) {
      const exited = new Promise((resolve) => sleeper?.once('exit', resolve));
      sleeper.kill();
      await exited;
    }
    sleeper = undefined;
    await box.cleanup();
  });
  const mirrorHolds = async (keep = excludedBy()) => expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs, keep));

  it('a content change of the same size: replaced, mirrored, recorded again', async () => {
    await h.settle();
    const file = path.join(box.docs, 'guides/install.md');
    const before = idOf(file);
    await writeFile(file, 'INSTALL STEPS\n');
    expect(idOf(file).size).toBe(before.size);
    const changed = await h.expectEngine();
    expect(changed.totals).toEqual({ ...NOTHING, replaced: 1, unchanged: MIRRORED - 1 });
    expect(uploads(box.emulator)).toHaveLength(1);
    expect(h.record()).toBeUndefined();
    await mirrorHolds();
    const stored = box.emulator.documents('handbook').find((d) => d.name === 'guides/install.md');
    expect((await stored?.content())?.toString()).toBe('INSTALL STEPS\n');
    await h.expectRecordedAgain(MIRRORED);
  });

  it('utimes only: the engine re-hashes and uploads nothing; the run after it records again', async () => {
    await h.settle();
    const listingBefore = h.record()?.folders[0]?.listing;
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(box.docs, 'README.md'), later, later);
    const touched = await h.expectEngine();
    expect(uploads(box.emulator)).toEqual([]);
    expect(writes(box.emulator)).toEqual([]);
    // The re-hashed file is not counted unchanged: its new fingerprint is recorded (a 'record' action).
    expect(touched.totals).toEqual({ ...NOTHING, unchanged: MIRRORED - 1 });
    const state = await readStateJson(box.stateFile);
    expect(Object.values(state.folders)[0]?.files['README.md']?.mtimeMs).toBe(statSync(path.join(box.docs, 'README.md')).mtimeMs);
    await h.expectRecordedAgain(MIRRORED);
    expect(h.record()?.folders[0]?.listing).not.toBe(listingBefore);
    await mirrorHolds();
  });

  it('a new file: uploaded, recorded again', async () => {
    await h.settle();
    await writeTree(box.docs, { 'guides/new.md': 'brand new\n' });
    const added = await h.expectEngine();
    expect(added.totals).toEqual({ ...NOTHING, uploaded: 1, unchanged: MIRRORED });
    expect(h.record()).toBeUndefined();
    await mirrorHolds();
    await h.expectRecordedAgain(MIRRORED + 1);
  });

  it('a deleted file: its document is deleted on the server, recorded again', async () => {
    await h.settle();
    await rm(path.join(box.docs, 'guides/deep/nested/config.md'));
    const deleted = await h.expectEngine();
    expect(deleted.totals).toEqual({ ...NOTHING, deleted: 1, unchanged: MIRRORED - 1 });
    expect(box.emulator.documents('handbook').map((d) => d.name)).not.toContain('guides/deep/nested/config.md');
    expect(h.record()).toBeUndefined();
    await mirrorHolds();
    await h.expectRecordedAgain(MIRRORED - 1);
  });

  it('a file moved away and back (only its ctime moved): the engine runs, finds nothing, records again', async () => {
    await h.settle();
    const file = path.join(box.docs, 'README.md');
    await rename(file, path.join(box.dir, 'README.md'));
    await rename(path.join(box.dir, 'README.md'), file);
    const back = await h.expectEngine();
    expect(writes(box.emulator)).toEqual([]);
    expect(back.totals).toEqual({ ...NOTHING, unchanged: MIRRORED - 1 }); // re-hashed, same bytes
    await h.expectRecordedAgain(MIRRORED);
  });

  /** Adds a glob to the folder's excludes (and sets other folder options). */
  const narrow = async (glob: string, options: Record<string, unknown> = {}) => {
    const config = JSON.parse(await readFile(box.configFile, 'utf8')) as { folders: Array<{ exclude: string[] } & Record<string, unknown>> };
    const folder = config.folders[0];
    if (folder === undefined) throw new Error('no folder in the config');
    folder.exclude.push(glob);
    Object.assign(folder, options);
    await writeFile(box.configFile, JSON.stringify(config, null, 2));
  };

  it('a new exclude with deleteExcluded: the engine deletes the excluded documents, then records under the new config', async () => {
    await h.settle();
    const configBefore = h.record()?.config;
    await narrow('guides/**', { deleteExcluded: true });
    const excluded = await h.expectEngine();
    expect(excluded.totals).toEqual({ ...NOTHING, deleted: 2, unchanged: MIRRORED - 2 });
    expect(h.record()).toBeUndefined();
    await mirrorHolds(excludedBy(/^guides\//));
    await h.expectRecordedAgain(MIRRORED - 2);
    expect(h.record()?.config).not.toBe(configBefore);
  });

  // Fails at bca135f: with the default deleteExcluded: false the state keeps the excluded files' entries
  // (their documents stay, by design), and listingMatchesState counts every state entry, so a folder whose
  // filters were ever narrowed is never recorded again: every later run starts the engine.
  it('a new exclude (default: documents kept): the engine runs and keeps them, and the folder is recorded again', async () => {
    await h.settle();
    const mirrorBefore = await mirrorOf(box);
    await narrow('guides/**');
    const excluded = await h.expectEngine();
    expect(writes(box.emulator)).toEqual([]); // narrowing the filters never deletes by default
    expect(excluded.totals).toEqual({ ...NOTHING, unchanged: MIRRORED - 2 });
    expect(await mirrorOf(box)).toEqual(mirrorBefore);
    await h.expectRecordedAgain(MIRRORED - 2);
  });

  it('the state file rewritten by another writer (same content): the engine runs, writes nothing, records the new state', async () => {
    await h.settle();
    const text = await readFile(box.stateFile);
    const stampBefore = h.record()?.state;
    await writeStateJson(box.stateFile, await readStateJson(box.stateFile));
    expect(await readFile(box.stateFile)).toEqual(text); // the very same bytes…
    expect(idOf(box.stateFile)).not.toEqual(stampBefore); // …written again: another mtime
    const again = await h.expectEngine();
    expect(writes(box.emulator)).toEqual([]);
    expect(again.totals).toEqual({ ...NOTHING, unchanged: MIRRORED });
    expect(h.record()?.state).toEqual(idOf(box.stateFile));
    await h.expectShortcut(MIRRORED);
    await mirrorHolds();
  });

  it('a state file whose entries another writer changed: the engine acts on the state, not on the record', async () => {
    await h.settle();
    // Another writer forgot a file (e.g. an older backup put back): the engine must upload it again.
    const state = await readStateJson(box.stateFile);
    const folderKey = Object.keys(state.folders)[0] ?? '';
    const folder = state.folders[folderKey];
    if (folder === undefined) throw new Error('no folder in the state');
    const forgotten = folder.files['README.md']?.docId;
    delete folder.files['README.md'];
    await writeStateJson(box.stateFile, state);
    const run = await h.expectEngine();
    expect(run.totals.uploaded).toBe(1);
    expect((await readStateJson(box.stateFile)).folders[folderKey]?.files['README.md']?.docId).not.toBe(forgotten);
    expect(h.record()).toBeUndefined();
  });

  it('a lock held by a live process: exit 75 like the engine, the record untouched; once it is gone, recorded again', async () => {
    await h.settle();
    const recordText = readFileSync(h.recordFile());
    const recordId = idOf(h.recordFile());
    const stateId = idOf(box.stateFile);
    sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = sleeper.pid;
    if (pid === undefined) throw new Error('sleep did not start');
    const lockFile = `${box.stateFile}.lock`;
    await writeFile(lockFile, `${pid}\nnot-ours\n`);
    const locked = await h.skipListing(75);
    expect(locked.result.stderr).toContain(`pid ${pid}`);
    expect(readFileSync(h.recordFile())).toEqual(recordText);
    expect(idOf(h.recordFile())).toEqual(recordId);
    expect(idOf(box.stateFile)).toEqual(stateId);
    expect(readFileSync(lockFile, 'utf8')).toBe(`${pid}\nnot-ours\n`);

    const exited = new Promise((resolve) => sleeper?.once('exit', resolve));
    sleeper.kill();
    await exited;
    // The holder is dead: its lock is stale, the engine takes it over (the shortcut never does).
    const taken = await h.expectEngine();
    expect(taken.totals).toEqual({ ...NOTHING, unchanged: MIRRORED });
    expect(existsSync(lockFile)).toBe(false);
    await h.expectShortcut(MIRRORED);
  });

  it('a missing root: the engine runs and reports it (no shortcut, nothing deleted), and the record is removed', async () => {
    await h.settle();
    await rename(box.docs, path.join(box.dir, 'docs-away'));
    const missing = await h.expectEngine(1);
    expect(missing.totals.folderErrors).toBe(1);
    expect(writes(box.emulator)).toEqual([]);
    expect(h.record()).toBeUndefined();
    await rename(path.join(box.dir, 'docs-away'), box.docs);
    await h.expectRecordedAgain(MIRRORED);
    await mirrorHolds();
  });

  it('a record that is damaged, from another version, or names other listings, config or roots is not trusted', async () => {
    await h.settle();
    const good = h.record();
    if (good === undefined) throw new Error('no record');
    const folder = good.folders[0];
    if (folder === undefined) throw new Error('no folder in the record');
    const tampered: Array<[string, string]> = [
      ['damaged', '{"format": 1, "version": '],
      ['another version', JSON.stringify({ ...good, version: '0.0.0-other' })],
      ['another config', JSON.stringify({ ...good, config: '0'.repeat(64) })],
      ['another listing', JSON.stringify({ ...good, folders: [{ ...folder, listing: '0'.repeat(64) }] })],
      ['another root', JSON.stringify({ ...good, folders: [{ ...folder, root: path.join(box.dir, 'elsewhere') }] })],
      ['another state stamp', JSON.stringify({ ...good, state: { ...good.state, size: good.state.size + 1 } })],
      ['a folder too many', JSON.stringify({ ...good, folders: [folder, { ...folder, key: 'other::/x' }] })],
    ];
    for (const [what, text] of tampered) {
      await writeFile(h.recordFile(), text);
      const run = await h.skipListing();
      expect(run.requests.length, what).toBeGreaterThan(0); // the engine ran…
      expect(writes(box.emulator), what).toEqual([]);
      expect(run.totals, what).toEqual({ ...NOTHING, unchanged: MIRRORED });
      expect(h.record(), what).toMatchObject({ version: good.version, config: good.config, folders: [folder] }); // …and recorded afresh
    }
    await h.expectShortcut(MIRRORED);
  });

  it('a document deleted on the server is not noticed by the shortcut (by design: no server contact); plain --sync restores it', async () => {
    await h.settle();
    const doc = box.emulator.documents('handbook').find((d) => d.name === 'README.md');
    if (doc === undefined) throw new Error('README.md not mirrored');
    const res = await fetch(`${box.emulator.url}/api/v1/datasets/${doc.kbId}/documents`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [doc.id] }),
    });
    expect(res.status).toBe(200);
    await h.expectShortcut(MIRRORED);
    const full = await h.run(['--sync']);
    expect(full.totals.uploaded).toBe(1);
    await mirrorHolds();
  });

  it('a folder root that is a symlink to the tree: recorded and skipped like any other', async () => {
    const config = JSON.parse(await readFile(box.configFile, 'utf8')) as { folders: Array<{ path: string }> };
    await symlink(box.docs, path.join(box.dir, 'docs-link'));
    if (config.folders[0] !== undefined) config.folders[0].path = 'docs-link';
    await writeFile(box.configFile, JSON.stringify(config, null, 2));
    await h.settle();
    expect(h.record()?.folders[0]?.root).toBe(path.join(box.dir, 'docs-link'));
    await writeTree(box.docs, { 'added.md': 'through the link\n' });
    const added = await h.expectEngine();
    expect(added.totals.uploaded).toBe(1);
    await h.expectRecordedAgain(MIRRORED + 1);
  });
});

describe('--sync --skip-listing settled runs: two folders (v1-0.27)', () => {
  let box: Sandbox;
  const h = harness(() => box);
  beforeEach(async () => {
    box = await makeSandbox({ profile: 'v1-0.27', config: { folders: [{ path: 'docs', kb: 'handbook' }, { path: 'notes', kb: 'notebook' }] } });
    box.emulator.createKb('notebook');
    await writeTree(box.docs, { 'README.md': 'readme\n', 'guides/install.md': 'install\n' });
    await writeTree(path.join(box.dir, 'notes'), { 'monday.md': 'monday\n', 'tuesday.md': 'tuesday\n', 'week/wednesday.md': 'wednesday\n' });
  });
  afterEach(async () => box.cleanup());

  it('recorded only when both folders settle; the shortcut reports both; a change in either runs the engine', async () => {
    await h.settle(5);
    expect(h.record()?.folders.map((f) => [f.root, f.files])).toEqual([
      [box.docs, 2],
      [path.join(box.dir, 'notes'), 3],
    ]);
    await writeFile(path.join(box.dir, 'notes/monday.md'), 'MONDAY\n');
    const changed = await h.expectEngine();
    expect(changed.totals).toEqual({ ...NOTHING, replaced: 1, unchanged: 4 });
    expect(h.record()).toBeUndefined();
    await h.expectRecordedAgain(5);
    const doc = box.emulator.documents('notebook').find((d) => d.name === 'monday.md');
    expect((await doc?.content())?.toString()).toBe('MONDAY\n');
  });

  it('one folder with a file refused for good is recorded once that failure has been reported; both folders then take the shortcut', async () => {
    await writeTree(path.join(box.dir, 'notes'), { 'tool.exe': 'MZ\n' });
    const refused = await h.skipListing(1); // the failure is reported once (exit 1)…
    expect(refused.totals.failed).toBe(1);
    expect(existsSync(h.recordFile())).toBe(false);
    await h.expectEngine(0); // …then left alone until its bytes change: that run settles and records
    expect(h.record()?.folders.map((f) => f.files)).toEqual([2, 4]); // the refused file counts as unchanged, as the engine counts it
    await h.expectShortcut(6);
    await writeFile(path.join(box.dir, 'notes/tool.exe'), 'MZ, changed\n'); // new bytes: tried again (and refused again)
    const again = await h.expectEngine(1);
    expect(again.totals.failed).toBe(1);
    expect(existsSync(h.recordFile())).toBe(false);
  });
});

describe('--sync --skip-listing settled runs: refused and skipped files, dry runs, plain --sync, secrets (v1-0.27)', () => {
  let box: Sandbox;
  const h = harness(() => box);
  afterEach(async () => box.cleanup());

  it('a file that failed permanently (a type the server refuses) is recorded as the engine leaves it: unchanged, not retried', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'README.md': 'readme\n', 'prog.exe': 'MZ not really a program\n' });
    const first = await h.skipListing(1);
    expect(first.totals).toMatchObject({ uploaded: 1, failed: 1 });
    expect(existsSync(h.recordFile())).toBe(false);
    const second = await h.expectEngine(0); // not retried (permanent): a no-op of the engine, so recorded
    expect(uploads(box.emulator)).toEqual([]);
    expect(second.totals).toEqual({ ...NOTHING, unchanged: 2 });
    expect(existsSync(h.recordFile())).toBe(true);
    const shortcut = await h.expectShortcut(2); // what the engine would say: exit 0, both unchanged
    expect(shortcut.result.code).toBe(0);
  });

  it('a skipped file (an included symlink, a file over the size limit) is recorded once it is known; a new one is not', async () => {
    box = await makeSandbox({ profile: 'v1-0.27', folder: { maxFileSizeMB: 1 } });
    await writeTree(box.docs, { 'README.md': 'readme\n', 'big.bin': Buffer.alloc(1_100_000, 7) });
    await symlink('README.md', path.join(box.docs, 'link.md'));
    await h.skipListing(); // skips logged here, remembered in the state
    await h.expectEngine(); // nothing new: settled, recorded
    expect(h.record()?.folders.map((f) => f.files)).toEqual([1]);
    await h.expectShortcut(1);
    await symlink('README.md', path.join(box.docs, 'link2.md')); // a new skip: the engine logs it
    const fresh = await h.expectEngine();
    expect(fresh.result.stdout).toContain('link2.md');
    await h.expectRecordedAgain(1);
    await rm(path.join(box.docs, 'link.md')); // a skip gone: the engine forgets it
    await h.expectEngine();
    await h.expectRecordedAgain(1);
  });

  it('--dry-run neither writes nor uses the record', async () => {
    box = await makeSandbox({ profile: 'v1-0.27', folder: { exclude: ['drafts/**'] } });
    await writeTree(box.docs, TREE);
    await h.skipListing();
    // A settled tree, dry runs only: never recorded.
    for (let i = 0; i < 2; i++) {
      const dry = await h.run(['--sync', '--skip-listing', '--dry-run']);
      expect(dry.requests.length).toBeGreaterThan(0);
      expect(writes(box.emulator)).toEqual([]);
      expect(existsSync(h.recordFile())).toBe(false);
    }
    // A record made by a real run: a dry run goes through the engine and leaves the record as it was.
    await h.skipListing();
    const recordText = readFileSync(h.recordFile());
    const recordId = idOf(h.recordFile());
    const dry = await h.run(['--sync', '--skip-listing', '--dry-run']);
    expect(dry.requests.length).toBeGreaterThan(0);
    expect(dry.totals).toEqual({ ...NOTHING, unchanged: MIRRORED });
    await writeTree(box.docs, { 'fresh.md': 'fresh\n' });
    const planned = await h.run(['--sync', '--skip-listing', '--dry-run']);
    expect(planned.result.stdout).toContain('+ fresh.md');
    expect(writes(box.emulator)).toEqual([]);
    expect(readFileSync(h.recordFile())).toEqual(recordText);
    expect(idOf(h.recordFile())).toEqual(recordId);
    await rm(path.join(box.docs, 'fresh.md'));
    await h.expectShortcut(MIRRORED); // the tree is as recorded again: fresh.md is gone
  });

  it('plain --sync (with the listing) never uses the shortcut and never writes a record', async () => {
    box = await makeSandbox({ profile: 'v1-0.27', folder: { exclude: ['drafts/**'] } });
    await writeTree(box.docs, TREE);
    for (let i = 0; i < 3; i++) {
      const full = await h.run(['--sync']);
      expect(full.requests.some((r) => r.method === 'GET' && /\/datasets\/[^/]+\/documents$/.test(r.path))).toBe(true);
      expect(existsSync(h.recordFile())).toBe(false);
    }
    // With a record present (from --skip-listing runs), plain --sync still lists the server and leaves it.
    await h.skipListing();
    expect(existsSync(h.recordFile())).toBe(true);
    const recordText = readFileSync(h.recordFile());
    const full = await h.run(['--sync']);
    expect(full.requests.some((r) => r.method === 'GET' && /\/datasets\/[^/]+\/documents$/.test(r.path))).toBe(true);
    expect(full.totals).toEqual({ ...NOTHING, unchanged: MIRRORED });
    expect(readFileSync(h.recordFile())).toEqual(recordText);
  });

  it('the record holds no API key (nor the key file’s contents), only what the state knows', async () => {
    box = await makeSandbox({ profile: 'v1-0.27', folder: { exclude: ['drafts/**'] } });
    await writeTree(box.docs, TREE);
    await h.settle();
    const text = readFileSync(h.recordFile(), 'utf8');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(API_KEY.slice(0, 16));
    expect(text.toLowerCase()).not.toContain('apikey');
    expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(['config', 'folders', 'format', 'logLevel', 'recordedAt', 'state', 'stateFile', 'version']);
    // The key moved to the environment: the config file's text changed, so the engine checks once (and
    // records again); the key itself is in no digest, so the next run takes the shortcut.
    const config = JSON.parse(await readFile(box.configFile, 'utf8')) as { server: Record<string, unknown> };
    delete config.server['apiKey'];
    await writeFile(box.configFile, JSON.stringify(config, null, 2));
    box.emulator.clearRequests();
    const moved = await runCli(['--config', box.configFile, '--sync', '--skip-listing'], { env: { RAGFLOW_API_KEY: API_KEY } });
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(box.emulator.requests.length).toBeGreaterThan(0);
    expect(writes(box.emulator)).toEqual([]);
    box.emulator.clearRequests();
    const viaEnv = await runCli(['--config', box.configFile, '--sync', '--skip-listing'], { env: { RAGFLOW_API_KEY: API_KEY } });
    expect(viaEnv.code, viaEnv.stdout + viaEnv.stderr).toBe(0);
    expect(box.emulator.requests).toEqual([]);
    expect(totalsOf(viaEnv.stdout)).toEqual({ ...NOTHING, unchanged: MIRRORED });
    // Another key in the environment changes nothing on disk: still the shortcut.
    const otherKey = await runCli(['--config', box.configFile, '--sync', '--skip-listing'], { env: { RAGFLOW_API_KEY: 'another-key-0123456789abcdef0123' } });
    expect(otherKey.code, otherKey.stdout + otherKey.stderr).toBe(0);
    expect(box.emulator.requests).toEqual([]);
    await unlink(h.recordFile()); // deleting the record only costs the next run its shortcut
    box.emulator.clearRequests();
    const again = await runCli(['--config', box.configFile, '--sync', '--skip-listing'], { env: { RAGFLOW_API_KEY: API_KEY } });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(box.emulator.requests.length).toBeGreaterThan(0);
    expect(readFileSync(h.recordFile(), 'utf8')).not.toContain(API_KEY);
  });
});
