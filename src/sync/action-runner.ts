// Carries out planned actions against the server and records in the state what the server confirmed.
// Never throws for one file's trouble: a failure becomes an Outcome and a state entry (Syncthing's
// "folder error vs fatal"). Only a rejected key stops everything (AuthRejectedError).
import type { Logger } from 'pino';
import type { Action } from '../core/plan-sync.js';
import { recoveryCandidates, sameFingerprint } from '../core/plan-sync.js';
import { docNameFor } from '../core/doc-name.js';
import { metaVerdict, ownerMetaFields, readOwnerMeta } from '../core/doc-meta.js';
import type { Fingerprint, LocalFile, RelPath, TrackedFile } from '../core/model.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import type { KbClient, KbRef, RemoteDoc, RemoteError, Result, StateStore, FolderReader } from './ports.js';
import type { PausableScheduler } from './request-scheduler.js';
import { withRetries } from './with-retries.js';
import { ParseFollower, ParseLane, type ParseFollowOptions, type ParseFollowResult } from './parse-follower.js';

export type OutcomeKind = 'uploaded' | 'replaced' | 'renamed' | 'reparsed' | 'disabled' | 'enabled' | 'deleted' | 'recorded' | 'forgotten' | 'recovered' | 'failed' | 'skipped';

export interface Outcome {
  readonly kind: OutcomeKind;
  readonly relPath: RelPath;
  readonly docId?: string;
  readonly error?: string;
  /** The failure was the server's or the network's (not this file's): the daemon waits for the server. */
  readonly serverTrouble?: boolean;
}

/** Shared by every runner of one engine: once the server has failed a job through all its retries, the
 *  other jobs stop burning theirs, and the daemon probes the server until it answers again. */
export interface ServerHealth {
  down: boolean;
  reason?: string;
}

/** Failures that say the server (or the way to it) is unwell, rather than anything about one file. */
export const SERVER_TROUBLE = new Set<RemoteError['kind']>(['network', 'timeout', 'server', 'rate-limited']);

export interface RunnerDeps {
  readonly folderKey: string;
  /** Absolute folder root. */
  readonly root: string;
  readonly parserId: string;
  /** The parser the folder's rules pick for a path (default: parserId for all). */
  readonly parserFor?: (relPath: RelPath) => string;
  readonly client: KbClient;
  readonly kb: KbRef;
  readonly store: StateStore;
  readonly reader: FolderReader;
  readonly scheduler: PausableScheduler;
  readonly logger: Logger;
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
  readonly health?: ServerHealth;
  /** The folder's state is being rebuilt (lost or corrupt state file): see recover(). */
  readonly rebuilding?: boolean;
  /** docs/smart-sync.md: identifies this host folder in the documents' metadata (see META_SOURCE). */
  readonly sourceId?: string;
  /** v1: follow parsing (docs/smart-sync.md "done means parsed"); absent: parse requests are fire-and-forget. */
  readonly parse?: ParseFollowOptions;
}

/** The parse lane of each folder, per engine (its store): the runners of one folder share maxParsing even
 *  when the daemon follows a run's parse while the next run uploads. */
const parseLanes = new WeakMap<StateStore, Map<string, ParseLane>>();

function parseLaneOf(store: StateStore, folderKey: string): ParseLane {
  let lanes = parseLanes.get(store);
  if (lanes === undefined) parseLanes.set(store, (lanes = new Map<string, ParseLane>()));
  let lane = lanes.get(folderKey);
  if (lane === undefined) lanes.set(folderKey, (lane = new ParseLane()));
  return lane;
}

/** Kinds of failure that retrying the same bytes cannot fix. */
const PERMANENT_FILE_ERRORS = new Set<RemoteError['kind']>(['unsupported-type', 'name-too-long', 'too-large', 'rejected']);
/** A file that changed while it was sent is looked at this often until two looks agree (it settled)… */
const SETTLE_LOOK_MS = 500;
/** …for at most this many looks; then the upload counts as failed and the next sync tries again. */
const SETTLE_LOOKS = 20;
/** Uploads of settled bytes after a change mid-upload, before giving up for this run. */
const MAX_RESENDS_AFTER_CHANGE = 3;

export class ActionRunner {
  /** Documents uploaded by this runner that still need a parse request (v1, parse not followed). */
  readonly toParse: string[] = [];
  /** v1 with parse followed: takes each document as it is uploaded, so parsing goes on beside the uploads. */
  private readonly follower: ParseFollower | undefined;
  /** Every document queued for parsing by this runner. */
  private readonly queued = new Set<string>();
  /** Gapless replacements waiting for their new document's parse: new doc id → the old version. */
  private readonly swaps = new Map<string, { relPath: RelPath; oldId: string; old: TrackedFile; newSha256: string }>();

  constructor(private readonly deps: RunnerDeps) {
    this.follower = deps.parse ? new ParseFollower(deps, deps.parse, parseLaneOf(deps.store, deps.folderKey)) : undefined;
  }

