// /metrics in Prometheus text format (prom-client, own registry: no process-global state). Counters add
// up the daemon's runs; gauges are read from one snapshot taken per scrape.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { FolderReport } from '../sync/sync-report.js';
import type { ServiceSnapshot } from './service-snapshot.js';

const PREFIX = 'ragflow_sync_';
type FolderLabel = 'folder' | 'kb';
const FOLDER_LABELS: readonly FolderLabel[] = ['folder', 'kb'];

export interface ServiceMetrics {
  /** Adds a finished run to the counters. */
  record(report: FolderReport): void;
  /** The exposition text for this snapshot. */
  render(snapshot: ServiceSnapshot): Promise<string>;
  readonly contentType: string;
}

export function createServiceMetrics(options: { processMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  let current: ServiceSnapshot | undefined;

  const counter = (name: string, help: string) => new Counter({ name: `${PREFIX}${name}`, help, labelNames: FOLDER_LABELS, registers: [registry] });
  const uploads = counter('uploads_total', 'Documents uploaded for new files.');
  const replacements = counter('replacements_total', 'Documents replaced because their file changed.');
  const deletes = counter('deletes_total', 'Documents deleted because their file went away (or is now excluded).');
  const failures = counter('failures_total', 'File operations that failed after their retries.');

  /** A gauge whose values are set from the scrape's snapshot. */
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (set: (labels: Partial<Record<L, string>>, value: number) => void, snapshot: ServiceSnapshot) => void) =>
    new Gauge<L>({
      name: `${PREFIX}${name}`,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset(); // folders removed by a reload must disappear
        if (current) fill((labels, value) => this.set(labels, value), current);
      },
    });
  const perFolder = (name: string, help: string, value: (f: ServiceSnapshot['folders'][number]) => number | undefined) =>
    gauge(name, help, FOLDER_LABELS, (set, s) => {
      for (const f of s.folders) {
        const v = value(f);
        if (v !== undefined) set({ folder: f.path, kb: f.kb }, v);
      }
    });

  gauge('healthy', '1 while every folder is watched and the server answers (what /healthz says).', [], (set, s) => set({}, s.healthy ? 1 : 0));
  gauge('server_up', '0 while the RAGFlow server failed through all retries (outage mode).', [], (set, s) => set({}, s.serverUp ? 1 : 0));
  gauge('queue_depth', 'Server requests waiting for a slot, and running.', ['state'], (set, s) => {
    set({ state: 'waiting' }, s.queue.waiting);
    set({ state: 'running' }, s.queue.running);
  });
  perFolder('pending_changes', 'Changed paths waiting for their quiet window.', (f) => f.pendingHints);
  perFolder('tracked_documents', 'Files with a document on the server, per the state file.', (f) => f.tracked);
  perFolder('pending_files', 'Files with unconfirmed work (upload intents, old versions to delete).', (f) => f.pending);
  perFolder('failed_files', 'Files whose last attempt failed.', (f) => f.failed.length);
  perFolder('skipped_files', 'Files left out at the last scan (too large, unreadable, not regular).', (f) => f.skipped);
  perFolder('held_deletes', 'Deletions held by the mass-delete guard or an unhealthy folder root.', (f) => f.held);
  perFolder('watcher_up', '1 while the folder has a live watcher.', (f) => (f.watching ? 1 : 0));
  perFolder('watcher_degraded', '1 when the watcher hit an inotify limit (periodic rescans carry the folder).', (f) => (f.degraded ? 1 : 0));
  perFolder('root_ok', '0 while the folder root is missing or on another device.', (f) => (f.rootOk ? 1 : 0));
  perFolder('last_reconcile_timestamp_seconds', 'When the last whole-folder reconcile completed (Unix time).', (f) =>
    f.lastReconcileAt === undefined ? undefined : f.lastReconcileAt / 1000,
  );
  gauge('parse_documents', 'Tracked documents per parse state, as last read for the status page (absent until read).', ['folder', 'kb', 'state'], (set, s) => {
    for (const f of s.folders) {
      for (const [state, count] of Object.entries(f.parse?.counts ?? {})) set({ folder: f.path, kb: f.kb, state }, count);
    }
  });

  return {
    record(report) {
      const labels = { folder: report.folder, kb: report.kb };
      uploads.inc(labels, report.uploaded);
      replacements.inc(labels, report.replaced);
      deletes.inc(labels, report.deleted);
      failures.inc(labels, report.failed.length);
    },
    render(snapshot) {
      // Kept after the scrape: a concurrent scrape then reads one fresh snapshot or the other, never none.
      current = snapshot;
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
}
