// The pure heart of the engine: given what is on disk, what the state remembers and (when reconciling)
// what the server lists, decide what to do. No I/O, no clock: data in, data out.
import type { Fingerprint, Intent, LocalFile, RelPath, TrackedFile } from './model.js';
import type { RemoteDoc } from '../sync/ports.js';
import { docNameFor, extensionOf } from './doc-name.js';

export type UploadReason = 'new' | 'changed' | 'missing-remote' | 'retry';
export type DeleteReason = 'deleted' | 'excluded';

export type Action =
  /** Upload the file's current bytes; `replaces` is the document of ours that the new one supersedes. */
  | { readonly kind: 'upload'; readonly relPath: RelPath; readonly reason: UploadReason; readonly local: LocalFile; readonly replaces?: string }
  /** The file is gone (or excluded with deleteExcluded): delete its document(s) by id, then forget the path. */
  | { readonly kind: 'delete'; readonly relPath: RelPath; readonly reason: DeleteReason; readonly docIds: readonly string[] }
  /** Superseded versions of a still-present file: delete them, keep the entry. */
  | { readonly kind: 'delete-obsolete'; readonly relPath: RelPath; readonly docIds: readonly string[] }
  /** A tracked file moved (its path vanished, a new path with the same SHA-256 appeared in the same run):
   *  rename its document in place (id and chunks kept) instead of uploading again and deleting. */
  | { readonly kind: 'rename'; readonly relPath: RelPath; readonly from: RelPath; readonly docId: string; readonly local: LocalFile }
  /** The folder's parser rules now pick another parser for an unchanged file: set the document's chunk
   *  method and parse it again (v1), no upload. */
  | { readonly kind: 'reparse'; readonly relPath: RelPath; readonly docId: string; readonly parserId: string; readonly local: LocalFile }
  /** deleteMode "disable": the file is gone; disable its document (reversible) instead of deleting it. */
  | { readonly kind: 'disable'; readonly relPath: RelPath; readonly docIds: readonly string[] }
  /** A file whose document was disabled came back with the same bytes: enable the document again. */
  | { readonly kind: 'enable'; readonly relPath: RelPath; readonly docId: string; readonly local: LocalFile }
  /** Content unchanged although the fingerprint moved (touch, chmod, cp -p): remember the new fingerprint. */
  | { readonly kind: 'record'; readonly relPath: RelPath; readonly local: LocalFile }
  /** A state entry with no document and no file (e.g. a failed first upload of a file now gone). */
  | { readonly kind: 'forget'; readonly relPath: RelPath }
  /** A crash left an upload intent: look at these candidate documents on the server, adopt the one holding
   *  the intended bytes, delete other verified copies, then upload if the file still needs it. */
  | {
      readonly kind: 'recover';
      readonly relPath: RelPath;
      readonly intent: Extract<Intent, { kind: 'upload' }>;
      readonly candidates: readonly RemoteDoc[];
      readonly local?: LocalFile;
    };

export interface HeldDelete {
  readonly relPath: RelPath;
  readonly docIds: readonly string[];
}

export interface PlanOptions {
  readonly deleteExcluded: boolean;
  readonly maxDeletePercent: number;
  readonly allowMassDelete: boolean;
  /** Deletions up to this count are never held, whatever the percentage. */
  readonly massDeleteFloor: number;
  /** False when the folder root is missing, unreadable or on another device: nothing is deleted. */
  readonly rootHealthy: boolean;
  /** The server can update a document in place (v1): moves become 'rename' actions, parser-rule changes
   *  'reparse', and deleteMode "disable" works. Off (legacy): a move is an upload plus a delete, deletes
   *  are deletes, and rules only apply to uploads. */
  readonly canUpdate?: boolean;
  /** What a vanished file's document becomes (default 'delete'). */
  readonly deleteMode?: 'delete' | 'disable';
  /** deleteMode "disable": how long a disabled document waits for its file before it is deleted. */
  readonly deleteGraceMs?: number;
}

