// The three pure checks behind the settled-run shortcut (src/sync/settled-check.ts): a listing that
// differs from the state in any way the scanner would see, or a state or report with anything left to do,
// must never pass, since that would let a later run skip the engine.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FolderMeta, TrackedFile } from '../../src/core/model.js';
import { createPathFilter } from '../../src/core/path-filter.js';
import { listTree, parseTreeListing } from '../../src/adapters/tree-listing.js';
import { reportSettled, settledFileCount, stateSettled } from '../../src/sync/settled-check.js';
import { emptyReport, type FolderReport } from '../../src/sync/sync-report.js';
import { makeTempDir } from '../adapters/temp-dir.js';

/** A regular file as find prints it, and the state entry that matches it exactly. */
interface ListedFileSpec {
  readonly relPath: string;
  readonly size: number;
  /** [seconds, nanoseconds], as the kernel keeps them. */
  readonly mtime: readonly [number, number];
  readonly ctime: readonly [number, number];
  readonly ino: number;
}

const DEV = 2049;

/** A change to an object, where undefined takes a field away. */
type Change<T> = { [K in keyof T]?: T[K] | undefined };

function fileEntry(spec: ListedFileSpec): string {
  // find's %T@ / %C@: seconds, a dot, nine digits of nanoseconds and a trailing 0.
  const time = ([sec, nsec]: readonly [number, number]) => `${sec}.${String(nsec).padStart(9, '0')}0`;
  return `f ${spec.relPath}\0${spec.size} ${time(spec.mtime)} ${time(spec.ctime)} ${spec.ino}\0`;
}

function otherEntry(type: string, relPath: string, ino: number): string {
  return `${type} ${relPath}\0${DEV} ${ino}\0`;
}

/** Node's lstat millisecond times (msFromTimeSpec): sec * 1e3 + nsec / 1e6. */
const msOf = ([sec, nsec]: readonly [number, number]) => sec * 1e3 + nsec / 1e6;

function tracked(spec: ListedFileSpec, extra: Partial<TrackedFile> = {}): TrackedFile {
  return {
    relPath: spec.relPath,
    size: spec.size,
    mtimeMs: msOf(spec.mtime),
    ctimeMs: msOf(spec.ctime),
    ino: spec.ino,
    sha256: 'a'.repeat(64),
    docId: `doc-${spec.ino}`,
    docName: spec.relPath,
    status: 'synced',
    updatedAt: 1_700_000_000_000,
    ...extra,
  };
}

const README: ListedFileSpec = { relPath: 'README.md', size: 11, mtime: [1_700_000_000, 123_456_789], ctime: [1_700_000_001, 5], ino: 101 };
const INSTALL: ListedFileSpec = { relPath: 'guides/install.md', size: 14, mtime: [1_700_000_002, 999_999_999], ctime: [1_700_000_002, 999_999_999], ino: 102 };
const CAFE: ListedFileSpec = { relPath: 'Ünïcode and spaces/naïve café.txt', size: 20, mtime: [1_600_000_000, 0], ctime: [1_700_000_003, 1], ino: 103 };
const EMPTY: ListedFileSpec = { relPath: 'empty.txt', size: 0, mtime: [1_700_000_004, 500_000_000], ctime: [1_700_000_004, 500_000_000], ino: 104 };
const FILES = [README, INSTALL, CAFE, EMPTY];

/** A listing of these files with their folders, in an order find could give (root first, then its files,
 *  then the folders and what they hold), plus any extra entries. */
function listingOf(files: readonly ListedFileSpec[], extra = ''): Buffer {
  const top = files.filter((f) => !f.relPath.includes('/'));
  const below = files.filter((f) => f.relPath.includes('/'));
  return Buffer.from(
    otherEntry('d', '', 2) + top.map(fileEntry).join('') + otherEntry('d', 'guides', 3) + otherEntry('d', 'Ünïcode and spaces', 4) + below.map(fileEntry).join('') + extra,
    'utf8',
  );
}

