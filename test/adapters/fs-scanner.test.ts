import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, symlinkSync, writeFileSync, chmodSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPathFilter } from '../../src/core/path-filter.js';
import { scanFolder, ScanRootError, statFile, type ScanResult } from '../../src/adapters/fs-scanner.js';
import { runAsUnprivileged, type ChildOutcome } from './run-in-child.js';
import { makeTempDir } from './temp-dir.js';

const everything = createPathFilter();

function writeTree(root: string, files: Record<string, string>): void {
  for (const [relPath, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, relPath)), { recursive: true });
    writeFileSync(path.join(root, relPath), content);
  }
}

const relPaths = (result: ScanResult): string[] => result.files.map((file) => file.relPath).sort();

async function rootError(promise: Promise<unknown>): Promise<ScanRootError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ScanRootError);
  return error as ScanRootError;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('scanFolder', () => {
  it('lists regular files with POSIX relative paths and lstat fingerprints', async () => {
    const root = makeTempDir();
    writeTree(root, {
      'a.md': 'hello',
      'empty.txt': '',
      'guides/install.md': 'x'.repeat(1000),
      'guides/deep/er/file.pdf': 'pdf',
      'Über résumé/日本語 資料.docx': 'u',
    });
    const result = await scanFolder(root, everything);
    expect(relPaths(result)).toEqual(['Über résumé/日本語 資料.docx', 'a.md', 'empty.txt', 'guides/deep/er/file.pdf', 'guides/install.md'].sort());
    for (const file of result.files) {
      const stats = lstatSync(path.join(root, file.relPath));
      expect(file).toEqual({
        relPath: file.relPath,
        absPath: path.join(root, file.relPath),
        size: stats.size,
        mtimeMs: stats.mtimeMs,
        ctimeMs: stats.ctimeMs,
        ino: stats.ino,
      });
      expect(file.sha256).toBeUndefined();
    }
    const rootStats = statSync(root);
    expect(result.root).toEqual({ dev: rootStats.dev, ino: rootStats.ino });
    expect(result.skipped).toEqual([]);
  });

  it('gives the same answer at any concurrency and slice length', async () => {
    const root = makeTempDir();
    const files: Record<string, string> = {};
    for (let index = 0; index < 300; index++) files[`d${index % 7}/e${index % 3}/f${index}.md`] = String(index);
    writeTree(root, files);
    const expected = Object.keys(files).sort();
    for (const options of [{ concurrency: 1 }, { concurrency: 16 }, { sliceMs: 0 }]) {
      expect(relPaths(await scanFolder(root, everything, options))).toEqual(expected);
    }
  });

  it('applies the filter and never enters excluded or dot folders', async () => {
    const root = makeTempDir();
    writeTree(root, { 'keep.md': '', 'drafts/a.md': '', '.git/config': '', 'notes.md.swp': '', 'sub/~$x.docx': '' });
    // Things that would be reported if these folders were walked:
    symlinkSync('/etc', path.join(root, 'drafts/link'));
    execFileSync('mkfifo', [path.join(root, '.git/fifo')]);
    const result = await scanFolder(root, createPathFilter({ exclude: ['drafts/**'] }));
    expect(relPaths(result)).toEqual(['keep.md']);
    expect(result.skipped).toEqual([]);
  });

  it('reports symlinks without following them, loops included', async () => {
    const root = makeTempDir();
    writeTree(root, { 'real/a.md': 'a' });
    symlinkSync('real/a.md', path.join(root, 'file-link.md'));
    symlinkSync('real', path.join(root, 'dir-link'));
    symlinkSync('.', path.join(root, 'loop'));
    symlinkSync('/nonexistent/target', path.join(root, 'dangling'));
    const result = await scanFolder(root, everything);
    expect(relPaths(result)).toEqual(['real/a.md']);
    expect([...result.skipped].sort((a, b) => a.relPath.localeCompare(b.relPath))).toEqual([
      { relPath: 'dangling', reason: 'symlink' },
      { relPath: 'dir-link', reason: 'symlink' },
      { relPath: 'file-link.md', reason: 'symlink' },
      { relPath: 'loop', reason: 'symlink' },
    ]);
  });

  it('reports FIFOs and sockets without opening them (a FIFO read would hang)', async () => {
    const root = makeTempDir();
    writeTree(root, { 'a.md': '' });
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path.join(root, 'sock'), resolve));
    const result = await scanFolder(root, everything);
    expect(relPaths(result)).toEqual(['a.md']);
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { relPath: 'pipe', reason: 'not-regular' },
        { relPath: 'sock', reason: 'not-regular' },
      ]),
    );
    expect(result.skipped).toHaveLength(2);
  });

  it('only reports skipped paths the filter includes', async () => {
    const root = makeTempDir();
    execFileSync('mkfifo', [path.join(root, 'pipe.tmp')]);
    symlinkSync('.', path.join(root, 'link.part'));
    const result = await scanFolder(root, everything);
    expect(result.skipped).toEqual([]);
  });

  it('says which names are not valid UTF-8 instead of silently losing them', async () => {
    const root = makeTempDir();
    writeFileSync(Buffer.concat([Buffer.from(root + '/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.md')]), 'x');
    const result = await scanFolder(root, everything);
    expect(result.files).toEqual([]);
    expect(result.skipped).toEqual([{ relPath: 'bad-\uFFFD\uFFFD.md', reason: 'unreadable', code: 'invalid-utf8-name' }]);
  });

  it('follows a root that is itself a symlink (a configured path), but nothing below it', async () => {
    const target = makeTempDir();
    writeTree(target, { 'a.md': '' });
    const holder = makeTempDir();
    symlinkSync(target, path.join(holder, 'root-link'));
    const result = await scanFolder(path.join(holder, 'root-link'), everything);
    expect(relPaths(result)).toEqual(['a.md']);
    expect(result.files[0]?.absPath).toBe(path.join(holder, 'root-link', 'a.md'));
    expect(result.root.ino).toBe(statSync(target).ino);
  });

  it.each([
    ['missing', (dir: string) => path.join(dir, 'nope'), 'root-missing'],
    ['below a file', (dir: string) => path.join(dir, 'file', 'sub'), 'root-missing'],
    ['a file', (dir: string) => path.join(dir, 'file'), 'root-not-directory'],
    ['a dangling symlink', (dir: string) => path.join(dir, 'dangling'), 'root-missing'],
  ] as const)('refuses a root that is %s with a typed error', async (_label, rootOf, code) => {
    const dir = makeTempDir();
    writeFileSync(path.join(dir, 'file'), '');
    symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling'));
    const error = await rootError(scanFolder(rootOf(dir), everything));
    expect(error.code).toBe(code);
  });

  it('stops when its signal is aborted, before or during the walk', async () => {
    const root = makeTempDir();
    const files: Record<string, string> = {};
    for (let index = 0; index < 200; index++) files[`d${index % 10}/f${index}.md`] = '';
    writeTree(root, files);
    await expect(scanFolder(root, everything, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });

    const controller = new AbortController();
    const scan = scanFolder(root, everything, { signal: controller.signal, sliceMs: 0 });
    setImmediate(() => controller.abort());
    await expect(scan).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('lets the event loop run during a long scan', async () => {
    const root = makeTempDir();
    const files: Record<string, string> = {};
    for (let index = 0; index < 2000; index++) files[`d${index % 4}/f${index}.md`] = '';
    writeTree(root, files);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      await scanFolder(root, everything, { sliceMs: 0, concurrency: 1 });
    } finally {
      clearInterval(ticker);
    }
    expect(turns).toBeGreaterThan(0);
  });
});

