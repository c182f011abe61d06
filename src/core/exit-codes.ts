// Exit codes: one table shared by the CLI, the README and the systemd unit (RestartPreventExitStatus).
// Values follow sysexits.h where one fits.
export const EXIT = {
  /** All in sync, or a clean stop. */
  ok: 0,
  /** Finished, but some files failed (they are listed). */
  someFailed: 1,
  /** Wrong command-line usage. */
  usage: 64,
  /** The state file is bad and cannot be rebuilt from the server (EX_DATAERR). */
  stateUnrecoverable: 65,
  /** Unexpected internal error (EX_SOFTWARE). */
  internal: 70,
  /** The server is unreachable or does not answer like RAGFlow (EX_UNAVAILABLE). */
  serverUnavailable: 69,
  /** Another ragflow-sync process holds the state file (EX_TEMPFAIL: try again later). */
  stateLocked: 75,
  /** The server rejected the API key (EX_NOPERM). */
  authRejected: 77,
  /** The configuration is invalid (EX_CONFIG). */
  config: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