  async run(action: Action): Promise<Outcome[]> {
    switch (action.kind) {
      case 'upload':
        return [await this.upload(action.relPath, action.local, action.replaces)];
      case 'delete':
        return [await this.deleteGone(action.relPath, action.docIds)];
      case 'delete-obsolete':
        await this.deleteObsolete(action.relPath, action.docIds);
        return [];
      case 'rename':
        return this.rename(action);
      case 'reparse':
        return [await this.reparse(action)];
      case 'disable':
        return [await this.disable(action.relPath, action.docIds)];
      case 'enable':
        return [await this.enable(action)];
      case 'record':
        return [this.record(action.relPath, action.local)];
      case 'forget':
        this.deps.store.remove(this.deps.folderKey, action.relPath);
        return [{ kind: 'forgotten', relPath: action.relPath }];
      case 'recover':
        return this.recover(action);
    }
  }

  /** Record the upload intent before sending, so a crash after the server stored the file leaves a
   *  trace the next reconcile can adopt or clean up. The caller flushes the state once per batch. */
  recordIntent(relPath: RelPath, local: LocalFile): void {
    const { store, folderKey, now } = this.deps;
    if (local.sha256 === undefined) return;
    const previous = store.get(folderKey, relPath);
    const intent = { kind: 'upload' as const, name: docNameFor(relPath), sha256: local.sha256, startedAt: now() };
    const base: TrackedFile = previous ?? { relPath, sha256: local.sha256, status: 'pending', ...fingerprintOf(local), updatedAt: now() };
    store.put(folderKey, { ...base, intent, updatedAt: now() });
  }

  private async upload(relPath: RelPath, planned: LocalFile, replacing: string | undefined): Promise<Outcome> {
    let replaces = replacing;
    const { client, kb, store, folderKey, logger, now } = this.deps;
    const name = docNameFor(relPath);
    const parserId = this.parserFor(relPath);
    const current = await this.deps.reader.stat(this.deps.root, relPath).catch(() => undefined);
    if (current === undefined) return this.vanished(relPath, false);
    let local = planned;
    if (!sameFingerprint(current, planned) || planned.sha256 === undefined) {
      const hashed = await this.deps.reader.hash(planned.absPath, this.deps.signal).catch(() => undefined);
      if (hashed === undefined) return this.fail(relPath, planned, undefined, 'file-unreadable', 'the file could not be read', true);
      local = { ...current, ...hashed.fingerprintAfter, sha256: hashed.sha256 };
    }
    const isReplacement = replaces !== undefined;
    const intent = store.get(folderKey, relPath)?.intent;
    if (intent?.kind !== 'upload' || intent.sha256 !== local.sha256) {
      // A crash after the server stored these bytes is recovered through the intent, verified by content:
      // it must be on disk and name these very bytes (the file was re-hashed above, or a recovery dropped
      // the old intent) before anything is sent, or the stored copy would pass for someone else's.
      this.recordIntent(relPath, local);
      await store.flush();
    }
    // Gapless replace (v1, parse followed): the old version stays until the new one is parsed (finishSwaps).
    const gapless = replaces !== undefined && this.deps.parse !== undefined && client.capabilities.canUpdate;
    if (replaces !== undefined && !gapless && store.get(folderKey, relPath)?.docName === name) {
      // The old version holds the name: RAGFlow would call the new one `name(1).ext` (and from 0.19.1 drop
      // its folder part), so free the name first. The intent is on disk, the entry then says "pending".
      const failed = await this.deleteIds([replaces]);
      if (failed) return { ...this.fail(relPath, local, replaces, failed.kind, failed.message, false), ...this.noteTrouble(failed) };
      const entry = store.get(folderKey, relPath);
      if (entry) {
        const { docId: _d, docName: _n, ...rest } = entry;
        store.put(folderKey, { ...rest, status: 'pending', updatedAt: now() });
      }
      replaces = undefined;
    }
    let maybeStored = false; // an attempt may have reached the server although its answer was lost
    const send = (file: LocalFile) =>
      this.withRetries(
        async () => {
          const answer = await client.upload(kb, { path: file.absPath, name, parserId, size: file.size }, this.deps.signal);
          if (!answer.ok && answer.ambiguous) maybeStored = true;
          return answer;
        },
        (error) => this.findLostUpload(relPath, name, file.sha256 ?? '', error),
      );
    let result = await send(local);
    for (let resends = 0; !result.ok && result.kind === 'file-changed' && resends < MAX_RESENDS_AFTER_CHANGE; resends += 1) {
      // Rewritten while it was sent (undici NotReadableError, or a size that moved since hashing): sending
      // the same path again at once would race the writer. Wait until it settles, hash the settled bytes,
      // record them as the intent (crash recovery verifies by content), then send those.
      logger.info({ path: relPath }, 'file changed while it was being uploaded; uploading it again once it settles');
      const settled = await this.waitUntilSettled(relPath);
      if (settled === 'gone') return this.vanished(relPath, maybeStored);
      if (settled === undefined) break;
      local = settled;
      this.recordIntent(relPath, local);
      await store.flush();
      result = await send(local);
    }
    if (!result.ok && result.kind === 'file-unreadable' && (await this.deps.reader.stat(this.deps.root, relPath).catch(() => undefined)) === undefined) {
      return this.vanished(relPath, maybeStored); // deleted while it waited for its turn
    }
    if (!result.ok) {
      const outcome = this.fail(relPath, local, replaces, result.kind, result.message, PERMANENT_FILE_ERRORS.has(result.kind));
      return { ...outcome, ...this.noteTrouble(result) };
    }
    const doc = result.value;
    const previous = store.get(folderKey, relPath);
    const obsolete = [...(previous?.obsoleteDocIds ?? []), ...(replaces && replaces !== doc.id ? [replaces] : [])];
    if (gapless && replaces !== undefined && replaces !== doc.id && previous !== undefined) {
      this.swaps.set(doc.id, { relPath, oldId: replaces, old: previous, newSha256: local.sha256 ?? '' });
    }
    // A file rewritten while it was sent: the entry keeps the fingerprint of the bytes we hashed, so the
    // next look sees the move, re-hashes and replaces the document with the settled content. (No second
    // stat here to say so in the log: it was a third of the file-system work of each small upload.)
    const entry: TrackedFile = {
      relPath,
      docId: doc.id,
      docName: doc.name,
      sha256: local.sha256 ?? '',
      status: 'synced',
      ...fingerprintOf(local),
      ...(obsolete.length > 0 ? { obsoleteDocIds: obsolete } : {}),
      parserId,
      updatedAt: now(),
    };
    store.put(folderKey, entry);
    logger.info({ path: relPath, kb: kb.name, docId: doc.id, name: doc.name }, isReplacement ? 'replaced' : 'uploaded');
    if (!client.capabilities.uploadStartsParse) await this.prepareParse(doc, parserId, { relPath, sha256: local.sha256 ?? '', hidden: this.swaps.has(doc.id) });
    if (obsolete.length > 0 && !this.swaps.has(doc.id)) await this.deleteObsolete(relPath, obsolete);
    return { kind: isReplacement ? 'replaced' : 'uploaded', relPath, docId: doc.id };
  }

