// KbClient for RAGFlow's legacy `/v1/api` API (v0.10 – v0.22.0, ragflow-api.md §3). It has no KB id,
// no rename and no parse call; upload with run=1 parses. Deletes go by id only: the API's
// `doc_names` deletes same-named documents in every KB of every tenant (§3.3), so it is never built.

import { FormData } from 'undici';
import { z } from 'zod';
import type { ClientCapabilities, DocumentPatch, KbClient, KbRef, RemoteDoc, Result, UploadSpec } from '../sync/ports.js';
import { chunk, dataOf, uniqueIds } from './answer-data.js';
import { isBrokenLegacyListing } from './classify-answer.js';
import { hashDownload, type DownloadHash } from './content-hash.js';
import { fromLegacyRow, legacyListEntrySchema, legacyRowSchema } from './doc-rows.js';
import { isSuccess } from './envelope.js';
import type { HttpTransport, JsonAnswer } from './http-transport.js';
import { collectPages, MAX_PAGE_SIZE } from './paged-listing.js';
import { ok, remoteError } from './remote-error.js';
import { buildUploadForm, checkUploadFile, uploadDeadlineMs } from './upload-body.js';

const listPageSchema = z.object({ total: z.number().optional(), docs: z.array(legacyListEntrySchema) });
const rowsSchema = z.array(legacyRowSchema);

export interface LegacyClientOptions {
  /** Known from the API probe: `list_kb_docs` answered with the v0.20–v0.22 TypeError. */
  readonly listingBroken?: boolean;
}

export class LegacyClient implements KbClient {
  readonly api = 'legacy' as const;
  readonly #http: HttpTransport;
  #canList: boolean;

  constructor(http: HttpTransport, options: LegacyClientOptions = {}) {
    this.#http = http;
    this.#canList = options.listingBroken !== true;
  }

