// v1 DELETE /datasets/{id}/documents (§5.5). The dangerous ≤0.24 rule is real here: a missing body,
// `ids: null` or `ids: []` deletes every document of the dataset, and ids of other datasets are deleted too.
import { v1Auth } from './auth.js';
import type { RequestContext } from './context.js';
import type { Reply } from './envelopes.js';
import { getErrorArgumentResult, getErrorDataResult, getResult, serverError } from './envelopes.js';
import { jsonObject } from './dataset-validation.js';
import { attributeError, pyTruthy, pydanticLine } from './py-values.js';
import { pyRepr } from './pyrepr.js';
import type { Params, Route } from './router.js';
import { route } from './router.js';

export function v1DeleteRoutes(style: 'sdk' | 'restful'): Route[] {
  return [route('DELETE', '/api/v1/datasets/<dataset_id>/documents', style === 'restful' ? deleteRestful : deleteSdk)];
}

/** check_duplicate_ids: unique ids (first-seen order) and "Duplicate document ids: x" messages. */
export function checkDuplicateIds(ids: readonly string[], kind = 'document'): { unique: string[]; messages: string[] } {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const messages = [...counts].filter(([, n]) => n > 1).map(([id]) => `Duplicate ${kind} ids: ${id}`);
  return { unique: [...counts.keys()], messages };
}

async function deleteSdk(ctx: RequestContext, p: Params): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const datasetId = p['dataset_id'] ?? '';
  if (!ctx.store.kbById(datasetId)) return getErrorDataResult(`You don't own the dataset ${datasetId}. `);
  let req: unknown;
  if (ctx.profile.server === 'flask') {
    req = await ctx.jsonLoose();
  } else {
    const body = await ctx.requestJson();
    if (!body.ok) return body.reply;
    req = body.value;
  }
  let ids: unknown = undefined;
  if (pyTruthy(req)) {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      return serverError(attributeError(req, 'get'));
    }
    ids = (req as Record<string, unknown>)['ids'];
  }
  const all = !pyTruthy(ids);
  const list = all ? ctx.store.docsOf(datasetId).map((d) => d.id) : (ids as unknown[]).map(String);
  const { unique, messages } = checkDuplicateIds(list);
  const notFound: string[] = [];
  let success = 0;
  for (const id of unique) {
    // get_by_id has no dataset check: an id of another dataset is deleted too (§5.5).
    if (!ctx.store.doc(id)) {
      notFound.push(id);
      continue;
    }
    ctx.services.parse.cancel(id);
    ctx.store.removeDoc(id);
    success += 1;
  }
  if (notFound.length > 0) return getResult({ code: 102, message: `Documents not found: ${pyRepr(notFound)}` });
  if (messages.length > 0) {
    if (success > 0) return getResult({ data: { success_count: success, errors: messages } });
    return getErrorDataResult(messages.join(';'));
  }
  return getResult();
}

/** DeleteDocumentReq: {ids?: list[str] | None, delete_all?: bool}, strict, no other keys. */
function validateDeleteReq(payload: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const ids = payload['ids'];
  if (ids !== undefined && ids !== null) {
    if (!Array.isArray(ids)) errors.push(pydanticLine('ids', 'Input should be a valid list', ids));
    else {
      ids.forEach((v, i) => {
        if (typeof v !== 'string') errors.push(pydanticLine(`ids.${i}`, 'Input should be a valid string', v));
      });
      if (errors.length === 0) {
        const dupes = [...new Set(ids.filter((v, i) => ids.indexOf(v) !== i))] as string[];
        if (dupes.length > 0) errors.push(pydanticLine('ids', `Duplicate ids: '${dupes.join(', ')}'`, ids));
      }
    }
  }
  const all = payload['delete_all'];
  if (all !== undefined && typeof all !== 'boolean') errors.push(pydanticLine('delete_all', 'Input should be a valid boolean', all));
  for (const key of Object.keys(payload)) {
    if (key !== 'ids' && key !== 'delete_all') errors.push(pydanticLine(key, 'Extra inputs are not permitted', payload[key]));
  }
  return errors;
}

async function deleteRestful(ctx: RequestContext, p: Params): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const datasetId = p['dataset_id'] ?? '';
  const body = await jsonObject(ctx);
  if (!body.ok) return body.reply;
  const req = body.value;
  const errors = validateDeleteReq(req);
  if (errors.length > 0) return getErrorArgumentResult(errors.join('\n'));
  if (!ctx.store.kbById(datasetId)) return getErrorDataResult(`You don't own the dataset ${datasetId}. `);
  let ids = Array.isArray(req['ids']) ? (req['ids'] as string[]) : [];
  const deleteAll = req['delete_all'] === true;
  if (!deleteAll && ids.length === 0) {
    return getErrorDataResult(`should either provide doc ids or set delete_all(true), dataset: ${datasetId}. `);
  }
  if (ids.length > 0 && deleteAll) {
    return getErrorDataResult(`should not provide both doc ids and delete_all(true), dataset: ${datasetId}. `);
  }
  const inDataset = new Set(ctx.store.docsOf(datasetId).map((d) => d.id));
  if (deleteAll) ids = [...inDataset];
  // All or nothing: any id not in this dataset fails the whole call before anything is deleted.
  const invalid = ids.filter((id) => !inDataset.has(id));
  if (invalid.length > 0) {
    return getErrorDataResult(`These documents do not belong to dataset ${datasetId} or Document not found: ${invalid.join(', ')}`);
  }
  for (const id of ids) {
    ctx.services.parse.cancel(id);
    ctx.store.removeDoc(id);
  }
  return getResult({ data: { deleted: ids.length } });
}
