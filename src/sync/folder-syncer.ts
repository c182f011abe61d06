// One folder ↔ one knowledge base: scan, compare with the state (and the server when reconciling), plan,
// execute. Runs are serialized per folder (one loop), so the folder's state entries need no locking.
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { FolderConfig } from '../config/load-config.js';
import { createPathFilter } from '../core/path-filter.js';
import { createParserChooser, type ParserChooser } from '../core/parser-rules.js';
import { sourceIdOf } from '../core/doc-meta.js';
import { hostname } from 'node:os';
import type { ParseFollowResult } from './parse-follower.js';
import { needsHash, planSync, sameFingerprint, type Action, type Plan } from '../core/plan-sync.js';
import type { FolderMeta, LocalFile, RelPath, TrackedFile } from '../core/model.js';
import { ActionRunner, fingerprintOf, SERVER_TROUBLE, type Outcome, type ServerHealth } from './action-runner.js';
import type { FolderReader, KbClient, KbRef, PathRules, RemoteDoc, Result, ScanResult, StateStore } from './ports.js';
import type { PausableScheduler } from './request-scheduler.js';
import { StateUnrecoverableError } from './sync-errors.js';
import { withRetries, type RetryDeps } from './with-retries.js';
import { emptyReport, type FolderReport } from './sync-report.js';
import { logNewlySkipped, nextSkipped, sameSkipped, type SkipNote } from './skipped-files.js';

export interface FolderSyncerDeps {
  readonly folder: FolderConfig;
  readonly client: KbClient;
  readonly store: StateStore;
  readonly reader: FolderReader;
  readonly scheduler: PausableScheduler;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Set by the daemon on SIGTERM: actions not yet started are left for the next run. */
  readonly stopping?: { readonly value: boolean };
  /** The state was lost or is new. (The syncer itself adopts unclaimed same-named documents whose content
   *  matches while a folder has not got through a reconcile since: FolderMeta.lastReconcileAt / rebuild.) */
  readonly adoptUnclaimed?: boolean;
  /** Shared across folders: set when the server failed through all retries. */
  readonly health?: ServerHealth;
  /** Told whenever a run moves on (a progress display for `--sync` on a terminal). */
  readonly onProgress?: (progress: SyncProgress) => void;
  /** A scan of the folder started before the engine opened (`--sync` starts it first, so the walk runs
   *  while the state loads); the first whole-folder run uses it instead of scanning again. */
  readonly firstScan?: Promise<ScanResult> | undefined;
}

/** Where one run of one folder stands. Totals become known phase by phase (scan → list → hash → sync). */
export interface SyncProgress {
  readonly folder: string;
  readonly phase: 'scanning' | 'listing' | 'hashing' | 'syncing' | 'done';
  readonly filesScanned: number;
  readonly bytesToHash: number;
  readonly bytesHashed: number;
  readonly actionsPlanned: number;
  readonly actionsDone: number;
  /** Requests the whole process has started so far (every folder shares the scheduler). */
  readonly requests: number;
}

export interface RunOptions {
  /** Print/return the plan only: no server write, no state write. */
  readonly dryRun?: boolean;
  readonly allowMassDelete?: boolean;
  /** List the server's documents (reconcile). Off for daemon hints and for benchmarks of the local side. */
  readonly listRemote?: boolean;
  /** Follow this run's parse requests outside the folder's loop (daemon hints): the next change is
   *  examined and sent while this one parses. The run's report still waits for the parse. */
  readonly parseOutsideLoop?: boolean;
}

const HASH_CONCURRENCY = 4;
/** Jobs in flight per folder; the request scheduler bounds the actual server load. */
const JOB_CONCURRENCY = 8;
const MASS_DELETE_FLOOR = 10;

export class FolderSyncer {
  readonly rules: PathRules;
  private readonly parserFor: ParserChooser;
  private kb: KbRef | undefined;
  private loop: Promise<unknown> = Promise.resolve();
  private warnedNoListing = false;
  /** The examine queued behind the current run, which later hints join. */
  private waitingExamine: { paths: Set<RelPath>; dirs: Set<RelPath>; report: Promise<FolderReport> } | undefined;
  /** The current run's progress; runs are serialized, so there is one at a time. */
  private progress: SyncProgress | undefined;
  private firstScan: Promise<ScanResult> | undefined;
  /** Parse follows handed out of the loop, one after another (so maxParsing holds per folder), each
   *  ending with its state changes back inside the loop. */
  private parseLane: Promise<unknown> = Promise.resolve();
  /** Paths whose upload is parsing outside the loop: another look at them waits for that to finish, so a
   *  swap in progress is never healed half-way nor replaced under the follower's feet. */
  private readonly parsingOutside = new Map<RelPath, number>();
  /** Set by execute for the run in the loop; taken by examine right after the run. */
  private parseTail: ((report: FolderReport) => Promise<FolderReport>) | undefined;

  constructor(private readonly deps: FolderSyncerDeps) {
    this.rules = createPathFilter({ include: deps.folder.include, exclude: deps.folder.exclude });
    this.parserFor = createParserChooser(deps.folder.rules, deps.folder.parserId);
    this.firstScan = deps.firstScan;
  }

  get folder(): FolderConfig {
    return this.deps.folder;
  }

