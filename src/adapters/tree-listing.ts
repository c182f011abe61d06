// A folder's whole tree as GNU find lists it: every entry's type and path, and for regular files the size,
// mtime, ctime and inode (the fingerprint the engine compares), for the rest device and inode. Its SHA-256
// is the "listing digest" of a settled run (settled-record-file.ts): two equal digests mean that no entry was
// added, removed, renamed or touched in between, because any of those moves a name, an inode or a ctime
// (ctime cannot be set from user space).
//
// Why find and not our own walk: on our 2-core machines Node's readdir + lstat costs about three times the
// CPU of find over the same tree (Stats and Dirent objects per entry), and a no-op `--sync --skip-listing`
// of 100,000 files must cost about what find costs. find runs in its own process, on the other core,
// while Node loads the configuration. A find that is missing, is not GNU find (no -printf), or reports any
// error (an unreadable folder) gives no listing: the caller then simply runs the engine.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';

/** Regular files: `f PATH\0SIZE MTIME CTIME INODE\0`; anything else: `TYPE PATH\0DEVICE INODE\0`, PATH
 *  relative to the root (`%P` from the root, `%p` from a top-level folder named relative to the root). The
 *  root itself is the entry with an empty PATH (so a swapped or remounted root changes the listing too). */
const formatWith = (p: '%P' | '%p'): string[] => ['-type', 'f', '-printf', `f ${p}\\0%s %T@ %C@ %i\\0`, '-o', '-printf', `%y ${p}\\0%D %i\\0`];

export interface TreeListing {
  /** SHA-256 hex of the listing's bytes. */
  readonly digest: string;
  /** The bytes themselves, when asked for (`keep`). */
  readonly bytes?: Buffer;
}

export interface ListTreeOptions {
  readonly keep?: boolean;
  readonly signal?: AbortSignal;
  /** find processes walking the top-level folders at once (default: one per core). */
  readonly shards?: number;
}

/**
 * Lists the tree under `root` (the root itself may be a symlink: followed, as the scanner does; nothing
 * below it is). Resolves undefined when find is unavailable (or older than 4.9: -files0-from) or reported
 * any problem.
 *
 * The listing is the root and its entries (one find, -maxdepth 1), then each top-level folder's contents in
 * name order. The top-level folders are walked by up to `shards` find processes at once, each a contiguous
 * run of them, so the bytes are the same whatever the number of processes (and of cores): on two cores a
 * no-op run of 100,000 files then waits for about half a walk instead of a whole one.
 */
export async function listTree(root: string, options: ListTreeOptions = {}): Promise<TreeListing | undefined> {
  let folders: string[];
  try {
    folders = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return undefined;
  }
  const shards = Math.max(1, Math.min(options.shards ?? availableParallelism(), folders.length));
  const runs = [runFind(['-H', root, '-maxdepth', '1', ...formatWith('%P')], { ...options, cwd: root })];
  for (let shard = 0; shard < shards; shard += 1) {
    const block = folders.slice(Math.floor((shard * folders.length) / shards), Math.floor(((shard + 1) * folders.length) / shards));
    // Start points from stdin (NUL-separated): a folder named "-x" or "(" is not taken for an option.
    if (block.length > 0) runs.push(runFind(['-files0-from', '-', '-mindepth', '1', ...formatWith('%p')], { ...options, cwd: root, startPoints: block }));
  }
  const parts = await Promise.all(runs);
  if (parts.some((part) => part === undefined)) return undefined;
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part as Buffer);
  const digest = hash.digest('hex');
  return options.keep === true ? { digest, bytes: Buffer.concat(parts as Buffer[]) } : { digest };
}

let listingCounter = 0;

/** One find run's output; undefined when it failed or said anything on stderr.
 *
 *  find writes into an unlinked temp file, not a pipe: a pipe holds 64 KiB, and while Node is busy loading
 *  modules nobody would drain it, so find would stall (measured: +0.1 s on 100,000 files). */
