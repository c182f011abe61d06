// withRetries: exponential backoff with full jitter, Retry-After pausing the queue, bounded attempts,
// a rejected key stopping at once. Time is an input (a recording sleep), so nothing here waits.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { remoteError } from '../../src/ragflow/remote-error.js';
import type { RemoteError, Result } from '../../src/sync/ports.js';
import { AuthRejectedError } from '../../src/sync/sync-errors.js';
import { withRetries, type RetryDeps } from '../../src/sync/with-retries.js';

function harness(random: () => number) {
  const slept: number[] = [];
  const paused: number[] = [];
  const deps: RetryDeps = {
    scheduler: { pauseFor: (ms) => paused.push(ms) },
    logger: pino({ level: 'silent' }),
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
    random,
    retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 },
  };
  return { deps, slept, paused };
}

/** Answers with the given failures in turn, then succeeds. */
function script(failures: RemoteError[]): { attempt: () => Promise<Result<string>>; calls: () => number } {
  let n = 0;
  return {
    attempt: () => Promise.resolve(n < failures.length ? failures[n++]! : (n++, { ok: true as const, value: 'done' })),
    calls: () => n,
  };
}

const server = () => remoteError('server', 'HTTP 503');

describe('withRetries', () => {
  it('waits between half and all of an exponentially growing ceiling (full jitter)', async () => {
    for (const [random, expected] of [
      [0, [250, 500, 1000, 2000]],
      [0.999_999, [500, 1000, 2000, 4000]],
    ] as const) {
      const { deps, slept } = harness(() => random);
      const { attempt } = script([server(), server(), server(), server()]);
      expect(await withRetries(deps, attempt)).toEqual({ ok: true, value: 'done' });
      expect(slept).toEqual(expected);
    }
  });

  it('gives up after maxAttempts and returns the last failure', async () => {
    const { deps, slept } = harness(() => 0.5);
    const { attempt, calls } = script(Array.from({ length: 9 }, server));
    const result = await withRetries(deps, attempt);
    expect(result.ok).toBe(false);
    expect(calls()).toBe(5);
    expect(slept).toHaveLength(4);
  });

  it('a 429 pauses the whole queue for at least its Retry-After; permanent failures are not retried', async () => {
    const { deps, slept, paused } = harness(() => 0);
    const { attempt } = script([remoteError('rate-limited', 'HTTP 429', { retryAfterMs: 7000 })]);
    await withRetries(deps, attempt);
    expect(paused).toEqual([7000]);
    expect(slept).toEqual([7000]);

    const permanent = harness(() => 0);
    const refused = script([remoteError('unsupported-type', 'This type of file has not been supported yet!')]);
    expect((await withRetries(permanent.deps, refused.attempt)).ok).toBe(false);
    expect(refused.calls()).toBe(1);
  });

  it('a rejected key throws AuthRejectedError at once', async () => {
    const { deps, slept } = harness(() => 0);
    const { attempt } = script([remoteError('auth', 'HTTP 401')]);
    await expect(withRetries(deps, attempt)).rejects.toBeInstanceOf(AuthRejectedError);
    expect(slept).toEqual([]);
  });

  it('beforeRetry can end the retries with what it found (a lost upload that was stored)', async () => {
    const { deps } = harness(() => 0);
    const { attempt, calls } = script([remoteError('network', 'socket closed', { ambiguous: true }), server()]);
    const seen: RemoteError[] = [];
    const result = await withRetries(deps, attempt, (error) => {
      seen.push(error);
      return Promise.resolve('found on the server');
    });
    expect(result).toEqual({ ok: true, value: 'found on the server' });
    expect(calls()).toBe(1);
    expect(seen[0]?.ambiguous).toBe(true);
  });
});
