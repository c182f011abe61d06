// The one queue every server request passes through: `concurrency` requests in flight and no sliding
// one-second window holding more request starts than `requestsPerSecond`. A 429 pauses it as a whole.
// (p-queue's own interval limit counts per window from the window's first start, which lets a window
// that straddles two of its intervals see more starts than the cap: measured, so we gate starts here.)
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

/** Slack added to every window. A request reaches the server a few ms after its slot starts (the file is
 *  opened and the form built inside the slot), and that delay varies: without slack two requests started
 *  1000 ms apart can arrive 990 ms apart, and the server would see one request too many in a second.
 *  75 ms held on a loaded 2-core machine (40 did not); it costs 7% of the rate at 1 req/s windows. */
export const WINDOW_SLACK_MS = 75;

/** Starts allowed per window: whole numbers only, so fractional rates round down (the bound always
 *  holds); below one per second, single starts are spaced 1/rps apart. */
export function intervalFor(requestsPerSecond: number): { intervalCap: number; interval: number } {
  if (requestsPerSecond < 1) return { intervalCap: 1, interval: Math.ceil(1000 / requestsPerSecond) + WINDOW_SLACK_MS };
  return { intervalCap: Math.floor(requestsPerSecond), interval: 1000 + WINDOW_SLACK_MS };
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** FIFO gate: a start is granted once fewer than `cap` starts happened in the last `windowMs`. */
export class SlidingWindowGate {
  private readonly starts: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  private pausedUntil = 0;

  constructor(
    private readonly cap: number,
    private readonly windowMs: number,
    private readonly clock: Clock = realClock,
  ) {}

  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.chain.then(async () => {
      for (;;) {
        signal?.throwIfAborted();
        const now = this.clock.now();
        while (this.starts.length > 0 && now - (this.starts[0] ?? 0) >= this.windowMs) this.starts.shift();
        const wait = Math.max(this.pausedUntil - now, this.starts.length < this.cap ? 0 : (this.starts[0] ?? 0) + this.windowMs - now);
        if (wait <= 0) {
          this.starts.push(now);
          return;
        }
        await this.clock.sleep(wait);
      }
    });
    this.chain = turn.catch(() => undefined);
    return turn;
  }
}

/** `onStart` hears of every request start (wall-clock ms), e.g. for a trace log the rate test checks. */
export function createRequestScheduler(limit: RateLimit, clock: Clock = realClock, onStart?: (atMs: number) => void): PausableScheduler {
  const queue = new PQueue({ concurrency: limit.concurrency });
  const { intervalCap, interval } = intervalFor(limit.requestsPerSecond);
  const gate = new SlidingWindowGate(intervalCap, interval, clock);
  let started = 0;
  return {
    schedule<T>(request: (signal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal): Promise<T> {
      return queue.add(
        async () => {
          await gate.acquire(signal);
          started += 1;
          onStart?.(Date.now());
          return request(signal);
        },
        signal ? { signal } : {},
      );
    },
    pauseFor: (ms) => gate.pauseFor(ms),
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
