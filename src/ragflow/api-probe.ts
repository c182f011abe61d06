// Finds out which RAGFlow API a server speaks (ClientOptions.api = 'auto'): v1 first, since every
// RAGFlow from v0.13 has it and the legacy API is gone after v0.22.0; then the legacy API. An auth
// answer from either is an auth error (not "try the other one"); transport trouble is returned as is.

import type { RemoteError, Result } from '../sync/ports.js';
import { isBrokenLegacyListing } from './classify-answer.js';
import { isSuccess, type Envelope } from './envelope.js';
import type { HttpTransport, JsonAnswer } from './http-transport.js';
import { ok, remoteError } from './remote-error.js';

export type ProbeOutcome = { readonly api: 'v1' } | { readonly api: 'legacy'; readonly listingBroken: boolean };

/** The answer says "no such route/verb here": the API is absent, not failing. */
function routeMissing(envelope: Envelope): boolean {
  return envelope.code === 404 || (envelope.code === 100 && /<NotFound '404|MethodNotAllowed/.test(envelope.message));
}

/** Errors that end probing: the server (or our key) decided, or nothing can be learnt right now. */
function decisive(error: RemoteError): boolean {
  return error.kind === 'auth' || error.retryable || error.kind === 'aborted';
}

type Step = { readonly done: Result<ProbeOutcome> } | { readonly miss: string };

function describeMiss(answer: Result<JsonAnswer>): string {
  if (!answer.ok) return answer.message;
  const { envelope, httpStatus } = answer.value;
  return `HTTP ${httpStatus}, code ${envelope.code}${envelope.message === '' ? '' : ` "${envelope.message}"`}`;
}

async function probeV1(http: HttpTransport, signal: AbortSignal | undefined): Promise<Step> {
  const what = 'probe v1 API';
  const answer = await http.callJson({ method: 'GET', path: '/api/v1/datasets', query: { page: 1, page_size: 1 }, mutating: false, signal, what });
  if (!answer.ok) return decisive(answer) ? { done: answer } : { miss: describeMiss(answer) };
  const { envelope } = answer.value;
  if (isSuccess(envelope) && Array.isArray(envelope.data)) return { done: ok({ api: 'v1' }) };
  const error = http.envelopeError(answer.value, { notFound: 'kb-not-found' }, what);
  if (error.kind === 'auth') return { done: error };
  return { miss: describeMiss(answer) };
}

async function probeLegacy(http: HttpTransport, signal: AbortSignal | undefined): Promise<Step> {
  const what = 'probe legacy API';
  // A KB name that will not exist: the answer is 102 "Can't find this knowledgebase!" (or 0 if it does).
  const json = { kb_name: 'ragflow-sync api probe', page: 1, page_size: 1 };
  const answer = await http.callJson({ method: 'POST', path: '/v1/api/list_kb_docs', json, mutating: false, signal, what });
  if (!answer.ok) return decisive(answer) ? { done: answer } : { miss: describeMiss(answer) };
  const { envelope } = answer.value;
  if (routeMissing(envelope)) return { miss: describeMiss(answer) };
  const error = isSuccess(envelope) ? undefined : http.envelopeError(answer.value, { notFound: 'kb-not-found' }, what);
  if (error?.kind === 'auth') return { done: error };
  // Any other envelope on this path is the legacy API talking, broken listing included.
  return { done: ok({ api: 'legacy', listingBroken: isBrokenLegacyListing(envelope) }) };
}

export async function probeApi(http: HttpTransport, signal?: AbortSignal): Promise<Result<ProbeOutcome>> {
  const v1 = await probeV1(http, signal);
  if ('done' in v1) return v1.done;
  const legacy = await probeLegacy(http, signal);
  if ('done' in legacy) return legacy.done;
  return remoteError(
    'protocol',
    `no RAGFlow API answered at ${http.origin}: GET /api/v1/datasets → ${v1.miss}; POST /v1/api/list_kb_docs → ${legacy.miss}`,
  );
}