function runFind(args: string[], options: { readonly signal?: AbortSignal; readonly cwd: string; readonly startPoints?: readonly string[] }): Promise<Buffer | undefined> {
  let fd: number;
  try {
    listingCounter += 1;
    const file = path.join(tmpdir(), `.ragflow-sync-listing-${process.pid}-${listingCounter}`);
    fd = openSync(file, 'wx+', 0o600); // it names every file of the folder: nobody else's business
    unlinkSync(file);
  } catch {
    return Promise.resolve(undefined);
  }
  return new Promise<Buffer | undefined>((resolve) => {
    let troubled = false;
    const finish = (code: number | null): void => {
      try {
        resolve(troubled || code !== 0 ? undefined : readAll(fd));
      } catch {
        resolve(undefined);
      } finally {
        closeSync(fd);
      }
    };
    let child;
    try {
      const stdin = options.startPoints === undefined ? 'ignore' : 'pipe';
      child = spawn('find', args, { cwd: options.cwd, stdio: [stdin, fd, 'pipe'], ...(options.signal ? { signal: options.signal } : {}) });
    } catch {
      finish(null);
      return;
    }
    child.stderr?.on('data', () => {
      troubled = true; // "Permission denied", "No such file or directory" (a folder vanished mid-walk)…
    });
    child.once('error', () => {
      troubled = true; // ENOENT: no find on this machine; or aborted
    });
    child.once('close', finish);
    if (options.startPoints !== undefined && child.stdin) {
      child.stdin.on('error', () => {
        troubled = true; // find exited before reading its start points
      });
      child.stdin.end(options.startPoints.map((name) => `${name}\0`).join(''));
    }
  });
}

function readAll(fd: number): Buffer {
  const size = fstatSync(fd).size;
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  while (at < size) {
    const read = readSync(fd, bytes, at, size - at, at);
    if (read === 0) throw new Error('tree listing: shorter than its size');
    at += read;
  }
  return bytes;
}

/** One regular file of a listing. */
export interface ListedFile {
  readonly relPath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

/** One entry that is not a regular file: find's type letter (d, l, p, s, c, b…). */
export interface ListedOther {
  readonly type: string;
  readonly relPath: string;
}

/**
 * Reads a kept listing back: regular files with the numbers Node's lstat would give (mtimeMs is
 * `sec * 1000 + nsec / 1e6`, computed from find's `sec.nsec` exactly as Node computes it from the
 * timespec), and the other entries by type. Throws on a listing it cannot read (never silently wrong).
 */
export function parseTreeListing(bytes: Buffer, onFile: (file: ListedFile) => void, onOther: (entry: ListedOther) => void): void {
  const fields = bytes.toString('utf8').split('\0');
  // A listing ends with a NUL, so the last field is empty; entries come in pairs (name, numbers).
  if (fields.length % 2 !== 1 || fields[fields.length - 1] !== '') throw new Error('tree listing: truncated');
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const head = fields[index] as string;
    const numbers = (fields[index + 1] as string).split(' ');
    const type = head.slice(0, 1);
    const relPath = head.slice(2);
    if (head.charAt(1) !== ' ') throw new Error(`tree listing: malformed entry ${JSON.stringify(head)}`);
    if (type !== 'f') {
      onOther({ type, relPath });
      continue;
    }
    if (numbers.length !== 4) throw new Error(`tree listing: malformed numbers for ${JSON.stringify(relPath)}`);
    onFile({ relPath, size: integer(numbers[0]), mtimeMs: msOf(numbers[1]), ctimeMs: msOf(numbers[2]), ino: integer(numbers[3]) });
  }
}

function integer(text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new Error(`tree listing: not a number: ${JSON.stringify(text)}`);
  return Number(text);
}

/** find's `%T@` is `SECONDS.FRACTION` with ten fraction digits (nanoseconds and a trailing 0). */
function msOf(text: string | undefined): number {
  const match = text === undefined ? null : /^(-?\d+)\.(\d{9})\d*$/.exec(text);
  if (match === null) throw new Error(`tree listing: not a timestamp: ${JSON.stringify(text)}`);
  const seconds = Number(match[1]);
  const nanos = Number(match[2]);
  // Node (lib/internal/fs/utils.js msFromTimeSpec): sec * 1e3 + nsec / 1e6.
  return seconds * 1e3 + nanos / 1e6;
}

/** Listings started ahead of need (`--sync --skip-listing` starts them first thing, see src/cli.ts), by
 *  absolute root; a root asked for that was not started is listed then. */
export class ListingProbe {
  private readonly listings = new Map<string, Promise<TreeListing | undefined>>();
  private readonly abort = new AbortController();

  start(root: string): void {
    if (!this.listings.has(root)) this.listings.set(root, listTree(root, { signal: this.abort.signal }));
  }

  /** Stops the listings still running (their digests become undefined): the engine runs instead. */
  cancel(): void {
    this.abort.abort();
  }

  digest(root: string): Promise<string | undefined> {
    this.start(root);
    return (this.listings.get(root) as Promise<TreeListing | undefined>).then((listing) => listing?.digest);
  }
}
