// The long-running mode: reconcile every folder, then watch. Watcher events become hints, hints become
// quiet-window batches, batches are examined by the folder's serialized loop. A periodic full reconcile
// catches whatever the watcher missed, and a root check stops a vanished folder from looking "all deleted".
import type { Logger } from 'pino';
import type { FolderSyncer } from './folder-syncer.js';
import { ChangeBatcher, type Batch } from './change-batcher.js';
import type { ServerHealth } from './action-runner.js';
import type { FolderReader, PathRules, Result, StateStore } from './ports.js';
import type { FolderReport } from './sync-report.js';
import { AuthRejectedError } from './sync-errors.js';
import type { ChangeHint, FolderWatcher, WatchErrorInfo } from './watch-port.js';

export type WatchFactory = (
  root: string,
  options: { rules: PathRules; usePolling: boolean; onHint: (hint: ChangeHint) => void; onError: (error: WatchErrorInfo) => void },
) => Promise<FolderWatcher>;

export interface DaemonOptions {
  readonly quietWindowMs: number;
  readonly rescanIntervalMinutes: number;
  readonly drainTimeoutSeconds: number;
  readonly usePolling: boolean;
  /** How often the folder roots are checked for having vanished or changed device. */
  readonly rootCheckIntervalMs?: number;
  /** Longest time between full rescans once the watcher hit an inotify limit (default 5 minutes), even
   *  when rescanIntervalMinutes is longer or 0: rescans are then all that sees changes in unwatched folders. */
  readonly degradedRescanMs?: number;
}

export interface DaemonDeps {
  readonly syncers: readonly FolderSyncer[];
  readonly store: StateStore;
  readonly reader: FolderReader;
  readonly watch: WatchFactory;
  readonly logger: Logger;
  readonly options: DaemonOptions;
  /** Aborting it cancels requests in flight (used once the drain deadline passes). */
  readonly abort: AbortController;
  /** Set when stopping: no new action starts. */
  readonly stopping: { value: boolean };
  /** Shared with the runners: set when the server failed a job through all its retries. */
  readonly health: ServerHealth;
  /** One cheap request that tells whether the server answers again (e.g. finding a KB). */
  readonly probe: () => Promise<Result<unknown>>;
  readonly clock?: { sleep(ms: number): Promise<void> };
  /** Told about every finished run, reconcile or hint batch (metrics counters). */
  readonly onReport?: (report: FolderReport) => void;
}

/** One folder as the daemon sees it (metrics and the status page). */
export interface FolderWatchState {
  readonly key: string;
  readonly path: string;
  readonly kb: string;
  readonly watching: boolean;
  readonly rootOk: boolean;
  /** The watcher hit an inotify limit: periodic rescans carry the folder. */
  readonly degraded: boolean;
  /** Changed paths waiting for their quiet window. */
  readonly pendingHints: number;
}

export type DaemonEnd = { readonly kind: 'stopped' } | { readonly kind: 'auth-rejected'; readonly error: AuthRejectedError } | { readonly kind: 'crashed'; readonly error: unknown };

/** Watch-limit errors: the watcher is half blind from here on; periodic rescans must carry the folder. */
const WATCH_LIMIT_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);
const DEGRADED_RESCAN_MS = 5 * 60_000;
/** Probing an unreachable server: first after 1 s, doubling up to every 30 s. */
const PROBE_FIRST_MS = 1000;
const PROBE_MAX_MS = 30_000;

interface FolderRuntime {
  readonly syncer: FolderSyncer;
  readonly batcher: ChangeBatcher;
  watcher?: FolderWatcher | undefined;
  rootOk: boolean;
  degraded: boolean;
  rescanTimer?: NodeJS.Timeout | undefined;
  busy: Promise<unknown>;
  /** Inode of the root directory the watcher was started on: another one at the same path is not watched. */
  watchedIno?: number | undefined;
}

export class Daemon {
  private readonly folders: FolderRuntime[] = [];
  private rootTimer: NodeJS.Timeout | undefined;
  private checkingRoots = false;
  private probing: Promise<void> | undefined;
  private endResolve: (end: DaemonEnd) => void = () => undefined;
  /** Resolves when the daemon has to end by itself (key rejected, crash); `stop()` ends it from outside. */
  readonly ended: Promise<DaemonEnd> = new Promise((resolve) => (this.endResolve = resolve));

  constructor(private readonly deps: DaemonDeps) {}

