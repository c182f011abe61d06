// v1 datasets: list (always, §5.1) and, with datasetAdmin, create / get / delete so RAGFlow's own
// HTTP API tests can set up their fixtures. Validation mirrors the pydantic models of 0.24 / 0.27.
import { v1Auth } from './auth.js';
import type { RequestContext } from './context.js';
import { v1Dataset } from './doc-view.js';
import type { Reply } from './envelopes.js';
import { getErrorArgumentResult, getErrorDataResult, getResult } from './envelopes.js';
import { duplicateName, utf8Length } from './names.js';
import { pydanticLine } from './py-values.js';
import type { Params, Route } from './router.js';
import { route } from './router.js';
import { CREATE_FIELDS, jsonObject, listArgsErrors, parseUuid, uuidError } from './dataset-validation.js';
import type { KbRecord } from './store.js';
import { getParserConfig } from './parser-config.js';
import { collate } from './store.js';

export function v1DatasetRoutes(datasetAdmin: boolean, style: 'sdk' | 'restful'): Route[] {
  // Update is served whatever datasetAdmin says: RAGFlow always has it, and routing depends on it
  // (0.24: `GET /datasets//documents` lands on `PUT /datasets/<id>` → 405).
  const routes = [route('GET', '/api/v1/datasets', listDatasets), route('PUT', '/api/v1/datasets/<dataset_id>', updateDataset)];
  // GET /datasets/<id> exists from 0.25 on (it is also what `GET /datasets//documents` lands on).
  if (style === 'restful') {
    routes.push(
      route('GET', '/api/v1/datasets/<dataset_id>', getDataset),
      // Index deletion (graph/raptor/…): no indexes exist here; the route is kept so that routing
      // answers like RAGFlow (e.g. `POST /datasets//documents/parse` lands on it → 405).
      route('DELETE', '/api/v1/datasets/<dataset_id>/<index_type>', deleteIndex),
    );
  }
  if (datasetAdmin) {
    routes.push(
      route('POST', '/api/v1/datasets', createDataset),
      route('DELETE', '/api/v1/datasets', deleteDatasets),
    );
  }
  return routes;
}

function listDatasets(ctx: RequestContext): Reply {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const args = listArgsErrors(ctx);
  if (args.errors.length > 0) return getErrorArgumentResult(args.errors.join('\n'));
  const store = ctx.store;
  const lookupFail = (what: string): Reply =>
    getResult({ code: ctx.profile.datasetLookupCode, message: `User '${store.tenantId}' lacks permission for dataset '${what}'` });
  const id = ctx.query.get('id');
  const name = ctx.query.get('name');
  // id and name are each checked on their own first; together they may then match nothing (code 0, []).
  if (id && !store.kbById(id)) return lookupFail(id);
  // get_kb_by_name: exact name under the database collation.
  if (name && !store.allKbs().some((k) => collate(k.name) === collate(name))) return lookupFail(name);
  let kbs = store.allKbs();
  if (id) kbs = kbs.filter((k) => k.id === id);
  if (name) kbs = kbs.filter((k) => collate(k.name) === collate(name));
  if (ctx.profile.v1Style === 'restful') {
    const ids = ctx.query.getList('ids').flatMap((v) => v.split(',')).filter(Boolean);
    if (ids.length > 0) kbs = kbs.filter((k) => ids.includes(k.id));
  }
  const key = args.orderby === 'update_time' ? 'updateTime' : 'createTime';
  kbs.sort((a, b) => (args.desc ? b[key] - a[key] : a[key] - b[key]));
  const page = kbs.slice((args.page - 1) * args.pageSize, args.page * args.pageSize);
  const data = page.map((kb) => v1Dataset(kb, store.docsOf(kb.id), ctx.profile));
  return getResult({ data, ...(ctx.profile.totalDatasets ? { total: kbs.length } : {}) });
}