  /** Whole-folder reconcile: disk, state and (where it can list) the server. */
  reconcile(options: RunOptions = {}): Promise<FolderReport> {
    // After any parse still followed outside the loop: a whole-folder look would otherwise see its swap
    // half done. (Waiting outside the loop: the follow's last step needs the loop.)
    if (this.parsingOutside.size > 0) return this.parseLane.then(() => this.reconcile(options));
    return this.serialize(() => this.runOnce(undefined, options));
  }

  /** Re-examine only these paths (daemon hints); `dirs` pulls in every tracked path below them. Hints that
   *  arrive while an examine is still waiting for its turn join it: a burst of events then costs a few runs
   *  (and state-file writes), not one per batch. Its report covers all the joined paths. */
  examine(paths: ReadonlySet<RelPath>, dirs: ReadonlySet<RelPath> = new Set()): Promise<FolderReport> {
    if (this.touchesParsingOutside(paths, dirs)) return this.parseLane.then(() => this.examine(paths, dirs));
    const waiting = this.waitingExamine;
    if (waiting) {
      for (const p of paths) waiting.paths.add(p);
      for (const d of dirs) waiting.dirs.add(d);
      return waiting.report;
    }
    const joined = { paths: new Set(paths), dirs: new Set(dirs) };
    const report = this.serialize(async () => {
      if (this.waitingExamine?.paths === joined.paths) this.waitingExamine = undefined;
      this.takeParseTail();
      const sent = await this.runOnce(joined, { listRemote: false, parseOutsideLoop: true });
      return { sent, tail: this.takeParseTail() };
    }).then(({ sent, tail }) => (tail ? tail(sent) : sent));
    this.waitingExamine = { ...joined, report };
    return report;
  }

  private takeParseTail(): ((report: FolderReport) => Promise<FolderReport>) | undefined {
    const tail = this.parseTail;
    this.parseTail = undefined;
    return tail;
  }

  private touchesParsingOutside(paths: ReadonlySet<RelPath>, dirs: ReadonlySet<RelPath>): boolean {
    if (this.parsingOutside.size === 0) return false;
    for (const p of paths) if (this.parsingOutside.has(p)) return true;
    for (const dir of dirs) {
      const prefix = dir === '' ? '' : `${dir}/`;
      for (const p of this.parsingOutside.keys()) if (p.startsWith(prefix)) return true;
    }
    return false;
  }

  /** The parse follow of a run whose uploads are done, outside the loop: it only asks the server. Its
   *  results change the state (parse failures, swaps taking over) back inside the loop. */
  private followOutsideLoop(runner: ActionRunner, paths: readonly RelPath[], report: FolderReport): Promise<FolderReport> {
    for (const p of paths) this.parsingOutside.set(p, (this.parsingOutside.get(p) ?? 0) + 1);
    const follow = this.parseLane
      .then(async () => {
        const parsed = await runner.flushParse();
        return this.serialize(async () => {
          const outcomes: Outcome[] = [];
          if (parsed) this.noteParse(parsed, outcomes);
          const swapped = await runner.finishSwaps(parsed);
          for (const outcome of swapped) if (!outcomes.some((o) => o.relPath === outcome.relPath && o.error === outcome.error)) outcomes.push(outcome);
          await this.deps.store.flush();
          for (const outcome of outcomes) addOutcome(report, outcome);
          return report;
        });
      })
      .finally(() => {
        for (const p of paths) {
          const left = (this.parsingOutside.get(p) ?? 1) - 1;
          if (left > 0) this.parsingOutside.set(p, left);
          else this.parsingOutside.delete(p);
        }
      });
    this.parseLane = follow.catch(() => undefined);
    return follow;
  }

  private serialize<T>(run: () => Promise<T>): Promise<T> {
    const next = this.loop.then(run, run);
    this.loop = next.catch(() => undefined);
    return next;
  }

