// The state file (lowdb): what the server confirmed per folder and path. Changes are kept in memory and
// written at most once per flush delay, one write at a time, durably, under a one-writer lock.
import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import type { FolderMeta, RelPath, TrackedFile } from '../core/model.js';
import type { StateLoadOutcome, StateStore } from '../sync/ports.js';
import { DurableDataFile, isTempNameOf, type DurableWriteOps } from './durable-json-file.js';
import { settledRecordFileOf } from './settled-record-file.js';
import { errnoCode } from './errno.js';
import { acquireStateLock, type StateLock } from './state-lock.js';
import { emptyState, parseStateText, StateFileCorruptError, stringifyState, type StateData } from './state-file-format.js';

export type { StateLoadOutcome, StateStore } from '../sync/ports.js';
export { StateLockedError } from './state-lock.js';
export { StateFileVersionError } from './state-file-format.js';

export interface StateStoreOptions {
  /** Longest time a change waits in memory before it is written, ms (default 1000). */
  readonly flushDelayMs?: number | undefined;
  /** For `status` and `--dry-run`: no lock, and nothing is ever written (changes stay in memory). */
  readonly readOnly?: boolean | undefined;
  /** A background (timer) write failed. The change stays pending and is retried by the next flush. */
  readonly onWriteError?: ((error: unknown) => void) | undefined;
  /** The file system calls of a write; tests wrap them to count writes and check their order. */
  readonly writeOps?: DurableWriteOps | undefined;
}

/**
 * Opens the state file. Writable stores take the lock first (StateLockedError, code 'state-locked',
 * when another live process holds it). A file that is not a valid state file is moved aside to
 * `<file>.corrupt-<time>` and the store starts empty (loadOutcome 'corrupt'); read-only stores leave it
 * where it is (movedTo is then ''). A file from a newer format version is refused (StateFileVersionError).
 * A new or rebuilt state is written at once, so its ownerId is on disk before any document is created.
 */
