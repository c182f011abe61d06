// One request as route handlers see it: Python-like query args, and the body read the way the
// RAGFlow version at hand reads it (Flask `request.json` vs Quart `get_request_json()`).
import type { IncomingMessage } from 'node:http';
import type { Reply } from './envelopes.js';
import { serverError } from './envelopes.js';
import type { FormBody } from './multipart.js';
import { isFormContentType, readForm, readRaw } from './multipart.js';
import type { ParseSimulator } from './parse-sim.js';
import type { Profile } from './profiles.js';
import { attributeError } from './py-values.js';
import { floatPathsOf } from './pydantic-lite.js';
import { pyException } from './pyrepr.js';
import type { Store } from './store.js';
import type { RequestLogEntry } from './types.js';

/** Werkzeug's MultiDict view of the query string. */
export class QueryArgs {
  constructor(private readonly params: URLSearchParams) {}
  get(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }
  getList(name: string): string[] {
    return this.params.getAll(name);
  }
  has(name: string): boolean {
    return this.params.has(name);
  }
  keys(): string[] {
    return [...new Set(this.params.keys())];
  }
  toRecord(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const k of this.keys()) {
      const all = this.params.getAll(k);
      out[k] = all.length === 1 ? (all[0] ?? '') : all;
    }
    return out;
  }
}

/** Result of Quart's get_request_json(): a dict, or the error envelope its exception becomes. */
export type RequestJson = { ok: true; value: Record<string, unknown> } | { ok: false; reply: Reply };

export interface EmulatorServices {
  readonly profile: Profile;
  readonly store: Store;
  readonly parse: ParseSimulator;
  readonly apiKey: string;
  readonly datasetAdmin: boolean;
}

export class RequestContext {
  readonly query: QueryArgs;
  /** Paths of float literals (2.0) in the JSON body, so validation messages echo them like Python. */
  floatPaths: Set<string> = new Set();
  private rawBody: Promise<Buffer> | undefined;
  private formBody: Promise<FormBody> | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly method: string,
    readonly path: string,
    params: URLSearchParams,
    readonly services: EmulatorServices,
    readonly log: RequestLogEntry,
  ) {
    this.query = new QueryArgs(params);
  }

  get profile(): Profile {
    return this.services.profile;
  }
  get store(): Store {
    return this.services.store;
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  get contentType(): string {
    return (this.header('content-type') ?? '').toLowerCase();
  }

  /** The body bytes (for JSON; forms go through form()). */
  raw(): Promise<Buffer> {
    this.rawBody ??= readRaw(this.req);
    return this.rawBody;
  }

  /** The form (multipart or urlencoded), files streamed to temp files. */
  form(): Promise<FormBody> {
    this.formBody ??= readForm(this.req, () => this.store.incomingPath()).then((form) => {
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(form.fields)) fields[k] = v.length === 1 ? v[0] : v;
      this.log.fields = fields;
      this.log.fileNames = form.files.map((f) => f.filename);
      this.log.fileBytes = form.files.reduce((n, f) => n + f.size, 0);
      return form;
    });
    return this.formBody;
  }

  /** Parsed JSON whatever the Content-Type, or undefined (Flask's get_json(force=True, silent=True)). */
  async jsonLoose(): Promise<unknown> {
    const raw = await this.raw();
    if (raw.length === 0) return undefined;
    try {
      const value: unknown = JSON.parse(raw.toString('utf8'));
      this.floatPaths = floatPathsOf(raw.toString('utf8'));
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) this.log.fields = value as Record<string, unknown>;
      return value ?? undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The v1 request body as the version reads it.
   * Flask (≤0.22.0): `request.json` (forced, silent): anything not a JSON object makes `req.get` raise.
   * Quart (≥0.22.1) `get_request_json()`: empty → {}; JSON content type → the object (a string raises
   * AttributeError, other non-objects TypeError; bad JSON is a 400 → code 100); else the form as a dict.
   */
  async requestJson(): Promise<RequestJson> {
    if (this.profile.server === 'flask') {
      const value = await this.jsonLoose();
      if (value !== undefined && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return { ok: true, value: value as Record<string, unknown> };
      }
      return { ok: false, reply: serverError(attributeError(value, 'get')) };
    }
    if (isFormContentType(this.contentType)) {
      const form = await this.form();
      form.cleanup();
      const dict: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(form.fields)) dict[k] = v[0];
      if (Object.keys(dict).length === 0 && form.files.length === 0) {
        return { ok: false, reply: serverError(pyException('TypeError', 'Request body is not a valid form payload.')) };
      }
      return { ok: true, value: dict };
    }
    const raw = await this.raw();
    if (raw.length === 0) return { ok: true, value: {} };
    if (!this.contentType.startsWith('application/json')) {
      return { ok: false, reply: serverError(pyException('TypeError', 'Request body is not a valid form payload.')) };
    }
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
      this.floatPaths = floatPathsOf(raw.toString('utf8'));
    } catch {
      return { ok: false, reply: serverError("<BadRequest '400: Bad Request'>") };
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      this.log.fields = value as Record<string, unknown>;
      return { ok: true, value: value as Record<string, unknown> };
    }
    if (typeof value === 'string') {
      return { ok: false, reply: serverError(attributeError(value, 'get')) };
    }
    return { ok: false, reply: serverError(pyException('TypeError', 'JSON payload must be an object.')) };
  }
}
