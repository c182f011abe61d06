// One RAGFlow server over undici: auth header, scheduler slot, deadline + caller signal, HTTP-level
// failures (429/5xx/401/413, resets, timeouts) and envelope parsing. Both clients sit on top of it.

import { Agent, request, type Dispatcher, type FormData } from 'undici';
import type { RemoteError, RequestScheduler, Result } from '../sync/ports.js';
import { VERSION } from '../version.js';
import type { AnswerContext } from './classify-answer.js';
import { classifyEnvelope } from './classify-answer.js';
import { parseEnvelopeText, type Envelope } from './envelope.js';
import { linkedAbort } from './linked-abort.js';
import type { EncodedBody } from './multipart-body.js';
import { describeUrl, redactSecret } from './redact.js';
import { ok, remoteError } from './remote-error.js';
import { parseRetryAfter } from './retry-after.js';
import { mapThrown } from './transport-errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** A list value repeats the parameter (`ids=a&ids=b`), as Flask's `getlist` reads it. */
export type Query = Readonly<Record<string, string | number | readonly string[] | undefined>>;
export type ResponseData = Dispatcher.ResponseData;

export interface CallSpec {
  readonly method: HttpMethod;
  readonly path: string;
  readonly query?: Query;
  readonly json?: unknown;
  /** Built inside the scheduler slot, so a file is opened only when its request really starts: a
   *  FormData (streamed), or a multipart body already encoded in memory (small files). */
  readonly form?: () => Promise<Result<FormData | EncodedBody>>;
  /** Deadline for the whole call (answer read to the end); default: the client's requestTimeoutMs. */
  readonly timeoutMs?: number;
  /** The request changes server state, so a lost answer is flagged `ambiguous`. */
  readonly mutating: boolean;
  readonly signal?: AbortSignal | undefined;
  /** What the call is for, at the start of every message ("upload", "list documents"). */
  readonly what: string;
}

export interface JsonAnswer {
  readonly httpStatus: number;
  readonly envelope: Envelope;
}

export interface TransportOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly scheduler?: RequestScheduler | undefined;
  readonly requestTimeoutMs: number;
  /** Injected by tests or the app; when absent the transport owns one small keep-alive Agent. */
  readonly dispatcher?: Dispatcher | undefined;
  readonly now?: () => number;
}