export async function openStateStore(file: string, options: StateStoreOptions = {}): Promise<StateStore> {
  const stateFile = path.resolve(file);
  const readOnly = options.readOnly ?? false;
  if (!readOnly) await mkdir(path.dirname(stateFile), { recursive: true, mode: 0o700 });
  const lock = readOnly ? undefined : await acquireStateLock(stateFile);
  try {
    if (!readOnly) await removeStaleTempFiles(stateFile); // we hold the lock: no other writer has one in flight
    const adapter = new DurableDataFile<StateData>(stateFile, { parse: parseStateText, stringify: stringifyState }, options.writeOps);
    const db = new Low<StateData>(adapter, emptyState(randomUUID()));
    let loadOutcome: StateLoadOutcome;
    try {
      const found = await adapter.read(); // db.read() would do the same; this tells "missing" from "loaded"
      if (found === null) loadOutcome = { kind: 'new' };
      else {
        db.data = found;
        loadOutcome = { kind: 'loaded' };
      }
    } catch (error) {
      if (!(error instanceof StateFileCorruptError)) throw error;
      const movedTo = readOnly ? '' : await moveAside(stateFile);
      if (error.salvagedOwnerId !== undefined) db.data = emptyState(error.salvagedOwnerId);
      loadOutcome = { kind: 'corrupt', movedTo, reason: error.reason };
    }
    const store = new LowStateStore(db, loadOutcome, readOnly, options, lock);
    if (loadOutcome.kind !== 'loaded' && !readOnly) {
      store.markChanged();
      await store.flush();
    }
    return store;
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

class LowStateStore implements StateStore {
  /** Changes made so far (markChanged calls), and how many of them the file on disk holds. */
  private changes = 0;
  private written = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private readonly flushDelayMs: number;

  constructor(
    private readonly db: Low<StateData>,
    readonly loadOutcome: StateLoadOutcome,
    private readonly readOnly: boolean,
    private readonly options: StateStoreOptions,
    private readonly lock: StateLock | undefined,
  ) {
    this.flushDelayMs = options.flushDelayMs ?? 1000;
  }

  get ownerId(): string {
    return this.db.data.ownerId;
  }

  folderKeys(): string[] {
    return [...this.db.data.folders.keys()];
  }

  meta(folderKey: string): FolderMeta | undefined {
    return this.db.data.folders.get(folderKey)?.meta;
  }

  setMeta(folderKey: string, meta: FolderMeta): void {
    this.assertOpen();
    this.folder(folderKey).meta = meta;
    this.markChanged();
  }

  get(folderKey: string, relPath: RelPath): TrackedFile | undefined {
    return this.db.data.folders.get(folderKey)?.files.get(relPath);
  }

  files(folderKey: string): TrackedFile[] {
    const folder = this.db.data.folders.get(folderKey);
    return folder === undefined ? [] : [...folder.files.values()];
  }

  filesByPath(folderKey: string): Map<RelPath, TrackedFile> {
    return new Map(this.db.data.folders.get(folderKey)?.files); // one native copy (100,000 entries: ~10 ms)
  }

  put(folderKey: string, entry: TrackedFile): void {
    this.assertOpen();
    this.folder(folderKey).files.set(entry.relPath, entry);
    this.markChanged();
  }

  remove(folderKey: string, relPath: RelPath): void {
    this.assertOpen();
    if (this.db.data.folders.get(folderKey)?.files.delete(relPath) === true) this.markChanged();
  }

  /**
   * Writes now if anything changed; resolves once everything changed before this call is on disk. Changes
   * made while that write runs are left to the next flush or the timer: writing on until nothing is dirty
   * would, under a steady stream of changes (a daemon uploading a burst), rewrite the file back to back
   * (measured: 2–3 full writes a second at 100,000 entries).
   */
  async flush(): Promise<void> {
    if (this.readOnly) return;
    this.clearTimer();
    const wanted = this.changes;
    while (this.written < wanted) {
      if (this.inFlight !== undefined) {
        await this.inFlight.catch(() => undefined); // its own caller sees its error; we write again below
        continue;
      }
      // Stringified when the write starts, so whatever changed up to now is in it (latest data wins).
      const including = this.changes;
      const write = this.db.write();
      this.inFlight = write;
      try {
        await write; // on failure nothing was replaced: the changes stay pending for the next flush
        this.written = Math.max(this.written, including);
      } finally {
        this.inFlight = undefined;
      }
    }
    if (this.changes > this.written) this.armTimer(); // made while writing: on disk within flushDelayMs
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      do await this.flush();
      while (!this.readOnly && this.changes > this.written);
    } finally {
      this.closed = true;
      this.clearTimer();
      await this.lock?.release();
    }
  }

  /** Schedules a write within flushDelayMs. Not a debounce: a steady stream of changes still gets written. */
  markChanged(): void {
    this.changes += 1;
    this.armTimer();
  }

  private armTimer(): void {
    if (this.readOnly || this.closed || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((error: unknown) => this.options.onWriteError?.(error));
    }, this.flushDelayMs);
    this.timer.unref(); // a pending write must not keep a finished --sync alive; close() flushes anyway
  }

  private folder(folderKey: string): { meta?: FolderMeta; files: Map<RelPath, TrackedFile> } {
    let folder = this.db.data.folders.get(folderKey);
    if (folder === undefined) {
      folder = { files: new Map() };
      this.db.data.folders.set(folderKey, folder);
    }
    return folder;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the state store is closed');
  }
}

/**
 * Moves a bad state file out of the way without ever replacing anything: link() fails rather than
 * overwrite an earlier `.corrupt-…` copy, which a plain rename would silently do.
 */
async function moveAside(stateFile: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/:/g, '-');
  for (let attempt = 0; ; attempt++) {
    const target = `${stateFile}.corrupt-${stamp}${attempt === 0 ? '' : `-${attempt}`}`;
    try {
      await link(stateFile, target);
      await unlink(stateFile);
      return target;
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
      // No hard links on this file system: rename, after checking the name is free (we hold the lock).
      const taken = await readdir(path.dirname(stateFile)).then((names) => names.includes(path.basename(target)));
      if (taken) continue;
      await rename(stateFile, target);
      return target;
    }
  }
}

async function removeStaleTempFiles(stateFile: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(path.dirname(stateFile));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return; // the directory will be reported by the first write
    throw error;
  }
  await Promise.all(
    names
      // The settled record (settled-record-file.ts) is written the same way beside the state.
      .filter((name) => isTempNameOf(stateFile, name) || isTempNameOf(settledRecordFileOf(stateFile), name))
      .map((name) => unlink(path.join(path.dirname(stateFile), name)).catch(() => undefined)),
  );
}
