// One writer per state file: a `<file>.lock` holding the owner's pid, created exclusively, taken over
// when its owner is dead (so the daemon and a manual --sync never write over each other).
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readFile, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode } from './errno.js';

export class StateLockedError extends Error {
  readonly code = 'state-locked';
  constructor(
    readonly lockFile: string,
    /** The holder's pid; undefined when a lock file was just being created and had no pid yet. */
    readonly pid: number | undefined,
  ) {
    super(
      `the state file is in use by another ragflow-sync process${pid === undefined ? '' : ` (pid ${pid})`}; ` +
        `if none is running, delete ${lockFile}`,
    );
    this.name = 'StateLockedError';
  }
}

export interface StateLock {
  readonly lockFile: string;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): Promise<void>;
}

/** Lock files this process holds: a lock naming our own pid that is not in here is a previous
 *  incarnation's (a container restarts with the same pid), so it is stale, not ours. */
const heldByThisProcess = new Set<string>();

/** A lock file without a pid this young is being created right now; older, it was left by a crash. */
const UNFINISHED_LOCK_GRACE_MS = 5_000;
const ATTEMPTS = 5;

export function lockFileOf(stateFile: string): string {
  return `${stateFile}.lock`;
}

export async function acquireStateLock(stateFile: string): Promise<StateLock> {
  const lockFile = lockFileOf(stateFile);
  let lastHolder: number | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const created = await tryCreate(lockFile);
    if (created !== undefined) {
      heldByThisProcess.add(lockFile);
      return lockHandle(lockFile, created);
    }
    const holder = await readHolder(lockFile);
    if (holder === undefined) continue; // released between our attempt and the read: try again
    lastHolder = holder.pid;
    if (holder.pid === undefined) {
      if (Date.now() - holder.mtimeMs < UNFINISHED_LOCK_GRACE_MS) {
        await sleep(50);
        continue;
      }
    } else if (isHeldByLiveProcess(lockFile, holder.pid)) {
      throw new StateLockedError(lockFile, holder.pid);
    }
    // Stale. Remove it only if it is still the file we judged: another process may have taken it over
    // and created a fresh lock in between (then the next attempt sees that one's live pid).
    await unlinkIfUnchanged(lockFile, holder);
  }
  throw new StateLockedError(lockFile, lastHolder);
}

interface LockIdentity {
  readonly ino: number;
  /** The pid plus a random token: inode numbers are reused at once after an unlink, contents are not. */
  readonly text: string;
}

/** The lock file's identity once created with our pid in it; undefined when it already exists. */
async function tryCreate(lockFile: string): Promise<LockIdentity | undefined> {
  let handle;
  try {
    handle = await open(lockFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return undefined;
    throw error;
  }
  try {
    const text = `${process.pid}\n${randomUUID()}\n`;
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    return { ino: (await handle.stat()).ino, text };
  } catch (error) {
    await unlink(lockFile).catch(() => undefined); // a half-written lock (ENOSPC) would block others for a while
    throw error;
  } finally {
    await handle.close();
  }
}

interface Holder extends LockIdentity {
  readonly pid: number | undefined;
  readonly mtimeMs: number;
}

async function readHolder(lockFile: string): Promise<Holder | undefined> {
  try {
    const stats = await lstat(lockFile);
    const text = await readFile(lockFile, 'utf8');
    const firstLine = /^(\d+)\n/.exec(text)?.[1];
    const pid = firstLine === undefined ? undefined : Number(firstLine);
    return { pid: pid !== undefined && pid > 0 ? pid : undefined, ino: stats.ino, text, mtimeMs: stats.mtimeMs };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Unlinks the lock file if it is still the one identified (same inode and same contents). */
async function unlinkIfUnchanged(lockFile: string, expected: LockIdentity): Promise<void> {
  const current = await readHolder(lockFile);
  if (current?.ino === expected.ino && current.text === expected.text) await unlink(lockFile).catch(ignoreMissing);
}

function isHeldByLiveProcess(lockFile: string, pid: number): boolean {
  if (pid === process.pid) return heldByThisProcess.has(lockFile);
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM'; // exists, but belongs to another user
  }
}

function lockHandle(lockFile: string, identity: LockIdentity): StateLock {
  let released = false;
  return {
    lockFile,
    async release() {
      if (released) return;
      released = true;
      heldByThisProcess.delete(lockFile);
      await unlinkIfUnchanged(lockFile, identity);
    },
  };
}

function ignoreMissing(error: unknown): void {
  if (errnoCode(error) !== 'ENOENT') throw error;
}
