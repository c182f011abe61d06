import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, ftruncateSync, lstatSync, mkdirSync, openSync, readlinkSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { hashFile, HashFileError, hashIsStable, type HashResult } from '../../src/adapters/file-hasher.js';
import { runAsUnprivileged } from './run-in-child.js';
import { makeTempDir } from './temp-dir.js';

const sha256Of = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

async function hashError(promise: Promise<unknown>): Promise<HashFileError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HashFileError);
  return error as HashFileError;
}

/** Resolves once this process has the file open (seen in /proc/self/fd): the hash has started. */
async function whenOpened(absPath: string): Promise<void> {
  for (let turn = 0; turn < 100_000; turn++) {
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        if (readlinkSync(`/proc/self/fd/${fd}`) === absPath) return;
      } catch {
        // the fd closed while we looked
      }
    }
    await nextTurn();
  }
  throw new Error(`${absPath} was never opened`);
}

const isOpen = (absPath: string): boolean =>
  readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === absPath;
    } catch {
      return false;
    }
  });

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('hashFile', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['small text', Buffer.from('hello world\n')],
    ['several read chunks', randomBytes(3 * 1024 * 1024 + 17)],
  ])('hashes %s files like sha256sum', async (_label, content) => {
    const dir = makeTempDir();
    const file = path.join(dir, 'f.bin');
    writeFileSync(file, content);
    const result = await hashFile(file);
    expect(result.sha256).toBe(sha256Of(content));
    expect(result.size).toBe(content.length);
    const stats = lstatSync(file);
    const fingerprint = { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino };
    expect(result.fingerprintBefore).toEqual(fingerprint);
    expect(result.fingerprintAfter).toEqual(fingerprint);
    expect(hashIsStable(result)).toBe(true);
    expect(isOpen(file)).toBe(false); // the handle is closed
  });

  it('agrees with the sha256sum tool', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'f.bin');
    writeFileSync(file, randomBytes(100_000));
    const expected = execFileSync('sha256sum', [file]).toString().split(' ')[0];
    expect((await hashFile(file)).sha256).toBe(expected);
  });

  it('shows a file replaced while it was being read (editor save by rename)', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'doc.md');
    writeFileSync(file, Buffer.alloc(32 * 1024 * 1024, 7)); // long enough to still be reading when replaced
    writeFileSync(path.join(dir, 'new.md'), 'new content');
    const hashing = hashFile(file);
    await whenOpened(file);
    renameSync(path.join(dir, 'new.md'), file);
    const result = await hashing;
    expect(result.fingerprintAfter.ino).not.toBe(result.fingerprintBefore.ino);
    expect(hashIsStable(result)).toBe(false);
  });

  it('reads in constant memory (a 128 MiB sparse file)', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'sparse.bin');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 128 * 1024 * 1024);
    closeSync(fd);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const result = await hashFile(file);
      expect(result.size).toBe(128 * 1024 * 1024);
    } finally {
      clearInterval(sampler);
    }
    expect(peak - baseline).toBeLessThan(48 * 1024 * 1024); // reading it whole would add 128 MiB
  });

  it('stops when aborted and closes the file', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'big.bin');
    writeFileSync(file, Buffer.alloc(32 * 1024 * 1024, 7));
    await expect(hashFile(file, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });

    const controller = new AbortController();
    const hashing = hashFile(file, controller.signal);
    await whenOpened(file);
    controller.abort();
    await expect(hashing).rejects.toMatchObject({ name: 'AbortError' });
    expect(isOpen(file)).toBe(false);
  });

  it('refuses what is not a regular file, without blocking on a FIFO', async () => {
    const dir = makeTempDir();
    mkdirSync(path.join(dir, 'folder'));
    writeFileSync(path.join(dir, 'target.md'), 'x');
    symlinkSync('target.md', path.join(dir, 'link.md'));
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'sock'), resolve));
    for (const name of ['folder', 'link.md', 'pipe', 'sock']) {
      const error = await hashError(hashFile(path.join(dir, name)));
      expect(error.code, name).toBe('not-regular');
    }
  });

  it('says a missing file is missing', async () => {
    const dir = makeTempDir();
    expect((await hashError(hashFile(path.join(dir, 'nope.md')))).code).toBe('missing');
    writeFileSync(path.join(dir, 'file'), '');
    expect((await hashError(hashFile(path.join(dir, 'file', 'below')))).code).toBe('missing');
  });

  it('says an unreadable file is unreadable (as an unprivileged user)', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'secret.md');
    writeFileSync(file, 'x');
    chmodSync(file, 0o000);
    expect(await runAsUnprivileged('hash', file)).toEqual({ ok: false, name: 'HashFileError', code: 'unreadable', errno: 'EACCES' });
  });
});

describe('hashIsStable', () => {
  const fingerprint = { size: 10, mtimeMs: 1000, ctimeMs: 1000, ino: 7 };
  const result = (overrides: Partial<HashResult>): HashResult => ({
    sha256: 'x',
    size: 10,
    fingerprintBefore: fingerprint,
    fingerprintAfter: fingerprint,
    ...overrides,
  });
  it.each([
    ['unchanged', result({}), true],
    ['grew while read', result({ size: 12 }), false],
    ['size changed', result({ fingerprintAfter: { ...fingerprint, size: 11 } }), false],
    ['rewritten, same size', result({ fingerprintAfter: { ...fingerprint, mtimeMs: 2000, ctimeMs: 2000 } }), false],
    ['mtime put back (cp -p), ctime moved', result({ fingerprintAfter: { ...fingerprint, ctimeMs: 2000 } }), false],
    ['replaced by rename', result({ fingerprintAfter: { ...fingerprint, ino: 8 } }), false],
  ])('%s → %s', (_label, value, expected) => {
    expect(hashIsStable(value)).toBe(expected);
  });
});
