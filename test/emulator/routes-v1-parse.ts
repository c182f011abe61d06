// v1 parsing: start/stop (POST/DELETE /datasets/{id}/chunks, 0.25+ /documents/parse|stop) and list chunks (§5.6, §5.7).
import { createHash } from 'node:crypto';
import { v1Auth } from './auth.js';
import { chunksOfFile } from './chunks.js';
import type { RequestContext } from './context.js';
import { v1Doc } from './doc-view.js';
import type { Reply } from './envelopes.js';
import { constructJsonResult, getErrorDataResult, getResult, serverError } from './envelopes.js';
import { intValueError, pyInt, pyTruthy } from './py-values.js';
import { pyRepr } from './pyrepr.js';
import type { Params, Route } from './router.js';
import { route } from './router.js';
import { checkDuplicateIds } from './routes-v1-delete.js';
import { restPageSize } from './routes-v1-documents.js';
import type { DocRecord } from './store.js';

const DS = '/api/v1/datasets/<dataset_id>';

export function v1ParseRoutes(documentsParseRoute: boolean): Route[] {
  const routes = [
    route('POST', `${DS}/chunks`, startParse),
    route('DELETE', `${DS}/chunks`, stopParse),
    route('GET', `${DS}/documents/<document_id>/chunks`, listChunks),
  ];
  if (documentsParseRoute) {
    routes.push(route('POST', `${DS}/documents/parse`, parseDocuments), route('POST', `${DS}/documents/stop`, stopDocuments));
  }
  return routes;
}

/** The body as these endpoints read it; a failed read is the envelope to answer. */
async function body(ctx: RequestContext): Promise<{ ok: true; req: Record<string, unknown> } | { ok: false; reply: Reply }> {
  const r = await ctx.requestJson();
  return r.ok ? { ok: true, req: r.value } : { ok: false, reply: r.reply };
}

function resetForParse(ctx: RequestContext, doc: DocRecord): void {
  ctx.services.parse.start(doc);
}

async function startParse(ctx: RequestContext, p: Params): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const datasetId = p['dataset_id'] ?? '';
  if (!ctx.store.kbById(datasetId)) return getErrorDataResult(`You don't own the dataset ${datasetId}.`);
  const b = await body(ctx);
  if (!b.ok) return b.reply;
  const ids = b.req['document_ids'];
  if (!pyTruthy(ids)) return getErrorDataResult('`document_ids` is required');
  if (!Array.isArray(ids)) return serverError(`TypeError(${pyRepr('document_ids must be a list')})`);
  const { unique, messages } = checkDuplicateIds(ids.map(String));
  const restful = ctx.profile.v1Style === 'restful';
  const notFound: string[] = [];
  let success = 0;
  for (const id of unique) {
    const doc = ctx.store.doc(id);
    if (!doc || doc.kbId !== datasetId) {
      notFound.push(id);
      continue;
    }
    // "Currently being processed": 0.24 looks at 0 < progress < 1, 0.27 at run == RUNNING.
    // Processing stops at that id; the ids before it are already queued.
    const busy = restful ? doc.run === '1' : doc.progress > 0 && doc.progress < 1;
    if (busy) return getErrorDataResult("Can't parse document that is currently being processed");
    resetForParse(ctx, doc);
    success += 1;
  }
  if (notFound.length > 0) return getResult({ code: 102, message: `Documents not found: ${pyRepr(notFound)}` });
  if (messages.length > 0) {
    if (success > 0) return getResult({ data: { success_count: success, errors: messages } });
    return getErrorDataResult(messages.join(';'));
  }
  return getResult();
}

async function stopParse(ctx: RequestContext, p: Params): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const datasetId = p['dataset_id'] ?? '';
  if (!ctx.store.kbById(datasetId)) return getErrorDataResult(`You don't own the dataset ${datasetId}.`);
  const b = await body(ctx);
  if (!b.ok) return b.reply;
  const ids = b.req['document_ids'];
  if (!pyTruthy(ids)) return getErrorDataResult('`document_ids` is required');
  if (!Array.isArray(ids)) return serverError(`TypeError(${pyRepr('document_ids must be a list')})`);
  const { unique, messages } = checkDuplicateIds(ids.map(String));
  const restful = ctx.profile.v1Style === 'restful';
  let success = 0;
  for (const id of unique) {
    const doc = ctx.store.doc(id);
    if (!doc || doc.kbId !== datasetId) {
      return getErrorDataResult(restful ? `you don't own the document ${id}` : `You don't own the document ${id}.`);
    }
    if (restful) {
      if (doc.run !== '1') {
        return constructJsonResult(102, "Can't stop parsing document that has not started or already completed", {
          error_code: 'DOC_STOP_PARSING_INVALID_STATE',
        });
      }
    } else if (Math.trunc(doc.progress) === 1 || doc.progress === 0) {
      return getErrorDataResult("Can't stop parsing document with progress at 0 or 1");
    }
    cancelParse(ctx, doc);
    success += 1;
  }
  if (messages.length > 0) {
    if (success > 0) return getResult({ data: { success_count: success, errors: messages } });
    return getErrorDataResult(messages.join(';'));
  }
  return getResult();
}

function cancelParse(ctx: RequestContext, doc: DocRecord): void {
  ctx.services.parse.cancel(doc.id);
  doc.run = '2';
  doc.progress = 0;
  doc.chunkNum = 0;
  doc.tokenNum = 0;
  ctx.store.touch(doc);
}