async function createDataset(ctx: RequestContext): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const body = await jsonObject(ctx);
  if (!body.ok) return body.reply;
  const req = body.value;
  const errors: string[] = [];
  const name = req['name'];
  if (!('name' in req)) errors.push(pydanticLine('name', 'Field required', req));
  else if (typeof name !== 'string') errors.push(pydanticLine('name', 'Input should be a valid string', name));
  else if (name.trim() === '') errors.push(pydanticLine('name', 'String should have at least 1 character', name.trim()));
  else if (name.trim().length > 128) errors.push(pydanticLine('name', 'String should have at most 128 characters', name.trim()));
  const permission = req['permission'];
  if (permission !== undefined && permission !== 'me' && permission !== 'team') {
    errors.push(pydanticLine('permission', "Input should be 'me' or 'team'", permission));
  }
  const method = req['chunk_method'];
  if (method !== undefined && method !== null && typeof method !== 'string') errors.push(pydanticLine('chunk_method', 'Input should be a valid string', method));
  const pc = req['parser_config'];
  if (pc !== undefined && pc !== null && (typeof pc !== 'object' || Array.isArray(pc))) {
    errors.push(pydanticLine('parser_config', 'Input should be a valid dictionary or instance of ParserConfig', pc));
  }
  for (const k of Object.keys(req)) {
    if (!CREATE_FIELDS.has(k) && !(ctx.profile.v1Style === 'restful' && (k === 'ext' || k === 'auto_metadata_config'))) {
      errors.push(pydanticLine(k, 'Extra inputs are not permitted', req[k]));
    }
  }
  if (errors.length > 0) return getErrorArgumentResult(errors.join('\n'));
  const clean = (name as string).trim();
  if (utf8Length(clean) > 128) return getErrorDataResult(`Dataset name length is ${clean.length} which is large than 128`);
  // Dataset names are de-duplicated like document names: `name(1)`.
  const finalName = duplicateName(clean, (n) => ctx.store.kbByName(n) !== undefined, 'purepath');
  const kb = ctx.store.createKb(finalName, {
    parserId: typeof method === 'string' && method ? method : 'naive',
    parserConfig: getParserConfig(
      typeof method === 'string' ? method : undefined,
      typeof pc === 'object' && pc !== null ? (pc as Record<string, unknown>) : undefined,
      ctx.profile.parserConfigs,
    ),
    extra: {
      permission: typeof permission === 'string' ? permission : 'me',
      description: typeof req['description'] === 'string' ? req['description'] : null,
      avatar: typeof req['avatar'] === 'string' ? req['avatar'] : null,
      ...(typeof req['embedding_model'] === 'string' ? { embdId: req['embedding_model'] } : {}),
    },
  });
  return getResult({ data: v1Dataset(kb, [], ctx.profile) });
}

