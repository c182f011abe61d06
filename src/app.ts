// Composition root: configuration → real adapters (state file, folders, watcher, RAGFlow client) → the
// engine, for each command. Returns exit codes; only the CLI calls process.exit.
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Config } from './config/load-config.js';
import { EXIT, type ExitCode } from './core/exit-codes.js';
import { nodeFolderReader } from './adapters/node-folder-reader.js';
import { openStateStore } from './adapters/state-store.js';
import { watchFolder } from './adapters/chokidar-watcher.js';
import { createClient } from './ragflow/create-client.js';
import { Daemon } from './sync/daemon.js';
import { FolderSyncer, type RunOptions } from './sync/folder-syncer.js';
import type { KbClient, StateStore } from './sync/ports.js';
import { createRequestScheduler, type PausableScheduler } from './sync/request-scheduler.js';
import { AuthRejectedError, ServerUnusableError, StateUnrecoverableError } from './sync/sync-errors.js';
import type { FolderReport } from './sync/sync-report.js';

export interface Engine {
  readonly store: StateStore;
  readonly client: KbClient;
  readonly scheduler: PausableScheduler;
  readonly syncers: FolderSyncer[];
  readonly abort: AbortController;
  readonly stopping: { value: boolean };
  close(): Promise<void>;
}

/** Opens the state (with its lock unless read-only), connects to the server and builds one syncer per folder. */
export async function openEngine(config: Config, logger: Logger, options: { readOnly: boolean }): Promise<Engine> {
  const store = await openStateStore(config.stateFile, { readOnly: options.readOnly });
  try {
    const scheduler = createRequestScheduler(config.rateLimit);
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
          adoptUnclaimed: store.loadOutcome.kind !== 'loaded' && store.files(folder.key).length === 0,
        }),
    );
    return {
      store,
      client,
      scheduler,
      syncers,
      abort,
      stopping,
      async close() {
        await client.close().catch(() => undefined);
        await store.close();
      },
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

/** Checks that a lost or corrupt state can be rebuilt: that needs a server that lists documents. */
function checkStateRecoverable(engine: Engine, logger: Logger): void {
  const outcome = engine.store.loadOutcome;
  if (outcome.kind === 'corrupt') {
    logger.error({ movedTo: outcome.movedTo, reason: outcome.reason }, 'the state file was corrupt; it was moved aside and the state is rebuilt from the server');
    if (!engine.client.capabilities.canList) {
      throw new StateUnrecoverableError(
        `the state file was corrupt (moved to ${outcome.movedTo}) and this RAGFlow version cannot list documents, so the state cannot be rebuilt without duplicating every document. ` +
          'Restore a backup of the state file, or delete the tool’s documents from the knowledge base and run --sync again.',
      );
    }
  }
}

export interface SyncCommandOptions extends RunOptions {
  readonly onReport?: (report: FolderReport) => void;
}

export async function runSync(config: Config, logger: Logger, options: SyncCommandOptions): Promise<FolderReport[]> {
  const engine = await openEngine(config, logger, { readOnly: options.dryRun ?? false });
  try {
    checkStateRecoverable(engine, logger);
    const reports: FolderReport[] = [];
    for (const syncer of engine.syncers) {
      const report = await syncer.reconcile(options);
      options.onReport?.(report);
      reports.push(report);
    }
    return reports;
  } finally {
    await engine.close();
  }
}

export interface DaemonHandle {
  readonly daemon: Daemon;
  readonly engine: Engine;
  stop(): Promise<void>;
}

export async function startDaemon(config: Config, logger: Logger): Promise<DaemonHandle> {
  const engine = await openEngine(config, logger, { readOnly: false });
  try {
    checkStateRecoverable(engine, logger);
    const daemon = new Daemon({
      syncers: engine.syncers,
      store: engine.store,
      reader: nodeFolderReader,
      watch: watchFolder,
      logger,
      options: config.daemon,
      abort: engine.abort,
      stopping: engine.stopping,
    });
    await daemon.start();
    return {
      daemon,
      engine,
      async stop() {
        await daemon.stop();
        await engine.close();
      },
    };
  } catch (err) {
    await engine.close().catch(() => undefined);
    throw err;
  }
}

/** Maps the errors that stop a command to exit codes (the table in src/core/exit-codes.ts). */
export function exitCodeFor(err: unknown): ExitCode | undefined {
  if (err instanceof AuthRejectedError) return EXIT.authRejected;
  if (err instanceof ServerUnusableError) return EXIT.serverUnavailable;
  if (err instanceof StateUnrecoverableError) return EXIT.stateUnrecoverable;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'state-locked') return EXIT.stateLocked;
  if (code === 'config-invalid') return EXIT.config;
  return undefined;
}
