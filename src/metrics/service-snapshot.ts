// One consistent picture of the running daemon for /healthz, /metrics, /status.json and the status page,
// read fresh per request from whatever daemon is current (a reload swaps it underneath).
import type { TrackedFile } from '../core/model.js';
import type { ParseSummary } from '../status/parse-states.js';
import type { FolderWatchState } from '../sync/daemon.js';
import type { StateStore } from '../sync/ports.js';
import type { ReportTally } from './report-tally.js';

/** The parts of the running daemon the endpoint reads (structural: app.ts hands in the real ones). */
export interface DaemonSource {
  readonly daemon: { readonly unhealthyReason: string | undefined; readonly folderStates: FolderWatchState[] };
  readonly store: Pick<StateStore, 'files' | 'meta'>;
  readonly scheduler: { readonly size: number; readonly pending: number };
  readonly health: { readonly down: boolean; readonly reason?: string };
}

export interface FailedFile {
  readonly path: string;
  readonly error: string;
  /** Not retried until the file changes. */
  readonly permanent: boolean;
}

export interface FolderSnapshot {
  readonly key: string;
  readonly path: string;
  readonly kb: string;
  readonly watching: boolean;
  readonly rootOk: boolean;
  readonly degraded: boolean;
  readonly pendingHints: number;
  readonly tracked: number;
  readonly pending: number;
  readonly failed: readonly FailedFile[];
  readonly skipped: number;
  readonly held: number;
  readonly heldReason?: string;
  readonly lastReconcileAt?: number;
  readonly lastError?: string;
  readonly parse?: ParseSummary;
}

export interface ServiceSnapshot {
  readonly healthy: boolean;
  readonly reason?: string;
  readonly serverUp: boolean;
  /** Requests waiting for a slot / running, and changed paths waiting for their quiet window. */
  readonly queue: { readonly waiting: number; readonly running: number; readonly hints: number };
  readonly folders: readonly FolderSnapshot[];
  readonly now: number;
}

/** Counts as `status` shows them: tracked = has a document; pending = unconfirmed work; failed = last try failed. */
export function countFiles(files: readonly TrackedFile[]): { tracked: number; pending: number; failed: FailedFile[] } {
  return {
    tracked: files.filter((f) => f.docId !== undefined).length,
    pending: files.filter((f) => f.status === 'pending' || f.intent !== undefined || (f.obsoleteDocIds?.length ?? 0) > 0).length,
    failed: files.filter((f) => f.status === 'failed').map((f) => ({ path: f.relPath, error: f.lastError ?? 'failed', permanent: f.permanent === true })),
  };
}

export function takeSnapshot(source: DaemonSource, tally: ReportTally, parse: (folderKey: string) => ParseSummary | undefined, now: number): ServiceSnapshot {
  const reason = source.daemon.unhealthyReason;
  const folders = source.daemon.folderStates.map((state): FolderSnapshot => {
    const meta = source.store.meta(state.key);
    const counts = countFiles(source.store.files(state.key));
    const folderTally = tally.get(state.path, state.kb);
    const parsed = parse(state.key);
    return {
      ...state,
      ...counts,
      skipped: meta?.skipped?.length ?? 0,
      held: folderTally.held.size,
      ...(folderTally.heldReason ? { heldReason: folderTally.heldReason } : {}),
      ...(meta?.lastReconcileAt !== undefined ? { lastReconcileAt: meta.lastReconcileAt } : {}),
      ...(folderTally.lastError ? { lastError: folderTally.lastError } : {}),
      ...(parsed ? { parse: parsed } : {}),
    };
  });
  return {
    healthy: reason === undefined,
    ...(reason !== undefined ? { reason } : {}),
    serverUp: !source.health.down,
    queue: { waiting: source.scheduler.size, running: source.scheduler.pending, hints: folders.reduce((n, f) => n + f.pendingHints, 0) },
    folders,
    now,
  };
}
