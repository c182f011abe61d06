// One server request with retries: exponential backoff with full jitter for retryable failures (network,
// timeout, 5xx, 429), a 429's Retry-After pausing the whole request queue, and a rejected key stopping
// everything. Done in our own code: undici's RetryAgent never retries POST (dependency-notes §4).
import type { Logger } from 'pino';
import { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from '../core/retry-policy.js';
import type { RemoteError, Result } from './ports.js';
import type { PausableScheduler } from './request-scheduler.js';
import { AuthRejectedError } from './sync-errors.js';

export interface RetryDeps {
  readonly scheduler: Pick<PausableScheduler, 'pauseFor'>;
  readonly logger: Logger;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly signal?: AbortSignal;
  readonly retry?: RetryPolicy;
  readonly random?: () => number;
}

/** `beforeRetry` runs after the wait and before the next attempt; a value it returns ends the retries as
 *  the result (an upload whose lost answer turns out to have been stored). */
export async function withRetries<T>(
  deps: RetryDeps,
  attempt: () => Promise<Result<T>>,
  beforeRetry?: (error: RemoteError) => Promise<T | undefined>,
): Promise<Result<T>> {
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  for (let n = 1; ; n += 1) {
    const result = await attempt();
    if (result.ok) return result;
    if (result.kind === 'auth') throw new AuthRejectedError(result);
    // The same bytes cannot be sent again: the upload path waits for the file to settle and re-hashes.
    if (result.kind === 'file-changed') return result;
    const delay = retryDelay(result, n, policy, deps.random ?? Math.random);
    if (delay === undefined || deps.signal?.aborted) return result;
    if (result.kind === 'rate-limited') deps.scheduler.pauseFor(delay);
    deps.logger.debug({ kind: result.kind, attempt: n, delayMs: delay }, 'retrying after a transient failure');
    await deps.sleep(delay, deps.signal);
    if (beforeRetry) {
      const found = await beforeRetry(result);
      if (found !== undefined) return { ok: true, value: found };
    }
  }
}