/** JSON answers are small (100 documents a page); a bigger one is not RAGFlow talking. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

export class HttpTransport {
  readonly #base: URL;
  readonly #apiKey: string;
  /** Origin and base path without its trailing slash: request paths are appended to it. */
  readonly #prefix: string;
  readonly #scheduler: RequestScheduler | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #now: () => number;
  readonly requestTimeoutMs: number;

  constructor(options: TransportOptions) {
    this.#base = new URL(options.url);
    this.#prefix = `${this.#base.origin}${this.#base.pathname.replace(/\/+$/, '')}`;
    this.#apiKey = options.apiKey;
    this.#scheduler = options.scheduler;
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.#now = options.now ?? Date.now;
    this.#ownsDispatcher = options.dispatcher === undefined;
    // Few connections: the engine's queue runs 2–4 requests at a time; keep-alive reuses them.
    this.#dispatcher = options.dispatcher ?? new Agent({ connections: 4, keepAliveTimeout: 10_000, connect: { timeout: 10_000 } });
  }

  /** Base URL without credentials or query, for messages. */
  get origin(): string {
    return describeUrl(this.#base);
  }

  redact(text: string): string {
    return redactSecret(text, this.#apiKey);
  }

  /** A RemoteError for a non-success envelope, with the key scrubbed from RAGFlow's text. */
  envelopeError(answer: JsonAnswer, context: AnswerContext, what: string): RemoteError {
    const error = classifyEnvelope(answer.envelope, context, answer.httpStatus, what);
    return { ...error, message: this.redact(error.message) };
  }

  /** A request whose answer must be a RAGFlow JSON envelope. */
  async callJson(spec: CallSpec): Promise<Result<JsonAnswer>> {
    return this.call(spec, async (response, where) => {
      const text = await readCapped(response.body, MAX_JSON_BYTES);
      const envelope = text === undefined ? undefined : parseEnvelopeText(text);
      if (envelope === undefined) {
        const type = headerText(response.headers['content-type']) ?? 'no content type';
        const why = text === undefined ? 'answer too large' : 'answer is not a RAGFlow JSON envelope';
        return remoteError('protocol', `${where}: ${why} (HTTP ${response.statusCode}, ${type})`, { httpStatus: response.statusCode });
      }
      return ok({ httpStatus: response.statusCode, envelope });
    });
  }

  /** A request whose answer body the caller consumes (downloads). HTTP-level failures are handled
   *  here; the handler sees every other status. Whatever it leaves unread is dumped. */
  async callStream<T>(spec: CallSpec, handle: (response: ResponseData, where: string) => Promise<Result<T>>): Promise<Result<T>> {
    return this.call(spec, handle);
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** Parsed once from a string (undici takes the URL object as it is; paths here are built from
   *  encodeURIComponent parts, so they hold no `?` or `#`): editing a URL object's path and
   *  query re-serialises it at every step, which showed in the CPU profile of thousands of requests. */
  private url(path: string, query: Query | undefined): URL {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      if (typeof value === 'object') for (const item of value) params.append(key, item);
      else params.append(key, String(value));
    }
    const search = params.toString();
    return new URL(search === '' ? `${this.#prefix}${path}` : `${this.#prefix}${path}?${search}`);
  }

  private async call<T>(spec: CallSpec, handle: (response: ResponseData, where: string) => Promise<Result<T>>): Promise<Result<T>> {
    const url = this.url(spec.path, spec.query);
    const where = `${spec.what} (${spec.method} ${describeUrl(url)})`;
    if (spec.signal?.aborted === true) return remoteError('aborted', `${where}: aborted before sending`);
    const attempt = (slotSignal: AbortSignal | undefined): Promise<Result<T>> => this.attempt(spec, url, where, slotSignal, handle);
    if (this.#scheduler === undefined) return attempt(undefined);
    try {
      return await this.#scheduler.schedule(attempt, spec.signal);
    } catch (error) {
      // The scheduler rejects only when the call never ran (aborted while queued, queue stopped).
      return mapThrown(error, { callerAborted: isAborted(spec.signal), deadlinePassed: false, dispatched: false, mutating: spec.mutating, describe: where });
    }
  }

  private async attempt<T>(
    spec: CallSpec,
    url: URL,
    where: string,
    slotSignal: AbortSignal | undefined,
    handle: (response: ResponseData, where: string) => Promise<Result<T>>,
  ): Promise<Result<T>> {
    // One signal for undici: the caller's, the scheduler's, and our deadline, which starts when the
    // slot is granted, not while the call waits in the rate limiter.
    const link = linkedAbort([spec.signal, slotSignal]);
    let deadlinePassed = false;
    const timer = setTimeout(() => {
      deadlinePassed = true;
      link.abort(new DOMException('deadline passed', 'TimeoutError'));
    }, spec.timeoutMs ?? this.requestTimeoutMs);
    const signal = link.signal;
    let dispatched = false;
    let response: ResponseData | undefined;
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.#apiKey}`,
        'user-agent': `ragflow-sync/${VERSION}`,
      };
      let body: string | Buffer | FormData | undefined;
      if (spec.form !== undefined) {
        const form = await spec.form();
        if (!form.ok) return form;
        if ('contentType' in form.value) {
          body = form.value.bytes;
          headers['content-type'] = form.value.contentType;
        } else {
          body = form.value;
        }
      } else if (spec.json !== undefined) {
        body = JSON.stringify(spec.json);
        headers['content-type'] = 'application/json';
      }
      dispatched = true;
      response = await request(url, { method: spec.method, headers, body: body ?? null, signal, dispatcher: this.#dispatcher });
      const failure = this.httpFailure(response, where);
      if (failure !== undefined) return failure;
      return await handle(response, where);
    } catch (error) {
      const mapped = mapThrown(error, {
        callerAborted: isAborted(spec.signal),
        deadlinePassed,
        dispatched,
        mutating: spec.mutating,
        describe: where,
      });
      return { ...mapped, message: this.redact(mapped.message) };
    } finally {
      // An unread body keeps its connection busy until GC (undici README): always finish it
      // (still under the deadline, so a stalled body cannot hold us).
      if (response !== undefined && !response.body.destroyed) await response.body.dump().catch(() => undefined);
      clearTimeout(timer);
      link.dispose();
    }
  }

  /** Statuses that mean the same whatever the endpoint: server trouble, rate limit, auth, size. */
  private httpFailure(response: ResponseData, where: string): RemoteError | undefined {
    const status = response.statusCode;
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], this.#now());
    const details = { httpStatus: status, retryAfterMs };
    if (status === 429) return remoteError('rate-limited', `${where}: HTTP 429 Too Many Requests`, details);
    if (status >= 500) return remoteError('server', `${where}: HTTP ${status}`, details);
    if (status === 401 || status === 403) return remoteError('auth', `${where}: HTTP ${status}, the API key was not accepted`, details);
    if (status === 413) return remoteError('too-large', `${where}: HTTP 413, the file is larger than the server accepts`, details);
    return undefined;
  }
}

// A function, not an inline test: TypeScript would keep an earlier narrowing of `signal.aborted`.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The body as text, or undefined (and the body destroyed) once it exceeds `limit` bytes. */
async function readCapped(body: ResponseData['body'], limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
