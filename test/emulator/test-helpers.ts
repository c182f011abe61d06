// Small HTTP helpers for the emulator's own tests: real requests over 127.0.0.1 with undici.
import { FormData, request } from 'undici';
import type { Emulator } from './index.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the answer was JSON, else the text. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index freely into RAGFlow JSON
  body: any;
  raw: Buffer;
}

export interface CallOptions {
  json?: unknown;
  /** Raw body with its content type. */
  body?: string;
  contentType?: string;
  form?: FormData;
  /** Authorization header value; default `Bearer <apiKey>`; null = no header. */
  auth?: string | null;
}

export async function call(emu: Emulator, method: string, path: string, opts: CallOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  const auth = opts.auth === undefined ? `Bearer ${emu.apiKey}` : opts.auth;
  if (auth !== null) headers['authorization'] = auth;
  let body: string | FormData | undefined;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  } else if (opts.body !== undefined) {
    body = opts.body;
    if (opts.contentType) headers['content-type'] = opts.contentType;
  } else if (opts.form) {
    body = opts.form;
  }
  const res = await request(`${emu.url}${path}`, { method: method as 'GET', headers, ...(body === undefined ? {} : { body }) });
  const raw = Buffer.from(await res.body.arrayBuffer());
  const type = String(res.headers['content-type'] ?? '');
  const parsed: unknown = type.includes('application/json') ? JSON.parse(raw.toString('utf8')) : raw.toString('utf8');
  return { status: res.statusCode, headers: res.headers, body: parsed, raw };
}

/** A multipart form with `file` parts (name → content) plus extra fields. */
export function filesForm(files: Array<[string, string | Buffer]>, fields: Record<string, string> = {}): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const [name, content] of files) fd.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), name);
  return fd;
}

export async function datasetId(emu: Emulator, name: string): Promise<string> {
  const r = await call(emu, 'GET', `/api/v1/datasets?name=${encodeURIComponent(name)}`);
  if (r.body?.code !== 0) throw new Error(`dataset ${name} not found: ${JSON.stringify(r.body)}`);
  return r.body.data[0].id as string;
}

export async function v1Upload(emu: Emulator, dsId: string, files: Array<[string, string | Buffer]>): Promise<HttpResult> {
  return call(emu, 'POST', `/api/v1/datasets/${dsId}/documents`, { form: filesForm(files) });
}
