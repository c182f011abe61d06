// What the daemon's finished runs add up to per folder: totals for the counters, and the deletions the
// guards hold right now. Lives as long as the process (across reloads), so counters never go backwards.
import type { RelPath } from '../core/model.js';
import type { FolderReport } from '../sync/sync-report.js';

export interface FolderTally {
  uploads: number;
  replacements: number;
  deletes: number;
  failures: number;
  /** Deletions held by the mass-delete guard or an unhealthy root, as of the latest run that saw them. */
  readonly held: Set<RelPath>;
  heldReason?: string;
  /** Epoch ms of the latest run (reconcile or change batch) and its folder-level error, if any. */
  lastRunAt?: number;
  lastError?: string;
}

export class ReportTally {
  private readonly folders = new Map<string, FolderTally>();

  /** `report.remoteListed` is set only by whole-folder reconciles: those replace the held set; a change
   *  batch only sees its own paths, so it adds to the set and clears the paths it examined. */
  record(report: FolderReport, now: number): FolderTally {
    const tally = this.get(report.folder, report.kb);
    tally.uploads += report.uploaded;
    tally.replacements += report.replaced;
    tally.deletes += report.deleted;
    tally.failures += report.failed.length;
    const wholeFolder = report.remoteListed !== undefined;
    if (wholeFolder) tally.held.clear();
    else for (const action of report.plan ?? []) tally.held.delete(action.relPath);
    for (const relPath of report.held) tally.held.add(relPath);
    if (report.heldReason) tally.heldReason = report.heldReason;
    else if (tally.held.size === 0) delete tally.heldReason;
    tally.lastRunAt = now;
    if (report.error) tally.lastError = report.error;
    else delete tally.lastError;
    return tally;
  }

  get(folder: string, kb: string): FolderTally {
    const key = `${kb}::${folder}`;
    let tally = this.folders.get(key);
    if (!tally) {
      tally = { uploads: 0, replacements: 0, deletes: 0, failures: 0, held: new Set() };
      this.folders.set(key, tally);
    }
    return tally;
  }
}
