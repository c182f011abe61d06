// The narrow interfaces the sync engine needs from the outside world (server, state file, disk).
// Adapters implement them; no library type crosses these boundaries.

import type { FolderMeta, LocalFile, RelPath, TrackedFile, Fingerprint } from '../core/model.js';

// ---------------------------------------------------------------------------------------------
// Results and errors from the RAGFlow server
// ---------------------------------------------------------------------------------------------

/** Why a server call failed, in our vocabulary (RAGFlow codes are kept alongside). */
export type RemoteErrorKind =
  | 'auth' //               key rejected (legacy/v1 ≤0.24: code 109; v1 ≥0.25: HTTP 401)        permanent
  | 'kb-not-found' //       the knowledge base / dataset does not exist or is not visible     permanent
  | 'doc-not-found' //      no such document (v1 102 "not found"/"don't own"; legacy 102)       permanent
  | 'unsupported-type' //   "This type of file has not been supported yet!"                   permanent
  | 'name-too-long' //      "File name must be 255 bytes or less." etc.                       permanent
  | 'too-large' //          body over MAX_CONTENT_LENGTH (413 / RequestEntityTooLarge)          permanent
  | 'listing-unavailable' //legacy list_kb_docs broken on 0.20–0.22 (code 100 TypeError)       permanent
  | 'unsupported' //        the operation does not exist on this API/version (e.g. legacy rename) permanent
  | 'rejected' //           any other business error (code 101/102/103/500 in the JSON)       permanent
  | 'rate-limited' //       HTTP 429 (retryAfterMs set when the server said)                   retryable
  | 'server' //             HTTP 5xx, or code 100 exception envelopes that look transient      retryable
  | 'network' //            connection refused/reset, socket closed, DNS                       retryable
  | 'timeout' //            our per-request deadline passed                                    retryable
  | 'file-changed' //       the local file changed while being sent (NotReadableError)         retryable
  | 'file-unreadable' //    the local file could not be opened (EACCES, ENOENT, EISDIR…)       permanent
  | 'protocol' //           the answer was not RAGFlow-shaped (HTML, bad JSON, wrong fields)   permanent
  | 'aborted'; //           our AbortSignal fired (shutdown)                                   permanent

export interface RemoteError {
  readonly ok: false;
  readonly kind: RemoteErrorKind;
  readonly retryable: boolean;
  /** Milliseconds the server asked us to wait (Retry-After, seconds or HTTP date), when it did. */
  readonly retryAfterMs?: number;
  /** RAGFlow's `code` (or legacy `retcode`) when the answer had one. */
  readonly code?: number;
  readonly httpStatus?: number;
  /** RAGFlow's message, or a description of the transport failure. Never contains the API key. */
  readonly message: string;
  /** True when a request body may have reached the server although no answer came back
   *  (reset/timeout after sending): the caller must check the server before re-sending an upload. */
  readonly ambiguous?: boolean;
}

export type Ok<T> = { readonly ok: true; readonly value: T };
export type Result<T> = Ok<T> | RemoteError;

// ---------------------------------------------------------------------------------------------
// The server's view of documents
// ---------------------------------------------------------------------------------------------

export type ApiGeneration = 'legacy' | 'v1';

/** RAGFlow TaskStatus in text form; 'UNKNOWN' when the API does not say (legacy list). */
export type ParseRun = 'UNSTART' | 'RUNNING' | 'CANCEL' | 'DONE' | 'FAIL' | 'UNKNOWN';

export interface KbRef {
  /** Dataset id (v1). Legacy has no usable KB id in its API: there it is the KB name. */
  readonly id: string;
  readonly name: string;
  /** The KB's default parser (v1 `chunk_method`); undefined when the API does not say. */
  readonly parserId?: string;
}

export interface RemoteDoc {
  readonly id: string;
  readonly name: string;
  /** Bytes; undefined where the listing does not say (legacy list_kb_docs gives id and name only). */
  readonly size?: number;
  readonly run: ParseRun;
  readonly progress?: number;
  readonly progressMsg?: string;
  readonly chunkCount?: number;
  readonly parserId?: string;
  /** xxh128 hex of the stored bytes (v1, RAGFlow ≥ 0.25). */
  readonly contentHash?: string;
  readonly metaFields?: Readonly<Record<string, unknown>>;
  /** Document `status` "1"/"0" (enabled for retrieval). */
  readonly enabled?: boolean;
  /** Epoch ms, when known. */
  readonly createTime?: number;
}

export interface UploadSpec {
  /** Absolute path of the local file; streamed from disk, never read whole into memory. */
  readonly path: string;
  /** Document name to send as the multipart filename (the server may rename on duplicates). */
  readonly name: string;
  /** Parser (chunk method). Legacy sends it as `parser_id`; v1 ignores it at upload time. */
  readonly parserId: string;
  /** Expected size, so a file that changed since it was hashed can be noticed. */
  readonly size?: number;
}

export interface DocumentPatch {
  readonly name?: string;
  readonly chunkMethod?: string;
  readonly enabled?: boolean;
  readonly metaFields?: Readonly<Record<string, string | number | boolean>>;
}

export interface ClientCapabilities {
  /** Legacy upload with run=1 starts parsing in the same request; v1 needs requestParse. */
  readonly uploadStartsParse: boolean;
  /** Whether listDocuments can work on this API (legacy 0.20–0.22 cannot: known after the first try). */
  readonly canList: boolean;
  /** v1 PUT/PATCH rename and metadata/chunk_method/enabled updates. */
  readonly canUpdate: boolean;
  /** RemoteDoc.run/progress are reported (v1 list; legacy document/infos). */
  readonly parseState: boolean;
}

