// v1 document endpoints: upload (§5.2) and list (§5.4).
// sdk/doc.py behaviour (≤0.24) and restful_apis behaviour (≥0.25) side by side, chosen by profile.v1Style.
import { v1Auth } from './auth.js';
import type { RequestContext } from './context.js';
import { RUN_CODE, rawDocRow, v1ListDoc, v1UploadDoc } from './doc-view.js';
import type { Reply } from './envelopes.js';
import { constructJsonResult, getDataErrorResult, getErrorDataResult, getJsonResult, getResult, serverError } from './envelopes.js';
import type { UploadedFile } from './multipart.js';
import { metadataFilter } from './metadata-filter.js';
import { utf8Length } from './names.js';
import { intValueError, pyInt } from './py-values.js';
import { pyException } from './pyrepr.js';
import type { Params, Route } from './router.js';
import { route } from './router.js';
import type { DocRecord } from './store.js';
import { collate } from './store.js';
import { storeUpload } from './uploads.js';

const BASE = '/api/v1/datasets/<dataset_id>/documents';

export function v1DocumentRoutes(): Route[] {
  return [
    route('POST', BASE, upload),
    route('GET', BASE, list),
  ];
}

// --- upload ------------------------------------------------------------------------------------

async function upload(ctx: RequestContext, p: Params): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const datasetId = p['dataset_id'] ?? '';
  const restful = ctx.profile.v1Style === 'restful';
  const kb = ctx.store.kbById(datasetId);
  if (restful) {
    // restful_apis checks the dataset before reading the form, and knows ?type=.
    if (!kb) return getErrorDataResult(`Can't find the dataset with ID ${datasetId}!`, 102);
    const type = (ctx.query.get('type') ?? 'local').toLowerCase();
    if (type !== 'local') {
      if (type === 'web' || type === 'empty') return getErrorDataResult(`The emulator does not implement type=${type} uploads.`, 101);
      return getErrorDataResult('`type` must be one of "local", "web", or "empty".', 101);
    }
  }
  const form = await ctx.form();
  try {
    const files = form.files.filter((f) => f.field === 'file');
    if (files.length === 0) return getErrorDataResult('No file part!', 101);
    const limit = ctx.profile.nameLimit;
    for (const f of files) {
      if (f.filename === '') return restful ? getErrorDataResult('No file selected!', 101) : getResult({ code: 101, message: 'No file selected!' });
      if (utf8Length(f.filename) > limit.maxBytes) {
        return restful ? getErrorDataResult(limit.upload, 101) : getResult({ code: 101, message: limit.upload });
      }
    }
    // sdk/doc.py: KnowledgebaseService.get_by_id without an ownership check; a miss raises LookupError.
    if (!kb) return serverError(pyException('LookupError', `Can't find the dataset with ID ${datasetId}!`));
    const errors: string[] = [];
    const docs: DocRecord[] = [];
    for (const f of files) {
      const outcome = storeOne(ctx, kb.id, f);
      if (outcome.ok) docs.push(outcome.doc);
      else errors.push(`${f.filename}: ${outcome.message}`);
    }
    const data = docs.map((d) => v1UploadDoc(d, ctx.profile));
    if (errors.length > 0) {
      const message = errors.join('\n');
      if (ctx.profile.partialUploadData && docs.length > 0) return constructJsonResult(500, message, data);
      return restful ? getErrorDataResult(message, 500) : getResult({ code: 500, message });
    }
    return getResult({ data });
  } finally {
    form.cleanup();
  }
}

function storeOne(ctx: RequestContext, kbId: string, f: UploadedFile): ReturnType<typeof storeUpload> {
  const kb = ctx.store.kbById(kbId);
  if (!kb) return { ok: false, message: 'Dataset deleted during upload' };
  return storeUpload(ctx.store, ctx.profile, kb, f, { rejectOther: true, thumbnail: 'v1' });
}

// --- list --------------------------------------------------------------------------------------

const VALID_TYPES = new Set(['pdf', 'doc', 'visual', 'aural', 'virtual', 'folder', 'other']);

function list(ctx: RequestContext, p: Params): Reply {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const datasetId = p['dataset_id'] ?? '';
  if (!ctx.store.kbById(datasetId)) return getErrorDataResult(`You don't own the dataset ${datasetId}. `);
  return ctx.profile.v1Style === 'restful' ? listRestful(ctx, datasetId) : listSdk(ctx, datasetId);
}