/** 0.25+: body checks, then every id must be in the dataset (the valid ones are still queued). */
async function readDocumentIds(ctx: RequestContext, datasetId: string): Promise<{ ok: true; ids: string[]; errors: string[] } | { ok: false; reply: Reply }> {
  if (!ctx.store.kbById(datasetId)) return { ok: false, reply: getErrorDataResult(`You don't own the dataset ${datasetId}.`) };
  const b = await body(ctx);
  if (!b.ok) return b;
  const ids = b.req['document_ids'];
  if (!Array.isArray(ids) || ids.length === 0) return { ok: false, reply: getErrorDataResult('`document_ids` is required') };
  const { unique, messages } = checkDuplicateIds(ids.map(String));
  return { ok: true, ids: unique, errors: messages };
}

async function parseDocuments(ctx: RequestContext, p: Params): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const datasetId = p['dataset_id'] ?? '';
  const r = await readDocumentIds(ctx, datasetId);
  if (!r.ok) return r.reply;
  const valid = r.ids.filter((id) => ctx.store.doc(id)?.kbId === datasetId);
  const notFound = r.ids.filter((id) => !valid.includes(id));
  if (notFound.length > 0 && valid.length === 0) return getErrorDataResult(`Documents not found: ${pyRepr(notFound)}`);
  for (const id of valid) {
    const doc = ctx.store.doc(id);
    if (doc) resetForParse(ctx, doc);
  }
  if (notFound.length > 0) return getErrorDataResult(`Documents not found: ${pyRepr(notFound)}`);
  const data: Record<string, unknown> = { success_count: valid.length };
  if (r.errors.length > 0) data['errors'] = r.errors;
  return getResult({ data });
}

async function stopDocuments(ctx: RequestContext, p: Params): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const datasetId = p['dataset_id'] ?? '';
  const r = await readDocumentIds(ctx, datasetId);
  if (!r.ok) return r.reply;
  const notFound = r.ids.filter((id) => ctx.store.doc(id)?.kbId !== datasetId);
  if (notFound.length > 0) return getErrorDataResult(`Documents not found: ${pyRepr(notFound)}`);
  const errors = [...r.errors];
  let success = 0;
  for (const id of r.ids) {
    const doc = ctx.store.doc(id);
    if (!doc) continue;
    if (doc.run !== '1' && doc.run !== '2') {
      errors.push("Can't stop parsing document that has not started or already completed");
      continue;
    }
    cancelParse(ctx, doc);
    doc.progressMsg += `\n${new Date().toTimeString().slice(0, 8)} Task stopped by user.`;
    success += 1;
  }
  const data: Record<string, unknown> = { success_count: success };
  if (errors.length > 0) data['errors'] = errors;
  return getResult({ data });
}

// --- list chunks -------------------------------------------------------------------------------

function chunkId(docId: string, index: number): string {
  return createHash('sha256').update(`${docId}:${index}`).digest('hex').slice(0, 16);
}

function listChunks(ctx: RequestContext, p: Params): Reply {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const datasetId = p['dataset_id'] ?? '';
  const documentId = p['document_id'] ?? '';
  const restful = ctx.profile.v1Style === 'restful';
  if (!ctx.store.kbById(datasetId)) return getErrorDataResult(`You don't own the dataset ${datasetId}.`);
  const doc = ctx.store.doc(documentId);
  if (!doc || doc.kbId !== datasetId) {
    return getErrorDataResult(restful ? `you don't own the document ${documentId}` : `You don't own the document ${documentId}.`);
  }
  const q = ctx.query;
  let page: number;
  let size: number;
  if (restful) {
    const rawPage = pyInt(q.get('page') ?? '1');
    page = rawPage === undefined || rawPage < 1 ? 1 : rawPage;
    const s = restPageSize(q.get('page_size'), ctx.profile.maxPageSize);
    if (typeof s === 'string') return serverError(s);
    size = s;
  } else {
    const rawPage = q.get('page') ?? '1';
    const rawSize = q.get('page_size') ?? '30';
    const pp = pyInt(rawPage);
    const ss = pyInt(rawSize);
    if (pp === undefined) return serverError(intValueError(rawPage));
    if (ss === undefined) return serverError(intValueError(rawSize));
    page = Math.max(pp, 1);
    size = Math.max(ss, 0);
  }
  const keywords = (q.get('keywords') ?? '').toLowerCase();
  // Chunks exist once parsing is DONE (chunk_num of them); they are derived from the stored bytes.
  const all = doc.run === '3' ? chunksOfFile(doc.filePath).slice(0, doc.chunkNum) : [];
  const rows = all.map((c) => ({
    id: chunkId(doc.id, c.index),
    content: c.content,
    document_id: doc.id,
    docnm_kwd: doc.name,
    important_keywords: [] as string[],
    questions: [] as string[],
    dataset_id: datasetId,
    image_id: '',
    available: doc.status === '1',
    positions: [] as number[][],
    ...(restful ? { tag_kwd: [] as string[], doc_type_kwd: 'text' } : {}),
  }));
  const wantedId = q.get('id');
  const res = { total: 0, chunks: [] as unknown[], doc: v1Doc(doc, ctx.profile) };
  if (wantedId) {
    const hit = rows.find((r) => r.id === wantedId);
    if (!hit) return getResult({ code: restful ? 102 : 404, message: `Chunk not found: ${datasetId}/${wantedId}` });
    res.total = 1;
    res.chunks.push(hit);
    return getResult({ data: res });
  }
  let matched = keywords ? rows.filter((r) => r.content.toLowerCase().includes(keywords)) : rows;
  if (restful && q.has('available')) matched = matched.filter((r) => r.available === (q.get('available') === 'true'));
  res.total = matched.length;
  res.chunks = matched.slice((page - 1) * size, page * size);
  return getResult({ data: res });
}