async function deleteDatasets(ctx: RequestContext): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const body = await jsonObject(ctx);
  if (!body.ok) return body.reply;
  const req = body.value;
  const restful = ctx.profile.v1Style === 'restful';
  const errors: string[] = [];
  const ids = req['ids'];
  if (!('ids' in req) && !restful) errors.push(pydanticLine('ids', 'Field required', req));
  let hexIds: string[] | null = null;
  if (ids !== undefined && ids !== null) {
    if (!Array.isArray(ids)) errors.push(pydanticLine('ids', 'Input should be a valid list', ids));
    else {
      hexIds = [];
      for (const [i, v] of ids.entries()) {
        if (typeof v !== 'string') {
          errors.push(pydanticLine(`ids.${i}`, 'Input should be a valid string', v));
          continue;
        }
        const e = uuidError(ctx, v);
        if (e) {
          errors.push(pydanticLine('ids', e, ids));
          break;
        }
        hexIds.push(parseUuid(v)?.hex ?? v);
      }
      if (errors.length === 0) {
        const dupes = [...new Set(hexIds.filter((v, i) => hexIds?.indexOf(v) !== i))];
        if (dupes.length > 0) errors.push(pydanticLine('ids', `Duplicate ids: '${dupes.join(', ')}'`, ids));
      }
    }
  }
  const deleteAll = req['delete_all'];
  if (restful && deleteAll !== undefined && typeof deleteAll !== 'boolean') errors.push(pydanticLine('delete_all', 'Input should be a valid boolean', deleteAll));
  for (const k of Object.keys(req)) {
    if (k !== 'ids' && !(restful && k === 'delete_all')) errors.push(pydanticLine(k, 'Extra inputs are not permitted', req[k]));
  }
  if (errors.length > 0) return getErrorArgumentResult(errors.join('\n'));
  const store = ctx.store;
  let targets: KbRecord[];
  if (hexIds === null || (restful && hexIds.length === 0)) {
    // 0.24: `ids: null` deletes every dataset of the tenant; 0.27 needs delete_all for that.
    if (restful && deleteAll !== true) return getResult({ data: { success_count: 0 } });
    targets = store.allKbs();
  } else {
    const missing = hexIds.filter((id) => !store.kbById(id));
    if (missing.length > 0) {
      const message = `User '${store.tenantId}' lacks permission for datasets: '${missing.join(', ')}'`;
      return restful ? getErrorDataResult(message) : getResult({ code: 108, message });
    }
    targets = hexIds.map((id) => store.kbById(id)).filter((k): k is KbRecord => k !== undefined);
  }
  for (const kb of targets) {
    for (const d of store.docsOf(kb.id)) ctx.services.parse.cancel(d.id);
    store.deleteKb(kb.id);
  }
  return restful ? getResult({ data: { success_count: targets.length } }) : getResult();
}

function getDataset(ctx: RequestContext, p: Params): Reply {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const id = p['dataset_id'] ?? '';
  const kb = ctx.store.kbById(id);
  if (!kb) return getErrorDataResult(`User '${ctx.store.tenantId}' lacks permission for dataset '${id}'`);
  const docs = ctx.store.docsOf(kb.id);
  return getResult({ data: { ...v1Dataset(kb, docs, ctx.profile), size: docs.reduce((n, d) => n + d.size, 0), connectors: [] } });
}

/** PUT /datasets/<id>: name, description, chunk_method, parser_config (enough for fixtures). */
async function updateDataset(ctx: RequestContext, p: Params): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const body = await jsonObject(ctx);
  if (!body.ok) return body.reply;
  const req = body.value;
  const id = p['dataset_id'] ?? '';
  const kb = ctx.store.kbById(id);
  const lacks = `User '${ctx.store.tenantId}' lacks permission for dataset '${id}'`;
  if (!kb) return ctx.profile.v1Style === 'restful' ? getErrorDataResult(lacks) : getResult({ code: 108, message: lacks });
  if (typeof req['name'] === 'string' && req['name'].trim()) {
    const name = req['name'].trim();
    if (collate(name) !== collate(kb.name) && ctx.store.kbByName(name)) return getErrorDataResult(`Dataset name '${name}' already exists`);
    kb.name = name;
  }
  if (typeof req['description'] === 'string') kb.description = req['description'];
  if (typeof req['chunk_method'] === 'string' && req['chunk_method']) kb.parserId = req['chunk_method'];
  const pc = req['parser_config'];
  if (typeof pc === 'object' && pc !== null && !Array.isArray(pc)) kb.parserConfig = { ...kb.parserConfig, ...(pc as Record<string, unknown>) };
  kb.updateTime = ctx.store.now();
  return getResult({ data: v1Dataset(kb, ctx.store.docsOf(kb.id), ctx.profile) });
}

const INDEX_TYPES = new Set(['graph', 'raptor', 'mindmap', 'wiki', 'skill']);

function deleteIndex(ctx: RequestContext, p: Params): Reply {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const type = (p['index_type'] ?? '').toLowerCase();
  if (!INDEX_TYPES.has(type)) return getErrorArgumentResult(`Invalid index type '${type}'`);
  if (!ctx.store.kbById(p['dataset_id'] ?? '')) return getErrorDataResult('no authorization');
  return getResult({ data: {} });
}