function listSdk(ctx: RequestContext, datasetId: string): Reply {
  const q = ctx.query;
  const store = ctx.store;
  const docId = q.get('id');
  const name = q.get('name');
  if (docId && store.doc(docId)?.kbId !== datasetId) return getErrorDataResult(`You don't own the document ${docId}.`);
  if (name && store.docsNamed(datasetId, name).length === 0) return getErrorDataResult(`You don't own the document ${name}.`);
  const page = intParam(q.get('page'), 1);
  if (typeof page === 'string') return serverError(page);
  const pageSize = intParam(q.get('page_size'), 30);
  if (typeof pageSize === 'string') return serverError(pageSize);
  const orderby = q.get('orderby') ?? 'create_time';
  // ≤0.21 (Flask): only the exact string "False" sorts ascending; 0.22+: any case of "false".
  const rawDesc = q.get('desc') ?? 'true';
  const desc = ctx.profile.server === 'flask' ? rawDesc !== 'False' : rawDesc.trim().toLowerCase() !== 'false';
  const keywords = q.get('keywords') ?? '';
  const suffix = q.getList('suffix');
  const run = q.getList('run').map((r) => RUN_CODE[r as keyof typeof RUN_CODE] ?? r);
  const from = intParam(q.get('create_time_from'), 0);
  const to = intParam(q.get('create_time_to'), 0);
  if (typeof from === 'string') return serverError(from);
  if (typeof to === 'string') return serverError(to);
  const meta = metadataFilter(q.get('metadata_condition'), undefined, 'sdk');
  if (!meta.ok) return getErrorDataResult(meta.message);
  // An `id=` lookup starts from that document (the same rows as filtering the whole KB, without the scan).
  let docs = (docId ? store.docsWithIds(datasetId, [docId]) : store.docsOf(datasetId)).filter(meta.keep);
  if (name) docs = docs.filter((d) => collate(d.name) === collate(name));
  if (keywords) docs = docs.filter((d) => d.name.toLowerCase().includes(keywords.toLowerCase()));
  if (suffix.length > 0) docs = docs.filter((d) => suffix.includes(d.suffix));
  if (run.length > 0) docs = docs.filter((d) => run.includes(d.run));
  const sorted = sortDocs(ctx, docs, orderby, desc);
  if (typeof sorted === 'string') return serverError(sorted);
  let pageDocs = paginate(sorted, page, pageSize);
  if (pageDocs === undefined) return serverError(pyException('ProgrammingError', 'negative LIMIT/OFFSET'));
  // The time filter is applied after paging, on the current page only (as RAGFlow does).
  if (from || to) pageDocs = pageDocs.filter((d) => (from === 0 || d.createTime >= from) && (to === 0 || d.createTime <= to));
  return getResult({ data: { total: sorted.length, docs: pageDocs.map((d) => v1ListDoc(d, ctx.profile)) } });
}

function listRestful(ctx: RequestContext, datasetId: string): Reply {
  const q = ctx.query;
  const store = ctx.store;
  const page = restPage(q.get('page'));
  const pageSize = restPageSize(q.get('page_size'), ctx.profile.maxPageSize);
  if (typeof pageSize === 'string') return serverError(pageSize);
  const orderby = q.get('orderby') ?? 'create_time';
  if (!['create_time', 'update_time', 'name'].includes(orderby)) return getDataErrorResult(`invalid orderby field: ${orderby}`, 101);
  const desc = (q.get('desc') ?? 'true').trim().toLowerCase() !== 'false';
  const keywords = q.get('keywords') ?? '';
  const suffix = q.getList('suffix');
  const types = q.getList('types');
  const invalidTypes = [...new Set(types.filter((t) => !VALID_TYPES.has(t)))];
  if (invalidTypes.length > 0) {
    return getDataErrorResult(`Invalid filter conditions: ${invalidTypes.join(', ')} type${invalidTypes.length > 1 ? 's' : ''}`);
  }
  const rawRuns = [...q.getList('run'), ...q.getList('run[]'), ...q.getList('run_status'), ...q.getList('run_status[]')]
    .map((v) => v.trim())
    .filter(Boolean);
  const runs = rawRuns.map((r) => RUN_CODE[r.toUpperCase() as keyof typeof RUN_CODE] ?? r);
  const invalidRuns = [...new Set(runs.filter((r) => !['0', '1', '2', '3', '4', '5'].includes(r)))];
  if (invalidRuns.length > 0) return getDataErrorResult(`Invalid filter run status conditions: ${invalidRuns.join(', ')}`);
  const meta = metadataFilter(q.get('metadata_condition'), q.get('metadata'), 'restful');
  if (!meta.ok) return getDataErrorResult(meta.message);
  const name = q.get('name');
  const docId = q.get('id');
  let idFilter: string[] | undefined;
  if (docId) {
    if (store.doc(docId)?.kbId !== datasetId) return getDataErrorResult(`you don't own the document ${docId}`);
    idFilter = [docId];
  }
  if (name && store.docsNamed(datasetId, name).length === 0) return getDataErrorResult(`you don't own the document ${name}`);
  const ids = q.getList('ids');
  if (ids.length > 100) return getDataErrorResult('ids must contain at most 100 IDs', 101);
  if (ids.length > 0) idFilter = ids;
  const from = pyInt(q.get('create_time_from') ?? '0');
  const to = pyInt(q.get('create_time_to') ?? '0');
  if (from === undefined) return serverError(intValueError(q.get('create_time_from') ?? ''));
  if (to === undefined) return serverError(intValueError(q.get('create_time_to') ?? ''));
  // An id filter starts from those documents (the same rows as filtering the whole KB, without the scan).
  let docs = (idFilter ? store.docsWithIds(datasetId, idFilter) : store.docsOf(datasetId)).filter(meta.keep);
  if (keywords) docs = docs.filter((d) => d.name.toLowerCase().includes(keywords.toLowerCase()));
  if (runs.length > 0) docs = docs.filter((d) => runs.includes(d.run));
  if (types.length > 0) docs = docs.filter((d) => types.includes(d.type));
  if (suffix.length > 0) docs = docs.filter((d) => suffix.includes(d.suffix));
  if (name) docs = docs.filter((d) => collate(d.name) === collate(name));
  const sorted = sortDocs(ctx, docs, orderby, desc);
  if (typeof sorted === 'string') return serverError(sorted);
  let pageDocs = paginate(sorted, page, pageSize) ?? [];
  if (from || to) pageDocs = pageDocs.filter((d) => (from === 0 || d.createTime >= from) && (to === 0 || d.createTime <= to));
  return getJsonResult(0, 'success', { total: sorted.length, docs: pageDocs.map((d) => v1ListDoc(d, ctx.profile)) });
}

