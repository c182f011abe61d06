// Errors that stop the whole process (as opposed to one file's failure, which is data). Each maps to an
// exit code in src/core/exit-codes.ts.
import type { RemoteError } from './ports.js';

/** The server rejected the API key: retrying would only hammer it. */
export class AuthRejectedError extends Error {
  override readonly name = 'AuthRejectedError';
  readonly code = 'auth-rejected' as const;
  constructor(readonly remote: RemoteError) {
    super(`the RAGFlow server rejected the API key (${remote.message}); check server.apiKey / RAGFLOW_API_KEY`);
  }
}

/** The server does not answer like RAGFlow at all (wrong URL, a proxy page, neither API present). */
export class ServerUnusableError extends Error {
  override readonly name = 'ServerUnusableError';
  readonly code = 'server-unusable' as const;
  constructor(readonly remote: RemoteError) {
    super(remote.message);
  }
}

/** The state file cannot be trusted and cannot be rebuilt (the server cannot list its documents). */
export class StateUnrecoverableError extends Error {
  override readonly name = 'StateUnrecoverableError';
  readonly code = 'state-unrecoverable' as const;
}
