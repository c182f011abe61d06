// v1 document update: PUT (sdk/doc.py ≤0.24; alias of PATCH from 0.25.2) and PATCH (restful ≥0.25) (§5.3).
import { v1Auth } from './auth.js';
import type { RequestContext } from './context.js';
import { v1Doc } from './doc-view.js';
import type { Reply } from './envelopes.js';
import { getDataErrorResult, getErrorDataResult, getResult, serverError } from './envelopes.js';
import { pathSuffix, utf8Length } from './names.js';
import { PARSER_CONFIG_SPEC } from './parser-config-spec.js';
import { getParserConfig, updateParserConfig } from './parser-config.js';
import { attributeError, isDict, pydanticLine } from './py-values.js';
import type { FloatPaths, Spec } from './pydantic-lite.js';
import { validate } from './pydantic-lite.js';
import { pyException, pyRepr } from './pyrepr.js';
import type { Params, Route } from './router.js';
import { route } from './router.js';
import type { DocRecord } from './store.js';

const PATH = '/api/v1/datasets/<dataset_id>/documents/<document_id>';
const CHUNK_METHODS = new Set(['naive', 'manual', 'qa', 'table', 'paper', 'book', 'laws', 'presentation', 'picture', 'one', 'knowledge_graph', 'email', 'tag']);

export function v1UpdateRoutes(ctxProfile: { updateMethods: { put: boolean; patch: boolean }; v1Style: 'sdk' | 'restful' }): Route[] {
  const handler = ctxProfile.v1Style === 'restful' ? updateRestful : updateSdk;
  const routes: Route[] = [];
  if (ctxProfile.updateMethods.put) routes.push(route('PUT', PATH, handler));
  if (ctxProfile.updateMethods.patch) routes.push(route('PATCH', PATH, handler));
  return routes;
}

function notSupportedChange(doc: DocRecord): boolean {
  return doc.type === 'visual' || /\.(ppt|pptx|pages)$/u.test(doc.name);
}

function sameExtension(a: string, b: string): boolean {
  return pathSuffix(a.toLowerCase()) === pathSuffix(b.toLowerCase());
}


function resetForReparse(doc: DocRecord): void {
  doc.run = '0';
  doc.progress = 0;
  doc.progressMsg = '';
  doc.chunkNum = 0;
  doc.tokenNum = 0;
  doc.processDuration = 0;
}

// --- sdk/doc.py (≤0.24) --------------------------------------------------------------------------

async function updateSdk(ctx: RequestContext, p: Params): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const body = await ctx.requestJson();
  if (!body.ok) return body.reply;
  const req = body.value;
  const kb = ctx.store.kbById(p['dataset_id'] ?? '');
  if (!kb) return getErrorDataResult("You don't own the dataset.");
  const doc = ctx.store.doc(p['document_id'] ?? '');
  if (!doc || doc.kbId !== kb.id) return getErrorDataResult("The dataset doesn't own the document.");
  if ('chunk_count' in req && req['chunk_count'] !== doc.chunkNum) return getErrorDataResult("Can't change `chunk_count`.");
  if ('token_count' in req && req['token_count'] !== doc.tokenNum) return getErrorDataResult("Can't change `token_count`.");
  if ('progress' in req && req['progress'] !== doc.progress) return getErrorDataResult("Can't change `progress`.");
  if ('meta_fields' in req) {
    if (!isDict(req['meta_fields'])) return getErrorDataResult('meta_fields must be a dictionary');
    doc.metaFields = { ...req['meta_fields'] };
  }
  if ('name' in req && req['name'] !== doc.name) {
    const name = req['name'];
    if (typeof name !== 'string') return serverError(attributeError(name, 'encode'));
    const limit = ctx.profile.nameLimit;
    if (utf8Length(name) > limit.maxBytes) return getResult({ code: 101, message: limit.rename });
    if (!sameExtension(name, doc.name)) return getResult({ code: 101, message: "The extension of file can't be changed" });
    // The database lookup is collation-insensitive, the comparison after it exact (§4.1).
    if (ctx.store.docsNamed(doc.kbId, name).some((d) => d.name === name)) {
      return getErrorDataResult('Duplicated document name in the same dataset.');
    }
    ctx.store.rename(doc, name);
  }
  if ('parser_config' in req && isDict(req['parser_config'])) doc.parserConfig = updateParserConfig(doc.parserConfig, req['parser_config']);
  if ('chunk_method' in req) {
    const method = req['chunk_method'];
    if (typeof method !== 'string' || !CHUNK_METHODS.has(method)) {
      return getErrorDataResult(`\`chunk_method\` ${typeof method === 'string' ? method : String(method)} doesn't exist`);
    }
    if (notSupportedChange(doc)) return getErrorDataResult('Not supported yet!');
    if (doc.parserId.toLowerCase() !== method.toLowerCase()) {
      ctx.services.parse.cancel(doc.id);
      doc.parserId = method;
      doc.progress = 0;
      doc.progressMsg = '';
      doc.run = '0';
    }
    if (!req['parser_config']) doc.parserConfig = updateParserConfig(doc.parserConfig, getParserConfig(method, undefined, ctx.profile.parserConfigs));
    if (doc.tokenNum > 0) {
      doc.chunkNum = 0;
      doc.tokenNum = 0;
      doc.processDuration = 0;
    }
  }
  if ('enabled' in req) {
    const enabled = Number(req['enabled']);
    if (!Number.isInteger(enabled)) return serverError(pyException('ValueError', `invalid literal for int() with base 10: ${String(req['enabled'])}`));
    doc.status = enabled ? '1' : '0';
  }
  ctx.store.touch(doc);
  return getResult({ data: v1Doc(doc, ctx.profile) });
}