  /** The file is gone since the scan: nothing to upload, one line in the log. An entry the server never
   *  confirmed is dropped, unless an attempt may have been stored (lost answer): then its intent stays, so
   *  the next reconcile finds that document by name and content and removes it. An entry that names a
   *  document stays as it is: the next look at the path deletes that document. */
  private vanished(relPath: RelPath, maybeStored: boolean): Outcome {
    const { store, folderKey, logger, now } = this.deps;
    const entry = store.get(folderKey, relPath);
    const confirmed = entry !== undefined && (entry.docId !== undefined || (entry.obsoleteDocIds?.length ?? 0) > 0);
    if (entry && !confirmed && !maybeStored) store.remove(folderKey, relPath);
    else if (entry?.intent && !maybeStored) store.put(folderKey, withoutIntent(entry, now()));
    logger.info({ path: relPath }, 'file vanished before it could be uploaded; skipped');
    return { kind: 'skipped', relPath, error: 'vanished before upload' };
  }

  /** Waits until two looks SETTLE_LOOK_MS apart see the same fingerprint, then hashes the file. 'gone' when
   *  it disappeared meanwhile; undefined when it did not settle (or could not be read) in time. */
  private async waitUntilSettled(relPath: RelPath): Promise<LocalFile | 'gone' | undefined> {
    const { reader, root, signal } = this.deps;
    let last: LocalFile | undefined;
    for (let look = 0; look < SETTLE_LOOKS; look += 1) {
      if (look > 0) await this.deps.sleep(SETTLE_LOOK_MS, signal);
      if (signal?.aborted) return undefined;
      let seen: LocalFile | undefined;
      try {
        seen = await reader.stat(root, relPath);
      } catch {
        return undefined; // cannot be examined now (EACCES…): not evidence that it is gone
      }
      if (seen === undefined) return 'gone';
      if (last !== undefined && sameFingerprint(seen, last)) {
        const hashed = await reader.hash(seen.absPath, signal).catch(() => undefined);
        if (hashed === undefined) return undefined;
        const stable = hashed.size === hashed.fingerprintBefore.size && sameFingerprint(hashed.fingerprintBefore, hashed.fingerprintAfter);
        if (stable && sameFingerprint(hashed.fingerprintAfter, seen)) return { ...seen, sha256: hashed.sha256 };
      }
      last = seen;
    }
    return undefined;
  }