// Root ignores permissions, so these run as an unprivileged user in a child process.
const runAsOtherUser = (command: 'scan' | 'stat', ...args: string[]): Promise<ChildOutcome<ScanResult>> =>
  runAsUnprivileged<ScanResult>(command, ...args);

describe('scanFolder: permissions', () => {
  it('reports unreadable folders and files and keeps going', async () => {
    const root = makeTempDir();
    writeTree(root, { 'ok/a.md': '', 'locked/b.md': '', 'listable/c.md': '' });
    chmodSync(path.join(root, 'locked'), 0o000); // cannot be listed
    chmodSync(path.join(root, 'listable'), 0o444); // can be listed, but its entries cannot be examined
    const outcome = await runAsOtherUser('scan', root);
    expect(outcome.ok).toBe(true);
    expect(outcome.result?.files.map((file) => file.relPath)).toEqual(['ok/a.md']);
    expect(outcome.result?.skipped).toEqual(
      expect.arrayContaining([
        { relPath: 'locked', reason: 'unreadable-dir', code: 'EACCES' },
        { relPath: 'listable/c.md', reason: 'unreadable', code: 'EACCES' },
      ]),
    );
    expect(outcome.result?.skipped).toHaveLength(2);
  });

  it('refuses an unreadable root with a typed error', async () => {
    const root = makeTempDir();
    chmodSync(root, 0o300);
    expect(await runAsOtherUser('scan', root)).toEqual({ ok: false, name: 'ScanRootError', code: 'root-unreadable', errno: 'EACCES' });
  });
});

describe('statFile', () => {
  it('returns the same fingerprint a scan gives', async () => {
    const root = makeTempDir();
    writeTree(root, { 'guides/install.md': 'text' });
    const [scanned] = (await scanFolder(root, everything)).files;
    expect(await statFile(root, 'guides/install.md')).toEqual(scanned);
  });

  it('returns undefined when there is no regular file at the path', async () => {
    const root = makeTempDir();
    writeTree(root, { 'real/a.md': '', 'file.md': '' });
    symlinkSync('real/a.md', path.join(root, 'link.md'));
    symlinkSync('real', path.join(root, 'dir-link'));
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    for (const relPath of ['missing.md', 'real', 'link.md', 'dir-link/a.md', 'pipe', 'file.md/below', 'nope/a.md']) {
      expect(await statFile(root, relPath), relPath).toBeUndefined();
    }
  });

  it('refuses paths that are not folder-relative', async () => {
    const root = makeTempDir();
    for (const relPath of ['', '/etc/passwd', '../x', 'a/../../x', './a', 'a//b', 'a/']) {
      await expect(statFile(root, relPath), relPath).rejects.toBeInstanceOf(TypeError);
    }
  });

  it('throws a typed error (rather than saying "gone") when the path cannot be examined', async () => {
    const root = makeTempDir();
    writeTree(root, { 'listable/c.md': '' });
    chmodSync(path.join(root, 'listable'), 0o444);
    expect(await runAsOtherUser('stat', root, 'listable/c.md')).toEqual({
      ok: false,
      name: 'FileAccessError',
      code: 'unreadable',
      errno: 'EACCES',
    });
  });
});
