// listTree / parseTreeListing / ListingProbe on real temp folders with the real GNU find: the listing
// digest is what the settled-run shortcut trusts, so every change the engine would see must move it.
import { chmodSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTree, ListingProbe, parseTreeListing, type ListedFile, type ListedOther } from '../../src/adapters/tree-listing.js';
import { makeTempDir } from './temp-dir.js';

const TREE: Record<string, string> = {
  'README.md': '# Handbook\n',
  'guides/install.md': 'install steps\n',
  'guides/deep/nested/config.md': 'nested config\n',
  'Ünïcode and spaces/naïve café.txt': 'unicode content ✓\n',
  'empty.txt': '',
};

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
}

async function digestOf(root: string): Promise<string> {
  const listing = await listTree(root);
  if (listing === undefined) throw new Error(`no listing of ${root}`);
  expect(listing.bytes).toBeUndefined(); // only kept when asked for
  return listing.digest;
}

async function bytesOf(root: string): Promise<Buffer> {
  const listing = await listTree(root, { keep: true });
  if (listing?.bytes === undefined) throw new Error(`no listing of ${root}`);
  return listing.bytes;
}

function parse(bytes: Buffer): { files: Map<string, ListedFile>; others: ListedOther[] } {
  const files = new Map<string, ListedFile>();
  const others: ListedOther[] = [];
  parseTreeListing(
    bytes,
    (file) => files.set(file.relPath, file),
    (other) => others.push(other),
  );
  return { files, others };
}

/** Every regular file under root (walked with Node, not find), root-relative. */
function filesUnder(root: string, prefix = ''): string[] {
  return readdirSync(path.join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return filesUnder(root, rel);
    return entry.isFile() ? [rel] : [];
  });
}

/**
 * Waits until the file system's clock (coarse: a kernel tick, a few ms) has moved past every ctime in the
 * tree, so that a change made now gets a new ctime. Without it a ctime-only change made within the tick of
 * the tree's creation would leave the listing equal, and the test would say nothing about find.
 */