const RULES = createPathFilter({ exclude: ['drafts/**'] });
const entries = FILES.map((f) => tracked(f));

/** Whether the listing shows exactly the state's files (the count itself is checked where it matters). */
const listingMatchesState = (...args: Parameters<typeof settledFileCount>): boolean => settledFileCount(...args) !== undefined;

describe('settledFileCount', () => {
  it('the hand-built listing reads back as the entries (the builder speaks find’s format)', () => {
    const read: Array<Pick<TrackedFile, 'relPath' | 'size' | 'mtimeMs' | 'ctimeMs' | 'ino'>> = [];
    parseTreeListing(
      listingOf(FILES),
      (file) => read.push(file),
      () => undefined,
    );
    const byPath = (a: { relPath: string }, b: { relPath: string }) => a.relPath.localeCompare(b.relPath);
    expect(read.sort(byPath)).toEqual(entries.map(({ relPath, size, mtimeMs, ctimeMs, ino }) => ({ relPath, size, mtimeMs, ctimeMs, ino })).sort(byPath));
  });

  it('matches a listing with exactly the state’s files, in any order', () => {
    expect(listingMatchesState(listingOf(FILES), entries, RULES)).toBe(true);
    expect(listingMatchesState(listingOf(FILES), [...entries].reverse(), RULES)).toBe(true);
  });

  it('an empty folder matches an empty state; a folder with a file does not', () => {
    expect(listingMatchesState(Buffer.from(otherEntry('d', '', 2), 'utf8'), [], RULES)).toBe(true);
    expect(listingMatchesState(listingOf(FILES), [], RULES)).toBe(false);
    expect(listingMatchesState(Buffer.from(otherEntry('d', '', 2), 'utf8'), entries, RULES)).toBe(false);
  });

  const differences: Array<[string, ListedFileSpec]> = [
    ['size', { ...INSTALL, size: INSTALL.size + 1 }],
    // A double holds today's epoch milliseconds to about 0.25 µs: a microsecond is the finest difference
    // lstat's mtimeMs (and so the engine's fingerprint) can show. The listing digest sees nanoseconds.
    ['mtime (one microsecond)', { ...INSTALL, mtime: [INSTALL.mtime[0], INSTALL.mtime[1] - 1000] }],
    ['mtime (one second)', { ...INSTALL, mtime: [INSTALL.mtime[0] + 1, INSTALL.mtime[1]] }],
    ['ctime (one microsecond: a chmod or a rename away and back)', { ...CAFE, ctime: [CAFE.ctime[0], CAFE.ctime[1] + 1000] }],
    ['inode (replaced by a copy with the same times)', { ...EMPTY, ino: 999 }],
  ];
  it.each(differences)('a file whose %s differs does not match', (_what, changed) => {
    const files = FILES.map((f) => (f.relPath === changed.relPath ? changed : f));
    expect(listingMatchesState(listingOf(files), entries, RULES)).toBe(false);
  });

  it('an extra included file does not match (the engine would upload it)', () => {
    const added: ListedFileSpec = { relPath: 'guides/new.md', size: 3, mtime: [1_700_000_010, 0], ctime: [1_700_000_010, 0], ino: 110 };
    expect(listingMatchesState(listingOf([...FILES, added]), entries, RULES)).toBe(false);
  });

  it('a missing file does not match (the engine would delete its document)', () => {
    expect(listingMatchesState(listingOf(FILES.filter((f) => f !== INSTALL)), entries, RULES)).toBe(false);
  });

  it('a file listed under another path does not match (a rename)', () => {
    const moved = { ...INSTALL, relPath: 'guides/setup.md' };
    expect(listingMatchesState(listingOf(FILES.map((f) => (f === INSTALL ? moved : f))), entries, RULES)).toBe(false);
  });

  // Fails at bca135f: every state entry is counted, also those of files the rules now leave out, which the
  // default deleteExcluded: false keeps (documents and entries) and the planner never acts on. A folder
  // whose filters were narrowed is then never recorded again (e2e twin: test/e2e/settled-run.test.ts).
  it('state entries of files the rules now exclude are ignored, on disk or not (the planner leaves them alone)', () => {
    const rules = createPathFilter({ exclude: ['guides/**'] });
    expect(listingMatchesState(listingOf(FILES), entries, rules)).toBe(true);
    expect(listingMatchesState(listingOf(FILES.filter((f) => f !== INSTALL)), entries, rules)).toBe(true);
    expect(listingMatchesState(listingOf(FILES.map((f) => (f === INSTALL ? { ...INSTALL, size: 99 } : f))), entries, rules)).toBe(true);
    expect(listingMatchesState(listingOf(FILES), entries.filter((e) => e.relPath !== INSTALL.relPath), rules)).toBe(true);
    // The count is the engine's "unchanged": the included files only.
    expect(settledFileCount(listingOf(FILES), entries, rules)).toBe(entries.filter((e) => !e.relPath.startsWith('guides/')).length);
    expect(settledFileCount(listingOf(FILES), entries, RULES)).toBe(entries.length);
  });

  it('an included file still counts when other entries are excluded: missing or changed, it does not match', () => {
    const rules = createPathFilter({ exclude: ['guides/**'] });
    expect(listingMatchesState(listingOf(FILES.filter((f) => f !== README)), entries, rules)).toBe(false);
    expect(listingMatchesState(listingOf(FILES.map((f) => (f === README ? { ...README, ino: 7 } : f))), entries, rules)).toBe(false);
  });

  it('excluded files are ignored: built-in ignores, user excludes and files outside the include globs', () => {
    const junk = ['notes.md.swp', '.hidden.md', '~$report.docx', 'download.pdf.part', 'guides/backup.md~', 'guides/debug.log'];
    const extra = junk.map((relPath, index) => fileEntry({ relPath, size: 1, mtime: [1, 0], ctime: [1, 0], ino: 200 + index })).join('');
    expect(listingMatchesState(listingOf(FILES, extra), entries, createPathFilter({ exclude: ['**/*.log'] }))).toBe(true);
    expect(listingMatchesState(listingOf(FILES, extra), entries, createPathFilter({ exclude: ['*.log'] }))).toBe(false); // root only: guides/debug.log is included
    const mdOnly = createPathFilter({ include: ['**/*.md'] });
    const mdEntries = entries.filter((e) => e.relPath.endsWith('.md'));
    expect(listingMatchesState(listingOf(FILES, extra), mdEntries, mdOnly)).toBe(true);
  });

  it('files under a pruned folder (exclude drafts/**, a dot-folder) are ignored, however deep', () => {
    const extra =
      otherEntry('d', 'drafts', 20) +
      fileEntry({ relPath: 'drafts/wip.md', size: 5, mtime: [1, 0], ctime: [1, 0], ino: 21 }) +
      otherEntry('d', 'drafts/deep', 22) +
      fileEntry({ relPath: 'drafts/deep/more.md', size: 5, mtime: [1, 0], ctime: [1, 0], ino: 23 }) +
      otherEntry('l', 'drafts/link.md', 24) +
      otherEntry('d', '.git', 25) +
      fileEntry({ relPath: '.git/config', size: 5, mtime: [1, 0], ctime: [1, 0], ino: 26 }) +
      otherEntry('p', '.git/fifo', 27);
    expect(listingMatchesState(listingOf(FILES, extra), entries, RULES)).toBe(true);
    // Without the exclude, the same listing holds files the state does not know.
    expect(listingMatchesState(listingOf(FILES, extra.replace(/\.git/g, 'git')), entries, RULES)).toBe(false);
    expect(listingMatchesState(listingOf(FILES, extra), entries, createPathFilter())).toBe(false);
  });

  it('an included symlink, FIFO, socket or device does not match (the scanner would skip it and say so)', () => {
    for (const type of ['l', 'p', 's', 'c', 'b']) {
      expect(listingMatchesState(listingOf(FILES, otherEntry(type, 'guides/odd.md', 30)), entries, RULES), type).toBe(false);
    }
  });

  it('a symlink, FIFO or oversize file the folder already remembers as skipped matches; counts are the synced files', () => {
    const BIG = { relPath: 'big.bin', size: 5_000, mtime: [1_700_000_005, 0] as const, ctime: [1_700_000_005, 0] as const, ino: 105 };
    const extra = otherEntry('l', 'link.md', 106) + otherEntry('p', 'pipe', 107) + fileEntry(BIG);
    const skipped = [
      { relPath: 'big.bin', reason: 'too-large' },
      { relPath: 'link.md', reason: 'symlink' },
      { relPath: 'pipe', reason: 'not-regular' },
    ];
    expect(settledFileCount(listingOf(FILES, extra), entries, RULES, { skipped, maxFileBytes: 4_096 })).toBe(entries.length);
    // Not remembered (the engine would log it as newly skipped), or remembered for another reason: no.
    expect(settledFileCount(listingOf(FILES, extra), entries, RULES, { skipped: skipped.slice(1), maxFileBytes: 4_096 })).toBeUndefined();
    expect(settledFileCount(listingOf(FILES, extra), entries, RULES, { skipped: [skipped[0], { relPath: 'link.md', reason: 'not-regular' }, skipped[2]] as typeof skipped, maxFileBytes: 4_096 })).toBeUndefined();
    // The big file now under the limit would be uploaded: no.
    expect(settledFileCount(listingOf(FILES, extra), entries, RULES, { skipped, maxFileBytes: 10_000 })).toBeUndefined();
    // A remembered skip that is gone would be forgotten by the engine (a state write): no.
    expect(settledFileCount(listingOf(FILES, otherEntry('l', 'link.md', 106) + fileEntry(BIG)), entries, RULES, { skipped, maxFileBytes: 4_096 })).toBeUndefined();
    // A synced file that grew over the limit: no.
    expect(settledFileCount(listingOf(FILES), entries, RULES, { maxFileBytes: 12 })).toBeUndefined();
  });

  it('an excluded symlink or FIFO is fine', () => {
    const extra = otherEntry('l', '.link.md', 31) + otherEntry('l', 'drafts/link.md', 32) + otherEntry('p', 'pipe.md.swp', 33) + otherEntry('l', 'link.log', 34);
    expect(listingMatchesState(listingOf(FILES, extra), entries, createPathFilter({ exclude: ['drafts/**', '*.log'] }))).toBe(true);
  });

  it('a symlink to a folder under an included name does not match; its name excluded, it is fine', () => {
    expect(listingMatchesState(listingOf(FILES, otherEntry('l', 'linked-folder', 35)), entries, RULES)).toBe(false);
    expect(listingMatchesState(listingOf(FILES, otherEntry('l', 'linked-folder', 35)), entries, createPathFilter({ exclude: ['linked-folder'] }))).toBe(true);
  });

  it('throws on a listing it cannot read', () => {
    expect(() => listingMatchesState(Buffer.from('f README.md\0', 'utf8'), entries, RULES)).toThrow(/tree listing/);
  });

  it('on a real folder listed by find: matches entries built from lstat, and sees a symlink find lists', async () => {
    const root = makeTempDir();
    mkdirSync(path.join(root, 'guides'));
    mkdirSync(path.join(root, 'drafts'));
    writeFileSync(path.join(root, 'README.md'), '# Handbook\n');
    writeFileSync(path.join(root, 'guides/install.md'), 'install\n');
    writeFileSync(path.join(root, 'drafts/wip.md'), 'wip\n');
    const listed = await listTree(root, { keep: true });
    if (listed?.bytes === undefined) throw new Error('no listing');
    const real: TrackedFile[] = [];
    parseTreeListing(
      listed.bytes,
      (file) => {
        if (!file.relPath.startsWith('drafts/')) real.push({ ...file, sha256: 'b'.repeat(64), docId: file.relPath, status: 'synced', updatedAt: 1 });
      },
      () => undefined,
    );
    expect(real.map((e) => e.relPath).sort()).toEqual(['README.md', 'guides/install.md']);
    expect(listingMatchesState(listed.bytes, real, RULES)).toBe(true);
    symlinkSync('README.md', path.join(root, 'guides/link.md'));
    const withLink = await listTree(root, { keep: true });
    expect(listingMatchesState(withLink?.bytes ?? Buffer.alloc(0), real, RULES)).toBe(false);
  });
});