  private async runOnce(hints: { paths: ReadonlySet<RelPath>; dirs: ReadonlySet<RelPath> } | undefined, options: RunOptions): Promise<FolderReport> {
    const { folder, store, logger } = this.deps;
    const now = this.deps.now ?? Date.now;
    const started = now();
    const report = emptyReport(folder);
    this.progress = undefined;
    this.tell({ phase: 'scanning' });

    const kb = await this.resolveKb();
    if (!kb.ok) {
      report.error = kb.message;
      if (SERVER_TROUBLE.has(kb.kind)) this.markServerDown(report, kb.message);
      logger.error({ kb: folder.kb, err: kb.message }, 'knowledge base not available; folder skipped');
      return report;
    }

    // The server's listing is read while the folder is walked (they do not depend on each other).
    const listing = options.listRemote !== false && !hints ? this.listRemote(kb.value) : undefined;
    listing?.catch(() => undefined); // awaited below; an early return must not leave it unhandled
    const snapshot = hints ? await this.snapshotPaths(hints, report) : await this.snapshotFolder(report, options);
    if (snapshot === undefined) return this.done(report, now, started);
    // A missing or swapped root: nothing at all is done (hints included); the daemon's root check
    // reconciles once the root is back.
    if (!snapshot.rootHealthy) return this.done(report, now, started);

    this.tell({ phase: 'listing', filesScanned: snapshot.files.length });
    const meta = store.meta(folder.key);
    // Never got through a reconcile (first run, state file lost or corrupt, or a run killed while
    // rebuilding): the state does not know our documents, so they are adopted by name and content.
    const rebuilding = meta?.lastReconcileAt === undefined || meta.rebuild !== undefined;
    // Hints never list the server, so they cannot adopt: acting on them now could upload a second copy of
    // a document the rebuild has yet to find. The reconcile (catch-up, root return, rescan) covers them.
    if (hints && rebuilding) return this.done(report, now, started);
    let remote: Map<string, RemoteDoc> | undefined;
    if (listing !== undefined) {
      const listed = await listing;
      if (listed.ok) remote = listed.value;
      else if (rebuilding && !this.mayRebuildWithoutListing(listed, report, options)) return this.done(report, now, started);
      report.remoteListed = remote !== undefined;
    }

    const tracked = store.filesByPath(folder.key);
    const local = await this.hashWhereNeeded(snapshot.files, tracked, report);
    const seenScope = this.scopeWithoutUnseen(snapshot.scope, local, report.skipped);
    const scope = seenScope && this.deps.client.capabilities.canUpdate ? await this.withMoveSides(seenScope, local, tracked, report) : seenScope;
    const plan = planSync({
      local,
      tracked,
      ...(remote ? { remote } : {}),
      ...(scope ? { scope } : {}),
      adoptUnclaimed: rebuilding && remote !== undefined,
      isExcluded: (relPath) => !this.rules.includesFile(relPath) || snapshot.oversize.has(relPath),
      options: {
        deleteExcluded: folder.deleteExcluded,
        maxDeletePercent: folder.maxDeletePercent,
        allowMassDelete: options.allowMassDelete ?? false,
        massDeleteFloor: MASS_DELETE_FLOOR,
        rootHealthy: snapshot.rootHealthy,
        canUpdate: this.deps.client.capabilities.canUpdate,
        deleteMode: folder.deleteMode,
        deleteGraceMs: folder.deleteGraceHours * 3_600_000,
      },
      parserFor: this.parserFor,
      defaultParserId: folder.parserId,
      nowMs: now(),
    });
    report.unchanged = plan.unchanged;
    report.held = plan.held.map((h) => h.relPath);
    if (plan.heldReason) {
      report.heldReason = plan.heldReason;
      logger.warn(
        { kb: folder.kb, count: plan.held.length, reason: plan.heldReason, paths: plan.held.slice(0, 20).map((h) => h.relPath) },
        plan.heldReason === 'mass-delete'
          ? 'deletions held by the mass-delete guard; run --sync --allow-mass-delete to let them through'
          : 'deletions held: the folder root is not healthy',
      );
    }
    report.plan = plan.actions;
    if (options.dryRun) {
      logNewlySkipped(logger, store.meta(folder.key)?.skipped, report.skipped, folder.maxFileSizeMB);
      return this.done(report, now, started);
    }
    this.tell({ phase: 'syncing', actionsPlanned: plan.actions.length });

    const complete = await this.execute(plan, kb.value, report, remote, rebuilding && remote !== undefined, options.parseOutsideLoop === true);
    this.rememberRun(kb.value, snapshot, plan, scope, { complete, rebuilding: rebuilding && remote !== undefined, listed: remote !== undefined, full: !hints });
    this.rememberSkipped(report.skipped, snapshot);
    return this.done(report, now, started);
  }

  private done(report: FolderReport, now: () => number, started: number): FolderReport {
    this.tell({ phase: 'done' });
    return finish(report, now, started);
  }

  private tell(change: Partial<Omit<SyncProgress, 'folder' | 'requests'>>): void {
    if (!this.deps.onProgress) return;
    const base = this.progress ?? { folder: this.deps.folder.path, phase: 'scanning', filesScanned: 0, bytesToHash: 0, bytesHashed: 0, actionsPlanned: 0, actionsDone: 0, requests: 0 };
    this.progress = { ...base, ...change, requests: this.deps.scheduler.started };
    this.deps.onProgress(this.progress);
  }

  private async resolveKb() {
    if (this.kb) return { ok: true as const, value: this.kb };
    const found = await withRetries(this.retryDeps(), () => this.deps.client.findKb(this.deps.folder.kb, this.deps.signal));
    if (found.ok) this.kb = found.value;
    return found;
  }

  private async listRemote(kb: KbRef): Promise<Result<Map<string, RemoteDoc>>> {
    // Retried like any request: one 502 must not turn a reconcile into "compare with the state only".
    const listed = await withRetries(this.retryDeps(), () => this.deps.client.listDocuments(kb, this.deps.signal));
    if (listed.ok) return { ok: true, value: new Map(listed.value.map((d) => [d.id, d])) };
    if (listed.kind === 'listing-unavailable') {
      if (!this.warnedNoListing) this.deps.logger.warn({ kb: kb.name }, 'this RAGFlow version cannot list documents; trusting the state file alone');
      this.warnedNoListing = true;
    } else {
      this.deps.logger.warn({ kb: kb.name, err: listed.message }, 'could not list the server’s documents; comparing with the state file only');
    }
    return listed;
  }

