// Text for people: the --dry-run plan, the end-of-run summary line, the status table.
import type { Action } from '../core/plan-sync.js';
import type { FolderMeta, TrackedFile } from '../core/model.js';
import { describeSkip } from '../sync/skipped-files.js';
import type { FolderReport, Totals } from '../sync/sync-report.js';

export function formatPlan(report: FolderReport): string {
  const lines = [`${report.folder} → ${report.kb}`];
  if (report.error) lines.push(`  cannot sync: ${report.error}`);
  const plan = report.plan ?? [];
  const section = (title: string, actions: readonly Action[], describe: (a: Action) => string) => {
    if (actions.length === 0) return;
    lines.push(`  ${title} (${actions.length}):`);
    for (const action of actions) lines.push(`    ${describe(action)}`);
  };
  const of = (kind: Action['kind'], pick?: (a: Action) => boolean) => plan.filter((a) => a.kind === kind && (pick?.(a) ?? true));
  section('upload', of('upload', (a) => a.kind === 'upload' && !a.replaces), (a) => `+ ${a.relPath}${a.kind === 'upload' && a.reason !== 'new' ? ` (${a.reason})` : ''}`);
  section('replace', of('upload', (a) => a.kind === 'upload' && Boolean(a.replaces)), (a) => `~ ${a.relPath}`);
  section('delete', of('delete'), (a) => `- ${a.relPath}${a.kind === 'delete' && a.reason === 'excluded' ? ' (excluded)' : ''}`);
  section('recover', of('recover'), (a) => `? ${a.relPath} (check ${a.kind === 'recover' ? a.candidates.length : 0} server document(s) by content)`);
  section('clean up old versions', of('delete-obsolete'), (a) => `- ${a.relPath} (old version)`);
  if (report.held.length > 0) {
    lines.push(`  held deletions (${report.held.length}, ${report.heldReason ?? 'guard'}): run --sync --allow-mass-delete to apply`);
    for (const relPath of report.held.slice(0, 50)) lines.push(`    - ${relPath}`);
  }
  const uploads = of('upload').length;
  const deletes = of('delete').length;
  lines.push(`  ${uploads} to upload or replace, ${deletes} to delete, ${report.unchanged} unchanged, ${report.held.length} held`);
  return lines.join('\n');
}

export function formatSummary(totals: Totals, elapsedMs: number, dryRun: boolean): string {
  const seconds = (elapsedMs / 1000).toFixed(1);
  const prefix = dryRun ? 'dry run: nothing changed;' : 'sync finished:';
  return `${prefix} ${totals.uploaded} uploaded, ${totals.replaced} replaced, ${totals.renamed ? `${totals.renamed} renamed, ` : ''}${totals.deleted} deleted, ${totals.unchanged} unchanged, ${totals.failed} failed${totals.held ? `, ${totals.held} deletions held` : ''} in ${seconds}s`;
}

export interface FolderStatus {
  readonly folder: string;
  readonly kb: string;
  readonly tracked: number;
  readonly pending: number;
  readonly failed: Array<{ path: string; error: string; permanent: boolean }>;
  /** Files left out before any upload at the last full scan (too large, unreadable, not regular, symlink). */
  readonly skipped: Array<{ path: string; reason: string }>;
  /** Deletions held by the mass-delete guard (applied by --sync --allow-mass-delete, or dropped when files return). */
  readonly heldDeletes: string[];
  /** 'blocked': a lost state cannot be rebuilt on this server; 'adopt': a rebuild is still under way. */
  readonly rebuild?: 'adopt' | 'blocked';
  readonly lastReconcileAt?: string;
}

export function folderStatus(
  folder: string,
  kb: string,
  files: readonly TrackedFile[],
  lastReconcileAt: number | undefined,
  meta?: Pick<FolderMeta, 'skipped' | 'heldDeletes' | 'rebuild'>,
): FolderStatus {
  return {
    folder,
    kb,
    tracked: files.filter((f) => f.docId !== undefined).length,
    pending: files.filter((f) => f.status === 'pending' || f.intent !== undefined || (f.obsoleteDocIds?.length ?? 0) > 0).length,
    failed: files.filter((f) => f.status === 'failed').map((f) => ({ path: f.relPath, error: f.lastError ?? 'failed', permanent: f.permanent === true })),
    skipped: (meta?.skipped ?? []).map((s) => ({ path: s.relPath, reason: s.reason })),
    heldDeletes: [...(meta?.heldDeletes ?? [])],
    ...(meta?.rebuild ? { rebuild: meta.rebuild } : {}),
    ...(lastReconcileAt ? { lastReconcileAt: new Date(lastReconcileAt).toISOString() } : {}),
  };
}

export function formatStatus(statuses: readonly FolderStatus[]): string {
  const lines: string[] = [];
  for (const s of statuses) {
    lines.push(`${s.folder} → ${s.kb}`);
    lines.push(
      `  tracked ${s.tracked}   pending ${s.pending}   failed ${s.failed.length}   skipped ${s.skipped.length}   held deletes ${s.heldDeletes.length}   last reconcile ${s.lastReconcileAt ?? 'never'}`,
    );
    if (s.rebuild === 'blocked') lines.push('  ! the state was lost and this server cannot list documents: nothing is synced until a good state file is restored (see the log)');
    if (s.rebuild === 'adopt') lines.push('  rebuilding the state from the server (adopting documents by name and content)');
    for (const f of s.failed) lines.push(`  ! ${printable(f.path)}: ${f.error}${f.permanent ? ' (not retried until the file changes)' : ''}`);
    // JSON.stringify shows a newline or quote in a name as an escape instead of breaking the line.
    for (const k of s.skipped) lines.push(`  - ${printable(k.path)}: skipped, ${describeSkip(k.reason)}`);
    for (const h of s.heldDeletes) lines.push(`  ~ ${printable(h)}: deletion held by the mass-delete guard (run --sync --allow-mass-delete to apply)`);
  }
  return lines.join('\n');
}

/** A path as one line: control characters (a newline in a file name) are shown escaped. */
function printable(path: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach the terminal raw
  return /[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path;
}