  async start(): Promise<void> {
    const { syncers, options } = this.deps;
    for (const syncer of syncers) {
      const runtime: FolderRuntime = {
        syncer,
        batcher: new ChangeBatcher(options.quietWindowMs, (batch) => this.onBatch(runtime, batch)),
        rootOk: true,
        degraded: false,
        busy: Promise.resolve(),
      };
      this.folders.push(runtime);
    }
    // Watch first, then reconcile: a change made during the initial reconcile is then not missed.
    await Promise.all(this.folders.map((f) => this.startWatcher(f)));
    await Promise.all(this.folders.map((f) => this.track(f, f.syncer.reconcile())));
    for (const folder of this.folders) this.armRescan(folder);
    // Not unref'd: with every root gone there is no watcher left, and this timer is what keeps the
    // daemon alive to see the roots come back (it used to exit 0 silently then).
    this.rootTimer = setInterval(() => void this.checkRoots(), options.rootCheckIntervalMs ?? 5000);
    this.deps.logger.info({ folders: this.folders.length }, 'watching');
  }

  /** Whether every folder has a live watcher and a healthy root (for /healthz). */
  get watching(): boolean {
    return this.folders.every((f) => f.watcher !== undefined && f.rootOk);
  }

  /** Why the daemon is not healthy, or undefined when it is (for /healthz). */
  get unhealthyReason(): string | undefined {
    if (this.deps.health.down) return `RAGFlow server unavailable: ${this.deps.health.reason ?? 'no answer'}`;
    const lost = this.folders.filter((f) => !f.rootOk).map((f) => f.syncer.folder.path);
    if (lost.length > 0) return `folder root missing or changed: ${lost.join(', ')}`;
    if (!this.watching) return 'not watching';
    return undefined;
  }

  get folderStates(): FolderWatchState[] {
    return this.folders.map((f) => ({
      key: f.syncer.folder.key,
      path: f.syncer.folder.path,
      kb: f.syncer.folder.kb,
      watching: f.watcher !== undefined,
      rootOk: f.rootOk,
      degraded: f.degraded,
      pendingHints: f.batcher.size,
    }));
  }

  get pendingHints(): number {
    return this.folders.reduce((n, f) => n + f.batcher.size, 0);
  }

