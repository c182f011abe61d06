// v1 document update: PUT (sdk/doc.py ≤0.24; alias of PATCH from 0.25.2) and PATCH (restful ≥0.25) (§5.3).
import { v1Auth } from './auth.js';
import type { RequestContext } from './context.js';
import { pyTypeName } from './context.js';
import { v1Doc } from './doc-view.js';
import type { Reply } from './envelopes.js';
import { getDataErrorResult, getErrorDataResult, getResult, serverError } from './envelopes.js';
import { pathSuffix, utf8Length } from './names.js';
import { pydanticLine } from './py-values.js';
import { pyException } from './pyrepr.js';
import type { Params, Route } from './router.js';
import { route } from './router.js';
import type { DocRecord } from './store.js';
import { getParserConfig, updateParserConfig } from './parser-config.js';

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

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
    if (typeof name !== 'string') return serverError(pyException('AttributeError', `'${pyTypeName(name)}' object has no attribute 'encode'`));
    const limit = ctx.profile.nameLimit;
    if (utf8Length(name) > limit.maxBytes) return getResult({ code: 101, message: limit.rename });
    if (!sameExtension(name, doc.name)) return getResult({ code: 101, message: "The extension of file can't be changed" });
    // The database lookup is collation-insensitive, the comparison after it exact (§4.1).
    if (ctx.store.docsNamed(doc.kbId, name).some((d) => d.name === name)) {
      return getErrorDataResult('Duplicated document name in the same dataset.');
    }
    doc.name = name;
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
function validateUpdate(req: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const optStr = (key: string): void => {
    const v = req[key];
    if (v !== undefined && v !== null && typeof v !== 'string') errors.push(pydanticLine(key, 'Input should be a valid string', v));
  };
  const optInt = (key: string, min: number, max?: number): void => {
    const v = req[key];
    if (v === undefined || v === null) return;
    if (typeof v !== 'number' || !Number.isInteger(v)) errors.push(pydanticLine(key, 'Input should be a valid integer', v));
    else if (v < min) errors.push(pydanticLine(key, `Input should be greater than or equal to ${min}`, v));
    else if (max !== undefined && v > max) errors.push(pydanticLine(key, `Input should be less than or equal to ${max}`, v));
  };
  optStr('name');
  optStr('chunk_method');
  const method = req['chunk_method'];
  if (typeof method === 'string' && method && !CHUNK_METHODS.has(method)) {
    errors.push(pydanticLine('chunk_method', `\`chunk_method\` ${method} doesn't exist`, method));
  }
  optStr('pipeline_id');
  optInt('enabled', 0, 1);
  optInt('chunk_count', 0);
  optInt('token_count', 0);
  const progress = req['progress'];
  if (progress !== undefined && progress !== null) {
    if (typeof progress !== 'number') errors.push(pydanticLine('progress', 'Input should be a valid number', progress));
    else if (progress < 0) errors.push(pydanticLine('progress', 'Input should be greater than or equal to 0', progress));
    else if (progress > 1) errors.push(pydanticLine('progress', 'Input should be less than or equal to 1', progress));
  }
  const pc = req['parser_config'];
  if (pc !== undefined && pc !== null && !isDict(pc)) {
    errors.push(pydanticLine('parser_config', 'Input should be a valid dictionary or instance of ParserConfig', pc));
  }
  const meta = req['meta_fields'];
  if (meta !== undefined && meta !== null) {
    if (!isDict(meta)) errors.push(pydanticLine('meta_fields', 'Input should be a valid dictionary', meta));
    else {
      for (const v of Object.values(meta)) {
        const scalar = (x: unknown): boolean => typeof x === 'string' || typeof x === 'number';
        if (Array.isArray(v)) {
          if (!v.every(scalar)) {
            errors.push(pydanticLine('meta_fields', `The type is not supported in list: ${JSON.stringify(v)}`, meta));
            break;
          }
        } else if (!scalar(v)) {
          errors.push(pydanticLine('meta_fields', `The type is not supported: ${String(v)}`, meta));
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
  const invalid = validateUpdate(req);
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
  if (typeof name === 'string' && name !== doc.name) doc.name = name;
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