  /** While the state is being rebuilt, uploading without the server's listing would duplicate every
   *  document. A server that cannot list at all only gets a pass for a plain first run; after a corrupt
   *  state the run stops (and keeps stopping) with StateUnrecoverableError. Other listing failures skip
   *  the folder until the next run. */
  private mayRebuildWithoutListing(listed: Exclude<Result<unknown>, { ok: true }>, report: FolderReport, options: RunOptions): boolean {
    const { store, folder, logger } = this.deps;
    const meta = store.meta(folder.key);
    if (listed.kind === 'listing-unavailable') {
      const corrupt = meta?.rebuild === 'blocked' || (store.loadOutcome.kind === 'corrupt' && meta?.lastReconcileAt === undefined);
      if (!corrupt) return true; // a first run, or a deleted state file: the two cannot be told apart
      if (!options.dryRun) store.setMeta(folder.key, { ...(meta ?? { kbName: folder.kb }), rebuild: 'blocked' });
      throw new StateUnrecoverableError(
        `the state file was corrupt and this RAGFlow version cannot list the documents of knowledge base "${folder.kb}", so the state cannot be rebuilt without uploading every file a second time. ` +
          'Restore a good copy of the state file; or delete the documents this tool created in the knowledge base, then delete the state file, and run --sync again.',
      );
    }
    report.error = `cannot rebuild the state without the server's listing: ${listed.message}`;
    if (SERVER_TROUBLE.has(listed.kind)) this.markServerDown(report, listed.message);
    logger.error({ kb: folder.kb, err: listed.message }, 'the state of this folder is being rebuilt and the server did not list its documents; nothing is uploaded until it does');
    return false;
  }

  /** What the state keeps about the run: held deletions (for status), the root's identity, and whether the
   *  folder got through a whole reconcile (ending a rebuild). */
  private rememberRun(kb: KbRef, snapshot: Snapshot, plan: Plan, scope: ReadonlySet<RelPath> | undefined, run: { complete: boolean; rebuilding: boolean; listed: boolean; full: boolean }): void {
    const { store, folder } = this.deps;
    const now = this.deps.now ?? Date.now;
    const meta = store.meta(folder.key) ?? { kbName: folder.kb };
    const held = plan.held.map((h) => h.relPath);
    // Hints only looked at their own paths: held deletions elsewhere stay as they were.
    const stillHeld = run.full ? held : [...new Set([...(meta.heldDeletes ?? []).filter((p) => !(scope?.has(p) ?? true)), ...held])];
    const { heldDeletes: _held, rebuild: _rebuild, ...rest } = meta;
    const rebuild = run.rebuilding && !run.complete ? 'adopt' : run.listed ? undefined : meta.rebuild;
    const next = {
      ...rest,
      ...(run.full ? { kbName: folder.kb, kbId: kb.id, ...snapshot.rootId, lastReconcileAt: now() } : {}),
      ...(stillHeld.length > 0 ? { heldDeletes: stillHeld.sort() } : {}),
      ...(rebuild ? { rebuild } : {}),
    };
    if (run.full && plan.actions.length === 0 && stampOnlyMoved(meta, next)) return;
    if (run.full || JSON.stringify(next) !== JSON.stringify(meta)) store.setMeta(folder.key, next);
  }

  private retryDeps(): RetryDeps {
    const { scheduler, logger, signal } = this.deps;
    return { scheduler, logger, sleep: this.deps.sleep ?? sleep, ...(signal ? { signal } : {}) };
  }

  private markServerDown(report: FolderReport, reason: string): void {
    report.serverTrouble = true;
    if (this.deps.health && !this.deps.health.down) {
      this.deps.health.down = true;
      this.deps.health.reason = reason;
    }
  }

  /** Full scan. A missing, unreadable or swapped (other device) root deletes nothing. */
  private async snapshotFolder(report: FolderReport, options: RunOptions): Promise<Snapshot | undefined> {
    const { folder, reader, store, logger } = this.deps;
    let scan;
    const early = this.firstScan;
    this.firstScan = undefined;
    try {
      scan = await (early ?? reader.scan(folder.path, this.rules, this.deps.signal));
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      report.error = `folder root ${folder.path}: ${code}`;
      logger.error({ path: folder.path, code }, 'folder root missing or unreadable; nothing is deleted for this folder');
      return undefined;
    }
    const meta = store.meta(folder.key);
    const deviceMoved = meta?.rootDev !== undefined && meta.rootDev !== scan.root.dev;
    // An unmounted disk shows the empty mount point (or whatever lies under it): neither deleting what is
    // "gone" nor uploading what the other disk holds is wanted. A folder that really moved to another
    // disk is accepted once with --allow-mass-delete.
    const rootHealthy = !deviceMoved || options.allowMassDelete === true;
    if (!rootHealthy) {
      logger.error(
        { path: folder.path, recordedDevice: meta?.rootDev, device: scan.root.dev },
        'folder root is on another device than recorded (unmounted disk?); nothing is synced for this folder. If it really moved to another disk, run --sync --allow-mass-delete once',
      );
      report.error = 'folder root is on another device than recorded';
    } else if (deviceMoved) logger.warn({ path: folder.path, recordedDevice: meta?.rootDev, device: scan.root.dev }, 'folder root moved to another device; accepted (--allow-mass-delete)');
    for (const skip of scan.skipped) report.skipped.push({ relPath: skip.relPath, reason: skip.reason, ...(skip.code ? { code: skip.code } : {}) });
    const { files, oversize } = this.splitOversize(scan.files, report);
    return { files, oversize, rootHealthy, rootId: rootHealthy ? { rootDev: scan.root.dev, rootIno: scan.root.ino } : {} };
  }