export interface PlanInput {
  /** Included regular files on disk (in scope). `sha256` is set where the fingerprint moved or the file is new. */
  readonly local: ReadonlyMap<RelPath, LocalFile>;
  /** The folder's state entries (all of them; `scope` narrows what is considered). */
  readonly tracked: ReadonlyMap<RelPath, TrackedFile>;
  /** The server's documents of this KB by id, when the server was listed; undefined otherwise. */
  readonly remote?: ReadonlyMap<string, RemoteDoc>;
  /** Only these paths are considered (daemon hints); undefined means the whole folder. */
  readonly scope?: ReadonlySet<RelPath>;
  /** A tracked path that is absent from `local` because filters or the size limit now leave it out. */
  readonly isExcluded: (relPath: RelPath) => boolean;
  readonly options: PlanOptions;
  /** Rebuilding a lost state: a new file whose name matches an unclaimed server document is checked by
   *  content and adopted instead of uploaded again. */
  readonly adoptUnclaimed?: boolean;
  /** The parser the folder's rules pick for a path (default: `defaultParserId` for every path). */
  readonly parserFor?: (relPath: RelPath) => string;
  /** The folder's parserId: what entries without a remembered parser were parsed with. */
  readonly defaultParserId?: string;
  /** The clock, as an input: deleteGraceMs counts from TrackedFile.disabledAt. */
  readonly nowMs?: number;
}

export interface Plan {
  readonly actions: readonly Action[];
  /** Deletions held back by the mass-delete guard (or an unhealthy root). */
  readonly held: readonly HeldDelete[];
  readonly heldReason?: 'mass-delete' | 'root-unhealthy';
  /** In-scope files whose document is current. */
  readonly unchanged: number;
}

/** Whether a file must be read and hashed: it is new to the state, or its fingerprint moved. */
export function needsHash(local: Fingerprint, tracked: TrackedFile | undefined): boolean {
  return tracked === undefined || !sameFingerprint(local, tracked);
}

export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

export function planSync(input: PlanInput): Plan {
  const { local, tracked, remote, scope, options } = input;
  const actions: Action[] = [];
  const deletes: Array<Extract<Action, { kind: 'delete' }>> = [];
  let unchanged = 0;
  const inScope = (relPath: RelPath) => scope === undefined || scope.has(relPath);
  const claimed = remote ? claimedDocIds(tracked) : new Set<string>();

  for (const [relPath, file] of local) {
    if (!inScope(relPath)) continue;
    const entry = tracked.get(relPath);
    const decided =
      entry === undefined && remote && input.adoptUnclaimed ? planAdoption(relPath, file, remote, claimed) : planPresentFile(relPath, file, entry, remote, claimed, input);
    if (decided.length === 0) unchanged += 1;
    else for (const action of decided) actions.push(action); // no spread: 100,000 calls with an argument list each
  }

  for (const [relPath, entry] of tracked) {
    if (!inScope(relPath) || local.has(relPath)) continue;
    const docIds = ownedDocIds(entry, remote);
    if (entry.intent?.kind === 'upload' && remote) {
      const candidates = recoveryCandidates(entry.intent, remote, claimed);
      if (candidates.length > 0) {
        actions.push({ kind: 'recover', relPath, intent: entry.intent, candidates });
      }
    }
    if (docIds.length === 0) {
      actions.push({ kind: 'forget', relPath });
      continue;
    }
    const excluded = input.isExcluded(relPath);
    if (excluded && !options.deleteExcluded) continue; // narrowing the filters never deletes by default
    deletes.push({ kind: 'delete', relPath, reason: excluded ? 'excluded' : 'deleted', docIds });
  }

  const paired = options.canUpdate ? pairMoves(actions, deletes, tracked) : { actions, deletes };
  const removals = options.canUpdate && options.deleteMode === 'disable' ? disableFirst(paired.deletes, tracked, options, input.nowMs ?? 0) : paired.deletes;
  return guardDeletes(paired.actions, removals, tracked, options, unchanged);
}

type Removal = Extract<Action, { kind: 'delete' | 'disable' }>;

/** deleteMode "disable": a vanished file's document is disabled first; it is deleted once it has stayed
 *  disabled for the grace period, and left alone while it waits. Excluded files are deleted as before. */
