// Legacy API /v1/api/... (api_app.py, ≤0.22.0; ragflow-api.md §3). Always HTTP 200.
// Deleting by name really is global here (≥0.19: every document with that name, in every KB).
import { legacyAuth } from './auth.js';
import { chunksOfFile } from './chunks.js';
import type { RequestContext } from './context.js';
import { rawDocRow } from './doc-view.js';
import type { Reply } from './envelopes.js';
import { getDataErrorResult, getJsonResult, serverError } from './envelopes.js';
import type { LegacySwitches } from './profiles.js';
import { attributeError, intValueError, pyInt, pyTruthy, pyTypeName } from './py-values.js';
import { pyException } from './pyrepr.js';
import type { Params, Route } from './router.js';
import { route } from './router.js';
import { fileReply } from './routes-v1-download.js';
import type { DocRecord } from './store.js';
import { collate } from './store.js';
import { storeUpload } from './uploads.js';

export function legacyRoutes(legacy: LegacySwitches | null, webDocumentGet: boolean): Route[] {
  const routes: Route[] = [];
  if (legacy) {
    routes.push(
      route('POST', '/v1/api/document/upload', upload),
      route('POST', '/v1/api/list_kb_docs', (ctx) => listKbDocs(ctx, legacy)),
      route('DELETE', '/v1/api/document', (ctx) => deleteDocuments(ctx, legacy)),
      route('POST', '/v1/api/list_chunks', listChunks),
      route('POST', '/v1/api/document/infos', documentInfos),
    );
  }
  if (webDocumentGet) routes.push(route('GET', '/v1/document/get/<doc_id>', documentGet));
  return routes;
}

/** `list(vars(ParserType).values())[1:-3]` for 0.16–0.22: the last two parser types are never accepted (§3.1). */
const LEGACY_PARSERS = new Set(['presentation', 'laws', 'manual', 'paper', 'resume', 'book', 'qa', 'table', 'naive', 'picture', 'one', 'audio', 'email']);
const MAX_FILE_NUM_PER_USER = 8192;

/** validate_request(...): `request.json or request.form.to_dict()` must have the keys; runs before the token check. */
function missingArguments(present: Record<string, unknown> | undefined, names: string[]): Reply | undefined {
  const missing = names.filter((n) => !present || !(n in present));
  if (missing.length === 0) return undefined;
  return getJsonResult(101, `required argument are missing: ${missing.join(',')}; `, null);
}

async function upload(ctx: RequestContext): Promise<Reply> {
  const form = await ctx.form();
  try {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(form.fields)) if (v[0] !== undefined) fields[k] = v[0];
    const missing = missingArguments(fields, ['kb_name']);
    if (missing) return missing;
    const auth = legacyAuth(ctx);
    if (!auth.ok) return auth.reply;
    const kb = ctx.store.kbByName((fields['kb_name'] ?? '').trim());
    if (!kb) return getDataErrorResult("Can't find this knowledgebase!");
    const file = form.files.find((f) => f.field === 'file');
    if (!file) return getJsonResult(101, 'No file part!', false);
    if (file.filename === '') return getJsonResult(101, 'No file selected!', false);
    if (ctx.store.docCount() >= MAX_FILE_NUM_PER_USER) return getDataErrorResult('Exceed the maximum file number of a free user!');
    const wanted = fields['parser_id']?.trim();
    const outcome = storeUpload(ctx.store, ctx.profile, kb, file, {
      rejectOther: false,
      thumbnail: 'legacy',
      ...(wanted !== undefined && LEGACY_PARSERS.has(wanted) ? { parserId: wanted } : {}),
    });
    if (!outcome.ok) return serverError(pyException('RuntimeError', outcome.message));
    // The answer is the row read back right after the insert, before `run` is applied: run "0".
    const row = rawDocRow(outcome.doc, ctx.profile);
    if (fields['run']?.trim() === '1') ctx.services.parse.start(outcome.doc);
    return getJsonResult(0, 'success', row);
  } finally {
    form.cleanup();
  }
}

