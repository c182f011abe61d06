// The one queue every server request passes through: `concurrency` requests in flight and no sliding
// one-second window holding more requests than `requestsPerSecond`, counted where the server sees them
// arrive (and so also where the client starts them). A 429 pauses it as a whole.
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

/** Requests allowed per window: whole numbers only, so fractional rates round down (the bound always
 *  holds); below one per second, single requests are spaced 1/rps apart. The window is exact: no slack
 *  is needed because a request counts until its answer is in (see SlidingWindowGate). */
export function windowFor(requestsPerSecond: number): { cap: number; windowMs: number } {
  if (requestsPerSecond < 1) return { cap: 1, windowMs: Math.ceil(1000 / requestsPerSecond) };
  return { cap: Math.floor(requestsPerSecond), windowMs: 1000 };
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or as soon as `wake` aborts (the timer is then cleared). */
  sleep(ms: number, wake: AbortSignal): Promise<void>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, wake) =>
    new Promise((resolve) => {
      if (wake.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        wake.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake.addEventListener('abort', done);
    }),
};

/** Ends a granted request's hold on the window: call when its answer is in (or it failed). */
export type Release = () => void;

/**
 * FIFO gate: no window of `windowMs` may hold more than `cap` server arrivals.
 *
 * The server's arrival time of a request is unknown to us, but it lies between the grant (the request
 * cannot arrive before it starts) and the moment its answer (or failure) is in: the server logged it
 * before it answered. So each request occupies [grant, settled]; one still in flight occupies up to
 * "now". A request is granted only while fewer than `cap` earlier requests have settled later than
 * `now - windowMs` or are still in flight. Why that is enough: in any window holding arrivals, take the
 * request granted last; every other request arriving in that window arrived after `grant - windowMs`,
 * so it settled after that too (or was in flight) and was counted at that grant: at most `cap - 1`.
 * This holds whatever delays the request between grant and arrival (building the form, waiting for a
 * pooled connection, a stalled event loop at either end), and costs only each request's own round
 * trip, where a fixed slack added to the window cost the worst case every time.
 */
export class SlidingWindowGate {
  /** Granted requests whose answer is not in yet: they may still arrive at any moment. */
  private inFlight = 0;
  /** Settle times of answered requests, oldest first (the clock only moves forward, so appending keeps
   *  the order); those before `head` have left the window. */
  private settled: number[] = [];
  private head = 0;
  private chain: Promise<void> = Promise.resolve();
  private pausedUntil = 0;
  /** Wakes the waiting grant early when a request settles or its caller aborts. */
  private wake: AbortController | undefined;

  constructor(
    private readonly cap: number,
    private readonly windowMs: number,
    private readonly clock: Clock = realClock,
  ) {}

  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  /** Requests counted against a window starting now (for tests). */
  get held(): number {
    this.prune(this.clock.now());
    return this.inFlight + this.settled.length - this.head;
  }

  /** Waits its turn (FIFO) for room in the window; the caller must call the Release when the request's
   *  answer is in or it failed, or the request counts for ever. */
  acquire(signal?: AbortSignal): Promise<Release> {
    const turn = this.chain.then(() => this.waitForRoom(signal));
    this.chain = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private prune(now: number): void {
    const since = now - this.windowMs;
    while (this.head < this.settled.length && (this.settled[this.head] ?? 0) <= since) this.head += 1;
    // Compact now and then, not on every grant (a high rate keeps thousands of settle times in a window).
    if (this.head > 1024 && this.head * 2 > this.settled.length) {
      this.settled = this.settled.slice(this.head);
      this.head = 0;
    }
  }

  private async waitForRoom(signal: AbortSignal | undefined): Promise<Release> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      this.prune(now);
      const settled = this.settled.length - this.head;
      const excess = this.inFlight + settled - this.cap + 1; // holds that must end first
      if (excess <= 0 && this.pausedUntil <= now) return this.grant();
      // The excess-th oldest settled hold leaves the window first; if too few have settled, a release must come.
      const leaves = excess <= 0 ? now : excess <= settled ? (this.settled[this.head + excess - 1] ?? now) + this.windowMs : Infinity;
      const wait = Math.max(this.pausedUntil, leaves) - now;
      const wake = new AbortController();
      this.wake = wake;
      const onAbort = (): void => wake.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        // An infinite wait ends with a release; the window-long timer is only a safety net.
        await this.clock.sleep(Number.isFinite(wait) ? Math.max(wait, 0) : this.windowMs, wake.signal);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        this.wake = undefined;
      }
    }
  }

  private grant(): Release {
    this.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.settled.push(this.clock.now());
      this.wake?.abort();
    };
  }
}

/** `onStart` hears of every request start (wall-clock ms), e.g. for a trace log the rate test checks. */
export function createRequestScheduler(limit: RateLimit, clock: Clock = realClock, onStart?: (atMs: number) => void): PausableScheduler {
  const queue = new PQueue({ concurrency: limit.concurrency });
  const { cap, windowMs } = windowFor(limit.requestsPerSecond);
  const gate = new SlidingWindowGate(cap, windowMs, clock);
  let started = 0;
  return {
    schedule<T>(request: (signal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal): Promise<T> {
      return queue.add(
        async () => {
          const release = await gate.acquire(signal);
          try {
            started += 1;
            onStart?.(Date.now());
            return await request(signal);
          } finally {
            release();
          }
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