  /** Files that exist but could not be read or were still being written, and everything below folders that
   *  could not be listed, were not seen: they must not count as deleted (a tracked file that became
   *  unreadable keeps its document). Returns the scope without them, or undefined when all was seen. */
  private scopeWithoutUnseen(scope: ReadonlySet<RelPath> | undefined, local: ReadonlyMap<RelPath, LocalFile>, skipped: readonly SkipNote[]): ReadonlySet<RelPath> | undefined {
    const unseenFiles = new Set(skipped.filter((s) => s.reason === 'unreadable' || s.reason === 'changing').map((s) => s.relPath));
    const unseenDirs = skipped.filter((s) => s.reason === 'unreadable-dir').map((s) => `${s.relPath}/`);
    if (unseenFiles.size === 0 && unseenDirs.length === 0) return scope;
    const seen = (p: RelPath) => !unseenFiles.has(p) && !unseenDirs.some((d) => p.startsWith(d));
    const out = new Set<RelPath>();
    if (scope) {
      for (const p of scope) if (seen(p)) out.add(p);
      return out;
    }
    for (const p of local.keys()) if (seen(p)) out.add(p);
    for (const e of this.deps.store.files(this.deps.folder.key)) if (seen(e.relPath)) out.add(e.relPath);
    return out;
  }

  /** Daemon hints: a new file whose bytes match a tracked file outside the batch may be the far side of a
   *  move whose other event fell into another batch (chokidar reports the add before the unlink, and each
   *  path has its own quiet window). Pull the old path in when it is gone from disk, so the planner sees
   *  both sides and renames instead of uploading. */
  private async withMoveSides(scope: ReadonlySet<RelPath>, local: Map<RelPath, LocalFile>, tracked: ReadonlyMap<RelPath, TrackedFile>, report: FolderReport): Promise<ReadonlySet<RelPath>> {
    const withTargets = await this.withMoveTargets(scope, local, tracked, report);
    return this.withMoveSources(withTargets, local, tracked);
  }

  /** Daemon hints, the other order: the batch holds the vanished side of a move (an unlink, or a renamed
   *  directory's unlinkDir, released before the add). Untracked files elsewhere in the folder with the
   *  size of a vanished tracked file are hashed, and those with its bytes are taken into the batch, so the
   *  planner can pair them. */
  private async withMoveTargets(scope: ReadonlySet<RelPath>, local: Map<RelPath, LocalFile>, tracked: ReadonlyMap<RelPath, TrackedFile>, report: FolderReport): Promise<ReadonlySet<RelPath>> {
    const sizes = new Set<number>();
    const hashes = new Set<string>();
    for (const relPath of scope) {
      const entry = tracked.get(relPath);
      if (!local.has(relPath) && entry?.docId !== undefined && entry.status === 'synced') {
        sizes.add(entry.size);
        hashes.add(entry.sha256);
      }
    }
    if (sizes.size === 0) return scope;
    const scan = await this.deps.reader.scan(this.deps.folder.path, this.rules, this.deps.signal).catch(() => undefined);
    if (scan === undefined) return scope;
    const candidates = scan.files.filter((f) => !tracked.has(f.relPath) && !scope.has(f.relPath) && sizes.has(f.size));
    if (candidates.length === 0) return scope;
    const hashed = await this.hashWhereNeeded(candidates, tracked, report);
    const out = new Set(scope);
    for (const [relPath, file] of hashed) {
      // Only the other sides of moves: any other new file waits for its own quiet window (it may still be
      // being written).
      if (file.sha256 === undefined || !hashes.has(file.sha256)) continue;
      local.set(relPath, file);
      out.add(relPath);
    }
    return out;
  }

  private async withMoveSources(scope: ReadonlySet<RelPath>, local: ReadonlyMap<RelPath, LocalFile>, tracked: ReadonlyMap<RelPath, TrackedFile>): Promise<ReadonlySet<RelPath>> {
    const wanted = new Set<string>();
    for (const relPath of scope) {
      const file = local.get(relPath);
      if (file?.sha256 !== undefined && !tracked.has(relPath)) wanted.add(file.sha256);
    }
    if (wanted.size === 0) return scope;
    const out = new Set(scope);
    for (const entry of tracked.values()) {
      if (out.has(entry.relPath) || !wanted.has(entry.sha256) || entry.status !== 'synced') continue;
      const now = await this.deps.reader.stat(this.deps.folder.path, entry.relPath).catch(() => null);
      if (now === undefined) out.add(entry.relPath); // gone (an error is no evidence of that)
    }
    return out;
  }

  /** Remembers the skipped files for `status`, logging those newly skipped. Not when the root was another
   *  device: that scan described a different disk. */
  private rememberSkipped(found: readonly SkipNote[], snapshot: Snapshot): void {
    const { store, folder, logger } = this.deps;
    if (!snapshot.rootHealthy) return;
    const meta = store.meta(folder.key) ?? { kbName: folder.kb };
    logNewlySkipped(logger, meta.skipped, found, folder.maxFileSizeMB);
    const skipped = nextSkipped(meta.skipped, { found, ...(snapshot.examined ? { examined: snapshot.examined, noRegularFile: snapshot.noRegularFile ?? new Set() } : {}) });
    if (sameSkipped(meta.skipped, skipped)) return;
    const { skipped: _old, ...rest } = meta;
    store.setMeta(folder.key, skipped.length > 0 ? { ...rest, skipped } : rest);
  }

