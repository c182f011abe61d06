// Composition root: configuration → real adapters (state file, folders, watcher, RAGFlow client) → the
// engine, for each command. Returns exit codes; only the CLI calls process.exit.
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Config } from './config/load-config.js';
import { nodeFolderReader } from './adapters/node-folder-reader.js';
import { openStateStore } from './adapters/state-store.js';
import { createClient } from './ragflow/create-client.js';
import type { Daemon, DaemonEnd } from './sync/daemon.js';
import type { ServerHealth } from './sync/action-runner.js';
import { FolderSyncer, type RunOptions, type SyncProgress } from './sync/folder-syncer.js';
import type { KbClient, ScanResult, StateStore } from './sync/ports.js';
import { createPathFilter } from './core/path-filter.js';
import { createRequestScheduler, type PausableScheduler } from './sync/request-scheduler.js';
import { AuthRejectedError, ServerUnusableError } from './sync/sync-errors.js';
export { exitCodeFor } from './sync/sync-errors.js';
import type { FolderReport } from './sync/sync-report.js';
import { VERSION } from './version.js';
import { recordSettledRun } from './settled-run.js';

export interface Engine {
  readonly config: Config;
  readonly health: ServerHealth;
  readonly store: StateStore;
  readonly client: KbClient;
  readonly scheduler: PausableScheduler;
  readonly syncers: FolderSyncer[];
  readonly abort: AbortController;
  readonly stopping: { value: boolean };
  /** Closes the client, and the state store unless it is handed on (reload). */
  close(keepStore?: boolean): Promise<void>;
}

/** Opens the state (with its lock unless read-only; or reuses an open one on reload), connects to the
 *  server and builds one syncer per folder. */
export interface OpenEngineOptions {
  readonly readOnly: boolean;
  readonly store?: StateStore;
  /** Progress of every folder's runs (the `--sync` progress line). */
  readonly onProgress?: (progress: SyncProgress) => void;
  /** Scans already started, by folder key (see FolderSyncerDeps.firstScan). */
  readonly firstScans?: ReadonlyMap<string, Promise<ScanResult>>;
}