describe('stateSettled', () => {
  const meta: FolderMeta = { kbName: 'handbook', kbId: 'kb-1', rootDev: DEV, rootIno: 2, lastReconcileAt: 1_700_000_100_000 };

  it('a reconciled folder whose entries are all confirmed and idle is settled (an empty one too)', () => {
    expect(stateSettled(meta, entries)).toBe(true);
    expect(stateSettled(meta, [])).toBe(true);
    expect(stateSettled(meta, [tracked(README, { failures: 0, parserId: 'naive' })])).toBe(true);
    expect(stateSettled({ ...meta, heldDeletes: [], skipped: [] }, entries)).toBe(true);
  });

  const unsettledEntries: Array<[string, Change<TrackedFile>]> = [
    ['status pending', { status: 'pending' }],
    ['status failed', { status: 'failed' }],
    ['no document id (a first upload not confirmed)', { docId: undefined }],
    ['an upload intent', { intent: { kind: 'upload', name: 'README.md', sha256: 'c'.repeat(64), startedAt: 1 } }],
    ['a delete intent', { intent: { kind: 'delete', docIds: ['old'], startedAt: 1 } }],
    ['obsoleteDocIds', { obsoleteDocIds: ['old-doc'] }],
    ['disabledAt (deleteMode disable, grace period running)', { disabledAt: 1_700_000_000_000 }],
    ['permanent', { permanent: true }],
    ['permanent: false', { permanent: false }],
    ['failedSha256', { failedSha256: 'd'.repeat(64) }],
    ['lastError', { lastError: 'This type of file has not been supported yet!' }],
  ];
  it.each(unsettledEntries)('an entry with %s is not settled', (_what, change) => {
    const changed = { ...tracked(INSTALL), ...change } as TrackedFile;
    expect(stateSettled(meta, [tracked(README), changed, tracked(CAFE)])).toBe(false);
  });

  const unsettledMeta: Array<[string, FolderMeta | undefined]> = [
    ['no meta at all', undefined],
    ['meta without lastReconcileAt', { kbName: 'handbook', kbId: 'kb-1' }],
    ['meta.rebuild adopt', { ...meta, rebuild: 'adopt' }],
    ['meta.rebuild blocked', { ...meta, rebuild: 'blocked' }],
    ['heldDeletes', { ...meta, heldDeletes: ['README.md'] }],
    ['a file skipped as unreadable (not in the listing)', { ...meta, skipped: [{ relPath: 'secret.txt', reason: 'unreadable' }] }],
    ['a folder skipped as unreadable', { ...meta, skipped: [{ relPath: 'locked', reason: 'unreadable-dir' }] }],
  ];
  it('steady skips (symlink, FIFO or socket, too large) and files that failed for good keep a folder settled', () => {
    const steady = { ...meta, skipped: [{ relPath: 'big.txt', reason: 'too-large' }, { relPath: 'link.md', reason: 'symlink' }, { relPath: 'pipe', reason: 'not-regular' }] };
    expect(stateSettled(steady, entries)).toBe(true);
    const failedForGood = { ...tracked(INSTALL), status: 'failed', permanent: true, failedSha256: 'd'.repeat(64), lastError: 'unsupported type', docId: undefined } as unknown as TrackedFile;
    expect(stateSettled(meta, [tracked(README), failedForGood])).toBe(true);
    // …but not one still to be retried, or with work left.
    expect(stateSettled(meta, [{ ...failedForGood, permanent: undefined } as unknown as TrackedFile])).toBe(false);
    expect(stateSettled(meta, [{ ...failedForGood, failedSha256: undefined } as unknown as TrackedFile])).toBe(false);
    expect(stateSettled(meta, [{ ...failedForGood, obsoleteDocIds: ['old'] }])).toBe(false);
    expect(stateSettled(meta, [{ ...failedForGood, intent: { kind: 'upload', name: 'x', sha256: 'e'.repeat(64), startedAt: 1 } }])).toBe(false);
  });

  it.each(unsettledMeta)('a folder with %s is not settled', (_what, changed) => {
    expect(stateSettled(changed, entries)).toBe(false);
    expect(stateSettled(changed, [])).toBe(false);
  });
});