  /** v1: set the chunk method when it differs from the dataset's, then queue the document for a batched parse. */
  /** With `owned` (a fresh upload), the same update also writes the ownership metadata (docs/smart-sync.md):
   *  one extra request per upload where the chunk method already matched, none where it had to be set. */
  private async prepareParse(doc: RemoteDoc, parserId = this.deps.parserId, owned?: { relPath: RelPath; sha256: string; hidden?: boolean }): Promise<void> {
    const { client, kb, logger } = this.deps;
    const current = doc.parserId ?? kb.parserId;
    const setParser = current !== undefined && current !== parserId && client.capabilities.canUpdate;
    const metaFields = owned && this.writesMeta() ? ownerMetaFields(this.deps.store.ownerId, this.deps.sourceId ?? '', owned.relPath, owned.sha256) : undefined;
    // A gapless replacement's new version stays disabled (out of retrieval) until it takes over.
    const hidden = owned?.hidden === true;
    if (setParser || metaFields || hidden) {
      const patch = { ...(setParser ? { chunkMethod: parserId } : {}), ...(metaFields ? { metaFields } : {}), ...(hidden ? { enabled: false } : {}) };
      const updated = await this.withRetries(() => client.updateDocument(kb, doc.id, patch, this.deps.signal));
      if (!updated.ok) logger.warn({ docId: doc.id, parserId, err: updated.message }, 'could not set the chunk method or ownership metadata; parsing with the dataset default');
    }
    this.queueParse(doc.id);
  }

  /** A document of this run to parse (each once). */
  private queueParse(id: string): void {
    if (this.queued.has(id)) return;
    this.queued.add(id);
    if (this.follower) this.follower.add([id]);
    else this.toParse.push(id);
  }

  /** Ownership metadata is written where documents can be updated (v1; meta_fields exist from RAGFlow 0.16). */
  private writesMeta(): boolean {
    return this.deps.client.api === 'v1' && this.deps.client.capabilities.canUpdate;
  }

  /** Gapless replace, after the parse was followed: a new version that is DONE takes over (the old one is
   *  deleted, then the new one renamed to the clean name the old one held); one that FAILed for good is
   *  deleted and the old version stays (the entry names it again, the new bytes marked failed until they
   *  change). One still parsing at the deadline stays as it is: the next run deletes the old version
   *  (obsoleteDocIds) and renames the new one (the planner's name repair). */
  async finishSwaps(parsed: ParseFollowResult | undefined): Promise<Outcome[]> {
    const { client, kb, store, folderKey, logger, now } = this.deps;
    const out: Outcome[] = [];
    const done = new Set(parsed?.done ?? []);
    for (const [newId, swap] of this.swaps) {
      const entry = store.get(folderKey, swap.relPath);
      if (entry?.docId !== newId) continue; // changed again meanwhile
      if (done.has(newId)) {
        // Enable the new version, then delete the old one: between the two requests both serve (the other
        // order would leave a moment with neither).
        const shown = await this.withRetries(() => client.updateDocument(kb, newId, { enabled: true }, this.deps.signal));
        if (!shown.ok) {
          logger.warn({ path: swap.relPath, docId: newId, err: shown.message }, 'could not enable the new version; the previous one stays until the next sync');
          continue;
        }
        await this.deleteObsolete(swap.relPath, [swap.oldId]);
        const name = docNameFor(swap.relPath);
        if (entry.docName !== name && !(store.get(folderKey, swap.relPath)?.obsoleteDocIds ?? []).includes(swap.oldId)) {
          const renamed = await this.withRetries(() => client.updateDocument(kb, newId, { name }, this.deps.signal));
          const current = store.get(folderKey, swap.relPath);
          if (renamed.ok && current) store.put(folderKey, { ...current, docName: renamed.value.name, updatedAt: now() });
          else if (!renamed.ok) logger.warn({ path: swap.relPath, docId: newId, err: renamed.message }, 'could not give the new version its clean name; trying again on the next sync');
        }
      } else if (parsed?.failed.has(newId) === true) {
        const message = parsed.failed.get(newId) ?? 'parse failed';
        const gone = await this.deleteIds([newId]);
        if (gone) {
          logger.warn({ path: swap.relPath, docId: newId, err: gone.message }, 'could not delete a new version that failed to parse; the next sync deletes it');
          continue;
        }
        const { intent: _i, obsoleteDocIds: _o, ...old } = swap.old;
        const leftover = (entry.obsoleteDocIds ?? []).filter((id) => id !== swap.oldId);
        store.put(folderKey, {
          ...old,
          ...fingerprintOf(entry),
          status: 'failed',
          permanent: true,
          failedSha256: swap.newSha256,
          lastError: `parse-failed: ${message}`,
          failures: (old.failures ?? 0) + 1,
          ...(leftover.length > 0 ? { obsoleteDocIds: leftover } : {}),
          updatedAt: now(),
        });
        logger.warn({ path: swap.relPath, kb: kb.name, docId: swap.oldId, err: message }, 'the new version failed to parse; the previous version stays in the knowledge base');
        out.push({ kind: 'failed', relPath: swap.relPath, error: `parse-failed: ${message}` });
      }
    }
    this.swaps.clear();
    return out;
  }