function disableFirst(deletes: ReadonlyArray<Extract<Action, { kind: 'delete' }>>, tracked: ReadonlyMap<RelPath, TrackedFile>, options: PlanOptions, nowMs: number): Removal[] {
  const out: Removal[] = [];
  for (const del of deletes) {
    const disabledAt = tracked.get(del.relPath)?.disabledAt;
    if (del.reason !== 'deleted') out.push(del);
    else if (disabledAt === undefined) out.push({ kind: 'disable', relPath: del.relPath, docIds: del.docIds });
    else if (nowMs - disabledAt >= (options.deleteGraceMs ?? 0)) out.push(del);
  }
  return out;
}

/** A vanished path and a new path holding the same bytes (same SHA-256) are one move, provided the
 *  extension stays (RAGFlow refuses a rename that changes it) and the old entry is plainly synced (one
 *  confirmed document, no intent or leftovers to clean up). Among several candidates with identical
 *  content the one with the same base name wins (a directory rename), else the first. */
function pairMoves(
  actions: Action[],
  deletes: Array<Extract<Action, { kind: 'delete' }>>,
  tracked: ReadonlyMap<RelPath, TrackedFile>,
): { actions: Action[]; deletes: Array<Extract<Action, { kind: 'delete' }>> } {
  const newBySha = new Map<string, Array<Extract<Action, { kind: 'upload' }>>>();
  for (const action of actions) {
    if (action.kind !== 'upload' || action.reason !== 'new' || tracked.has(action.relPath) || action.local.sha256 === undefined) continue;
    const list = newBySha.get(action.local.sha256) ?? [];
    list.push(action);
    newBySha.set(action.local.sha256, list);
  }
  if (newBySha.size === 0) return { actions, deletes };
  const renames = new Map<Action, Extract<Action, { kind: 'rename' }>>();
  const keptDeletes: Array<Extract<Action, { kind: 'delete' }>> = [];
  for (const del of deletes) {
    const entry = tracked.get(del.relPath);
    const movable =
      del.reason === 'deleted' &&
      entry?.docId !== undefined &&
      entry.status === 'synced' &&
      entry.intent === undefined &&
      entry.disabledAt === undefined &&
      (entry.obsoleteDocIds?.length ?? 0) === 0 &&
      del.docIds.length === 1 &&
      del.docIds[0] === entry.docId;
    const candidates = movable ? (newBySha.get(entry.sha256) ?? []) : [];
    const sameExt = candidates.filter((c) => !renames.has(c) && extensionOf(docNameFor(c.relPath)) === extensionOf(docNameFor(del.relPath)));
    const target = sameExt.find((c) => baseName(c.relPath) === baseName(del.relPath)) ?? sameExt[0];
    if (!movable || target === undefined || entry?.docId === undefined) {
      keptDeletes.push(del);
      continue;
    }
    renames.set(target, { kind: 'rename', relPath: target.relPath, from: del.relPath, docId: entry.docId, local: target.local });
  }
  if (renames.size === 0) return { actions, deletes };
  return { actions: actions.map((a) => renames.get(a) ?? a), deletes: keptDeletes };
}

function baseName(relPath: RelPath): string {
  return relPath.slice(relPath.lastIndexOf('/') + 1);
}

function planAdoption(relPath: RelPath, file: LocalFile, remote: ReadonlyMap<string, RemoteDoc>, claimed: ReadonlySet<string>): Action[] {
  if (file.sha256 === undefined) return [{ kind: 'upload', relPath, reason: 'new', local: file }];
  const intent = { kind: 'upload' as const, name: docNameFor(relPath), sha256: file.sha256, startedAt: 0 };
  const candidates = recoveryCandidates(intent, remote, claimed);
  if (candidates.length === 0) return [{ kind: 'upload', relPath, reason: 'new', local: file }];
  return [{ kind: 'recover', relPath, intent, candidates, local: file }];
}