  /** Daemon hints: stat just these paths, plus everything tracked or present below hinted directories. */
  private async snapshotPaths(hints: { paths: ReadonlySet<RelPath>; dirs: ReadonlySet<RelPath> }, report: FolderReport): Promise<Snapshot> {
    const { folder, reader, store } = this.deps;
    const scope = new Set<RelPath>();
    for (const p of hints.paths) if (this.rules.includesFile(p)) scope.add(p);
    let rootHealthy = true;
    if (hints.dirs.size > 0) {
      for (const entry of store.files(folder.key)) {
        for (const dir of hints.dirs) if (dir === '' || entry.relPath.startsWith(`${dir}/`)) scope.add(entry.relPath);
      }
    }
    const found: LocalFile[] = [];
    const noRegularFile = new Set<RelPath>();
    await Promise.all(
      [...scope].map(async (relPath) => {
        try {
          const file = await reader.stat(folder.path, relPath);
          if (file) found.push(file);
          else noRegularFile.add(relPath);
        } catch (err) {
          // EACCES/EIO on the way: the file was not seen, which is no evidence that it is gone.
          const errno = (err as { errno?: unknown }).errno;
          report.skipped.push({ relPath, reason: 'unreadable', ...(typeof errno === 'string' ? { code: errno } : {}) });
        }
      }),
    );
    if (hints.dirs.size > 0) {
      // New files under an added directory are found by scanning it (cheap: only that subtree is hinted).
      try {
        const scan = await reader.scan(folder.path, this.rules, this.deps.signal);
        const meta = store.meta(folder.key);
        rootHealthy = meta?.rootDev === undefined || meta.rootDev === scan.root.dev;
        const underHint = (relPath: RelPath) => [...hints.dirs].some((dir) => dir === '' || relPath.startsWith(`${dir}/`));
        for (const file of scan.files) {
          if (underHint(file.relPath) && !scope.has(file.relPath)) {
            scope.add(file.relPath);
            found.push(file);
          }
        }
        for (const skip of scan.skipped) {
          if (!underHint(skip.relPath)) continue;
          scope.add(skip.relPath);
          report.skipped.push({ relPath: skip.relPath, reason: skip.reason, ...(skip.code ? { code: skip.code } : {}) });
        }
      } catch {
        rootHealthy = false;
      }
    } else {
      rootHealthy = await this.rootLooksHealthy();
    }
    const { files, oversize } = this.splitOversize(found, report);
    // Hinted folders count as looked at too: one that can be listed again loses its 'unreadable-dir' entry.
    return { files, oversize, rootHealthy, rootId: {}, scope, examined: new Set([...scope, ...hints.dirs]), noRegularFile };
  }

  private async rootLooksHealthy(): Promise<boolean> {
    const { folder, reader, store } = this.deps;
    const root = await reader.rootId(folder.path).catch(() => undefined);
    const recorded = store.meta(folder.key)?.rootDev;
    return root !== undefined && (recorded === undefined || recorded === root.dev);
  }

  private splitOversize(files: LocalFile[], report: FolderReport): { files: LocalFile[]; oversize: Set<RelPath> } {
    const limit = this.deps.folder.maxFileSizeMB * 1024 * 1024;
    const oversize = new Set<RelPath>();
    const kept: LocalFile[] = [];
    for (const file of files) {
      if (file.size > limit) {
        oversize.add(file.relPath);
        report.skipped.push({ relPath: file.relPath, reason: 'too-large' });
      } else kept.push(file);
    }
    return { files: kept, oversize };
  }

  /** Hash only files that are new or whose fingerprint moved; the rest keep the remembered hash. */
  private async hashWhereNeeded(files: LocalFile[], tracked: ReadonlyMap<RelPath, TrackedFile>, report: FolderReport): Promise<Map<RelPath, LocalFile>> {
    const out = new Map<RelPath, LocalFile>();
    const toHash: LocalFile[] = [];
    let bytesToHash = 0;
    // One pass, one lookup per file: this runs over every file of a no-op sync.
    for (const file of files) {
      if (needsHash(file, tracked.get(file.relPath))) {
        toHash.push(file);
        bytesToHash += file.size;
      } else out.set(file.relPath, file);
    }
    this.tell({ phase: 'hashing', bytesToHash });
    if (toHash.length === 0) return out;
    const queue = new PQueue({ concurrency: HASH_CONCURRENCY });
    const jobs: Array<Promise<void>> = [];
    for (const file of toHash) {
      jobs.push(
        queue.add(async () => {
          try {
            const hashed = await this.deps.reader.hash(file.absPath, this.deps.signal);
            report.bytesHashed += hashed.size;
            this.tell({ bytesHashed: report.bytesHashed });
            const before = hashed.fingerprintBefore;
            const after = hashed.fingerprintAfter;
            // ctime and inode too: a `cp -p` / `rsync -t` rewrite during the read keeps size and mtime.
            if (hashed.size !== before.size || !sameFingerprint(before, after)) {
              report.skipped.push({ relPath: file.relPath, reason: 'changing' }); // still being written: next look
              this.deps.logger.info({ path: file.relPath }, 'file changed while it was read; left for the next look');
              return;
            }
            out.set(file.relPath, { ...file, ...fingerprintOf(after), sha256: hashed.sha256 });
          } catch (err) {
            // HashFileError codes: 'missing' (gone since the scan: simply not there), 'not-regular' (replaced
            // by a FIFO, socket or symlink: never read), 'unreadable' (EACCES, EIO…: logged once, kept).
            const { code, errno } = err as { code?: unknown; errno?: unknown };
            if (code === 'missing' || this.deps.signal?.aborted) return;
            report.skipped.push({ relPath: file.relPath, reason: code === 'not-regular' ? 'not-regular' : 'unreadable', ...(typeof errno === 'string' ? { code: errno } : {}) });
          }
        }),
      );
    }
    await Promise.all(jobs);
    return out;
  }