  /** An adopted document stored beside the old version (`a(1).md`, an interrupted gapless replace) gets
   *  the clean name once the old one is gone. A refusal leaves it for the planner's name repair. */
  private async repairName(relPath: RelPath, docId: string): Promise<void> {
    const { client, kb, store, folderKey, now } = this.deps;
    const entry = store.get(folderKey, relPath);
    const name = docNameFor(relPath);
    if (!client.capabilities.canUpdate || entry?.docId !== docId || entry.docName === name || (entry.obsoleteDocIds?.length ?? 0) > 0) return;
    const renamed = await this.withRetries(() => client.updateDocument(kb, docId, { name }, this.deps.signal));
    const current = store.get(folderKey, relPath);
    if (renamed.ok && current) store.put(folderKey, { ...current, docName: renamed.value.name, updatedAt: now() });
  }

  /** Queue a document of ours that was never sent for parsing (after a crash) like a fresh upload. */
  async resumeParse(doc: RemoteDoc): Promise<void> {
    if (this.queued.has(doc.id)) return;
    await this.prepareParse(doc);
  }

  /** Ask the server to parse what this runner uploaded. With `parse` options (done means parsed): the
   *  follower has been at it since the first upload, under the maxParsing cap, following each document
   *  until DONE, FAIL retried; this waits for the rest and the result says what failed. Call it once,
   *  after the last action. Without: in batches of batchSize, not followed (v1 parse requests are not
   *  atomic). */
  async flushParse(batchSize = 100): Promise<ParseFollowResult | undefined> {
    const { client, kb, logger } = this.deps;
    if (this.follower) return this.follower.started ? this.follower.finish() : undefined;
    while (this.toParse.length > 0) {
      const batch = this.toParse.splice(0, batchSize);
      const result = await this.withRetries(() => client.requestParse(kb, batch, this.deps.signal));
      if (!result.ok) logger.warn({ kb: kb.name, count: batch.length, err: result.message }, 'parse request failed; the documents stay unparsed until the next sync');
    }
    return undefined;
  }

  private async deleteGone(relPath: RelPath, docIds: readonly string[]): Promise<Outcome> {
    const { store, folderKey, logger, kb } = this.deps;
    const failed = await this.deleteIds(docIds);
    if (failed) {
      const entry = store.get(folderKey, relPath);
      if (entry) store.put(folderKey, { ...entry, lastError: failed.message, updatedAt: this.deps.now() });
      logger.warn({ path: relPath, kb: kb.name, err: failed.message }, 'delete failed; will retry on the next sync');
      return { kind: 'failed', relPath, error: failed.message, ...this.noteTrouble(failed) };
    }
    store.remove(folderKey, relPath);
    logger.info({ path: relPath, kb: kb.name, docId: docIds.join(',') }, 'deleted');
    return { kind: 'deleted', relPath, ...(docIds[0] ? { docId: docIds[0] } : {}) };
  }

  private async deleteObsolete(relPath: RelPath, docIds: readonly string[]): Promise<void> {
    const { store, folderKey } = this.deps;
    const done: string[] = [];
    for (const id of docIds) if (!(await this.deleteIds([id]))) done.push(id);
    const entry = store.get(folderKey, relPath);
    if (!entry) return;
    const left = (entry.obsoleteDocIds ?? []).filter((id) => !done.includes(id));
    const { obsoleteDocIds: _drop, ...rest } = entry;
    store.put(folderKey, { ...rest, ...(left.length > 0 ? { obsoleteDocIds: left } : {}), updatedAt: this.deps.now() });
  }

  /** Deletes one id per request: a batch with an id already gone fails whole on some versions. */
  private async deleteIds(docIds: readonly string[]): Promise<RemoteError | undefined> {
    const { client, kb } = this.deps;
    for (const id of docIds) {
      const result = await this.withRetries(() => client.deleteDocuments(kb, [id], this.deps.signal));
      if (!result.ok && result.kind !== 'doc-not-found') return result;
    }
    return undefined;
  }

