// Werkzeug-like routing: `<name>` segments, merged slashes, and RAGFlow's answers for an unknown path
// (404) or a known path with another method (405), which differ by version (ragflow-api.md §2.3).
import type { RequestContext } from './context.js';
import type { Reply } from './envelopes.js';
import { httpExceptionEnvelope, json } from './envelopes.js';
import type { Profile } from './profiles.js';

export type Params = Record<string, string>;
export type Handler = (ctx: RequestContext, params: Params) => Promise<Reply> | Reply;

export interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly handler: Handler;
}

export function route(method: string, pattern: string, handler: Handler): Route {
  return { method, pattern, handler };
}

/** A pattern's segments, split once (every request is matched against every route). */
const patternSegments = new Map<string, string[]>();

function segmentsOf(pattern: string): string[] {
  let segments = patternSegments.get(pattern);
  if (segments === undefined) patternSegments.set(pattern, (segments = pattern.split('/')));
  return segments;
}

function matchPattern(pattern: string, got: readonly string[]): Params | undefined {
  const want = segmentsOf(pattern);
  if (want.length !== got.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith('<') && w.endsWith('>')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

export type Resolution =
  | { kind: 'route'; route: Route; params: Params }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed' };

/** Werkzeug merges repeated slashes (so `/datasets//documents` is `/datasets/documents`). */
export function normalisePath(path: string): string {
  return path.replace(/\/{2,}/gu, '/');
}

/** Werkzeug ranks rules: a static segment beats a variable one at the same position. */
function specificity(pattern: string): string {
  return pattern
    .split('/')
    .map((seg) => (seg.startsWith('<') ? '0' : '1'))
    .join('');
}

export function resolve(routes: readonly Route[], method: string, path: string): Resolution {
  let best: { route: Route; params: Params; rank: string } | undefined;
  let pathMatched = false;
  const segments = path.split('/');
  for (const r of routes) {
    const params = matchPattern(r.pattern, segments);
    if (!params) continue;
    pathMatched = true;
    // HEAD is served by GET routes in Werkzeug.
    if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
    const rank = specificity(r.pattern);
    if (!best || rank > best.rank) best = { route: r, params, rank };
  }
  if (best) return { kind: 'route', route: best.route, params: best.params };
  return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
}

/** Flask (≤0.22.0): every HTTP error goes through server_error_response → HTTP 200, code 100.
 *  Quart (≥0.23): a 404 handler with its own body; 405 still through server_error_response. */
export function notFoundReply(profile: Profile, path: string): Reply {
  if (profile.server === 'flask') return httpExceptionEnvelope(404);
  return json({ code: 404, message: `Not Found: ${path}`, data: null, error: 'Not Found' }, 404);
}

export function methodNotAllowedReply(): Reply {
  return httpExceptionEnvelope(405);
}
