// KbClient for RAGFlow's `/api/v1/datasets` API (v0.13+, ragflow-api.md §5). Upload never parses
// (requestParse does); every delete carries a non-empty `ids` list, because up to v0.24 an empty or
// missing list deletes the whole dataset (§5.5).

import { z } from 'zod';
import type { ClientCapabilities, DocumentPatch, KbClient, KbRef, RemoteDoc, Result, UploadSpec } from '../sync/ports.js';
import { chunk, dataOf, uniqueIds } from './answer-data.js';
import { isAlreadyParsing } from './classify-answer.js';
import { hashDownload, type DownloadHash } from './content-hash.js';
import { fromV1Row, v1RowSchema } from './doc-rows.js';
import { isSuccess } from './envelope.js';
import type { HttpTransport, JsonAnswer } from './http-transport.js';
import { collectPages, MAX_PAGE_SIZE } from './paged-listing.js';
import { ok, remoteError } from './remote-error.js';
import { buildUploadForm, checkUploadFile, uploadDeadlineMs } from './upload-body.js';
import { V1DocumentUpdater } from './v1-update.js';

const datasetSchema = z.looseObject({ id: z.string().min(1), name: z.string(), chunk_method: z.string().optional().catch(undefined) });
const datasetsSchema = z.array(datasetSchema);
const docPageSchema = z.looseObject({ total: z.number().optional(), docs: z.array(v1RowSchema) });
const uploadedSchema = z.array(v1RowSchema).min(1);
const deletedSchema = z.looseObject({ deleted: z.number() }).optional().catch(undefined);

export class V1Client implements KbClient {
  readonly api = 'v1' as const;
  readonly capabilities: ClientCapabilities = { uploadStartsParse: false, canList: true, canUpdate: true, parseState: true };
  readonly #http: HttpTransport;
  readonly #updater: V1DocumentUpdater;
  /** false once the server showed it ignores the `ids=` list filter (before v0.27): one id at a time then. */
  #idsFilter = true;

  constructor(http: HttpTransport) {
    this.#http = http;
    this.#updater = new V1DocumentUpdater(http, (kb, id, signal) => this.getDocument(kb, id, signal));
  }

  async findKb(name: string, signal?: AbortSignal): Promise<Result<KbRef>> {
    const what = `find dataset ${JSON.stringify(name)}`;
    const query = { name, page: 1, page_size: MAX_PAGE_SIZE };
    const answer = await this.#http.callJson({ method: 'GET', path: '/api/v1/datasets', query, mutating: false, signal, what });
    if (!answer.ok) return answer;
    if (!isSuccess(answer.value.envelope)) return this.#http.envelopeError(answer.value, { notFound: 'kb-not-found' }, what);
    const datasets = dataOf(datasetsSchema, answer.value.envelope.data, what);
    if (!datasets.ok) return datasets;
    // `name=` is an SQL match (probably case-insensitive, §4.1): insist on the exact name.
    const found = datasets.value.find((dataset) => dataset.name === name);
    if (found === undefined) return remoteError('kb-not-found', `${what}: no dataset with exactly this name`);
    return ok(found.chunk_method === undefined ? { id: found.id, name: found.name } : { id: found.id, name: found.name, parserId: found.chunk_method });
  }

  async listDocuments(kb: KbRef, signal?: AbortSignal): Promise<Result<RemoteDoc[]>> {
    const what = `list documents of ${JSON.stringify(kb.name)}`;
    return collectPages(async (page, pageSize) => {
      // Ascending create_time keeps earlier pages stable while uploads happen. "False" is the one
      // spelling both v0.14–v0.21 (exact "False") and v0.22+ (lower-cased "false") read as false.
      const query = { page, page_size: Math.min(pageSize, MAX_PAGE_SIZE), orderby: 'create_time', desc: 'False' };
      const answer = await this.#http.callJson({ method: 'GET', path: this.documentsPath(kb), query, mutating: false, signal, what });
      if (!answer.ok) return answer;
      if (!isSuccess(answer.value.envelope)) return this.#http.envelopeError(answer.value, { notFound: 'kb-not-found' }, what);
      const data = dataOf(docPageSchema, answer.value.envelope.data, what);
      if (!data.ok) return data;
      return ok({ items: data.value.docs.map(fromV1Row), total: data.value.total });
    }, what);
  }

