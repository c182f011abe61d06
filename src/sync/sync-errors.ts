// Errors that stop the whole process (as opposed to one file's failure, which is data). Each maps to an
// exit code in src/core/exit-codes.ts.
import type { RemoteError } from './ports.js';
import { EXIT, type ExitCode } from '../core/exit-codes.js';

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

/** Maps the errors that stop a command to exit codes (the table in src/core/exit-codes.ts). */
export function exitCodeFor(err: unknown): ExitCode | undefined {
  if (err instanceof AuthRejectedError) return EXIT.authRejected;
  if (err instanceof ServerUnusableError) return EXIT.serverUnavailable;
  if (err instanceof StateUnrecoverableError) return EXIT.stateUnrecoverable;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'state-locked') return EXIT.stateLocked;
  // Written by a newer ragflow-sync: left untouched, and this version cannot use it.
  if (code === 'state-version-unsupported') return EXIT.stateUnrecoverable;
  if (code === 'config-invalid') return EXIT.config;
  return undefined;
}
