// When a folder is "settled": this run planned nothing for it, its state holds only confirmed documents
// with nothing left to do, and the tree on disk is exactly what the state says. Given the same state, the
// same configuration and a tree listing identical to the one checked here, the engine would again find
// nothing to do (with --skip-listing it asks the server nothing that changes the plan): that is what lets
// a later run skip the engine (src/settled-run.ts).
import type { FolderMeta, TrackedFile } from '../core/model.js';
import type { PathRules } from './ports.js';
import type { FolderReport } from './sync-report.js';
import { parseTreeListing } from '../adapters/tree-listing.js';

/** The run found the whole folder in sync and did nothing (nothing held, skipped, failed or hashed away). */
export function reportSettled(report: FolderReport): boolean {
  return (
    report.error === undefined &&
    report.plan !== undefined &&
    report.plan.length === 0 &&
    report.uploaded + report.replaced + (report.renamed ?? 0) + report.deleted === 0 &&
    report.failed.length === 0 &&
    report.skipped.length === 0 &&
    report.held.length === 0
  );
}

/** Every entry is a confirmed document with no intent, no old document to delete, no failure and no
 *  grace period running; the folder is not being rebuilt and holds no deletion back. */
export function stateSettled(meta: FolderMeta | undefined, entries: readonly TrackedFile[]): boolean {
  if (meta?.lastReconcileAt === undefined || meta.rebuild !== undefined) return false;
  if ((meta.heldDeletes?.length ?? 0) > 0 || (meta.skipped?.length ?? 0) > 0) return false;
  return entries.every(
    (entry) =>
      entry.status === 'synced' &&
      entry.docId !== undefined &&
      entry.intent === undefined &&
      (entry.obsoleteDocIds?.length ?? 0) === 0 &&
      entry.disabledAt === undefined &&
      entry.permanent === undefined &&
      entry.failedSha256 === undefined &&
      entry.lastError === undefined,
  );
}

/**
 * The number of files the engine would find unchanged, when the listing shows exactly the state's files;
 * undefined when it does not. "Exactly": every regular file the scanner would take (its folders not pruned
 * by the rules, the file included) is an entry with the same size, mtime, ctime and inode, every entry the
 * rules include is such a file, and nothing is there that the scanner would have to skip (a symlink, FIFO or
 * socket under an included path). Entries the rules now exclude are left out on both sides: with
 * `deleteExcluded` off the planner keeps their documents and never looks at them (with it on, a run that
 * still has them is not settled). Throws when the listing cannot be read.
 */
export function settledFileCount(listing: Buffer, entries: readonly TrackedFile[], rules: PathRules): number | undefined {
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
      if (entry === undefined || entry.size !== file.size || entry.mtimeMs !== file.mtimeMs || entry.ctimeMs !== file.ctimeMs || entry.ino !== file.ino) matches = false;
      else matched += 1;
    },
    (other) => {
      if (!matches || other.type === 'd' || other.relPath === '') return;
      if (seen(other.relPath)) matches = false; // the scanner would skip it, and say so
    },
  );
  const expected = entries.reduce((count, entry) => (seen(entry.relPath) ? count + 1 : count), 0);
  return matches && matched === expected ? matched : undefined;
}