async function fsClockPast(root: string): Promise<void> {
  const newest = Math.max(...filesUnder(root).map((rel) => lstatSync(path.join(root, rel)).ctimeMs), lstatSync(root).ctimeMs);
  const scratch = path.join(makeTempDir('ragflow-sync-clock-'), 'tick');
  const deadline = Date.now() + 5_000;
  for (;;) {
    writeFileSync(scratch, 'x');
    if (lstatSync(scratch).ctimeMs > newest) return;
    if (Date.now() > deadline) throw new Error('the file system clock did not move');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('listTree: the digest', () => {
  it('is stable across two listings of an unchanged tree, and lists every entry in the find format', async () => {
    const root = makeTempDir();
    writeTree(root, TREE);
    const first = await digestOf(root);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await digestOf(root)).toBe(first);
    const { files, others } = parse(await bytesOf(root));
    expect([...files.keys()].sort()).toEqual(Object.keys(TREE).sort());
    expect(others.map((o) => `${o.type} ${o.relPath}`).sort()).toEqual(
      ['d ', 'd guides', 'd guides/deep', 'd guides/deep/nested', 'd Ünïcode and spaces'].sort(),
    );
  });

  // Each change the engine would act on (or would have to look at) moves the digest.
  const changes: Array<[string, (root: string, outside: string) => void]> = [
    ['a content rewrite of the same size', (root) => writeFileSync(path.join(root, 'guides/install.md'), 'INSTALL STEPS\n')],
    [
      'a utimes touch (content unchanged)',
      (root) => {
        const later = new Date(Date.now() + 60_000);
        utimesSync(path.join(root, 'README.md'), later, later);
      },
    ],
    ['a chmod (only the ctime moves)', (root) => chmodSync(path.join(root, 'README.md'), 0o600)],
    ['an added file', (root) => writeFileSync(path.join(root, 'guides/new.md'), 'new\n')],
    ['an added empty file', (root) => writeFileSync(path.join(root, 'zero.md'), '')],
    ['a deleted file', (root) => rmSync(path.join(root, 'guides/deep/nested/config.md'))],
    ['a rename within the tree', (root) => renameSync(path.join(root, 'README.md'), path.join(root, 'guides/README.md'))],
    ['a rename in place (same folder)', (root) => renameSync(path.join(root, 'README.md'), path.join(root, 'INDEX.md'))],
    [
      'a rename away and back (only the ctime moves)',
      (root, outside) => {
        renameSync(path.join(root, 'guides/install.md'), path.join(outside, 'install.md'));
        renameSync(path.join(outside, 'install.md'), path.join(root, 'guides/install.md'));
      },
    ],
    ['an empty subfolder added', (root) => mkdirSync(path.join(root, 'guides/empty'))],
    ['an empty subfolder removed', (root) => rmSync(path.join(root, 'Ünïcode and spaces/empty'), { recursive: true })],
    [
      'a file replaced by a same-named copy (cp without -p: new inode)',
      (root, outside) => {
        const file = path.join(root, 'README.md');
        const stats = statSync(file);
        writeFileSync(path.join(outside, 'copy'), TREE['README.md'] ?? '');
        utimesSync(path.join(outside, 'copy'), stats.atime, stats.mtime);
        renameSync(path.join(outside, 'copy'), file);
      },
    ],
    ['a symlink added', (root) => symlinkSync('README.md', path.join(root, 'link.md'))],
  ];
  it.each(changes)('changes after %s', async (_what, change) => {
    const root = makeTempDir();
    const outside = makeTempDir(); // same file system (both in tmpdir), so rename(2) works
    writeTree(root, TREE);
    mkdirSync(path.join(root, 'Ünïcode and spaces/empty'), { recursive: true });
    const before = await digestOf(root);
    expect(await digestOf(root)).toBe(before);
    await fsClockPast(root);
    change(root, outside);
    expect(await digestOf(root)).not.toBe(before);
  });

  it('a rename away and back differs only in the ctime: the listing still sees it', async () => {
    const root = makeTempDir();
    const outside = makeTempDir();
    writeTree(root, TREE);
    const before = parse(await bytesOf(root)).files.get('guides/install.md');
    await fsClockPast(root);
    renameSync(path.join(root, 'guides/install.md'), path.join(outside, 'install.md'));
    renameSync(path.join(outside, 'install.md'), path.join(root, 'guides/install.md'));
    const after = parse(await bytesOf(root)).files.get('guides/install.md');
    expect(after).toEqual({ ...before, ctimeMs: after?.ctimeMs });
    expect(after?.ctimeMs).toBeGreaterThan(before?.ctimeMs ?? Infinity);
  });

  it('is the same bytes whatever the number of find processes, and holds every entry once (top-level folders with odd names too)', async () => {
    const root = makeTempDir('listing-shards');
    writeTree(root, { ...TREE, '-dash/a.md': 'a\n', '(paren)/b.md': 'b\n', 'zz/c.md': 'c\n', 'sp ace/d.md': 'd\n', 'empty-dir/.keep': '' });
    const one = await listTree(root, { keep: true, shards: 1 });
    expect(one?.bytes).toBeDefined();
    for (const shards of [2, 3, 16]) {
      const many = await listTree(root, { keep: true, shards });
      expect(many?.digest, `${shards} processes`).toBe(one?.digest);
      expect(many?.bytes?.equals(one?.bytes ?? Buffer.alloc(0))).toBe(true);
    }
    const { files, others } = parse(one?.bytes ?? Buffer.alloc(0));
    expect([...files.keys()].sort()).toEqual(
      [...Object.keys(TREE), '-dash/a.md', '(paren)/b.md', 'zz/c.md', 'sp ace/d.md', 'empty-dir/.keep'].sort(),
    );
    const dirs = others.filter((o) => o.type === 'd').map((o) => o.relPath);
    expect(new Set(dirs).size).toBe(dirs.length); // each folder once
    expect(dirs).toContain('');
    expect(dirs).toContain('-dash');
    expect(dirs).toContain('guides/deep/nested');
  });

  it('a missing root gives no listing', async () => {
    const root = makeTempDir();
    expect(await listTree(path.join(root, 'nowhere'))).toBeUndefined();
    expect(await listTree(path.join(root, 'nowhere'), { keep: true })).toBeUndefined();
  });

  it('a root that is a symlink to a folder is followed: its listing is byte-identical to the target’s', async () => {
    const base = makeTempDir();
    const target = path.join(base, 'target');
    writeTree(target, TREE);
    const link = path.join(base, 'link');
    symlinkSync(target, link);
    const viaLink = await bytesOf(link);
    expect(viaLink).toEqual(await bytesOf(target));
    expect(parse(viaLink).files.size).toBe(Object.keys(TREE).length);
    expect(parse(viaLink).others).toContainEqual({ type: 'd', relPath: '' });
  });

  it('a symlink below the root is listed as a link, not followed', async () => {
    const root = makeTempDir();
    const outside = makeTempDir();
    writeTree(root, { 'a.md': 'a\n' });
    writeTree(outside, { 'secret.md': 'outside\n' });
    symlinkSync(outside, path.join(root, 'to-outside'));
    symlinkSync('a.md', path.join(root, 'b.md'));
    const { files, others } = parse(await bytesOf(root));
    expect([...files.keys()]).toEqual(['a.md']);
    expect(others.filter((o) => o.type === 'l').map((o) => o.relPath).sort()).toEqual(['b.md', 'to-outside']);
  });

  it('leaves no temp file behind (the listing names every file of the folder)', async () => {
    const root = makeTempDir();
    writeTree(root, TREE);
    await listTree(root, { keep: true });
    await listTree(root);
    await listTree(path.join(root, 'nowhere'));
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(`.ragflow-sync-listing-${process.pid}-`))).toEqual([]);
  });
});

