// Owns the daemon's observability for the life of the process: counters (across reloads), the parse-state
// cache and the HTTP listener, which follows `metrics.listen` on start and on every reload.
import type { Logger } from 'pino';
import type { FolderConfig } from '../config/load-config.js';
import { isLoopbackHost, parseListenAddress } from '../config/listen-address.js';
import { readParseStates, trackedDocuments } from '../status/parse-states.js';
import type { KbClient } from '../sync/ports.js';
import type { FolderReport } from '../sync/sync-report.js';
import { ParseCache } from './parse-cache.js';
import { ReportTally } from './report-tally.js';
import { createServiceMetrics, type ServiceMetrics } from './service-metrics.js';
import { takeSnapshot, type DaemonSource, type ServiceSnapshot } from './service-snapshot.js';
import { startStatusServer, type StatusServer } from './status-server.js';

export interface MetricsSettings {
  readonly listen?: string | undefined;
  readonly allowNonLoopback: boolean;
}

/** What the monitor reads of the running daemon; app.ts hands in its current daemon and engine. */
export interface MonitoredDaemon extends DaemonSource {
  readonly folders: readonly FolderConfig[];
  readonly client: KbClient;
}

export interface ServiceMonitorDeps {
  readonly logger: Logger;
  readonly version: string;
  /** The daemon now running (it changes on reload); undefined before the first one started. */
  readonly current: () => MonitoredDaemon | undefined;
  readonly now?: () => number;
}

export class ServiceMonitor {
  private readonly tally = new ReportTally();
  private readonly metrics: ServiceMetrics = createServiceMetrics();
  private readonly parse: ParseCache;
  private server: StatusServer | undefined;
  private listening: string | undefined;

  constructor(private readonly deps: ServiceMonitorDeps) {
    this.parse = new ParseCache(
      async (folderKey, signal) => {
        const daemon = deps.current();
        const folder = daemon?.folders.find((f) => f.key === folderKey);
        const kbId = daemon?.store.meta(folderKey)?.kbId;
        if (!daemon || !folder || kbId === undefined || daemon.health.down) return undefined;
        return readParseStates(daemon.client, { id: kbId, name: folder.kb }, trackedDocuments(daemon.store.files(folderKey)), { signal });
      },
      { onError: (folderKey, message) => deps.logger.debug({ folder: folderKey, err: message }, 'status page: parse states not read') },
    );
  }

  /** For the daemon's onReport: every finished run. */
  readonly onReport = (report: FolderReport): void => {
    this.tally.record(report, this.now());
    this.metrics.record(report);
  };

  /** Starts, moves or stops the listener to match the configuration. A port that cannot be bound is
   *  logged and leaves the endpoint off: syncing matters more than looking at it. */
  async apply(settings: MetricsSettings): Promise<void> {
    if (settings.listen === this.listening && (this.server !== undefined || settings.listen === undefined)) return;
    await this.stopServer();
    if (settings.listen === undefined) return;
    const parsed = parseListenAddress(settings.listen);
    if (!parsed.ok) return; // the config loader refuses these; nothing to do here
    try {
      this.server = await startStatusServer({
        listen: parsed.value,
        loopbackOnly: isLoopbackHost(parsed.value.host),
        snapshot: (forPeople) => this.snapshot(forPeople),
        metrics: this.metrics,
        version: this.deps.version,
        logger: this.deps.logger,
      });
      this.listening = settings.listen;
      this.deps.logger.info({ url: this.server.url }, 'status endpoint listening (/, /healthz, /metrics)');
    } catch (err) {
      this.deps.logger.error({ listen: settings.listen, code: (err as NodeJS.ErrnoException).code }, 'cannot listen for the status endpoint; going on without it');
    }
  }

  snapshot(forPeople: boolean): ServiceSnapshot {
    const now = this.now();
    const daemon = this.deps.current();
    if (!daemon) return { healthy: false, reason: 'starting', serverUp: true, queue: { waiting: 0, running: 0, hints: 0 }, folders: [], now };
    return takeSnapshot(daemon, this.tally, (key) => (forPeople ? this.parse.get(key) : this.parse.peek(key)), now);
  }

  async close(): Promise<void> {
    this.parse.close();
    await this.stopServer();
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.listening = undefined;
    if (server) await server.close();
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
