// Files the filters include but that are left out before any upload (too large, unreadable, not a regular
// file, symlink): which of them the state remembers for `status`, and one log line when a file becomes
// skipped rather than one per scan, forever.
import type { Logger } from 'pino';
import type { RelPath, SkippedFile } from '../core/model.js';

/** A file left out by this run; `code` is the errno behind an 'unreadable' when there was one. */
export interface SkipNote {
  readonly relPath: RelPath;
  readonly reason: string;
  readonly code?: string;
}

/** Reasons that are remembered. 'changing' (still being written) is left out: the next look settles it. */
const PERSISTED = new Set(['too-large', 'unreadable', 'unreadable-dir', 'not-regular', 'symlink']);
/** Reasons that describe a regular file; once its path holds no regular file, they no longer apply. */
const OF_A_REGULAR_FILE = new Set(['too-large', 'unreadable']);
/** More newly skipped files than this in one run get one summary line instead of a line each. */
const MAX_LINES_PER_RUN = 50;

const DESCRIPTIONS: Record<string, string> = {
  'too-large': 'larger than maxFileSizeMB',
  unreadable: 'cannot be read',
  'unreadable-dir': 'folder cannot be listed; nothing below it is synced or deleted',
  'not-regular': 'not a regular file (FIFO, socket or device); never opened',
  symlink: 'symbolic link; not followed',
  changing: 'still being written; left for the next look',
};

export function describeSkip(reason: string): string {
  return DESCRIPTIONS[reason] ?? reason;
}

/** What one run learned about skipped files. */
export interface SkipObservation {
  /** Files this run left out. */
  readonly found: readonly SkipNote[];
  /** undefined: the whole folder was scanned, so `found` is the complete list. Otherwise the paths this run
   *  looked at (daemon hints): only their entries are replaced. */
  readonly examined?: ReadonlySet<RelPath>;
  /** Looked-at paths that hold no regular file now (gone, or not a regular file: a stat cannot tell). */
  readonly noRegularFile?: ReadonlySet<RelPath>;
}

/** The list to remember after this run, in path order. */
export function nextSkipped(previous: readonly SkippedFile[] | undefined, seen: SkipObservation): SkippedFile[] {
  const found = seen.found.filter((s) => PERSISTED.has(s.reason)).map(({ relPath, reason }) => ({ relPath, reason }));
  let kept: SkippedFile[] = [];
  if (seen.examined !== undefined) {
    const examined = seen.examined;
    const noRegular = seen.noRegularFile ?? new Set<RelPath>();
    kept = (previous ?? []).filter((s) => {
      if (!examined.has(s.relPath)) return true;
      // A hint cannot tell a vanished file from a FIFO or symlink: keep what a full scan said about those.
      return noRegular.has(s.relPath) && !OF_A_REGULAR_FILE.has(s.reason);
    });
  }
  const byPath = new Map<RelPath, SkippedFile>();
  for (const s of [...kept, ...found]) byPath.set(s.relPath, s);
  return [...byPath.values()].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}

/** Logs each file that is skipped now but was not (for the same reason) before; returns how many. */
export function logNewlySkipped(logger: Logger, previous: readonly SkippedFile[] | undefined, found: readonly SkipNote[], limitMB: number): number {
  const before = new Set((previous ?? []).map((s) => `${s.reason}\u0000${s.relPath}`));
  const fresh = found.filter((s) => PERSISTED.has(s.reason) && !before.has(`${s.reason}\u0000${s.relPath}`));
  for (const skip of fresh.slice(0, MAX_LINES_PER_RUN)) {
    const fields = { path: skip.relPath, reason: skip.reason, ...(skip.code ? { code: skip.code } : {}), ...(skip.reason === 'too-large' ? { limitMB } : {}) };
    // Symlinks are skipped by design; the rest is something a person may want to fix.
    if (skip.reason === 'symlink') logger.info(fields, `file skipped: ${describeSkip(skip.reason)}`);
    else logger.warn(fields, `file skipped: ${describeSkip(skip.reason)}`);
  }
  if (fresh.length > MAX_LINES_PER_RUN) {
    logger.warn({ more: fresh.length - MAX_LINES_PER_RUN }, 'more files skipped; `ragflow-sync status` lists them all');
  }
  return fresh.length;
}

/** Whether two lists say the same (so an unchanged list is not written again). */
export function sameSkipped(a: readonly SkippedFile[] | undefined, b: readonly SkippedFile[]): boolean {
  const left = a ?? [];
  return left.length === b.length && left.every((s, i) => s.relPath === b[i]?.relPath && s.reason === b[i]?.reason);
}