describe('parseTreeListing', () => {
  it('gives each file the size, mtimeMs, ctimeMs and inode lstat gives (Unicode, spaces, 0 bytes, old and far-future times)', async () => {
    const root = makeTempDir();
    writeTree(root, { ...TREE, 'before 1970.md': 'old\n', 'just before 1970.md': 'older\n', 'far future.md': 'later\n', 'odd ns.md': 'ns\n' });
    // Dates: Node takes a negative number of seconds for "now". find prints -1.5 s as -2.5000000000 (sec -2,
    // nsec 5e8) and -0.25 s as -1.7500000000.
    utimesSync(path.join(root, 'before 1970.md'), new Date(-1500), new Date(-1500));
    utimesSync(path.join(root, 'just before 1970.md'), new Date(-250), new Date(-250));
    utimesSync(path.join(root, 'far future.md'), 10_413_792_000.123, 10_413_792_000.123);
    utimesSync(path.join(root, 'odd ns.md'), 1_700_000_000.987654, 1_700_000_000.987654);
    const { files } = parse(await bytesOf(root));
    const onDisk = filesUnder(root).sort();
    expect([...files.keys()].sort()).toEqual(onDisk);
    for (const rel of onDisk) {
      const stats = lstatSync(path.join(root, rel));
      expect(files.get(rel), rel).toEqual({ relPath: rel, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino });
    }
    expect(files.get('Ünïcode and spaces/naïve café.txt')?.size).toBe(Buffer.byteLength(TREE['Ünïcode and spaces/naïve café.txt'] ?? ''));
    expect(files.get('before 1970.md')?.mtimeMs).toBe(-1500);
    expect(files.get('just before 1970.md')?.mtimeMs).toBe(-250);
  });

  it('reads hand-written entries of every kind', () => {
    const bytes = Buffer.from('d \x002049 11\x00f a b.md\x0012 1700000000.5000000000 1700000001.0000000010 42\x00l link\x002049 43\x00p fifo\x002049 44\x00', 'utf8');
    const { files, others } = parse(bytes);
    expect([...files.values()]).toEqual([{ relPath: 'a b.md', size: 12, mtimeMs: 1_700_000_000_500, ctimeMs: 1_700_000_001 * 1e3 + 10 / 1e6, ino: 42 }]);
    expect(others).toEqual([
      { type: 'd', relPath: '' },
      { type: 'l', relPath: 'link' },
      { type: 'p', relPath: 'fifo' },
    ]);
  });

  it('an empty listing is no entries', () => {
    expect(parse(Buffer.alloc(0))).toEqual({ files: new Map(), others: [] });
  });

  const broken: Array<[string, string]> = [
    ['truncated after a name', 'f a.md\x00'],
    ['without its last NUL', 'f a.md\x001 1.0000000000 1.0000000000 1'],
    ['a name without the type separator', 'fa.md\x001 1.0000000000 1.0000000000 1\x00'],
    ['three numbers for a file', 'f a.md\x001 1.0000000000 1\x00'],
    ['a size that is not a number', 'f a.md\x00x 1.0000000000 1.0000000000 1\x00'],
    ['a time without nanoseconds', 'f a.md\x001 1 1.0000000000 1\x00'],
    ['a negative inode', 'f a.md\x001 1.0000000000 1.0000000000 -1\x00'],
  ];
  it.each(broken)('throws on a listing %s (never silently wrong)', (_what, text) => {
    expect(() => parse(Buffer.from(text, 'utf8'))).toThrow(/tree listing/);
  });
});

describe('ListingProbe', () => {
  it('lists a started root once: digest() resolves that listing, even after the tree changed', async () => {
    const root = makeTempDir();
    writeTree(root, TREE);
    const probe = new ListingProbe();
    probe.start(root);
    const first = await probe.digest(root);
    expect(first).toBe(await digestOf(root));
    writeFileSync(path.join(root, 'added.md'), 'added\n');
    probe.start(root); // started again: still the first listing
    const now = await digestOf(root);
    expect(now).not.toBe(first);
    expect(await probe.digest(root)).toBe(first);
    expect(await Promise.all([probe.digest(root), probe.digest(root)])).toEqual([first, first]);
  });

  it('lists a root it was not started for when asked, and remembers that listing too', async () => {
    const root = makeTempDir();
    writeTree(root, TREE);
    const probe = new ListingProbe();
    const digest = await probe.digest(root);
    expect(digest).toBe(await digestOf(root));
    rmSync(path.join(root, 'README.md'));
    expect(await probe.digest(root)).toBe(digest);
  });

  it('keeps roots apart, and resolves undefined for a missing root', async () => {
    const a = makeTempDir();
    const b = makeTempDir();
    writeTree(a, { 'a.md': 'a\n' });
    writeTree(b, { 'b.md': 'b\n' });
    const probe = new ListingProbe();
    probe.start(a);
    probe.start(path.join(a, 'nowhere'));
    const [digestA, digestB, missing] = await Promise.all([probe.digest(a), probe.digest(b), probe.digest(path.join(a, 'nowhere'))]);
    expect(digestA).toBe(await digestOf(a));
    expect(digestB).toBe(await digestOf(b));
    expect(digestA).not.toBe(digestB);
    expect(missing).toBeUndefined();
  });
});