  async stop(): Promise<void> {
    const { stopping, abort, logger, store, options } = this.deps;
    stopping.value = true;
    if (this.rootTimer) clearInterval(this.rootTimer);
    for (const folder of this.folders) {
      if (folder.rescanTimer) clearTimeout(folder.rescanTimer);
      folder.batcher.close();
    }
    await Promise.all(this.folders.map((f) => (f.watcher ? f.watcher.close().catch(() => undefined) : Promise.resolve())));
    const drained = Promise.all(this.folders.map((f) => f.busy.catch(() => undefined)));
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), options.drainTimeoutSeconds * 1000).unref());
    if ((await Promise.race([drained, deadline])) === 'timeout') {
      logger.warn({ seconds: options.drainTimeoutSeconds }, 'in-flight requests did not finish before the drain deadline; cancelling them');
      abort.abort();
      await Promise.race([drained, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    await store.flush();
  }

  private async startWatcher(folder: FolderRuntime): Promise<void> {
    const { watch, options, logger } = this.deps;
    const root = folder.syncer.folder.path;
    folder.watchedIno = (await this.deps.reader.rootId(root).catch(() => undefined))?.ino;
    try {
      folder.watcher = await watch(root, {
        rules: folder.syncer.rules,
        usePolling: options.usePolling,
        onHint: (hint) => {
          // The root itself was removed or moved away: chokidar never watches it again, even when it comes
          // back between two root checks. Drop the watcher now; the root check rebuilds it.
          if (hint.kind === 'dir' && hint.relPath === '') return void this.loseRoot(folder);
          folder.batcher.add(hint);
        },
        onError: (error) => this.onWatchError(folder, error),
      });
      folder.rootOk = true;
    } catch (err) {
      folder.rootOk = false;
      logger.error({ path: root, err }, 'cannot watch the folder; will retry when its root is healthy');
    }
  }

  private onWatchError(folder: FolderRuntime, error: WatchErrorInfo): void {
    const { logger } = this.deps;
    if (error.code && WATCH_LIMIT_CODES.has(error.code)) {
      // chokidar emits one error per watch it could not place (hundreds): say it once, arm the rescans once
      // (re-arming on every error would keep pushing the next rescan away while errors keep coming).
      if (!folder.degraded) {
        logger.error(
          { path: folder.syncer.folder.path, code: error.code },
          'inotify limit reached: some changes will only be seen by periodic rescans. Raise it, e.g. `sysctl fs.inotify.max_user_watches=524288` (one watch per directory), or set daemon.usePolling',
        );
        folder.degraded = true;
        this.armRescan(folder);
      }
      return;
    }
    logger.warn({ path: folder.syncer.folder.path, code: error.code, err: error.message }, 'watcher error');
  }

  private onBatch(folder: FolderRuntime, batch: Batch): void {
    if (this.deps.stopping.value) return;
    void this.track(folder, folder.syncer.examine(batch.paths, batch.dirs));
  }

  /** Keeps the folder's last run observable for draining, and turns fatal errors into the daemon's end. */
  private track(folder: FolderRuntime, run: Promise<FolderReport>): Promise<void> {
    const tracked = run.then(
      (report) => this.logReport(report),
      (err: unknown) => {
        if (err instanceof AuthRejectedError) this.endResolve({ kind: 'auth-rejected', error: err });
        else this.endResolve({ kind: 'crashed', error: err });
      },
    );
    folder.busy = Promise.all([folder.busy, tracked]);
    return tracked;
  }

  private logReport(report: FolderReport): void {
    this.deps.onReport?.(report);
    if (report.serverTrouble || this.deps.health.down) this.startProbing();
    if (report.failed.length > 0) {
      this.deps.logger.warn({ kb: report.kb, failed: report.failed.length, paths: report.failed.slice(0, 20) }, 'some files failed');
    }
  }

  private armRescan(folder: FolderRuntime): void {
    const minutes = this.deps.options.rescanIntervalMinutes;
    const degradedMs = this.deps.options.degradedRescanMs ?? DEGRADED_RESCAN_MS;
    const every = folder.degraded ? Math.min(degradedMs, minutes > 0 ? minutes * 60_000 : Infinity) : minutes * 60_000;
    if (folder.rescanTimer) clearTimeout(folder.rescanTimer);
    if (!(every > 0) || every === Infinity) return;
    folder.rescanTimer = setTimeout(() => {
      if (this.deps.stopping.value) return;
      void this.track(folder, folder.syncer.reconcile()).then(() => this.armRescan(folder));
    }, every);
    folder.rescanTimer.unref();
  }

  /** The server failed through all retries: keep watching, keep the hints, and ask it (with backoff)
   *  until it answers; then reconcile every folder, which catches up all that happened meanwhile. */
  private startProbing(): void {
    if (this.probing || this.deps.stopping.value) return;
    const { logger, health } = this.deps;
    health.down = true;
    logger.error({ reason: health.reason }, 'RAGFlow server unavailable; watching goes on and changes are caught up when it answers');
    const clock = this.deps.clock;
    const sleep = (ms: number) => (clock ? clock.sleep(ms) : new Promise<void>((r) => setTimeout(r, ms).unref()));
    this.probing = (async () => {
      let wait = PROBE_FIRST_MS;
      while (!this.deps.stopping.value) {
        await sleep(wait);
        if (this.deps.stopping.value) return;
        const answer = await this.deps.probe().catch(() => undefined);
        if (answer?.ok) break;
        if (answer && !answer.ok && answer.kind === 'auth') {
          this.endResolve({ kind: 'auth-rejected', error: new AuthRejectedError(answer) });
          return;
        }
        wait = Math.min(wait * 2, PROBE_MAX_MS);
      }
      if (this.deps.stopping.value) return;
      health.down = false;
      delete health.reason;
      logger.info('RAGFlow server answers again; catching up');
      await Promise.all(this.folders.map((f) => this.track(f, f.syncer.reconcile())));
    })().finally(() => {
      this.probing = undefined;
      if (this.deps.health.down) this.startProbing(); // the catch-up itself met the outage again
    });
  }

  /** chokidar never recovers a watch whose root vanished: detect it, and rebuild once the root is back. */
  private async checkRoots(): Promise<void> {
    if (this.checkingRoots) return; // a rebuild's reconcile can outlast the interval: one check at a time
    this.checkingRoots = true;
    try {
      const { reader, store, logger } = this.deps;
      for (const folder of this.folders) {
        if (this.deps.stopping.value) return;
        const root = folder.syncer.folder.path;
        const id = await reader.rootId(root).catch(() => undefined);
        const recorded = store.meta(folder.syncer.folder.key)?.rootDev;
        const ok = id !== undefined && (recorded === undefined || recorded === id.dev);
        // Another directory at the same path (deleted and made again between two checks): the watcher
        // still sits on the old one, so it is as good as lost.
        const replaced = ok && folder.watchedIno !== undefined && id.ino !== folder.watchedIno;
        if ((!ok || replaced) && folder.rootOk) await this.loseRoot(folder);
        if (ok && !folder.rootOk) {
          logger.info({ path: root }, 'folder root is back; rebuilding the watcher and reconciling');
          await this.startWatcher(folder);
          if (folder.rootOk) await this.track(folder, folder.syncer.reconcile());
        }
      }
    } finally {
      this.checkingRoots = false;
    }
  }

  private async loseRoot(folder: FolderRuntime): Promise<void> {
    if (!folder.rootOk) return;
    folder.rootOk = false;
    this.deps.logger.error({ path: folder.syncer.folder.path }, 'folder root vanished or changed device; nothing is deleted until it is back');
    const watcher = folder.watcher;
    folder.watcher = undefined;
    folder.batcher.close();
    await watcher?.close().catch(() => undefined);
  }
}
