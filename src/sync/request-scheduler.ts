// The one queue every server request passes through: `concurrency` requests in flight and no sliding
// one-second window holding more request starts than `requestsPerSecond`. A 429 pauses it as a whole.
import PQueue from 'p-queue';
import type { RequestScheduler } from './ports.js';

export interface RateLimit {
  readonly requestsPerSecond: number;
  readonly concurrency: number;
}

export interface PausableScheduler extends RequestScheduler {
  /** Stop starting requests for `ms` (a Retry-After); an earlier pause that lasts longer wins. */
  pauseFor(ms: number): void;
  /** Requests started so far (for reports and tests). */
  readonly started: number;
  readonly pending: number;
  readonly size: number;
  onIdle(): Promise<void>;
}

/** p-queue's interval cap must be a whole number: below 1 request per second we space single requests
 *  1/rps apart; above, fractional rates round down so the sliding-second bound always holds. */
export function intervalFor(requestsPerSecond: number): { intervalCap: number; interval: number } {
  if (requestsPerSecond < 1) return { intervalCap: 1, interval: Math.ceil(1000 / requestsPerSecond) };
  return { intervalCap: Math.floor(requestsPerSecond), interval: 1000 };
}

export function createRequestScheduler(limit: RateLimit): PausableScheduler {
  const queue = new PQueue({ concurrency: limit.concurrency, ...intervalFor(limit.requestsPerSecond), strict: true });
  let started = 0;
  let resumeAt = 0;
  let resumeTimer: NodeJS.Timeout | undefined;
  return {
    schedule<T>(request: (signal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal): Promise<T> {
      return queue.add(
        () => {
          started += 1;
          return request(signal);
        },
        signal ? { signal } : {},
      );
    },
    pauseFor(ms: number) {
      const until = Date.now() + ms;
      if (until <= resumeAt) return;
      resumeAt = until;
      queue.pause();
      if (resumeTimer) clearTimeout(resumeTimer);
      resumeTimer = setTimeout(() => {
        resumeTimer = undefined;
        queue.start();
      }, ms);
      resumeTimer.unref();
    },
    get started() {
      return started;
    },
    get pending() {
      return queue.pending;
    },
    get size() {
      return queue.size;
    },
    onIdle: () => queue.onIdle(),
  };
}
