// Public types of the RAGFlow emulator: what tests and the standalone runner code against.

export type ProfileName = 'legacy-0.19' | 'legacy-0.21' | 'v1-0.24' | 'v1-0.27';

export type ParseMode = 'auto' | 'manual';

export interface ParseOptions {
  /** auto: RUNNING → DONE after durationMs by itself; manual: stays RUNNING until finishParse(). */
  mode?: ParseMode;
  /** Time from "parse requested" to DONE in auto mode (default 30 ms). */
  durationMs?: number;
}

export interface KbSeed {
  name: string;
  parserId?: string;
}

export interface EmulatorOptions {
  profile: ProfileName;
  apiKey: string;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Knowledge bases (datasets) that exist from the start, owned by the key's tenant. */
  kbs?: Array<string | KbSeed>;
  /** Serve POST/GET/DELETE /api/v1/datasets create/delete (list is always served on v1 profiles). */
  datasetAdmin?: boolean;
  parse?: ParseOptions;
  /** Where uploaded bytes go (default: a fresh temp dir, removed on close). */
  storageDir?: string;
  /** Werkzeug/Quart MAX_CONTENT_LENGTH (default 1 GiB, RAGFlow's default since 0.18). */
  maxContentLength?: number;
}

/** RAGFlow TaskStatus in text form. */
export type RunState = 'UNSTART' | 'RUNNING' | 'CANCEL' | 'DONE' | 'FAIL';

/** A snapshot of one stored document (taken when documents()/document() was called). */
export interface StoredDoc {
  id: string;
  kbId: string;
  kbName: string;
  name: string;
  size: number;
  sha256: string;
  xxh128: string;
  parserId: string;
  run: RunState;
  progress: number;
  progressMsg: string;
  chunkCount: number;
  enabled: boolean;
  metaFields: Record<string, unknown>;
  createTime: number;
  /** True when made by seedDocument() ("uploaded by someone else"), false when uploaded over HTTP. */
  seeded: boolean;
  /** The stored bytes (read from disk on each call). */
  content(): Promise<Buffer>;
}

export interface RequestLogEntry {
  time: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string | string[]>;
  /** Form fields (not file bytes) or the parsed JSON body; {} when there was none. */
  fields: Record<string, unknown>;
  /** Multipart filenames, in order. */
  fileNames: string[];
  /** Total bytes of all uploaded file parts. */
  fileBytes: number;
  /** HTTP status sent; 0 while unanswered or when the socket was reset / the request hung. */
  status: number;
  /** The JSON `code` of the answer, when it had one. */
  code?: number;
}

export type FaultAction =
  | { type: 'status'; status: number; body?: string }
  | { type: 'reset'; after?: 'headers' | 'body' }
  | { type: 'rate-limit'; retryAfter: string }
  | { type: 'latency'; ms: number }
  | { type: 'hang' };

export interface FaultRule {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Exact path (without query) or a RegExp tested against it (any when absent). */
  path?: string | RegExp;
  /** How many matching requests it hits (default 1; Infinity allowed). */
  times?: number;
  action: FaultAction;
}

export interface Emulator {
  readonly url: string;
  readonly port: number;
  readonly profile: ProfileName;
  readonly apiKey: string;
  close(): Promise<void>;
  createKb(name: string, opts?: { parserId?: string }): { id: string; name: string };
  /** Current docs of a KB, in creation order. Unknown KB → []. */
  documents(kbName: string): StoredDoc[];
  document(id: string): StoredDoc | undefined;
  /** Synchronous: the bytes are written with fs.writeFileSync. Throws if the KB does not exist. */
  seedDocument(
    kbName: string,
    doc: {
      name: string;
      content: string | Buffer;
      parserId?: string;
      run?: RunState;
      metaFields?: Record<string, unknown>;
    },
  ): StoredDoc;
  readonly requests: readonly RequestLogEntry[];
  clearRequests(): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Stops listening (and drops idle keep-alive connections) for ms, then listens again on the same
   *  port. Resolves as soon as connections are being refused; use listening() to wait for the end. */
  refuseConnections(ms: number): Promise<void>;
  /** Resolves when the server is accepting connections (immediately unless refuseConnections is active). */
  listening(): Promise<void>;
  /** The next parse(s) of documents whose name matches end FAIL with this progress_msg. */
  failParse(docName: string | RegExp, message?: string, times?: number): void;
  setParse(opts: ParseOptions): void;
  /** Manual mode: ends a RUNNING parse (default DONE). Throws if the doc is not RUNNING. */
  finishParse(id: string, outcome?: 'DONE' | 'FAIL'): void;
  /** High-water mark of documents RUNNING at the same time in that KB. */
  maxConcurrentRunning(kbName: string): number;
}