/** Everything the engine needs from one RAGFlow server. Implemented for the legacy /v1/api and the
 *  v1 /api/v1 APIs. Every method resolves (never rejects) with a Result; every HTTP request goes
 *  through the injected RequestScheduler so the rate limit counts real requests. */
export interface KbClient {
  readonly api: ApiGeneration;
  readonly capabilities: ClientCapabilities;
  /** Find a KB by exact name. Missing → kind 'kb-not-found'. */
  findKb(name: string, signal?: AbortSignal): Promise<Result<KbRef>>;
  /** Every document of the KB, all pages (page_size ≤ 100). Legacy 0.20–0.22 → 'listing-unavailable'. */
  listDocuments(kb: KbRef, signal?: AbortSignal): Promise<Result<RemoteDoc[]>>;
  /** Current rows (parse state) of the given documents. Missing ids are simply absent from the answer. */
  getDocuments(kb: KbRef, ids: readonly string[], signal?: AbortSignal): Promise<Result<RemoteDoc[]>>;
  /** Upload one file (streamed). Legacy: with parser_id and run=1. v1: plain upload (no parse). */
  upload(kb: KbRef, spec: UploadSpec, signal?: AbortSignal): Promise<Result<RemoteDoc>>;
  /** Ask the server to parse these documents (v1 POST /datasets/{id}/chunks). Legacy: 'unsupported'. */
  requestParse(kb: KbRef, ids: readonly string[], signal?: AbortSignal): Promise<Result<void>>;
  /** Update a document (v1 PUT/PATCH). Legacy: 'unsupported'. */
  updateDocument(kb: KbRef, id: string, patch: DocumentPatch, signal?: AbortSignal): Promise<Result<RemoteDoc>>;
  /** Delete by ids, never by name. An empty list is refused locally (kind 'rejected', no request sent).
   *  Ids already gone are not an error: `deleted` counts those actually removed when the server says. */
  deleteDocuments(kb: KbRef, ids: readonly string[], signal?: AbortSignal): Promise<Result<{ deleted: number }>>;
  /** Stream the stored bytes and return their SHA-256 hex (legacy GET /v1/document/get/<id>;
   *  v1 GET /datasets/{id}/documents/{doc}). Missing → 'doc-not-found'. */
  hashContent(kb: KbRef, id: string, signal?: AbortSignal): Promise<Result<{ sha256: string; size: number }>>;
  /** Close pooled connections. */
  close(): Promise<void>;
}

/** Runs one HTTP request under the rate limit and concurrency of the whole process. */
export interface RequestScheduler {
  schedule<T>(request: (signal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** Options every client factory accepts. */
export interface ClientOptions {
  /** Base URL of the RAGFlow server, e.g. http://127.0.0.1:9380 (no trailing path). */
  readonly url: string;
  readonly apiKey: string;
  readonly api: ApiGeneration | 'auto';
  readonly scheduler?: RequestScheduler;
  /** Per-request deadline for non-upload requests, ms (default 60 000). Uploads get bodyTimeout-based limits. */
  readonly requestTimeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------
// The local side: state file and folder access (implemented in src/adapters/)
// ---------------------------------------------------------------------------------------------


export type StateLoadOutcome =
  | { readonly kind: 'loaded' }
  | { readonly kind: 'new' }
  | { readonly kind: 'corrupt'; readonly movedTo: string; readonly reason: string };

/** The state file: what the server confirmed per path, plus intents. Writes are coalesced. */
export interface StateStore {
  readonly ownerId: string;
  readonly loadOutcome: StateLoadOutcome;
  folderKeys(): string[];
  meta(folderKey: string): FolderMeta | undefined;
  setMeta(folderKey: string, meta: FolderMeta): void;
  get(folderKey: string, relPath: RelPath): TrackedFile | undefined;
  files(folderKey: string): TrackedFile[];
  /** The folder's entries by path: a copy, so later put/remove calls do not show in it. */
  filesByPath(folderKey: string): Map<RelPath, TrackedFile>;
  put(folderKey: string, entry: TrackedFile): void;
  remove(folderKey: string, relPath: RelPath): void;
  /** Write now if anything changed (single-flight); resolves once the data as of this call is on disk. */
  flush(): Promise<void>;
  /** Flush and release the lock. */
  close(): Promise<void>;
}

export interface ScanSkip {
  readonly relPath: RelPath;
  readonly reason: 'not-regular' | 'symlink' | 'unreadable-dir' | 'unreadable';
  readonly code?: string;
}

export interface ScanResult {
  readonly files: LocalFile[];
  readonly skipped: ScanSkip[];
  readonly root: { readonly dev: number; readonly ino: number };
}

export interface HashResult {
  readonly sha256: string;
  readonly size: number;
  readonly fingerprintBefore: Fingerprint;
  readonly fingerprintAfter: Fingerprint;
}

/** Path-inclusion rules of one folder. */
export interface PathRules {
  includesFile(relPath: RelPath): boolean;
  mayContain(relDir: RelPath): boolean;
}

/** Reading the folder: walk, stat one path, hash one file. */
export interface FolderReader {
  scan(root: string, rules: PathRules, signal?: AbortSignal): Promise<ScanResult>;
  /** The file at relPath if it is an included regular file now; undefined if absent or not regular. */
  stat(root: string, relPath: RelPath): Promise<LocalFile | undefined>;
  hash(absPath: string, signal?: AbortSignal): Promise<HashResult>;
  /** Device and inode of the folder root; undefined when it is missing or not a directory. */
  rootId(root: string): Promise<{ readonly dev: number; readonly ino: number } | undefined>;
}