function planPresentFile(
  relPath: RelPath,
  file: LocalFile,
  entry: TrackedFile | undefined,
  remote: ReadonlyMap<string, RemoteDoc> | undefined,
  claimed: ReadonlySet<string>,
  input: PlanInput,
): Action[] {
  if (entry === undefined) return [{ kind: 'upload', relPath, reason: 'new', local: file }];
  const out: Action[] = [];
  // Rare: no array is made for the common entry without obsolete ids (this runs for every file).
  const obsolete = entry.obsoleteDocIds === undefined ? undefined : entry.obsoleteDocIds.filter((id) => remote === undefined || remote.has(id));
  if (obsolete !== undefined && obsolete.length > 0) out.push({ kind: 'delete-obsolete', relPath, docIds: obsolete });

  if (entry.intent?.kind === 'upload' && remote) {
    const candidates = recoveryCandidates(entry.intent, remote, claimed);
    if (candidates.length > 0) {
      // Unhashed means unchanged since the entry was written: its remembered hash says which bytes these are
      // (without it, a document holding exactly these bytes could not be adopted and would be sent again).
      out.push({ kind: 'recover', relPath, intent: entry.intent, candidates, local: withHash(file, entry) });
      return out; // the runner uploads afterwards if no candidate holds the current bytes
    }
  }

  if (entry.status === 'failed' && entry.permanent) {
    // Not retried until the bytes change: unhashed means the fingerprint did not move since the failure.
    const current = file.sha256 ?? entry.failedSha256;
    if (current === entry.failedSha256) {
      if (!sameFingerprint(file, entry)) out.push({ kind: 'record', relPath, local: withHash(file, entry) });
      return out;
    }
  }

  const contentChanged = file.sha256 !== undefined && file.sha256 !== entry.sha256;
  if (entry.docId === undefined || entry.status === 'pending') {
    // Never confirmed on the server: a failed or interrupted first upload.
    out.push({ kind: 'upload', relPath, reason: entry.status === 'failed' ? 'retry' : 'new', local: withHash(file, entry) });
    return out;
  }
  if (remote !== undefined && !remote.has(entry.docId)) {
    // Deleted on the server (e.g. in the UI): the folder is the source of truth.
    out.push({ kind: 'upload', relPath, reason: 'missing-remote', local: withHash(file, entry) });
    return out;
  }
  if (contentChanged) {
    out.push({ kind: 'upload', relPath, reason: 'changed', local: file, replaces: entry.docId });
    return out;
  }
  if (entry.status === 'failed') {
    // A replacement that ran out of retries (the entry still names the old confirmed document): try again.
    out.push({ kind: 'upload', relPath, reason: 'retry', local: withHash(file, entry), replaces: entry.docId });
    return out;
  }
  if (input.options.canUpdate && entry.disabledAt !== undefined) {
    // Back within the grace period, same bytes: the disabled document serves again, nothing is uploaded.
    out.push({ kind: 'enable', relPath, docId: entry.docId, local: withHash(file, entry) });
    return out;
  }
  const wanted = input.parserFor?.(relPath);
  const parsedWith = entry.parserId ?? input.defaultParserId;
  if (input.options.canUpdate && wanted !== undefined && parsedWith !== undefined && wanted !== parsedWith) {
    out.push({ kind: 'reparse', relPath, docId: entry.docId, parserId: wanted, local: withHash(file, entry) });
    return out;
  }
  if (input.options.canUpdate && remote !== undefined && entry.docName !== undefined && out.length === (obsolete?.length ? 1 : 0)) {
    // Name repair: a gapless replacement interrupted before the swap left the new version under RAGFlow's
    // duplicate name (`a(1).md`); once nothing else holds the clean name, give it back.
    const name = docNameFor(relPath);
    const holders = remoteNamesOf(remote).get(name) ?? [];
    const interrupted = entry.docName !== name || (obsolete?.length ?? 0) > 0;
    // The new version of an interrupted swap was left disabled (hidden while it parsed): enable it.
    const hidden = interrupted && entry.disabledAt === undefined && remote.get(entry.docId)?.enabled === false;
    if (entry.docName !== name && holders.every((id) => obsolete?.includes(id) === true)) {
      out.push({ kind: 'rename', relPath, from: relPath, docId: entry.docId, local: withHash(file, entry) });
      if (hidden) out.push({ kind: 'enable', relPath, docId: entry.docId, local: withHash(file, entry) });
      return out;
    }
    if (hidden) {
      out.push({ kind: 'enable', relPath, docId: entry.docId, local: withHash(file, entry) });
      return out;
    }
  }
  if (!sameFingerprint(file, entry)) out.push({ kind: 'record', relPath, local: file });
  return out;
}

