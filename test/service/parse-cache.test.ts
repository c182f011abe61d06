// The status page's parse-state cache: reads only when looked at, never two at once, rarely for big KBs,
// soon again when it could not ask, and keeps the last good answer on errors.
import { describe, expect, it } from 'vitest';
import { ParseCache, type ParseReader } from '../../src/metrics/parse-cache.js';
import type { ParseSummary } from '../../src/status/parse-states.js';

const summary = (readAt: number): ParseSummary => ({ counts: { DONE: 1 }, missing: 0, documents: [], readAt });

function setUp(answer: (calls: number) => Awaited<ReturnType<ParseReader>>, options: { took?: number } = {}) {
  let now = 1_000_000;
  let calls = 0;
  const errors: string[] = [];
  const cache = new ParseCache(
    () => {
      calls += 1;
      now += options.took ?? 0;
      return Promise.resolve(answer(calls));
    },
    { minIntervalMs: 60_000, durationFactor: 20, now: () => now, onError: (_key, message) => errors.push(message) },
  );
  return {
    cache,
    errors,
    calls: () => calls,
    advance: (ms: number) => (now += ms),
  };
}

describe('ParseCache', () => {
  it('reads on the first look, serves the answer, and reads again only after the interval', async () => {
    const t = setUp(() => ({ ok: true, value: summary(1) }));
    expect(t.cache.peek('f')).toBeUndefined();
    expect(t.cache.get('f')).toBeUndefined(); // the first look starts the read
    t.cache.get('f'); // …only one at a time
    await t.cache.settled();
    expect(t.calls()).toBe(1);
    expect(t.cache.get('f')).toEqual(summary(1));
    t.advance(59_000);
    t.cache.get('f');
    expect(t.calls()).toBe(1);
    t.advance(2_000);
    t.cache.get('f');
    await t.cache.settled();
    expect(t.calls()).toBe(2);
  });

  it('peek never reads', () => {
    const t = setUp(() => ({ ok: true, value: summary(1) }));
    t.cache.peek('f');
    expect(t.calls()).toBe(0);
  });

  it('a slow read (a big KB) is repeated 20× its duration later', async () => {
    const t = setUp(() => ({ ok: true, value: summary(1) }), { took: 10_000 });
    t.cache.get('f');
    await t.cache.settled();
    t.advance(150_000);
    t.cache.get('f');
    expect(t.calls()).toBe(1);
    t.advance(51_000);
    t.cache.get('f');
    expect(t.calls()).toBe(2);
  });

  it('keeps the last good summary when a read fails, and retries soon when it could not ask', async () => {
    const t = setUp((n) => (n === 1 ? { ok: true, value: summary(1) } : n === 2 ? { ok: false, kind: 'network', retryable: true, message: 'connection refused' } : undefined));
    t.cache.get('f');
    await t.cache.settled();
    t.advance(61_000);
    t.cache.get('f');
    await t.cache.settled();
    expect(t.cache.get('f')).toEqual(summary(1));
    expect(t.errors).toEqual(['connection refused']);
    t.advance(61_000);
    t.cache.get('f'); // answers undefined: not asked (server down)
    await t.cache.settled();
    t.advance(6_000);
    t.cache.get('f');
    expect(t.calls()).toBe(4);
  });

  it('stops reading once closed', async () => {
    const t = setUp(() => ({ ok: true, value: summary(1) }));
    t.cache.close();
    t.cache.get('f');
    await t.cache.settled();
    expect(t.calls()).toBe(0);
  });
});