  /** A moved file: rename its document (same id, same chunks, no re-parse). The new name is the new path's;
   *  RAGFlow keeps everything else. When the server refuses the rename (the document is gone, or the name
   *  is taken by someone else's document), fall back to what a move was before: upload the new path, then
   *  delete the old document. A server/network failure leaves the state as it was: the next run plans the
   *  same rename again (renaming to the name it already has is a no-op, so a crash after the server renamed
   *  and before the state was written is harmless). */
  private async rename(action: Extract<Action, { kind: 'rename' }>): Promise<Outcome[]> {
    const { client, kb, store, folderKey, logger, now } = this.deps;
    const name = docNameFor(action.relPath);
    const sha256 = store.get(folderKey, action.from)?.sha256 ?? action.local.sha256 ?? '';
    const patch = { name, ...(this.writesMeta() ? { metaFields: ownerMetaFields(store.ownerId, this.deps.sourceId ?? '', action.relPath, sha256) } : {}) };
    const result = await this.withRetries(() => client.updateDocument(kb, action.docId, patch, this.deps.signal));
    if (result.ok) {
      const entry = store.get(folderKey, action.from);
      store.remove(folderKey, action.from);
      if (entry) {
        const { lastError: _e, failures: _f, ...rest } = entry;
        store.put(folderKey, { ...rest, relPath: action.relPath, docName: result.value.name, ...fingerprintOf(action.local), updatedAt: now() });
      }
      logger.info({ path: action.relPath, from: action.from, kb: kb.name, docId: action.docId }, 'renamed');
      return [{ kind: 'renamed', relPath: action.relPath, docId: action.docId }];
    }
    if (SERVER_TROUBLE.has(result.kind) || result.kind === 'aborted' || result.kind === 'auth') {
      return [{ kind: 'failed', relPath: action.relPath, error: `${result.kind}: ${result.message}`, ...this.noteTrouble(result) }];
    }
    if (action.from === action.relPath) {
      // A name repair the server refused: the document keeps serving under its current name.
      logger.info({ path: action.relPath, docId: action.docId, err: result.message }, 'could not give the document its clean name');
      return [];
    }
    logger.info({ path: action.relPath, from: action.from, kind: result.kind, err: result.message }, 'rename refused; uploading the new path and deleting the old document');
    const uploaded = await this.upload(action.relPath, action.local, undefined);
    if (uploaded.kind === 'failed') return [uploaded];
    if (result.kind === 'doc-not-found') {
      store.remove(folderKey, action.from);
      return [uploaded];
    }
    return [uploaded, await this.deleteGone(action.from, [action.docId])];
  }

  private parserFor(relPath: RelPath): string {
    return this.deps.parserFor?.(relPath) ?? this.deps.parserId;
  }

  /** The parser rules now pick another parser for this document: set its chunk method, queue a parse. The
   *  bytes stay where they are (no upload); RAGFlow drops the old chunks when it parses again. */
  private async reparse(action: Extract<Action, { kind: 'reparse' }>): Promise<Outcome> {
    const { client, kb, store, folderKey, logger, now } = this.deps;
    const updated = await this.withRetries(() => client.updateDocument(kb, action.docId, { chunkMethod: action.parserId }, this.deps.signal));
    if (!updated.ok) {
      logger.warn({ path: action.relPath, parserId: action.parserId, err: updated.message }, 'could not change the parser; trying again on the next sync');
      return { kind: 'failed', relPath: action.relPath, error: `${updated.kind}: ${updated.message}`, ...this.noteTrouble(updated) };
    }
    this.queueParse(action.docId);
    const entry = store.get(folderKey, action.relPath);
    if (entry) store.put(folderKey, { ...entry, ...fingerprintOf(action.local), parserId: action.parserId, updatedAt: now() });
    logger.info({ path: action.relPath, kb: kb.name, docId: action.docId, parserId: action.parserId }, 'parser changed; parsing again');
    return { kind: 'reparsed', relPath: action.relPath, docId: action.docId };
  }

  /** deleteMode "disable": hide the vanished file's document(s) from retrieval; the entry stays (with
   *  disabledAt) so the document is enabled again if the file comes back, or deleted after the grace period. */
  private async disable(relPath: RelPath, docIds: readonly string[]): Promise<Outcome> {
    const { client, kb, store, folderKey, logger, now } = this.deps;
    for (const id of docIds) {
      const result = await this.withRetries(() => client.updateDocument(kb, id, { enabled: false }, this.deps.signal));
      if (!result.ok && result.kind !== 'doc-not-found') {
        logger.warn({ path: relPath, kb: kb.name, err: result.message }, 'could not disable the document of a vanished file; will retry on the next sync');
        return { kind: 'failed', relPath, error: `${result.kind}: ${result.message}`, ...this.noteTrouble(result) };
      }
    }
    const entry = store.get(folderKey, relPath);
    if (entry) store.put(folderKey, { ...entry, disabledAt: now(), updatedAt: now() });
    logger.info({ path: relPath, kb: kb.name, docId: docIds.join(',') }, 'file vanished; document disabled');
    return { kind: 'disabled', relPath, ...(docIds[0] ? { docId: docIds[0] } : {}) };
  }

