// v1 document update. The verb moved between releases (§5.3): PUT up to v0.24, PATCH from v0.25
// (PUT missing in v0.25.0–v0.25.1, an alias again from v0.25.2). Try PATCH, fall back to PUT when the
// server says the method does not exist, and remember what worked for the life of the client.

import type { DocumentPatch, KbRef, RemoteDoc, RemoteError, Result } from '../sync/ports.js';
import { dataOf } from './answer-data.js';
import { fromV1Row, v1RowSchema } from './doc-rows.js';
import { isSuccess } from './envelope.js';
import type { HttpTransport } from './http-transport.js';
import { ok } from './remote-error.js';

type UpdateMethod = 'PATCH' | 'PUT';
type ReadBack = (kb: KbRef, id: string, signal: AbortSignal | undefined) => Promise<Result<RemoteDoc>>;

/** The JSON body RAGFlow expects (its field names; `enabled` is 0/1). */
export function updateBody(patch: DocumentPatch): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (patch.name !== undefined) body['name'] = patch.name;
  if (patch.chunkMethod !== undefined) body['chunk_method'] = patch.chunkMethod;
  if (patch.enabled !== undefined) body['enabled'] = patch.enabled ? 1 : 0;
  if (patch.metaFields !== undefined) body['meta_fields'] = patch.metaFields;
  return body;
}

/** "This verb is not here": 405 (code 100 MethodNotAllowed in the JSON, or an HTTP 405), or a 404 route. */
function methodMissing(error: RemoteError): boolean {
  return error.kind === 'unsupported' || error.httpStatus === 405;
}

export class V1DocumentUpdater {
  readonly #http: HttpTransport;
  readonly #readBack: ReadBack;
  #method: UpdateMethod | undefined;

  constructor(http: HttpTransport, readBack: ReadBack) {
    this.#http = http;
    this.#readBack = readBack;
  }

  async update(kb: KbRef, id: string, patch: DocumentPatch, signal: AbortSignal | undefined): Promise<Result<RemoteDoc>> {
    const first = this.#method ?? 'PATCH';
    const answer = await this.send(first, kb, id, patch, signal);
    if (answer.ok || this.#method !== undefined || !methodMissing(answer)) {
      if (answer.ok) this.#method = first;
      return answer;
    }
    const retry = await this.send('PUT', kb, id, patch, signal);
    if (retry.ok) this.#method = 'PUT';
    return retry;
  }

  private async send(method: UpdateMethod, kb: KbRef, id: string, patch: DocumentPatch, signal: AbortSignal | undefined): Promise<Result<RemoteDoc>> {
    const what = `update document ${id}`;
    const path = `/api/v1/datasets/${encodeURIComponent(kb.id)}/documents/${encodeURIComponent(id)}`;
    const answer = await this.#http.callJson({ method, path, json: updateBody(patch), mutating: true, signal, what });
    if (!answer.ok) return answer;
    if (!isSuccess(answer.value.envelope)) return this.#http.envelopeError(answer.value, { notFound: 'doc-not-found' }, what);
    // Most versions answer with the updated row; when one does not, read it back.
    if (answer.value.envelope.data === undefined || answer.value.envelope.data === null) return this.#readBack(kb, id, signal);
    const row = dataOf(v1RowSchema, answer.value.envelope.data, what);
    return row.ok ? ok(fromV1Row(row.value)) : row;
  }
}
