// Request validation for the dataset endpoints, mirroring the pydantic models of 0.24 / 0.27
// (ListDatasetReq, DeleteDatasetReq, validate_and_parse_json_request) and their messages.
import type { RequestContext } from './context.js';
import type { Reply } from './envelopes.js';
import { getErrorArgumentResult } from './envelopes.js';
import { pyInt, pyTypeName, pydanticLine } from './py-values.js';

const HEX32 = /^[0-9a-f]{32}$/u;

/** Python's uuid.UUID(str): hex with optional dashes/braces/urn prefix. Returns [hex, version] or undefined. */
export function parseUuid(v: string): { hex: string; version: number } | undefined {
  const hex = v.replace(/^urn:uuid:/iu, '').replace(/^\{|\}$/gu, '').replaceAll('-', '').toLowerCase();
  if (!HEX32.test(hex)) return undefined;
  return { hex, version: Number.parseInt(hex[12] ?? '0', 16) };
}

/** validate_uuid1_hex: 0.24 insists on version 1, 0.27 only on a UUID. Returns an error message or undefined. */
export function uuidError(ctx: RequestContext, v: unknown): string | undefined {
  const parsed = typeof v === 'string' ? parseUuid(v) : undefined;
  const restful = ctx.profile.v1Style === 'restful';
  // 0.24 raises "Must be a UUID1 format" inside its own try block, which turns it into
  // "Invalid UUID1 format" too (PydanticCustomError is a ValueError).
  if (!parsed || (!restful && parsed.version !== 1)) return restful ? 'Invalid UUID format' : 'Invalid UUID1 format';
  return undefined;
}

const BOOL_TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const BOOL_FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

export function listArgsErrors(ctx: RequestContext): { errors: string[]; page: number; pageSize: number; orderby: string; desc: boolean } {
  const q = ctx.query;
  const errors: string[] = [];
  const known = new Set(['id', 'name', 'page', 'page_size', 'orderby', 'desc']);
  if (ctx.profile.v1Style === 'restful') for (const k of ['ids', 'include_parsing_status', 'ext', 'type']) known.add(k);
  const id = q.get('id');
  if (id !== undefined) {
    const e = uuidError(ctx, id);
    if (e) errors.push(pydanticLine('id', e, id));
  }
  const intField = (key: string, fallback: number): number => {
    const raw = q.get(key);
    if (raw === undefined) return fallback;
    const n = pyInt(raw);
    if (n === undefined) {
      errors.push(pydanticLine(key, 'Input should be a valid integer, unable to parse string as an integer', raw));
      return fallback;
    }
    if (n < 1) {
      errors.push(pydanticLine(key, 'Input should be greater than or equal to 1', raw));
      return fallback;
    }
    const max = ctx.profile.maxPageSize;
    if (key === 'page_size' && max !== null && n > max) {
      errors.push(pydanticLine(key, `Value error, page_size must be less than or equal to ${max}`, raw));
    }
    return n;
  };
  const page = intField('page', 1);
  const pageSize = intField('page_size', 30);
  const orderby = q.get('orderby') ?? 'create_time';
  if (orderby !== 'create_time' && orderby !== 'update_time') {
    errors.push(pydanticLine('orderby', "Input should be 'create_time' or 'update_time'", orderby));
  }
  let desc = true;
  const rawDesc = q.get('desc');
  if (rawDesc !== undefined) {
    const l = rawDesc.trim().toLowerCase();
    if (BOOL_TRUE.has(l)) desc = true;
    else if (BOOL_FALSE.has(l)) desc = false;
    else errors.push(pydanticLine('desc', 'Input should be a valid boolean, unable to interpret input', rawDesc));
  }
  for (const k of q.keys()) if (!known.has(k)) errors.push(pydanticLine(k, 'Extra inputs are not permitted', q.get(k)));
  return { errors, page, pageSize, orderby, desc };
}

export const CREATE_FIELDS = new Set([
  'name', 'avatar', 'description', 'embedding_model', 'permission', 'chunk_method', 'parse_type', 'pipeline_id', 'parser_config',
]);

/** The JSON body for create/delete: validate_and_parse_json_request's content-type and shape checks. */
/** validate_and_parse_json_request's body handling: application/json only, an object (falsy → {}). */
export async function jsonObject(ctx: RequestContext): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; reply: Reply }> {
  const mimetype = ctx.contentType.split(';')[0]?.trim() ?? '';
  if (mimetype !== 'application/json') {
    return { ok: false, reply: getErrorArgumentResult(`Unsupported content type: Expected application/json, got ${ctx.header('content-type') ?? 'None'}`) };
  }
  const raw = await ctx.raw();
  let payload: unknown;
  try {
    // An empty body is not JSON either: Quart's get_json() raises BadRequest.
    payload = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, reply: getErrorArgumentResult('Malformed JSON syntax: Missing commas/brackets or invalid encoding') };
  }
  if (payload === null || payload === false || payload === 0 || payload === '' || (Array.isArray(payload) && payload.length === 0)) payload = {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, reply: getErrorArgumentResult(`Invalid request payload: expected object, got ${pyTypeName(payload)}`) };
  }
  ctx.log.fields = payload as Record<string, unknown>;
  return { ok: true, value: payload as Record<string, unknown> };
}