/** int(q.get(name, default)), or the repr of the ValueError. */
function intParam(raw: string | undefined, fallback: number): number | string {
  if (raw === undefined) return fallback;
  return pyInt(raw) ?? intValueError(raw);
}

/** validate_rest_api_page (0.27): invalid or < 1 → 1. */
function restPage(raw: string | undefined): number {
  const n = raw === undefined ? 1 : pyInt(raw);
  return n === undefined || n < 1 ? 1 : n;
}

/** validate_rest_api_page_size (0.27): invalid or < 1 → 30; over the maximum raises ValueError. */
export function restPageSize(raw: string | undefined, max: number | null): number | string {
  const n = raw === undefined ? 30 : pyInt(raw);
  if (n === undefined || n < 1) return 30;
  if (max !== null && n > max) return pyException('ValueError', `page_size must be less than or equal to ${max}`);
  return n;
}

/** Columns whose sort key is a plain field of the record (the same value rawDocRow renders). */
const DIRECT_SORT_KEYS: Readonly<Record<string, ((doc: DocRecord) => unknown) | undefined>> = {
  create_time: (doc) => doc.createTime,
  update_time: (doc) => doc.updateTime,
  name: (doc) => doc.name,
  size: (doc) => doc.size,
  id: (doc) => doc.id,
};

/** ORDER BY <column> [DESC]: any Document column; an unknown one fails like peewee's getter_by (None.desc()). */
function sortDocs(ctx: RequestContext, docs: DocRecord[], orderby: string, desc: boolean): DocRecord[] | string {
  if (!Object.hasOwn(rawDocRow(emptyProbe(ctx), ctx.profile), orderby)) {
    return pyException('AttributeError', `'NoneType' object has no attribute '${desc ? 'desc' : 'asc'}'`);
  }
  // The usual sort columns are read directly: rendering a whole row per document (dates formatted and
  // all) for every page request made listing N documents cost O(N) rows per page (minutes for 20,000).
  const direct = DIRECT_SORT_KEYS[orderby];
  const keyed = docs.map((d, i) => ({ d, i, k: direct ? direct(d) : rawDocRow(d, ctx.profile)[orderby] }));
  keyed.sort((a, b) => {
    const c = compareValues(a.k, b.k);
    if (c !== 0) return desc ? -c : c;
    return a.i - b.i;
  });
  return keyed.map((x) => x.d);
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') {
    const ca = collate(a);
    const cb = collate(b);
    return ca < cb ? -1 : ca > cb ? 1 : 0;
  }
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  return String(JSON.stringify(a)).localeCompare(String(JSON.stringify(b)));
}

function emptyProbe(ctx: RequestContext): DocRecord {
  return {
    id: '', kbId: '', name: '', location: '', size: 0, sha256: '', xxh128: '', filePath: '', type: 'doc', suffix: '',
    parserId: '', parserConfig: {}, pipelineId: null, run: '0', progress: 0, progressMsg: '', processBeginAt: null,
    processDuration: 0, chunkNum: 0, tokenNum: 0, status: '1', metaFields: {}, createdBy: ctx.store.tenantId,
    sourceType: 'local', thumbnail: null, createTime: 0, updateTime: 0, seeded: false,
  };
}

/** peewee paginate(page, size): page ≤ 0 acts as 1; a negative size is a database error (undefined). */
function paginate<T>(items: T[], page: number, size: number): T[] | undefined {
  if (size < 0) return undefined;
  const p = page > 0 ? page - 1 : page;
  const offset = p * size;
  if (offset < 0) return undefined;
  return items.slice(offset, offset + size);
}