describe('reportSettled', () => {
  const folder = { key: 'handbook\0/docs', path: '/docs', kb: 'handbook' } as unknown as Parameters<typeof emptyReport>[0];
  const settled = (): FolderReport => ({ ...emptyReport(folder), plan: [], unchanged: 4, remoteListed: false, elapsedMs: 12 });
  const local = { relPath: 'a.md', absPath: '/docs/a.md', size: 1, mtimeMs: 1, ctimeMs: 1, ino: 1 };

  it('a run that planned nothing and did nothing is settled, whatever it found unchanged', () => {
    expect(reportSettled(settled())).toBe(true);
    expect(reportSettled({ ...settled(), unchanged: 0 })).toBe(true);
  });

  const unsettled: Array<[string, Change<FolderReport>]> = [
    ['no plan (the folder was not planned)', { plan: undefined }],
    ['a planned upload', { plan: [{ kind: 'upload', relPath: 'a.md', reason: 'new', local }] }],
    ['a planned delete', { plan: [{ kind: 'delete', relPath: 'a.md', reason: 'deleted', docIds: ['d'] }] }],
    ['a planned rename', { plan: [{ kind: 'rename', relPath: 'b.md', from: 'a.md', docId: 'd', local }] }],
    ['uploaded', { uploaded: 1 }],
    ['replaced', { replaced: 1 }],
    ['renamed', { renamed: 1 }],
    ['deleted', { deleted: 1 }],
    ['failed', { failed: [{ relPath: 'a.md', error: 'refused' }] }],
    ['a file skipped as unreadable', { skipped: [{ relPath: 'secret.txt', reason: 'unreadable', code: 'EACCES' }] }],
    ['a file changing while read', { skipped: [{ relPath: 'a.md', reason: 'changing' }] }],
    ['a folder skipped as unreadable', { skipped: [{ relPath: 'locked', reason: 'unreadable-dir' }] }],
    ['held', { held: ['a.md'], heldReason: 'mass-delete guard' }],
    ['a folder error', { error: 'the folder root is missing' }],
    ['a folder error with an empty message', { error: '' }],
  ];
  it('steady skips keep a run settled (the engine logs a skip once, when it is new)', () => {
    const skipped = [
      { relPath: 'big.txt', reason: 'too-large' },
      { relPath: 'link.md', reason: 'symlink' },
      { relPath: 'pipe', reason: 'not-regular' },
    ];
    expect(reportSettled({ ...settled(), skipped })).toBe(true);
  });

  it.each(unsettled)('a report with %s is not settled', (_what, change) => {
    expect(reportSettled({ ...settled(), ...change } as FolderReport)).toBe(false);
  });
});
