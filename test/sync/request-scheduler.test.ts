// The request scheduler keeps every sliding second within the rate, counted at the server's arrival,
// whatever delays a request between its grant and its arrival; and it respects concurrency.
import { describe, expect, it } from 'vitest';
import { createRequestScheduler, SlidingWindowGate, windowFor, type Clock } from '../../src/sync/request-scheduler.js';

/** A clock whose time moves only when the test says; sleeps are timers it fires in order. */
class ManualClock implements Clock {
  time = 0;
  private timers: { at: number; fire: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, wake: AbortSignal): Promise<void> {
    return this.after(ms, wake);
  }

  after(ms: number, wake?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = { at: this.time + ms, fire: resolve };
      this.timers.push(timer);
      wake?.addEventListener('abort', () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      });
    });
  }

  /** Runs every timer until none is left, letting promise chains settle between them. */
  async runAll(limitMs = 1e7): Promise<void> {
    for (;;) {
      await flush();
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (next === undefined || next.at > limitMs) return;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.fire();
    }
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Largest number of times in any window [t, t + windowMs). */
function maxPerWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start += 1;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/**
 * The gate's own invariant, which makes the bound hold wherever each arrival falls between its grant and
 * its answer: at every grant, fewer than `cap` earlier requests were answered after `grant - windowMs`
 * (or not yet). Returns the largest count of those seen at a grant, plus the grant itself.
 */
function worstCaseWindow(held: readonly { grant: number; settle: number }[], windowMs = 1000): number {
  let worst = 0;
  for (let n = 0; n < held.length; n += 1) {
    const grant = held[n]?.grant ?? 0;
    let count = 1;
    for (let i = 0; i < n; i += 1) if ((held[i]?.settle ?? Infinity) > grant - windowMs) count += 1;
    worst = Math.max(worst, count);
  }
  return worst;
}

/** Pseudo-random numbers from a seed, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('request scheduler', () => {
  it('maps rates onto whole-number caps in exact windows without ever exceeding the rate', () => {
    expect(windowFor(5)).toEqual({ cap: 5, windowMs: 1000 });
    expect(windowFor(2.5)).toEqual({ cap: 2, windowMs: 1000 });
    expect(windowFor(0.5)).toEqual({ cap: 1, windowMs: 2000 });
  });

  it('keeps arrivals within the cap per window however late each arrives before its answer', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seeded(seed);
      const clock = new ManualClock();
      const gate = new SlidingWindowGate(20, 1000, clock);
      const grants: number[] = [];
      const arrivals: number[] = [];
      const held: { grant: number; settle: number }[] = [];
      // Some requests wait long after their grant before the server sees them (a busy connection pool,
      // a stalled event loop), some answer at once: the arrival lies anywhere between grant and answer.
      const requests = Array.from({ length: 300 }, async () => {
        const release = await gate.acquire();
        grants.push(clock.now());
        const hold = { grant: clock.now(), settle: Infinity };
        held.push(hold);
        const late = random() < 0.2 ? random() * 400 : random() * 5;
        await clock.after(late);
        arrivals.push(clock.now());
        await clock.after(random() * 10);
        hold.settle = clock.now();
        release();
      });
      await clock.runAll();
      await Promise.all(requests);
      expect(arrivals).toHaveLength(300);
      expect(maxPerWindow(arrivals), `seed ${seed}`).toBeLessThanOrEqual(20);
      expect(maxPerWindow(grants), `seed ${seed}`).toBeLessThanOrEqual(20);
      expect(worstCaseWindow(held), `seed ${seed}`).toBeLessThanOrEqual(20);
    }
  });

  it('costs only the round trip: quick answers keep the rate close to the cap', async () => {
    const clock = new ManualClock();
    const gate = new SlidingWindowGate(20, 1000, clock);
    const grants: number[] = [];
    const requests = Array.from({ length: 400 }, async () => {
      const release = await gate.acquire();
      grants.push(clock.now());
      await clock.after(5);
      release();
    });
    await clock.runAll();
    await Promise.all(requests);
    const last = grants.at(-1) ?? 0;
    // 20 per 1005 ms: 380 grants after the first window's 20 take 19 windows.
    expect(last).toBeLessThanOrEqual(19 * 1005 + 1);
    expect(last).toBeGreaterThanOrEqual(19 * 1000);
  });

  it('keeps the bound over thousands of requests in a window (settle times compacted as they age out)', async () => {
    const clock = new ManualClock();
    const gate = new SlidingWindowGate(1500, 1000, clock);
    const grants: number[] = [];
    const held: { grant: number; settle: number }[] = []; // in grant order
    const requests = Array.from({ length: 4000 }, async (_, i) => {
      const release = await gate.acquire();
      grants.push(clock.now());
      const hold = { grant: clock.now(), settle: Infinity };
      held.push(hold);
      await clock.after(1 + ((i * 7919) % 400)); // answers spread over 400 ms
      hold.settle = clock.now();
      release();
    });
    await clock.runAll();
    await Promise.all(requests);
    expect(maxPerWindow(grants)).toBe(1500);
    expect(worstCaseWindow(held)).toBe(1500);
    expect(grants.at(-1)).toBeLessThan(2 * 1401);
    clock.time += 1000; // a window after the last answer, nothing counts any more
    expect(gate.held).toBe(0);
  });

  it('counts a request still in flight: no grant until enough answers are in and a window has passed', async () => {
    const clock = new ManualClock();
    const gate = new SlidingWindowGate(2, 1000, clock);
    const first = await gate.acquire();
    const second = await gate.acquire();
    let thirdAt: number | undefined;
    const third = gate.acquire().then((release) => {
      thirdAt = clock.now();
      return release;
    });
    await clock.runAll(4999); // both still in flight for 5 s
    expect(thirdAt).toBeUndefined();
    clock.time = 5000;
    first();
    await clock.runAll(5999);
    expect(thirdAt).toBeUndefined(); // the first request may have arrived just before its answer
    await clock.runAll();
    expect(thirdAt).toBe(6000);
    second();
    (await third)();
  });

  it('wakes a waiting grant when its caller aborts', async () => {
    const clock = new ManualClock();
    const gate = new SlidingWindowGate(1, 1000, clock);
    const held = await gate.acquire();
    const controller = new AbortController();
    const waiting = gate.acquire(controller.signal);
    await flush();
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    held();
    expect(gate.held).toBe(1);
  });

  it('starts no more than requestsPerSecond requests in any sliding second, and at most `concurrency` at once', async () => {
    const scheduler = createRequestScheduler({ requestsPerSecond: 10, concurrency: 3 });
    const starts: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    await Promise.all(
      Array.from({ length: 25 }, () =>
        scheduler.schedule(async () => {
          starts.push(performance.now());
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 20));
          inFlight -= 1;
        }),
      ),
    );
    expect(maxInFlight).toBeLessThanOrEqual(3);
    starts.sort((a, b) => a - b);
    for (let i = 10; i < starts.length; i += 1) expect(starts[i]! - starts[i - 10]!).toBeGreaterThanOrEqual(1000);
    expect(scheduler.started).toBe(25);
  });

  it('lets a failed request go: it counts until it failed, then the queue moves on', async () => {
    const scheduler = createRequestScheduler({ requestsPerSecond: 1, concurrency: 1 });
    await expect(scheduler.schedule(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const t0 = performance.now();
    await scheduler.schedule(() => Promise.resolve());
    expect(performance.now() - t0).toBeGreaterThanOrEqual(990);
    expect(scheduler.started).toBe(2);
  });

  it('pauses for a Retry-After', async () => {
    const scheduler = createRequestScheduler({ requestsPerSecond: 100, concurrency: 1 });
    scheduler.pauseFor(300);
    const t0 = performance.now();
    await scheduler.schedule(() => Promise.resolve());
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });
});