/** `int(value)` on a JSON value: numbers, numeric strings; else the exception repr. */
function pyIntOf(value: unknown): number | string {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return pyInt(value) ?? intValueError(value);
  return pyException('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'`);
}

const VALID_TASK_STATUS = new Set(['0', '1', '2', '3', '4']);
const VALID_FILE_TYPES = new Set(['pdf', 'doc', 'visual', 'aural', 'virtual', 'folder', 'other']);

async function listKbDocs(ctx: RequestContext, legacy: LegacySwitches): Promise<Reply> {
  const auth = legacyAuth(ctx);
  if (!auth.ok) return auth.reply;
  const req = await ctx.jsonLoose();
  if (typeof req !== 'object' || req === null || Array.isArray(req)) {
    return serverError(attributeError(req, 'get'));
  }
  const r = req as Record<string, unknown>;
  const kbName = r['kb_name'] ?? '';
  if (typeof kbName !== 'string') return serverError(attributeError(kbName, 'strip'));
  const kb = ctx.store.kbByName(kbName.trim());
  if (!kb) return getDataErrorResult("Can't find this knowledgebase!");
  const page = pyIntOf(r['page'] ?? 1);
  if (typeof page === 'string') return serverError(page);
  const pageSize = pyIntOf(r['page_size'] ?? 15);
  if (typeof pageSize === 'string') return serverError(pageSize);
  const orderby = typeof r['orderby'] === 'string' ? r['orderby'] : 'create_time';
  const desc = pyTruthy(r['desc'] ?? true);
  const keywords = typeof r['keywords'] === 'string' ? r['keywords'] : '';
  const status = Array.isArray(r['status']) ? (r['status'] as unknown[]).map(String) : [];
  const badStatus = [...new Set(status.filter((s) => !VALID_TASK_STATUS.has(s)))];
  if (badStatus.length > 0) return getDataErrorResult(`Invalid filter status conditions: ${badStatus.join(', ')}`);
  const types = Array.isArray(r['types']) ? (r['types'] as unknown[]).map(String) : [];
  const badTypes = [...new Set(types.filter((t) => !VALID_FILE_TYPES.has(t)))];
  if (badTypes.length > 0) return getDataErrorResult(`Invalid filter conditions: ${badTypes.join(', ')} type${badTypes.length > 1 ? 's' : ''}`);
  if (legacy.listKbDocs === 'type-error') {
    // 0.20–0.22: the call site passes one argument too few (ragflow-api.md §3.2).
    return serverError(pyException('TypeError', "DocumentService.get_by_kb_id() missing 1 required positional argument: 'suffix'"));
  }
  const probe = ctx.store.docsOf(kb.id)[0];
  if (probe && !Object.hasOwn(rawDocRow(probe, ctx.profile), orderby)) {
    return serverError(pyException('AttributeError', `'NoneType' object has no attribute '${desc ? 'desc' : 'asc'}'`));
  }
  let docs = ctx.store.docsOf(kb.id);
  if (keywords) docs = docs.filter((d) => d.name.toLowerCase().includes(keywords.toLowerCase()));
  if (status.length > 0) docs = docs.filter((d) => status.includes(d.run));
  if (types.length > 0) docs = docs.filter((d) => types.includes(d.type));
  const keyed = docs.map((d, i) => ({ d, i, k: rawDocRow(d, ctx.profile)[orderby] }));
  keyed.sort((a, b) => {
    const c = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : collate(String(a.k)).localeCompare(collate(String(b.k)));
    return c !== 0 ? (desc ? -c : c) : a.i - b.i;
  });
  const start = (Math.max(page, 1) - 1) * pageSize;
  const pageDocs = keyed.slice(start, start + Math.max(pageSize, 0)).map((x) => x.d);
  return getJsonResult(0, 'success', { total: keyed.length, docs: pageDocs.map((d) => ({ doc_id: d.id, doc_name: d.name })) });
}

async function deleteDocuments(ctx: RequestContext, legacy: LegacySwitches): Promise<Reply> {
  const auth = legacyAuth(ctx);
  if (!auth.ok) return auth.reply;
  const req = await ctx.jsonLoose();
  if (typeof req !== 'object' || req === null || Array.isArray(req)) {
    return serverError(attributeError(req, 'get'));
  }
  const r = req as Record<string, unknown>;
  const names = Array.isArray(r['doc_names']) ? (r['doc_names'] as unknown[]).filter((n): n is string => typeof n === 'string') : [];
  // Name → id resolution is global: no KB, no tenant (§3.3).
  const ids: string[] = [];
  for (const name of names) {
    const hits = ctx.store.allDocs().filter((d) => collate(d.name) === collate(name));
    for (const d of legacy.deleteByName === 'every' ? hits : hits.slice(0, 1)) if (!ids.includes(d.id)) ids.push(d.id);
  }
  const byId = Array.isArray(r['doc_ids']) ? (r['doc_ids'] as unknown[]).map(String) : [];
  for (const id of byId) if (!ids.includes(id)) ids.push(id);
  if (ids.length === 0) return getJsonResult(0, "Can't find doc_names or doc_ids", false);
  const known = new Map<string, DocRecord>();
  for (const id of ids) {
    const d = ctx.store.doc(id);
    if (d) known.set(id, d);
  }
  for (const id of ids) {
    // Not atomic: a missing id answers at once, the ones before it are already gone.
    if (!known.has(id)) return getDataErrorResult('Document not found!');
    ctx.services.parse.cancel(id);
    ctx.store.removeDoc(id);
  }
  return getJsonResult(0, 'success', true);
}

async function listChunks(ctx: RequestContext): Promise<Reply> {
  const auth = legacyAuth(ctx);
  if (!auth.ok) return auth.reply;
  const req = await ctx.jsonLoose();
  if (typeof req !== 'object' || req === null || Array.isArray(req)) {
    return serverError(attributeError(req, 'keys'));
  }
  const r = req as Record<string, unknown>;
  let doc: DocRecord | undefined;
  if ('doc_name' in r) doc = ctx.store.allDocs().find((d) => collate(d.name) === collate(String(r['doc_name'])));
  else if ('doc_id' in r) doc = ctx.store.doc(String(r['doc_id']));
  else return getJsonResult(0, "Can't find doc_name or doc_id", false);
  if (!doc) return getJsonResult(100, 'No chunk found, please upload file and parse it.', null);
  const chunks = doc.run === '3' ? chunksOfFile(doc.filePath).slice(0, doc.chunkNum) : [];
  const d = doc;
  return getJsonResult(0, 'success', chunks.map((c) => ({ content: c.content, doc_name: d.name, image_id: '' })));
}

async function documentInfos(ctx: RequestContext): Promise<Reply> {
  let present: Record<string, unknown> | undefined;
  const loose = await ctx.jsonLoose();
  if (typeof loose === 'object' && loose !== null && !Array.isArray(loose)) present = loose as Record<string, unknown>;
  const missing = missingArguments(present, ['doc_ids']);
  if (missing) return missing;
  const auth = legacyAuth(ctx);
  if (!auth.ok) return auth.reply;
  const ids = present?.['doc_ids'];
  if (!Array.isArray(ids)) return serverError(pyException('TypeError', "'NoneType' object is not iterable"));
  const wanted = new Set(ids.map(String));
  // get_by_ids: `WHERE id IN (...)`, not limited to the tenant; rows come back in primary-key order.
  const rows = ctx.store
    .allDocs()
    .filter((d) => wanted.has(d.id))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((d) => rawDocRow(d, ctx.profile));
  return getJsonResult(0, 'success', rows);
}

/** GET /v1/document/get/<id> (document_app.py): no authentication at all up to 0.24 (§3.6). */
function documentGet(ctx: RequestContext, p: Params): Reply {
  const doc = ctx.store.doc(p['doc_id'] ?? '');
  if (!doc) return getDataErrorResult('Document not found!');
  const ext = /\.([^.]+)$/u.exec(doc.name)?.[1];
  const contentType = ext ? `${doc.type === 'visual' ? 'image' : 'application'}/${ext}` : 'application/octet-stream';
  const reply = fileReply(doc, contentType);
  if (reply.kind !== 'file') return reply;
  // This endpoint sends the bytes inline (no attachment header), an empty file as an empty body.
  return { ...reply, headers: { 'content-type': contentType } };
}