/** name → ids of the listed documents, built once per listing (only when a name repair is considered). */
const remoteNames = new WeakMap<ReadonlyMap<string, RemoteDoc>, Map<string, string[]>>();
function remoteNamesOf(remote: ReadonlyMap<string, RemoteDoc>): Map<string, string[]> {
  let names = remoteNames.get(remote);
  if (names === undefined) {
    names = new Map();
    for (const doc of remote.values()) names.set(doc.name, [...(names.get(doc.name) ?? []), doc.id]);
    remoteNames.set(remote, names);
  }
  return names;
}

/** A file whose fingerprint did not move was not hashed: its bytes are the ones the state remembers. */
function withHash(file: LocalFile, entry: TrackedFile): LocalFile {
  if (file.sha256 !== undefined) return file;
  const remembered = entry.status === 'failed' ? (entry.failedSha256 ?? entry.sha256) : entry.sha256;
  return { ...file, sha256: remembered };
}

function ownedDocIds(entry: TrackedFile, remote: ReadonlyMap<string, RemoteDoc> | undefined): string[] {
  const ids = [...(entry.docId ? [entry.docId] : []), ...(entry.obsoleteDocIds ?? [])];
  return remote ? ids.filter((id) => remote.has(id)) : ids;
}

function claimedDocIds(tracked: ReadonlyMap<RelPath, TrackedFile>): Set<string> {
  const ids = new Set<string>();
  for (const entry of tracked.values()) {
    if (entry.docId) ids.add(entry.docId);
    for (const id of entry.obsoleteDocIds ?? []) ids.add(id);
  }
  return ids;
}

/** Documents an interrupted upload may have created: unclaimed, named as requested or as RAGFlow renames
 *  duplicates (`a(1).txt`, with or without the directory part). Content is verified by the runner. */
export function recoveryCandidates(
  intent: Extract<Intent, { kind: 'upload' }>,
  remote: ReadonlyMap<string, RemoteDoc>,
  claimed: ReadonlySet<string>,
): RemoteDoc[] {
  const out: RemoteDoc[] = [];
  for (const doc of remote.values()) {
    if (!claimed.has(doc.id) && isNameOrDuplicateOf(doc.name, intent.name)) out.push(doc);
  }
  return out;
}

export function isNameOrDuplicateOf(candidate: string, requested: string): boolean {
  if (candidate === requested) return true;
  const { stem, ext } = splitName(requested);
  const base = stem.slice(stem.lastIndexOf('/') + 1);
  const renamed = /^(.*)\((\d+)\)$/.exec(candidate.slice(0, candidate.length - ext.length));
  if (!renamed || !candidate.endsWith(ext)) return false;
  const main = (renamed[1] ?? '').trimEnd();
  return main === stem || main === base;
}

function splitName(name: string): { stem: string; ext: string } {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  if (dot <= slash + 1) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext: name.slice(dot) };
}

function guardDeletes(
  actions: Action[],
  deletes: Removal[],
  tracked: ReadonlyMap<RelPath, TrackedFile>,
  options: PlanOptions,
  unchanged: number,
): Plan {
  if (deletes.length === 0) return { actions, held: [], unchanged };
  const held = deletes.map(({ relPath, docIds }) => ({ relPath, docIds }));
  if (!options.rootHealthy) return { actions, held, heldReason: 'root-unhealthy', unchanged };
  const trackedDocs = countTrackedDocs(tracked);
  const gone = deletes.filter((d) => d.kind === 'disable' || d.reason === 'deleted').length;
  const overShare = trackedDocs > 0 && (gone / trackedDocs) * 100 > options.maxDeletePercent;
  if (!options.allowMassDelete && gone > options.massDeleteFloor && overShare) {
    return { actions, held, heldReason: 'mass-delete', unchanged };
  }
  return { actions: [...actions, ...deletes], held: [], unchanged };
}

function countTrackedDocs(tracked: ReadonlyMap<RelPath, TrackedFile>): number {
  let count = 0;
  for (const entry of tracked.values()) if (entry.docId) count += 1;
  return count;
}