  /** Runs the plan. Resolves true when every action ran and no crash recovery was left undecided. */
  private async execute(plan: Plan, kb: KbRef, report: FolderReport, remote: ReadonlyMap<string, RemoteDoc> | undefined, rebuilding = false, parseOutsideLoop = false): Promise<boolean> {
    const { folder, store, logger, scheduler, client } = this.deps;
    const runner = new ActionRunner({
      folderKey: folder.key,
      root: folder.path,
      parserId: folder.parserId,
      parserFor: this.parserFor,
      client,
      kb,
      store,
      reader: this.deps.reader,
      scheduler,
      logger,
      now: this.deps.now ?? Date.now,
      sleep: this.deps.sleep ?? sleep,
      ...(this.deps.signal ? { signal: this.deps.signal } : {}),
      ...(this.deps.health ? { health: this.deps.health } : {}),
      rebuilding,
      sourceId: sourceIdOf(hostname(), folder.path, folder.kb),
      ...(this.followsParse() ? { parse: { maxParsing: folder.maxParsing, retries: folder.parseRetries, timeoutMs: folder.parseTimeoutMinutes * 60_000 } } : {}),
    });
    const uploads = plan.actions.filter((a): a is Extract<Action, { kind: 'upload' }> => a.kind === 'upload');
    if (uploads.length > 0) {
      for (const upload of uploads) runner.recordIntent(upload.relPath, upload.local);
      await store.flush(); // intents are on disk before the first request
    }
    const jobs = new PQueue({ concurrency: JOB_CONCURRENCY });
    const outcomes: Outcome[] = [];
    let fatal: unknown;
    let complete = true;
    const undecided = new Set<RelPath>();
    const runJob = (action: Action): Promise<unknown> =>
      jobs
        .add(async () => {
          if (fatal || this.deps.signal?.aborted || this.deps.stopping?.value || undecided.has(action.relPath)) {
            complete = false;
            return;
          }
          if (this.deps.health?.down) {
            // The server failed another job through all its retries: leave this one for the catch-up.
            complete = false;
            outcomes.push({ kind: 'failed', relPath: action.relPath, error: `server unavailable (${this.deps.health.reason ?? 'down'})`, serverTrouble: true });
            return;
          }
          const done = await runner.run(action);
          if (action.kind === 'recover' && done.some((o) => o.kind === 'failed')) {
            // Its copies could not be checked: the path's later actions (a delete or forget of the entry
            // holding the intent) wait for a run that can.
            complete = false;
            undecided.add(action.relPath);
          }
          outcomes.push(...done);
        })
        .finally(() => this.tell({ actionsDone: (this.progress?.actionsDone ?? 0) + 1 }))
        .catch((err: unknown) => {
          fatal ??= err;
        });
    // Actions of one path run in plan order, one after the other: a crash recovery must have removed the
    // copies it found before the "file gone" delete or forget drops the entry (and with it the intent
    // that would let the next run find them again).
    // A rename touches two paths: it waits for both and both wait for it.
    const lastOfPath = new Map<RelPath, Promise<unknown>>();
    await Promise.all(
      plan.actions.map((action) => {
        const paths = action.kind === 'rename' ? [action.relPath, action.from] : [action.relPath];
        const previous = paths.map((p) => lastOfPath.get(p)).filter((p): p is Promise<unknown> => p !== undefined);
        const job = previous.length > 0 ? Promise.all(previous).then(() => runJob(action)) : runJob(action);
        for (const p of paths) lastOfPath.set(p, job);
        return job;
      }),
    );
    if (!fatal && !this.deps.signal?.aborted && parseOutsideLoop && this.followsParse()) {
      // Every path of the run (uploads, swaps, re-parses): a later look at one waits for this follow.
      const touched = plan.actions.flatMap((a) => (a.kind === 'rename' ? [a.relPath, a.from] : [a.relPath]));
      this.parseTail = (sent) => this.followOutsideLoop(runner, touched, sent);
    } else if (!fatal && !this.deps.signal?.aborted) {
      if (remote && !client.capabilities.uploadStartsParse) await this.resumeParse(runner, remote).catch((err: unknown) => (fatal ??= err));
      const parsed = await runner.flushParse().catch((err: unknown) => {
        fatal ??= err;
        return undefined;
      });
      if (parsed) this.noteParse(parsed, outcomes);
      const swapped = await runner.finishSwaps(parsed).catch((err: unknown) => {
        fatal ??= err;
        return [];
      });
      // A failed new version was reported by noteParse already; the swap only kept the old one.
      for (const outcome of swapped) if (!outcomes.some((o) => o.relPath === outcome.relPath && o.error === outcome.error)) outcomes.push(outcome);
    }
    await store.flush();
    for (const outcome of outcomes) addOutcome(report, outcome);
    if (fatal) throw fatal instanceof Error ? fatal : new Error('a job failed unexpectedly', { cause: fatal });
    logger.debug({ kb: kb.name, actions: plan.actions.length }, 'plan executed');
    return complete;
  }

