// Maps what undici/Node throw (never a RAGFlow answer) to RemoteErrors. Decisions use error
// names and codes, never message text.

import type { RemoteError } from '../sync/ports.js';
import { remoteError } from './remote-error.js';

/** Which of our own signals had fired when the error surfaced. */
export interface FailureContext {
  readonly callerAborted: boolean;
  readonly deadlinePassed: boolean;
  /** The request was handed to undici, so (part of) its body may have reached the server. */
  readonly dispatched: boolean;
  /** The request changes server state: a lost answer must be flagged as ambiguous. */
  readonly mutating: boolean;
  /** "upload POST http://host/path", for messages. */
  readonly describe: string;
}

// Failing while connecting means nothing was sent: these are never ambiguous.
const CONNECT_PHASE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function errorName(error: unknown): string | undefined {
  return error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)
    ? String((error as { name?: unknown }).name)
    : undefined;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The error and its causes, outermost first (undici wraps socket errors; Node wraps blob errors). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = typeof current === 'object' && 'cause' in current ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

function summary(error: unknown): string {
  const parts = causeChain(error).map((item) => {
    const code = errorCode(item);
    const text = item instanceof Error ? item.message : String(item);
    return code !== undefined ? `${code}: ${text}` : text;
  });
  return parts.join(' <- ');
}

export function mapThrown(error: unknown, context: FailureContext): RemoteError {
  const chain = causeChain(error);
  const ambiguous = context.dispatched && context.mutating;
  const where = context.describe;
  if (context.callerAborted) return remoteError('aborted', `${where}: aborted`, { ambiguous });
  if (context.deadlinePassed) return remoteError('timeout', `${where}: no complete answer before the deadline`, { ambiguous });
  // A Blob from fs.openAsBlob refuses to read once the file changed: the body was cut short,
  // so the server cannot have accepted the upload.
  if (chain.some((item) => errorName(item) === 'NotReadableError')) {
    return remoteError('file-changed', `${where}: the file changed while it was being sent`);
  }
  const codes = chain.map(errorCode).filter((code): code is string => code !== undefined);
  if (codes.some((code) => CONNECT_PHASE_CODES.has(code))) {
    return remoteError('network', `${where}: ${summary(error)}`);
  }
  if (codes.some((code) => TIMEOUT_CODES.has(code))) {
    return remoteError('timeout', `${where}: ${summary(error)}`, { ambiguous });
  }
  if (chain.some((item) => errorName(item) === 'AbortError')) {
    // An abort we did not ask for (the scheduler's signal): shutting down.
    return remoteError('aborted', `${where}: aborted`, { ambiguous });
  }
  if (codes.length > 0) return remoteError('network', `${where}: ${summary(error)}`, { ambiguous });
  return remoteError('protocol', `${where}: ${summary(error)}`, { ambiguous });
}
