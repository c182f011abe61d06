// API-key checks per era (ragflow-api.md §2.4): legacy, token_required (HTTP 200 + 109), login_required (401).
import type { RequestContext } from './context.js';
import type { Reply } from './envelopes.js';
import { getJsonResult, serverError } from './envelopes.js';
import { attributeError } from './py-values.js';
import { pyException } from './pyrepr.js';

export type AuthResult = { ok: true; tenantId: string } | { ok: false; reply: Reply };

/** Python's str.split() with no arguments. */
function pySplit(s: string): string[] {
  return s.split(/\s+/u).filter((w) => w !== '');
}

/** Legacy /v1/api: `request.headers.get('Authorization').split()[1]`, scheme word unchecked. */
export function legacyAuth(ctx: RequestContext): AuthResult {
  const header = ctx.header('authorization');
  if (header === undefined) {
    return { ok: false, reply: serverError(attributeError(undefined, 'split')) };
  }
  const words = pySplit(header);
  if (words.length < 2) return { ok: false, reply: serverError(pyException('IndexError', 'list index out of range')) };
  if (words[1] !== ctx.services.apiKey) {
    return { ok: false, reply: getJsonResult(109, 'Authentication error: API key is invalid!"', false) };
  }
  return { ok: true, tenantId: ctx.store.tenantId };
}

/** v1 ≤0.24 `token_required`: always HTTP 200; a missing header answers code 0. */
export function tokenRequired(ctx: RequestContext): AuthResult {
  const header = ctx.header('authorization');
  if (!header) return { ok: false, reply: getJsonResult(0, "`Authorization` can't be empty", false) };
  const words = pySplit(header);
  if (words.length < 2) return { ok: false, reply: getJsonResult(0, 'Please check your authorization format.', false) };
  if (words[1] !== ctx.services.apiKey) {
    return { ok: false, reply: getJsonResult(109, 'Authentication error: API key is invalid!', false) };
  }
  return { ok: true, tenantId: ctx.store.tenantId };
}

/** v1 ≥0.25 `login_required`: "Bearer " (any case) or a raw key; anything else HTTP 401. */
export function loginRequired(ctx: RequestContext): AuthResult {
  const header = ctx.header('authorization');
  const unauthorized: AuthResult = {
    ok: false,
    reply: { kind: 'json', status: 401, body: { code: 401, message: "<Unauthorized '401: Unauthorized'>", data: null } },
  };
  if (!header) return unauthorized;
  let token = header;
  if (header.slice(0, 7).toLowerCase() === 'bearer ') {
    // authorization.split(maxsplit=1)[1]: leading blanks skipped, trailing ones kept.
    const m = /^\s*\S+\s+(\S[\s\S]*)$/u.exec(header);
    if (!m) return unauthorized;
    token = m[1] ?? '';
  }
  return token === ctx.services.apiKey ? { ok: true, tenantId: ctx.store.tenantId } : unauthorized;
}

export function v1Auth(ctx: RequestContext): AuthResult {
  return ctx.profile.v1Auth === 'login-required' ? loginRequired(ctx) : tokenRequired(ctx);
}