  private async enable(action: Extract<Action, { kind: 'enable' }>): Promise<Outcome> {
    const { client, kb, store, folderKey, logger, now } = this.deps;
    const result = await this.withRetries(() => client.updateDocument(kb, action.docId, { enabled: true }, this.deps.signal));
    if (!result.ok) {
      logger.warn({ path: action.relPath, kb: kb.name, err: result.message }, 'could not enable the document of a file that came back; will retry on the next sync');
      return { kind: 'failed', relPath: action.relPath, error: `${result.kind}: ${result.message}`, ...this.noteTrouble(result) };
    }
    const entry = store.get(folderKey, action.relPath);
    if (entry) {
      const { disabledAt: _d, ...rest } = entry;
      store.put(folderKey, { ...rest, ...fingerprintOf(action.local), updatedAt: now() });
    }
    logger.info({ path: action.relPath, kb: kb.name, docId: action.docId }, 'file came back; document enabled again');
    return { kind: 'enabled', relPath: action.relPath, docId: action.docId };
  }

  private record(relPath: RelPath, local: LocalFile): Outcome {
    const { store, folderKey, now } = this.deps;
    const entry = store.get(folderKey, relPath);
    if (entry) store.put(folderKey, { ...entry, ...fingerprintOf(local), updatedAt: now() });
    return { kind: 'recorded', relPath };
  }

  /** After a crash: adopt the document that holds the intended (and current) bytes, delete other verified
   *  copies of ours, leave unverified look-alikes alone (they may be someone else's). */
  private async recover(action: Extract<Action, { kind: 'recover' }>): Promise<Outcome[]> {
    const { client, kb, store, folderKey, logger, now } = this.deps;
    const ours: RemoteDoc[] = [];
    const lostOwner: RemoteDoc[] = []; // ours before the state file was lost (same source), holding these bytes
    let unverified: RemoteError | undefined;
    for (const doc of action.candidates) {
      // Ownership metadata decides without a download: another installation's document is never deleted.
      const verdict = metaVerdict(doc.metaFields, store.ownerId, action.intent.sha256);
      if (verdict === 'foreign') {
        const meta = readOwnerMeta(doc.metaFields);
        if (this.deps.rebuilding && meta?.source === this.deps.sourceId && meta?.sha256 === action.intent.sha256 && meta?.path === action.relPath) lostOwner.push(doc);
        continue;
      }
      if (verdict === 'ours-other-bytes') continue;
      if (verdict === 'ours') {
        ours.push(doc);
        continue;
      }
      const hashed = await this.withRetries(() => client.hashContent(kb, doc.id, this.deps.signal));
      if (hashed.ok && hashed.value.sha256 === action.intent.sha256) ours.push(doc);
      else if (!hashed.ok && hashed.kind !== 'doc-not-found') unverified ??= hashed;
    }
    const local = action.local;
    // A state rebuilt after the file was lost has a new owner id, so its own documents carry another one;
    // the source (host, folder, KB) says which of them this folder created. Others are never touched.
    const adoptedForeign = ours.length === 0 ? lostOwner[0] : undefined;
    const keep = local?.sha256 === action.intent.sha256 ? (ours[0] ?? adoptedForeign) : undefined;
    if (keep === undefined && unverified !== undefined) {
      // A candidate could not be read: it may be the very document this file needs. Uploading now could
      // double it, so the state (intent included) stays as it is and the next run looks again.
      logger.warn({ path: action.relPath, kb: kb.name, err: unverified.message }, 'could not check a server document left by an interrupted upload; trying again on the next sync');
      return [{ kind: 'failed', relPath: action.relPath, error: `${unverified.kind}: ${unverified.message}`, ...this.noteTrouble(unverified) }];
    }
    for (const doc of ours) {
      if (doc !== keep) await this.deleteIds([doc.id]);
    }
    const entry = store.get(folderKey, action.relPath);
    if (keep && local) {
      const base = entry ?? { relPath: action.relPath, status: 'synced' as const, sha256: action.intent.sha256, updatedAt: now(), ...fingerprintOf(local) };
      const obsolete = [...(base.obsoleteDocIds ?? []), ...(base.docId && base.docId !== keep.id ? [base.docId] : [])];
      const { intent: _i, obsoleteDocIds: _o, ...rest } = base;
      store.put(folderKey, {
        ...rest,
        docId: keep.id,
        docName: keep.name,
        sha256: action.intent.sha256,
        status: 'synced',
        ...fingerprintOf(local),
        ...(obsolete.length > 0 ? { obsoleteDocIds: obsolete } : {}),
        updatedAt: now(),
      });
      if (keep === adoptedForeign && this.writesMeta()) {
        const claimed = await this.withRetries(() => client.updateDocument(kb, keep.id, { metaFields: ownerMetaFields(store.ownerId, this.deps.sourceId ?? '', action.relPath, action.intent.sha256) }, this.deps.signal));
        if (!claimed.ok) logger.warn({ path: action.relPath, docId: keep.id, err: claimed.message }, 'could not record the new owner id on an adopted document');
      }
      logger.info({ path: action.relPath, kb: kb.name, docId: keep.id, removedCopies: Math.max(0, ours.length - 1) }, 'adopted a document from an interrupted upload');
      if (obsolete.length > 0) await this.deleteObsolete(action.relPath, obsolete);
      await this.repairName(action.relPath, keep.id);
      if (keep.enabled === false && client.capabilities.canUpdate) {
        // Kept from an interrupted gapless replace, where the new version is disabled while it parses.
        const shown = await this.withRetries(() => client.updateDocument(kb, keep.id, { enabled: true }, this.deps.signal));
        if (!shown.ok) logger.warn({ path: action.relPath, docId: keep.id, err: shown.message }, 'could not enable an adopted document; trying again on the next sync');
      }
      return [{ kind: 'recovered', relPath: action.relPath, docId: keep.id }];
    }
    if (entry) {
      if (entry.docId === undefined && local === undefined) store.remove(folderKey, action.relPath);
      else store.put(folderKey, withoutIntent(entry, now()));
    }
    if (ours.length > 0) logger.info({ path: action.relPath, kb: kb.name, removed: ours.length }, 'removed copies left by an interrupted upload');
    if (!local) return [];
    const replaces = entry?.docId;
    return [await this.upload(action.relPath, local, replaces)];
  }

