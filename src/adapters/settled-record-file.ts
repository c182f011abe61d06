// The settled record: a small JSON file beside the state file (`<state file>.settled`) that a
// `--sync --skip-listing` run writes when it leaves every folder settled (see src/settled-run.ts). It holds
// no secret and nothing the state does not: deleting it only costs the next run its shortcut.
import { readFileSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { errnoCode } from './errno.js';
import { writeFileDurably } from './durable-json-file.js';

/** Which state file the record speaks for: a state written since has another inode (it is replaced by
 *  rename on every write) or size or times. */
export interface FileStamp {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

export interface SettledFolder {
  /** The folder's state key (KB and absolute path), KB name and absolute path. */
  readonly key: string;
  readonly kb: string;
  readonly root: string;
  /** SHA-256 of the folder's tree listing (tree-listing.ts) taken after the run. */
  readonly listing: string;
  /** Files in sync, for the summary line. */
  readonly files: number;
}

export interface SettledRecord {
  readonly format: 1;
  /** ragflow-sync's version that wrote it: another version may plan differently. */
  readonly version: string;
  /** configSourceDigest of the configuration the run loaded (src/config/peek-config.ts). */
  readonly config: string;
  /** The state file the record speaks for, and its identity after the run. */
  readonly stateFile: string;
  readonly state: FileStamp;
  /** The configuration's log level (`log.level`, defaults applied): the shortcut logs as the engine would. */
  readonly logLevel: string;
  readonly folders: readonly SettledFolder[];
  readonly recordedAt: number;
}

export function settledRecordFileOf(stateFile: string): string {
  return `${stateFile}.settled`;
}

export function stampOf(file: string): FileStamp | undefined {
  try {
    const stats = statSync(file);
    return { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
  } catch {
    return undefined;
  }
}

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** The record for this state file; undefined when there is none or it is not one we can read (a
 *  damaged record is no record). */
export function readSettledRecord(stateFile: string): SettledRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(settledRecordFileOf(stateFile), 'utf8'));
  } catch {
    return undefined;
  }
  return isSettledRecord(raw) ? raw : undefined;
}

export async function writeSettledRecord(stateFile: string, record: SettledRecord): Promise<void> {
  await writeFileDurably(settledRecordFileOf(stateFile), `${JSON.stringify(record, null, 2)}\n`);
}

export async function removeSettledRecord(stateFile: string): Promise<void> {
  try {
    await unlink(settledRecordFileOf(stateFile));
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
}

function isSettledRecord(raw: unknown): raw is SettledRecord {
  const record = raw as Partial<Record<keyof SettledRecord, unknown>> | null;
  if (typeof record !== 'object' || record === null || record.format !== 1) return false;
  if (typeof record.version !== 'string' || typeof record.config !== 'string' || typeof record.stateFile !== 'string' || typeof record.logLevel !== 'string' || typeof record.recordedAt !== 'number') return false;
  const state = record.state as Partial<Record<keyof FileStamp, unknown>> | null | undefined;
  if (typeof state !== 'object' || state === null || !(['ino', 'size', 'mtimeMs', 'ctimeMs'] as const).every((field) => typeof state[field] === 'number')) return false;
  return (
    Array.isArray(record.folders) &&
    record.folders.every((folder: unknown) => {
      const f = folder as Partial<Record<keyof SettledFolder, unknown>> | null;
      return typeof f === 'object' && f !== null && typeof f.key === 'string' && typeof f.kb === 'string' && typeof f.root === 'string' && typeof f.listing === 'string' && typeof f.files === 'number';
    })
  );
}