// --- restful_apis (≥0.25) ------------------------------------------------------------------------

/** UpdateDocumentReq (strict pydantic model, extra keys ignored): error lines in field order. */
const UPDATE_FIELDS: Record<string, Spec> = {
  name: { kind: 'str', nullable: true },
  chunk_method: { kind: 'str', nullable: true },
  pipeline_id: { kind: 'str', nullable: true },
  enabled: { kind: 'int', ge: 0, le: 1, nullable: true },
  chunk_count: { kind: 'int', ge: 0, nullable: true },
  token_count: { kind: 'int', ge: 0, nullable: true },
  progress: { kind: 'float', ge: 0, le: 1, nullable: true },
  parser_config: PARSER_CONFIG_SPEC,
  meta_fields: { kind: 'dict', nullable: true },
};

function validateUpdate(req: Record<string, unknown>, floats: FloatPaths): string[] {
  const errors: string[] = [];
  for (const [key, spec] of Object.entries(UPDATE_FIELDS)) {
    if (!(key in req)) continue;
    const fieldErrors = validate(spec, req[key], key, floats);
    errors.push(...fieldErrors);
    if (fieldErrors.length > 0) continue;
    // The model's after-validators.
    const v = req[key];
    if (key === 'chunk_method' && typeof v === 'string' && v && !CHUNK_METHODS.has(v)) {
      errors.push(pydanticLine('chunk_method', `\`chunk_method\` ${v} doesn't exist`, v));
    }
    if (key === 'meta_fields' && isDict(v)) {
      const scalar = (x: unknown): boolean => typeof x === 'string' || typeof x === 'number';
      for (const item of Object.values(v)) {
        if (Array.isArray(item) ? !item.every(scalar) : !scalar(item)) {
          const what = Array.isArray(item) ? `The type is not supported in list: ${pyRepr(item)}` : `The type is not supported: ${pyRepr(item)}`;
          errors.push(pydanticLine('meta_fields', what, v));
          break;
        }
      }
    }
  }
  return errors;
}

async function updateRestful(ctx: RequestContext, p: Params): Promise<Reply> {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const body = await ctx.requestJson();
  if (!body.ok) return body.reply;
  const req = body.value;
  if ('name' in req && req['name'] === null) {
    return getErrorDataResult('Field: <name> - Message: <Input should be a valid string> - Value: <None>');
  }
  const kb = ctx.store.kbById(p['dataset_id'] ?? '');
  if (!kb) return getErrorDataResult("you don't own the dataset");
  const doc = ctx.store.doc(p['document_id'] ?? '');
  if (!doc || doc.kbId !== kb.id) return getErrorDataResult("the dataset doesn't own the document");
  const invalid = validateUpdate(req, ctx.floatPaths);
  if (invalid.length > 0) return getErrorDataResult(invalid.join('\n'), 102);
  if (typeof req['chunk_count'] === 'number' && req['chunk_count'] !== doc.chunkNum) return getErrorDataResult("can't change `chunk_count`");
  if (typeof req['token_count'] === 'number' && req['token_count'] !== doc.tokenNum) return getErrorDataResult("can't change `token_count`");
  if (typeof req['progress'] === 'number' && Math.abs(req['progress'] - doc.progress) > 1e-9) return getErrorDataResult("can't change `progress`");
  const name = req['name'];
  if (typeof name === 'string' && name !== doc.name) {
    if (utf8Length(name) > ctx.profile.nameLimit.maxBytes) return getErrorDataResult(ctx.profile.nameLimit.rename, 101);
    if (!sameExtension(name, doc.name)) return getErrorDataResult("The extension of file can't be changed", 101);
    if (ctx.store.docsNamed(doc.kbId, name).some((d) => d.name === name)) {
      return getErrorDataResult('Duplicated document name in the same dataset.', 102);
    }
  }
  const method = req['chunk_method'];
  if ('chunk_method' in req) {
    if (method === '') return getErrorDataResult('`chunk_method` (empty string) is not valid', 102);
    if (notSupportedChange(doc)) return getErrorDataResult('Not supported yet!', 102);
  }
  if (isDict(req['meta_fields'])) doc.metaFields = { ...req['meta_fields'] };
  if (typeof name === 'string' && name !== doc.name) ctx.store.rename(doc, name);
  if ('parser_id' in req && ((doc.type === 'visual' && req['parser_id'] !== 'picture') || (/\.(ppt|pptx|pages)$/u.test(doc.name) && req['parser_id'] !== 'presentation'))) {
    return getDataErrorResult('Not supported yet!');
  }
  if (isDict(req['parser_config'])) doc.parserConfig = updateParserConfig(doc.parserConfig, req['parser_config']);
  if ('pipeline_id' in req) {
    ctx.services.parse.cancel(doc.id);
    resetForReparse(doc);
    doc.pipelineId = typeof req['pipeline_id'] === 'string' && req['pipeline_id'] ? req['pipeline_id'] : null;
  } else if (typeof method === 'string' && method) {
    if (doc.parserId.toLowerCase() !== method.toLowerCase()) {
      ctx.services.parse.cancel(doc.id);
      resetForReparse(doc);
      doc.parserId = method;
      doc.pipelineId = null;
    } else if (doc.pipelineId) {
      resetForReparse(doc);
      doc.pipelineId = null;
    }
    if (!req['parser_config']) doc.parserConfig = updateParserConfig(doc.parserConfig, getParserConfig(method, undefined, ctx.profile.parserConfigs));
  }
  if (typeof req['enabled'] === 'number') doc.status = req['enabled'] ? '1' : '0';
  ctx.store.touch(doc);
  return getResult({ data: v1Doc(doc, ctx.profile) });
}
