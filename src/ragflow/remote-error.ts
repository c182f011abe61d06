// Builds the typed results every client method returns. Whether a kind is retryable is decided
// here once, from the table in sync/ports.ts, so no call site can disagree with it.

import type { Ok, RemoteError, RemoteErrorKind } from '../sync/ports.js';

const RETRYABLE: Readonly<Record<RemoteErrorKind, boolean>> = {
  auth: false,
  'kb-not-found': false,
  'doc-not-found': false,
  'unsupported-type': false,
  'name-too-long': false,
  'too-large': false,
  'listing-unavailable': false,
  unsupported: false,
  rejected: false,
  'rate-limited': true,
  server: true,
  network: true,
  timeout: true,
  'file-changed': true,
  'file-unreadable': false,
  protocol: false,
  aborted: false,
};

export function isRetryableKind(kind: RemoteErrorKind): boolean {
  return RETRYABLE[kind];
}

export interface ErrorDetails {
  readonly code?: number | undefined;
  readonly httpStatus?: number | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly ambiguous?: boolean | undefined;
}

export function remoteError(kind: RemoteErrorKind, message: string, details: ErrorDetails = {}): RemoteError {
  // exactOptionalPropertyTypes: only copy the details that are really there.
  return {
    ok: false,
    kind,
    retryable: isRetryableKind(kind),
    message,
    ...(details.code !== undefined ? { code: details.code } : {}),
    ...(details.httpStatus !== undefined ? { httpStatus: details.httpStatus } : {}),
    ...(details.retryAfterMs !== undefined ? { retryAfterMs: details.retryAfterMs } : {}),
    ...(details.ambiguous === true ? { ambiguous: true } : {}),
  };
}

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

/** Marks an error as possibly applied on the server (used for answers lost after sending). */
export function withAmbiguity(error: RemoteError, ambiguous: boolean): RemoteError {
  if (!ambiguous || error.ambiguous === true) return error;
  return { ...error, ambiguous: true };
}