  /** An upload whose answer was lost may have been stored: look for it before sending again. */
  private async findLostUpload(relPath: RelPath, name: string, sha256: string, error: RemoteError): Promise<RemoteDoc | undefined> {
    const { client, kb, store, folderKey } = this.deps;
    if (!error.ambiguous || !client.capabilities.canList) return undefined;
    const listed = await client.listDocuments(kb, this.deps.signal);
    if (!listed.ok) return undefined;
    const claimed = new Set(store.files(folderKey).flatMap((e) => [...(e.docId ? [e.docId] : []), ...(e.obsoleteDocIds ?? [])]));
    const remote = new Map(listed.value.map((d) => [d.id, d]));
    for (const doc of recoveryCandidates({ kind: 'upload', name, sha256, startedAt: 0 }, remote, claimed)) {
      const verdict = metaVerdict(doc.metaFields, store.ownerId, sha256);
      if (verdict === 'foreign' || verdict === 'ours-other-bytes') continue;
      const hashed = await client.hashContent(kb, doc.id, this.deps.signal);
      if (hashed.ok && hashed.value.sha256 === sha256) {
        this.deps.logger.info({ path: relPath, docId: doc.id }, 'an upload whose answer was lost had reached the server; adopting it');
        return doc;
      }
    }
    return undefined;
  }

  /** Runs a request with backoff for retryable failures; a 429 pauses the whole queue; a rejected key stops all. */
  private withRetries<T>(attempt: () => Promise<Result<T>>, beforeRetry?: (error: RemoteError) => Promise<T | undefined>): Promise<Result<T>> {
    return withRetries(this.deps, attempt, beforeRetry);
  }

  /** Marks the server as down when a request failed for the server's reasons through all its retries. */
  private noteTrouble(error: RemoteError): { serverTrouble?: true } {
    if (!SERVER_TROUBLE.has(error.kind) || this.deps.signal?.aborted) return {};
    if (this.deps.health && !this.deps.health.down) {
      this.deps.health.down = true;
      this.deps.health.reason = `${error.kind}: ${error.message}`;
    }
    return { serverTrouble: true };
  }

  private fail(relPath: RelPath, local: LocalFile, _replaces: string | undefined, kind: string, message: string, permanent: boolean): Outcome {
    const { store, folderKey, logger, now } = this.deps;
    const previous = store.get(folderKey, relPath);
    const base: TrackedFile = previous ?? { relPath, sha256: local.sha256 ?? '', status: 'failed', ...fingerprintOf(local), updatedAt: now() };
    const { intent: _i, ...rest } = base;
    store.put(folderKey, {
      ...rest,
      status: 'failed',
      ...(rest.docId ? {} : { sha256: local.sha256 ?? rest.sha256 }),
      ...fingerprintOf(local),
      failedSha256: local.sha256 ?? '',
      lastError: `${kind}: ${message}`,
      permanent,
      failures: (rest.failures ?? 0) + 1,
      updatedAt: now(),
    });
    logger.warn({ path: relPath, kb: this.deps.kb.name, kind, err: message, permanent }, permanent ? 'file skipped: the server refuses it' : 'upload failed; will retry on the next sync');
    return { kind: 'failed', relPath, error: `${kind}: ${message}` };
  }
}

export function fingerprintOf(f: Fingerprint): Fingerprint {
  return { size: f.size, mtimeMs: f.mtimeMs, ctimeMs: f.ctimeMs, ino: f.ino };
}

function withoutIntent(entry: TrackedFile, now: number): TrackedFile {
  const { intent: _i, ...rest } = entry;
  return { ...rest, updatedAt: now };
}