export async function openEngine(config: Config, logger: Logger, options: OpenEngineOptions): Promise<Engine> {
  const store = options.store ?? (await openStateStore(config.stateFile, { readOnly: options.readOnly }));
  try {
    const traceStarts = logger.isLevelEnabled('trace') ? (atMs: number) => logger.trace({ requestStartMs: atMs }, 'request start') : undefined;
    const scheduler = createRequestScheduler(config.rateLimit, undefined, traceStarts);
    const created = await createClient({
      url: config.server.url,
      apiKey: config.server.apiKey,
      api: config.server.api,
      scheduler,
      requestTimeoutMs: config.server.requestTimeoutSeconds * 1000,
    });
    if (!created.ok) {
      if (created.kind === 'auth') throw new AuthRejectedError(created);
      throw new ServerUnusableError(created);
    }
    const client = created.value;
    logger.info({ url: config.server.url, api: client.api }, 'connected to RAGFlow');
    const health: ServerHealth = { down: false };
    const abort = new AbortController();
    // Every queued request listens on this one signal: thousands of listeners are expected, not a leak.
    setMaxListeners(0, abort.signal);
    const stopping = { value: false };
    const syncers = config.folders.map(
      (folder) =>
        new FolderSyncer({
          folder,
          client,
          store,
          reader: nodeFolderReader,
          scheduler,
          logger: logger.child({ folder: folder.path, kb: folder.kb }),
          signal: abort.signal,
          stopping,
          health,
          adoptUnclaimed: store.loadOutcome.kind !== 'loaded' && store.files(folder.key).length === 0,
          ...(options.firstScans?.has(folder.key) ? { firstScan: options.firstScans.get(folder.key) } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        }),
    );
    return {
      config,
      health,
      store,
      client,
      scheduler,
      syncers,
      abort,
      stopping,
      async close(keepStore = false) {
        await client.close().catch(() => undefined);
        if (!keepStore) await store.close();
      },
    };
  } catch (err) {
    if (!options.store) await store.close().catch(() => undefined);
    throw err;
  }
}

/** Checks that a lost or corrupt state can be rebuilt: that needs a server that lists documents. */
function checkStateRecoverable(engine: Engine, logger: Logger): void {
  const outcome = engine.store.loadOutcome;
  // Only said here: the folder syncer decides whether the rebuild can go on (it refuses, exit 65, and
  // remembers that in the state, where the server cannot list documents).
  if (outcome.kind === 'corrupt') {
    logger.error({ movedTo: outcome.movedTo, reason: outcome.reason }, 'the state file was corrupt; it was moved aside and the state is rebuilt from the server');
  }
}

export interface SyncCommandOptions extends RunOptions {
  /** Record a run that leaves every folder settled, for the next `--sync --skip-listing` (settled-run.ts). */
  readonly recordSettled?: boolean;
  readonly onReport?: (report: FolderReport) => void;
  readonly onProgress?: (progress: SyncProgress) => void;
}

export async function runSync(config: Config, logger: Logger, options: SyncCommandOptions): Promise<FolderReport[]> {
  // Every folder's walk starts first, in worker threads, and runs while the state file loads and the
  // server is asked for the knowledge bases: on a no-op run those take about as long as the walk.
  const early = new AbortController();
  const firstScans = new Map<string, Promise<ScanResult>>();
  for (const folder of config.folders) {
    const scan = nodeFolderReader.scan(folder.path, createPathFilter({ include: folder.include, exclude: folder.exclude }), early.signal);
    scan.catch(() => undefined); // its syncer sees the outcome; one never used (the engine failed to open) is dropped
    firstScans.set(folder.key, scan);
  }
  try {
    return await syncFolders(config, logger, options, firstScans);
  } finally {
    early.abort(new Error('the sync ended'));
  }
}

async function syncFolders(config: Config, logger: Logger, options: SyncCommandOptions, firstScans: ReadonlyMap<string, Promise<ScanResult>>): Promise<FolderReport[]> {
  const engine = await openEngine(config, logger, { readOnly: options.dryRun ?? false, firstScans, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  try {
    checkStateRecoverable(engine, logger);
    const reports: FolderReport[] = [];
    for (const syncer of engine.syncers) {
      const report = await syncer.reconcile(options);
      options.onReport?.(report);
      reports.push(report);
    }
    if (options.recordSettled === true && options.dryRun !== true) await recordSettledRun(config, engine.syncers, engine.store, reports, logger);
    return reports;
  } finally {
    await engine.close();
  }
}

export interface DaemonHandle {
  /** The running daemon; replaced by reload(). */
  readonly daemon: Daemon;
  /** Resolves when the current daemon has to end by itself (key rejected, crash). */
  ended(): Promise<DaemonEnd>;
  /** Re-read configuration applied: pending work is drained or re-found by the new daemon's reconcile. */
  reload(config: Config): Promise<void>;
  stop(): Promise<void>;
}

/** What only the daemon needs, loaded when it starts: a one-shot --sync never pays for the watcher, the
 *  daemon or the status server (~60 ms of module loading). */
async function daemonParts() {
  const [{ Daemon }, { watchFolder }, { ServiceMonitor }] = await Promise.all([
    import('./sync/daemon.js'),
    import('./adapters/folder-watcher.js'),
    import('./metrics/service-monitor.js'),
  ]);
  return { Daemon, watchFolder, ServiceMonitor };
}

type DaemonParts = Awaited<ReturnType<typeof daemonParts>>;

function buildDaemon(parts: DaemonParts, engine: Engine, logger: Logger, onReport: (report: FolderReport) => void): Daemon {
  const firstKb = engine.config.folders[0]?.kb ?? '';
  return new parts.Daemon({
    syncers: engine.syncers,
    store: engine.store,
    reader: nodeFolderReader,
    watch: parts.watchFolder,
    logger,
    options: engine.config.daemon,
    abort: engine.abort,
    stopping: engine.stopping,
    health: engine.health,
    probe: () => engine.client.findKb(firstKb),
    onReport,
  });
}

export async function startDaemon(config: Config, logger: Logger): Promise<DaemonHandle> {
  const parts = await daemonParts();
  const { ServiceMonitor } = parts;
  let engine = await openEngine(config, logger, { readOnly: false });
  let daemon: Daemon | undefined;
  let resolveEnded: (end: DaemonEnd) => void = () => undefined;
  const ended = new Promise<DaemonEnd>((resolve) => (resolveEnded = resolve));
  // /healthz, /metrics and the status page: one per process, reading whichever daemon is current.
  const monitor = new ServiceMonitor({
    logger,
    version: VERSION,
    current: () => daemon && { daemon, store: engine.store, scheduler: engine.scheduler, health: engine.health, folders: engine.config.folders, client: engine.client },
  });
  const launch = async (next: Engine) => {
    const candidate = buildDaemon(parts, next, logger, monitor.onReport);
    await candidate.start();
    daemon = candidate;
    void candidate.ended.then((end) => {
      if (daemon === candidate) resolveEnded(end);
    });
  };
  try {
    checkStateRecoverable(engine, logger);
    await launch(engine);
    await monitor.apply(engine.config.metrics);
  } catch (err) {
    await monitor.close();
    await engine.close().catch(() => undefined);
    throw err;
  }
  const current = (): Daemon => {
    if (!daemon) throw new Error('the daemon has not started');
    return daemon;
  };
  let reloading: Promise<void> = Promise.resolve();
  return {
    get daemon() {
      return current();
    },
    ended: () => ended,
    reload(next: Config) {
      reloading = reloading.then(async () => {
        if (next.stateFile !== engine.config.stateFile) {
          logger.warn({ stateFile: next.stateFile }, 'stateFile changed: restart the service to move the state; keeping the old file');
        }
        // The old daemon finishes what it started; hints still waiting are re-found by the new reconcile.
        const previous = engine;
        await current().stop();
        await previous.close(true);
        try {
          engine = await openEngine({ ...next, stateFile: previous.config.stateFile }, logger, { readOnly: false, store: previous.store });
          await launch(engine);
          await monitor.apply(engine.config.metrics);
          logger.info({ folders: next.folders.length }, 'configuration reloaded');
        } catch (err) {
          logger.error({ err }, 'the new configuration could not be started; going on with the previous one');
          engine = await openEngine(previous.config, logger, { readOnly: false, store: previous.store });
          await launch(engine);
        }
      });
      return reloading.catch((err: unknown) => resolveEnded({ kind: 'crashed', error: err }));
    },
    async stop() {
      await reloading.catch(() => undefined);
      await monitor.close();
      await current().stop();
      await engine.close();
    },
  };
}

