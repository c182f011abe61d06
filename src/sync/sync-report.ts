// What one run did for one folder: counts for the summary line, failures to list, the plan for --dry-run.
import type { FolderConfig } from '../config/load-config.js';
import type { Action } from '../core/plan-sync.js';
import type { RelPath } from '../core/model.js';

export interface FolderReport {
  readonly folder: string;
  readonly kb: string;
  uploaded: number;
  replaced: number;
  /** Moved files whose document was renamed in place (no upload). */
  renamed?: number;
  deleted: number;
  unchanged: number;
  bytesHashed: number;
  failed: Array<{ relPath: RelPath; error: string }>;
  /** Files left out (reasons in skipped-files.ts); `code` is the errno behind an 'unreadable'. */
  skipped: Array<{ relPath: RelPath; reason: string; code?: string }>;
  held: RelPath[];
  heldReason?: string;
  /** The folder could not be synced at all (root missing, KB missing…). */
  error?: string;
  remoteListed?: boolean;
  /** Some work failed because the server or the network did (not because of a file). */
  serverTrouble?: boolean;
  plan?: readonly Action[];
  elapsedMs: number;
}

export function emptyReport(folder: Pick<FolderConfig, 'path' | 'kb'>): FolderReport {
  return { folder: folder.path, kb: folder.kb, uploaded: 0, replaced: 0, renamed: 0, deleted: 0, unchanged: 0, bytesHashed: 0, failed: [], skipped: [], held: [], elapsedMs: 0 };
}

export interface Totals {
  uploaded: number;
  replaced: number;
  renamed: number;
  deleted: number;
  unchanged: number;
  failed: number;
  held: number;
  folderErrors: number;
}

export function totalsOf(reports: readonly FolderReport[]): Totals {
  const totals: Totals = { uploaded: 0, replaced: 0, renamed: 0, deleted: 0, unchanged: 0, failed: 0, held: 0, folderErrors: 0 };
  for (const r of reports) {
    totals.uploaded += r.uploaded;
    totals.replaced += r.replaced;
    totals.renamed += r.renamed ?? 0;
    totals.deleted += r.deleted;
    totals.unchanged += r.unchanged;
    totals.failed += r.failed.length;
    totals.held += r.held.length;
    if (r.error) totals.folderErrors += 1;
  }
  return totals;
}