  async getDocuments(kb: KbRef, ids: readonly string[], signal?: AbortSignal): Promise<Result<RemoteDoc[]>> {
    const docs: RemoteDoc[] = [];
    let single = uniqueIds(ids);
    if (this.#idsFilter && single.length > 1) {
      const batches = chunk(single, MAX_PAGE_SIZE);
      single = [];
      for (const [index, batch] of batches.entries()) {
        const found = await this.getByIdList(kb, batch, signal);
        if (!found.ok) return found;
        if (found.value === undefined) {
          this.#idsFilter = false;
          single = batches.slice(index).flat();
          break;
        }
        docs.push(...found.value);
      }
    }
    // One `id=` lookup each where the list filter is not there (before v0.27).
    for (const id of single) {
      const doc = await this.getDocument(kb, id, signal);
      if (doc.ok) docs.push(doc.value);
      else if (doc.kind !== 'doc-not-found') return doc;
    }
    return ok(docs);
  }

  async upload(kb: KbRef, spec: UploadSpec, signal?: AbortSignal): Promise<Result<RemoteDoc>> {
    const what = `upload ${JSON.stringify(spec.name)}`;
    const file = await checkUploadFile(spec);
    if (!file.ok) return file;
    const answer = await this.#http.callJson({
      method: 'POST',
      path: this.documentsPath(kb),
      form: () => buildUploadForm(spec, file.value.size, {}),
      timeoutMs: uploadDeadlineMs(this.#http.requestTimeoutMs, file.value.size),
      mutating: true,
      signal,
      what,
    });
    if (!answer.ok) return answer;
    if (!isSuccess(answer.value.envelope)) return this.#http.envelopeError(answer.value, { notFound: 'kb-not-found' }, what);
    const rows = dataOf(uploadedSchema, answer.value.envelope.data, what);
    if (!rows.ok) return rows;
    const [row] = rows.value;
    return row === undefined ? remoteError('protocol', `${what}: no document in the answer`) : ok(fromV1Row(row));
  }

  async requestParse(kb: KbRef, ids: readonly string[], signal?: AbortSignal): Promise<Result<void>> {
    const what = 'request parse';
    let firstFailure: Result<void> | undefined;
    const wanted = uniqueIds(ids);
    if (wanted.length > 1) {
      // One request for the batch (the engine asks only for documents it has just uploaded, which are not
      // busy). Only when the server answers with an error do we go id by id: it stops at the first busy
      // document and leaves the rest unqueued (§5.6), so a failed batch's outcome per id is unknowable.
      const answer = await this.#http.callJson({ method: 'POST', path: `${this.datasetPath(kb)}/chunks`, json: { document_ids: wanted }, mutating: true, signal, what });
      if (!answer.ok) return answer;
      if (isSuccess(answer.value.envelope)) return ok(undefined);
    }
    for (const id of wanted) {
      const json = { document_ids: [id] };
      const answer = await this.#http.callJson({ method: 'POST', path: `${this.datasetPath(kb)}/chunks`, json, mutating: true, signal, what: `${what} ${id}` });
      if (!answer.ok) return answer; // transport trouble: the next ids would fail the same way
      const { envelope } = answer.value;
      if (isSuccess(envelope) || isAlreadyParsing(envelope)) continue;
      firstFailure ??= this.#http.envelopeError(answer.value, { notFound: 'doc-not-found' }, `${what} ${id}`);
    }
    return firstFailure ?? ok(undefined);
  }

  updateDocument(kb: KbRef, id: string, patch: DocumentPatch, signal?: AbortSignal): Promise<Result<RemoteDoc>> {
    return this.#updater.update(kb, id, patch, signal);
  }

  async deleteDocuments(kb: KbRef, ids: readonly string[], signal?: AbortSignal): Promise<Result<{ deleted: number }>> {
    const wanted = uniqueIds(ids);
    if (wanted.length === 0) return refuseEmptyDelete();
    let deleted = 0;
    for (const batch of chunk(wanted, MAX_PAGE_SIZE)) {
      const answer = await this.deleteByIds(kb, batch, signal);
      if (!answer.ok) return answer;
      if (isSuccess(answer.value.envelope)) {
        deleted += deletedCount(answer.value, batch.length);
        continue;
      }
      const failure = this.#http.envelopeError(answer.value, { notFound: 'doc-not-found' }, 'delete documents');
      if (failure.kind !== 'doc-not-found') return failure;
      if (batch.length === 1) continue; // already gone: not an error
      // v0.25.2+ deletes nothing when one id is unknown; ≤ v0.24 deleted the known ones. Either way,
      // one id at a time now removes what is left and skips what is gone.
      for (const id of batch) {
        const single = await this.deleteByIds(kb, [id], signal);
        if (!single.ok) return single;
        if (isSuccess(single.value.envelope)) deleted += deletedCount(single.value, 1);
        else {
          const error = this.#http.envelopeError(single.value, { notFound: 'doc-not-found' }, 'delete documents');
          if (error.kind !== 'doc-not-found') return error;
        }
      }
    }
    return ok({ deleted });
  }

  async hashContent(kb: KbRef, id: string, signal?: AbortSignal): Promise<Result<DownloadHash>> {
    const what = `download document ${id}`;
    const path = `${this.documentsPath(kb)}/${encodeURIComponent(id)}`;
    return this.#http.callStream(
      { method: 'GET', path, timeoutMs: uploadDeadlineMs(this.#http.requestTimeoutMs, 2 ** 30), mutating: false, signal, what },
      (response, where) =>
        hashDownload(response, where, (envelope, httpStatus) => this.#http.envelopeError({ envelope, httpStatus }, { notFound: 'doc-not-found' }, what)),
    );
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  /**
   * Up to 100 documents in one request with the `ids=` filter (v0.27, §5.4); missing ones are left out.
   * Older servers ignore unknown parameters and answer with the first page of the whole dataset: then
   * `total` counts more documents than were asked for, and the answer is undefined (look up one by one).
   * A total within the count means the filter was applied, or the whole dataset fits on the page: either
   * way every asked-for document that exists is in the answer.
   */
  private async getByIdList(kb: KbRef, ids: readonly string[], signal: AbortSignal | undefined): Promise<Result<RemoteDoc[] | undefined>> {
    const what = `get ${ids.length} documents by id`;
    const query = { ids, page: 1, page_size: ids.length };
    const answer = await this.#http.callJson({ method: 'GET', path: this.documentsPath(kb), query, mutating: false, signal, what });
    if (!answer.ok) return answer;
    if (!isSuccess(answer.value.envelope)) return this.#http.envelopeError(answer.value, { notFound: 'kb-not-found' }, what);
    const data = dataOf(docPageSchema, answer.value.envelope.data, what);
    if (!data.ok) return data;
    const { total, docs } = data.value;
    if (total === undefined || total > ids.length || docs.length < total) return ok(undefined);
    const wanted = new Set(ids);
    return ok(docs.filter((row) => wanted.has(row.id)).map(fromV1Row));
  }

  /** One document by id (`id=` filter); a missing one is 'doc-not-found'. */
  private async getDocument(kb: KbRef, id: string, signal: AbortSignal | undefined): Promise<Result<RemoteDoc>> {
    const what = `get document ${id}`;
    const query = { id, page: 1, page_size: 1 };
    const answer = await this.#http.callJson({ method: 'GET', path: this.documentsPath(kb), query, mutating: false, signal, what });
    if (!answer.ok) return answer;
    if (!isSuccess(answer.value.envelope)) return this.#http.envelopeError(answer.value, { notFound: 'doc-not-found' }, what);
    const data = dataOf(docPageSchema, answer.value.envelope.data, what);
    if (!data.ok) return data;
    const row = data.value.docs.find((doc) => doc.id === id);
    return row === undefined ? remoteError('doc-not-found', `${what}: not in the dataset`) : ok(fromV1Row(row));
  }

  private deleteByIds(kb: KbRef, ids: readonly string[], signal: AbortSignal | undefined): Promise<Result<JsonAnswer>> {
    // The only delete body this client can build: a non-empty `ids` list (no `delete_all`, no names).
    if (ids.length === 0) return Promise.resolve(refuseEmptyDelete());
    return this.#http.callJson({ method: 'DELETE', path: this.documentsPath(kb), json: { ids }, mutating: true, signal, what: 'delete documents' });
  }

  private datasetPath(kb: KbRef): string {
    return `/api/v1/datasets/${encodeURIComponent(kb.id)}`;
  }

  private documentsPath(kb: KbRef): string {
    return `${this.datasetPath(kb)}/documents`;
  }
}

function refuseEmptyDelete(): Result<never> {
  return remoteError('rejected', 'delete documents: refusing a delete without document ids (RAGFlow ≤ 0.24 would delete the whole dataset)');
}

/** v0.25.1+ says `data.deleted`; earlier versions answer a bare `{"code":0}` after deleting them all. */
function deletedCount(answer: JsonAnswer, sent: number): number {
  return deletedSchema.parse(answer.envelope.data)?.deleted ?? sent;
}