  get capabilities(): ClientCapabilities {
    return { uploadStartsParse: true, canList: this.#canList, canUpdate: false, parseState: true };
  }

  async findKb(name: string, signal?: AbortSignal): Promise<Result<KbRef>> {
    const what = `find knowledge base ${JSON.stringify(name)}`;
    // No lookup endpoint: a one-row listing answers "Can't find this knowledgebase!" (102) when missing.
    const answer = await this.listPage(name, 1, 1, what, signal);
    if (!answer.ok) return answer;
    if (isSuccess(answer.value.envelope)) return ok({ id: name, name });
    if (!isBrokenLegacyListing(answer.value.envelope)) return this.#http.envelopeError(answer.value, { notFound: 'kb-not-found' }, what);
    this.#canList = false;
    return this.probeKbByUpload(name, what, signal);
  }

  async listDocuments(kb: KbRef, signal?: AbortSignal): Promise<Result<RemoteDoc[]>> {
    const what = `list documents of ${JSON.stringify(kb.name)}`;
    if (!this.#canList) return unavailable(what);
    return collectPages(async (page, pageSize) => {
      const answer = await this.listPage(kb.name, page, pageSize, what, signal);
      if (!answer.ok) return answer;
      const { envelope } = answer.value;
      if (isBrokenLegacyListing(envelope)) {
        this.#canList = false;
        // Never an empty list: an empty mirror target would make the engine re-upload everything.
        return unavailable(what);
      }
      if (!isSuccess(envelope)) return this.#http.envelopeError(answer.value, { notFound: 'kb-not-found' }, what);
      const data = dataOf(listPageSchema, envelope.data, what);
      if (!data.ok) return data;
      const items = data.value.docs.map((entry): RemoteDoc => ({ id: entry.doc_id, name: entry.doc_name, run: 'UNKNOWN' }));
      return ok({ items, total: data.value.total });
    }, what);
  }

  async getDocuments(_kb: KbRef, ids: readonly string[], signal?: AbortSignal): Promise<Result<RemoteDoc[]>> {
    const what = 'document infos';
    const wanted = uniqueIds(ids);
    const docs: RemoteDoc[] = [];
    for (const batch of chunk(wanted, MAX_PAGE_SIZE)) {
      const answer = await this.#http.callJson({ method: 'POST', path: '/v1/api/document/infos', json: { doc_ids: batch }, mutating: false, signal, what });
      if (!answer.ok) return answer;
      if (!isSuccess(answer.value.envelope)) return this.#http.envelopeError(answer.value, { notFound: 'doc-not-found' }, what);
      const rows = dataOf(rowsSchema, answer.value.envelope.data, what);
      if (!rows.ok) return rows;
      docs.push(...rows.value.filter((row) => batch.includes(row.id)).map(fromLegacyRow));
    }
    return ok(docs);
  }

  async upload(kb: KbRef, spec: UploadSpec, signal?: AbortSignal): Promise<Result<RemoteDoc>> {
    const what = `upload ${JSON.stringify(spec.name)}`;
    const file = await checkUploadFile(spec);
    if (!file.ok) return file;
    const fields = { kb_name: kb.name, parser_id: spec.parserId, run: '1' };
    const answer = await this.#http.callJson({
      method: 'POST',
      path: '/v1/api/document/upload',
      form: () => buildUploadForm(spec, file.value.size, fields),
      timeoutMs: uploadDeadlineMs(this.#http.requestTimeoutMs, file.value.size),
      mutating: true,
      signal,
      what,
    });
    if (!answer.ok) return answer;
    if (!isSuccess(answer.value.envelope)) return this.#http.envelopeError(answer.value, { notFound: 'kb-not-found' }, what);
    const row = dataOf(legacyRowSchema, answer.value.envelope.data, what);
    if (!row.ok) return row;
    // The row is read back before run=1 is applied, so it says run "0"; the server queued the parse
    // before answering (a failure there would have been a code-100 answer), so report it as running.
    return ok({ ...fromLegacyRow(row.value), run: 'RUNNING', progress: 0 });
  }

  requestParse(_kb: KbRef, _ids: readonly string[]): Promise<Result<void>> {
    return Promise.resolve(remoteError('unsupported', 'request parse: the legacy API has no parse call (upload with run=1 parses)'));
  }

  updateDocument(_kb: KbRef, _id: string, _patch: DocumentPatch): Promise<Result<RemoteDoc>> {
    return Promise.resolve(remoteError('unsupported', 'update document: the legacy API cannot rename or update documents'));
  }

  async deleteDocuments(_kb: KbRef, ids: readonly string[], signal?: AbortSignal): Promise<Result<{ deleted: number }>> {
    const wanted = uniqueIds(ids);
    if (wanted.length === 0) return remoteError('rejected', 'delete documents: refusing a delete without document ids');
    let deleted = 0;
    for (const batch of chunk(wanted, MAX_PAGE_SIZE)) {
      const answer = await this.deleteByIds(batch, signal);
      if (!answer.ok) return answer;
      if (isSuccess(answer.value.envelope)) {
        deleted += batch.length;
        continue;
      }
      const failure = this.#http.envelopeError(answer.value, { notFound: 'doc-not-found' }, 'delete documents');
      if (failure.kind !== 'doc-not-found') return failure;
      if (batch.length === 1) continue; // already gone: not an error
      // "Document not found!" stops the server at the first missing id; ids before it are gone,
      // ids after it were never tried. One at a time from here, a missing one is simply skipped.
      for (const id of batch) {
        const single = await this.deleteByIds([id], signal);
        if (!single.ok) return single;
        if (isSuccess(single.value.envelope)) deleted += 1;
        else {
          const error = this.#http.envelopeError(single.value, { notFound: 'doc-not-found' }, 'delete documents');
          if (error.kind !== 'doc-not-found') return error;
        }
      }
    }
    return ok({ deleted });
  }

  async hashContent(_kb: KbRef, id: string, signal?: AbortSignal): Promise<Result<DownloadHash>> {
    const what = `download document ${id}`;
    return this.#http.callStream(
      { method: 'GET', path: `/v1/document/get/${encodeURIComponent(id)}`, timeoutMs: uploadDeadlineMs(this.#http.requestTimeoutMs, 2 ** 30), mutating: false, signal, what },
      (response, where) =>
        hashDownload(response, where, (envelope, httpStatus) => this.#http.envelopeError({ envelope, httpStatus }, { notFound: 'doc-not-found' }, what)),
    );
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  private listPage(kbName: string, page: number, pageSize: number, what: string, signal: AbortSignal | undefined): Promise<Result<JsonAnswer>> {
    // Ascending create_time: documents uploaded while we page land on later pages instead of
    // shifting earlier ones. `desc` is read with Python truthiness, so it must be a real false.
    const json = { kb_name: kbName, page, page_size: Math.min(pageSize, MAX_PAGE_SIZE), orderby: 'create_time', desc: false };
    return this.#http.callJson({ method: 'POST', path: '/v1/api/list_kb_docs', json, mutating: false, signal, what });
  }

  private deleteByIds(ids: readonly string[], signal: AbortSignal | undefined): Promise<Result<JsonAnswer>> {
    // The only delete body this client can build: ids, never names, never empty.
    if (ids.length === 0) return Promise.resolve(remoteError('rejected', 'delete documents: refusing a delete without document ids'));
    return this.#http.callJson({ method: 'DELETE', path: '/v1/api/document', json: { doc_ids: ids }, mutating: true, signal, what: 'delete documents' });
  }

  /** Where listing is broken, an upload with no file part still tells whether the KB exists: the
   *  server looks the KB up first (102 when missing) and then refuses the missing file (101). */
  private async probeKbByUpload(name: string, what: string, signal: AbortSignal | undefined): Promise<Result<KbRef>> {
    const form = new FormData();
    form.append('kb_name', name);
    const answer = await this.#http.callJson({ method: 'POST', path: '/v1/api/document/upload', form: () => Promise.resolve(ok(form)), mutating: false, signal, what });
    if (!answer.ok) return answer;
    const { envelope } = answer.value;
    if (envelope.code === 102 || envelope.code === 109) return this.#http.envelopeError(answer.value, { notFound: 'kb-not-found' }, what);
    // 101 "No file part!" means the KB was found; anything else leaves it unknown: assume found and
    // let the first upload tell (the brief's found-but-unlistable rule).
    return ok({ id: name, name });
  }
}

function unavailable(what: string): Result<never> {
  return remoteError('listing-unavailable', `${what}: this RAGFlow version (0.20–0.22) cannot list documents through the legacy API`, { code: 100 });
}
