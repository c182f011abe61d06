// When a folder is "settled": this run planned nothing for it, its state holds only confirmed documents
// (or files that failed for good and are not retried until they change) with nothing left to do, the files
// it skips are skipped for reasons that cannot change while the tree listing stays the same, and the tree
// on disk is exactly what the state says. Given the same state, the
// same configuration and a tree listing identical to the one checked here, the engine would again find
// nothing to do (with --skip-listing it asks the server nothing that changes the plan): that is what lets
// a later run skip the engine (src/settled-run.ts).
import type { FolderMeta, SkippedFile, TrackedFile } from '../core/model.js';
import type { PathRules } from './ports.js';
import type { FolderReport } from './sync-report.js';
import { parseTreeListing } from '../adapters/tree-listing.js';

/**
 * Skip reasons a settled folder may carry. A symlink, FIFO or socket stays one, and an oversize file keeps
 * its size, for as long as the listing is the same; the engine logs a skip only when it is new, so a run
 * with the same ones logs nothing. Not 'unreadable' (whether a file can be read is not in the listing),
 * not 'changing' (a file written during the run), not 'unreadable-dir' (find cannot list the tree then).
 */
const STEADY_SKIPS: ReadonlySet<string> = new Set(['symlink', 'not-regular', 'too-large']);

/** The run found the whole folder in sync and did nothing (nothing held or failed, nothing skipped but
 *  for a steady reason). */
export function reportSettled(report: FolderReport): boolean {
  return (
    report.error === undefined &&
    report.plan !== undefined &&
    report.plan.length === 0 &&
    report.uploaded + report.replaced + (report.renamed ?? 0) + report.deleted === 0 &&
    report.failed.length === 0 &&
    report.skipped.every((skip) => STEADY_SKIPS.has(skip.reason)) &&
    report.held.length === 0
  );
}

/** Every entry is a confirmed document, or a file that failed for good (not retried until its bytes
 *  change: with the same fingerprint the planner leaves it alone), with no intent, no old document to
 *  delete and no grace period running; the folder is not being rebuilt, holds no deletion back, and
 *  remembers only steady skips. */
export function stateSettled(meta: FolderMeta | undefined, entries: readonly TrackedFile[]): boolean {
  if (meta?.lastReconcileAt === undefined || meta.rebuild !== undefined) return false;
  if ((meta.heldDeletes?.length ?? 0) > 0 || !(meta.skipped ?? []).every((skip) => STEADY_SKIPS.has(skip.reason))) return false;
  return entries.every((entry) => {
    if (entry.intent !== undefined || (entry.obsoleteDocIds?.length ?? 0) > 0 || entry.disabledAt !== undefined) return false;
    if (entry.status === 'failed') return entry.permanent === true && entry.failedSha256 !== undefined;
    return entry.status === 'synced' && entry.docId !== undefined && entry.permanent === undefined && entry.failedSha256 === undefined && entry.lastError === undefined;
  });
}

/** What else the listing must show besides the state's files. */
export interface SettledExpectations {
  /** The folder's remembered skips (FolderMeta.skipped): each must be there, as it was. */
  readonly skipped?: readonly SkippedFile[] | undefined;
  /** The folder's size limit in bytes: larger files are skipped ('too-large'), not synced. */
  readonly maxFileBytes?: number;
}

/**
 * The number of files the engine would find unchanged, when the listing shows exactly the state's files;
 * undefined when it does not. "Exactly": every regular file the scanner would take (its folders not pruned
 * by the rules, the file included) is an entry with the same size, mtime, ctime and inode, every entry the
 * rules include is such a file, and what the scanner would skip (a symlink, FIFO or socket under an included
 * path, a file over the size limit) is exactly what the folder remembers as skipped. Entries the rules now exclude are left out on both sides: with
 * `deleteExcluded` off the planner keeps their documents and never looks at them (with it on, a run that
 * still has them is not settled). Throws when the listing cannot be read.
 */
export function settledFileCount(listing: Buffer, entries: readonly TrackedFile[], rules: PathRules, expect: SettledExpectations = {}): number | undefined {
  const maxFileBytes = expect.maxFileBytes ?? Number.POSITIVE_INFINITY;
  const skips = new Set((expect.skipped ?? []).map((skip) => `${skip.reason}\0${skip.relPath}`));
  let skipsSeen = 0;
  const byPath = new Map(entries.map((entry) => [entry.relPath, entry]));
  const pruned = new Map<string, boolean>([['', false]]);
  // The scanner descends into a folder only when the rules say it may hold included files (and so into
  // all of its parents): a folder is pruned when it or any parent is.
  const isPruned = (dir: string): boolean => {
    const known = pruned.get(dir);
    if (known !== undefined) return known;
    const cut = dir.lastIndexOf('/');
    const result = isPruned(cut < 0 ? '' : dir.slice(0, cut)) || !rules.mayContain(dir);
    pruned.set(dir, result);
    return result;
  };
  const seen = (relPath: string): boolean => {
    const cut = relPath.lastIndexOf('/');
    return !isPruned(cut < 0 ? '' : relPath.slice(0, cut)) && rules.includesFile(relPath);
  };
  let matched = 0;
  let matches = true;
  parseTreeListing(
    listing,
    (file) => {
      if (!matches || !seen(file.relPath)) return;
      const entry = byPath.get(file.relPath);
      if (file.size > maxFileBytes) {
        // Skipped as too large, known as such, and no entry the planner would look at.
        if (entry === undefined && skips.has(`too-large\0${file.relPath}`)) skipsSeen += 1;
        else matches = false;
      } else if (entry === undefined || entry.size !== file.size || entry.mtimeMs !== file.mtimeMs || entry.ctimeMs !== file.ctimeMs || entry.ino !== file.ino) matches = false;
      else matched += 1;
    },
    (other) => {
      if (!matches || other.type === 'd' || other.relPath === '' || !seen(other.relPath)) return;
      // The scanner skips it; fine when that skip is already known (then nothing new is logged).
      if (skips.has(`${other.type === 'l' ? 'symlink' : 'not-regular'}\0${other.relPath}`)) skipsSeen += 1;
      else matches = false;
    },
  );
  const expected = entries.reduce((count, entry) => (seen(entry.relPath) ? count + 1 : count), 0);
  // Every remembered skip still there: otherwise the engine would update the list (a state write).
  return matches && matched === expected && skipsSeen === skips.size ? matched : undefined;
}
