// When and how long to wait before trying a failed server request again. Pure: randomness is an input.
import type { RemoteError } from '../sync/ports.js';

export interface RetryPolicy {
  /** Attempts per job, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Milliseconds to wait before attempt `attempt + 1` (attempt counts from 1), or undefined to give up.
 *  Exponential backoff with full jitter; a server's Retry-After wins when it asks for longer. */
export function retryDelay(error: RemoteError, attempt: number, policy: RetryPolicy, random: () => number): number | undefined {
  if (!error.retryable || attempt >= policy.maxAttempts) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(jittered, error.retryAfterMs ?? 0);
}
