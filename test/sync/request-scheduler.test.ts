// The request scheduler keeps every sliding second within the rate and respects concurrency.
import { describe, expect, it } from 'vitest';
import { createRequestScheduler, intervalFor, WINDOW_SLACK_MS } from '../../src/sync/request-scheduler.js';

describe('request scheduler', () => {
  it('maps rates onto whole-number p-queue caps without ever exceeding the rate', () => {
    expect(intervalFor(5)).toEqual({ intervalCap: 5, interval: 1000 + WINDOW_SLACK_MS });
    expect(intervalFor(2.5)).toEqual({ intervalCap: 2, interval: 1000 + WINDOW_SLACK_MS });
    expect(intervalFor(0.5)).toEqual({ intervalCap: 1, interval: 2000 + WINDOW_SLACK_MS });
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

  it('pauses for a Retry-After', async () => {
    const scheduler = createRequestScheduler({ requestsPerSecond: 100, concurrency: 1 });
    scheduler.pauseFor(300);
    const t0 = performance.now();
    await scheduler.schedule(() => Promise.resolve());
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });
});