  /** Done means parsed (v1 with parse state): runs follow their parse requests. */
  private followsParse(): boolean {
    const { client, folder } = this.deps;
    return !client.capabilities.uploadStartsParse && client.capabilities.parseState && folder.parseTimeoutMinutes > 0;
  }

  /** A parse that failed for good is this file's failure (RAGFlow's message in the state, status and log). */
  private noteParse(parsed: ParseFollowResult, outcomes: Outcome[]): void {
    const { store, folder, logger } = this.deps;
    const now = this.deps.now ?? Date.now;
    const byDoc = new Map(store.files(folder.key).flatMap((e) => (e.docId ? [[e.docId, e] as const] : [])));
    for (const [docId, message] of parsed.failed) {
      const entry = byDoc.get(docId);
      if (!entry) continue;
      store.put(folder.key, { ...entry, lastError: `parse-failed: ${message}`, updatedAt: now() });
      logger.warn({ path: entry.relPath, kb: folder.kb, docId, err: message }, 'parsing failed after its retries; the document holds no chunks');
      outcomes.push({ kind: 'failed', relPath: entry.relPath, error: `parse-failed: ${message}` });
    }
    for (const docId of parsed.done) {
      const entry = byDoc.get(docId);
      if (entry?.lastError?.startsWith('parse-failed') === true) {
        const { lastError: _e, ...rest } = entry;
        store.put(folder.key, { ...rest, updatedAt: now() });
      }
    }
    if (parsed.unfinished.length > 0) logger.info({ kb: folder.kb, count: parsed.unfinished.length }, 'documents still parsing when the run stopped waiting; RAGFlow goes on parsing them');
  }

  /** v1 uploads and parse requests are separate: a crash between the two (or adopting a document a
   *  killed run uploaded) leaves a document of ours that was never sent for parsing. Ask for it now. */
  private async resumeParse(runner: ActionRunner, remote: ReadonlyMap<string, RemoteDoc>): Promise<void> {
    const { store, folder, logger } = this.deps;
    const unparsed = store
      .files(folder.key)
      .filter((e) => e.status === 'synced' && e.docId !== undefined)
      .map((e) => remote.get(e.docId ?? ''))
      .filter((doc): doc is RemoteDoc => doc?.run === 'UNSTART');
    if (unparsed.length === 0) return;
    logger.info({ kb: folder.kb, count: unparsed.length }, 'documents of ours were never sent for parsing (an interrupted run); asking now');
    for (const doc of unparsed) await runner.resumeParse(doc);
  }
}

/** A reconcile that found nothing to do would rewrite the whole state file (~30 MB at 100,000 files) only
 *  to move lastReconcileAt; such a stamp is refreshed on disk at most this often. */
const RECONCILE_STAMP_REFRESH_MS = 15 * 60_000;

function stampOnlyMoved(before: FolderMeta, after: FolderMeta): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as Array<keyof FolderMeta>);
  for (const key of keys) {
    if (key !== 'lastReconcileAt' && JSON.stringify(before[key]) !== JSON.stringify(after[key])) return false;
  }
  const previous = before.lastReconcileAt;
  const next = after.lastReconcileAt;
  return previous !== undefined && next !== undefined && Math.abs(next - previous) < RECONCILE_STAMP_REFRESH_MS;
}

interface Snapshot {
  readonly files: LocalFile[];
  readonly oversize: Set<RelPath>;
  readonly rootHealthy: boolean;
  readonly rootId: { rootDev?: number; rootIno?: number };
  readonly scope?: Set<RelPath>;
  /** Daemon hints: the paths looked at, and those of them that hold no regular file now. */
  readonly examined?: ReadonlySet<RelPath>;
  readonly noRegularFile?: ReadonlySet<RelPath>;
}

function addOutcome(report: FolderReport, outcome: Outcome): void {
  switch (outcome.kind) {
    case 'uploaded':
    case 'recovered':
      report.uploaded += 1;
      break;
    case 'replaced':
      report.replaced += 1;
      break;
    case 'renamed':
      report.renamed = (report.renamed ?? 0) + 1;
      break;
    case 'deleted':
      report.deleted += 1;
      break;
    case 'failed':
      report.failed.push({ relPath: outcome.relPath, error: outcome.error ?? 'failed' });
      if (outcome.serverTrouble) report.serverTrouble = true;
      break;
    case 'recorded':
    case 'reparsed':
    case 'disabled':
    case 'enabled':
    case 'forgotten':
    case 'skipped':
      break;
  }
}

function finish(report: FolderReport, now: () => number, started: number): FolderReport {
  report.elapsedMs = now() - started;
  return report;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
