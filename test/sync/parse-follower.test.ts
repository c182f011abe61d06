// ParseFollower against a simulated server on a virtual clock (sleeps advance it; nothing here waits):
// the maxParsing cap, parsing that starts while documents still come (full refills only), the first look
// that adapts to a server that parses at once but not to a slow one, FAIL retries, the deadline counted
// from the last document or finish(), a refused parse request, and followers of one folder sharing a lane.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { remoteError } from '../../src/ragflow/remote-error.js';
import type { KbClient, RemoteDoc, Result } from '../../src/sync/ports.js';
import { followParse, ParseFollower, ParseLane, type ParseFollowDeps, type ParseFollowOptions } from '../../src/sync/parse-follower.js';

interface SimOptions {
  /** Virtual ms from a parse request to DONE. */
  readonly parseMs: number;
  /** Documents whose every parse FAILs. */
  readonly failing?: ReadonlySet<string>;
  /** Documents that never finish parsing. */
  readonly stuck?: ReadonlySet<string>;
  /** The parse request is refused (after withRetries gives up: a permanent error). */
  readonly refuse?: boolean;
}

function simulation(sim: SimOptions) {
  let clock = 0;
  const started = new Map<string, number>();
  const requests: string[][] = [];
  const requestedAt: number[] = [];
  const sleeps: number[] = [];
  let maxRunning = 0;
  const parsingAt = (id: string, at: number) => sim.stuck?.has(id) === true || clock < at + sim.parseMs;
  const running = () => [...started].filter(([id, at]) => parsingAt(id, at)).length;
  const row = (id: string): RemoteDoc => {
    const at = started.get(id);
    if (at === undefined) return { id, name: id, run: 'UNSTART' };
    if (parsingAt(id, at)) return { id, name: id, run: 'RUNNING' };
    return sim.failing?.has(id) === true ? { id, name: id, run: 'FAIL', progressMsg: 'step one\n[ERROR] no text' } : { id, name: id, run: 'DONE' };
  };
  const client = {
    requestParse(_kb: unknown, ids: readonly string[]): Promise<Result<void>> {
      if (sim.refuse === true) return Promise.resolve(remoteError('rejected', 'no'));
      requests.push([...ids]);
      requestedAt.push(clock);
      for (const id of ids) started.set(id, clock);
      maxRunning = Math.max(maxRunning, running());
      return Promise.resolve({ ok: true, value: undefined });
    },
    getDocuments(_kb: unknown, ids: readonly string[]): Promise<Result<RemoteDoc[]>> {
      return Promise.resolve({ ok: true, value: ids.map(row) });
    },
  } as unknown as KbClient;
  const deps: ParseFollowDeps = {
    client,
    kb: { id: 'kb', name: 'kb' },
    now: () => clock,
    sleep: (ms) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    scheduler: { pauseFor: () => undefined },
    logger: pino({ level: 'silent' }),
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  };
  return { deps, requests, requestedAt, sleeps, maxRunning: () => maxRunning, advance: (ms: number) => (clock += ms) };
}

const ids = (n: number, prefix = 'd') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const options: ParseFollowOptions = { maxParsing: 8, retries: 1, timeoutMs: 60_000 };
/** Lets the follower's pending promise callbacks run. */
const settle = async () => {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
};

describe('ParseFollower', () => {
  it('never has more than maxParsing documents parsing; one request per full batch', async () => {
    const sim = simulation({ parseMs: 700 });
    const result = await followParse(sim.deps, ids(50), options);
    expect(result.done).toHaveLength(50);
    expect(result.unfinished).toEqual([]);
    expect(sim.maxRunning()).toBeLessThanOrEqual(8);
    expect(sim.requests[0]).toHaveLength(8);
  });

  it('starts parsing while documents still come, and sends only requests that fill the room', async () => {
    const sim = simulation({ parseMs: 0 });
    const follower = new ParseFollower(sim.deps, options);
    for (const id of ids(7)) follower.add([id]);
    await settle();
    expect(sim.requests).toEqual([]); // 7 waiting, room for 8: not yet
    follower.add(['d7']);
    await settle();
    expect(sim.requests).toEqual([ids(8)]); // before finish()
    for (const id of ids(11, 'e')) follower.add([id]);
    const result = await follower.finish();
    expect(result.done).toHaveLength(19);
    expect(sim.requests.map((r) => r.length)).toEqual([8, 8, 3]); // the last partial batch only after finish()
  });

  it('looks sooner and sooner at a server that parses at once', async () => {
    const sim = simulation({ parseMs: 0 });
    await followParse(sim.deps, ids(80), { ...options, pollMs: 100 });
    expect(sim.requests).toHaveLength(10);
    expect(sim.sleeps.slice(0, 4)).toEqual([100, 50, 25, 12.5]);
    expect(sim.sleeps.at(-1)).toBe(1);
  });

  it('keeps the first look at pollMs for a server that takes seconds', async () => {
    const sim = simulation({ parseMs: 3000 });
    const result = await followParse(sim.deps, ids(24), { ...options, pollMs: 100, maxPollMs: 2000 });
    expect(result.done).toHaveLength(24);
    expect(Math.min(...sim.sleeps)).toBe(100);
  });

  it('a FAIL is asked again up to `retries` times, then reported with the last line of its message', async () => {
    const sim = simulation({ parseMs: 10, failing: new Set(['d1']) });
    const result = await followParse(sim.deps, ids(3), options);
    expect(result.done).toEqual(expect.arrayContaining(['d0', 'd2']));
    expect(result.failed.get('d1')).toBe('[ERROR] no text');
    expect(sim.requests.flat().filter((id) => id === 'd1')).toHaveLength(2);
  });

  it('while documents keep coming nothing is given up; timeoutMs after finish(), what still parses is unfinished', async () => {
    const sim = simulation({ parseMs: 1_500 });
    const follower = new ParseFollower(sim.deps, { ...options, timeoutMs: 1_000, pollMs: 100, maxPollMs: 100 });
    follower.add(ids(8));
    for (let i = 0; i < 6; i += 1) {
      await settle();
      sim.advance(300); // uploads going on: longer than timeoutMs in all, never that long without a document
      follower.add([`late${i}`]);
    }
    const result = await follower.finish();
    expect([...result.done].sort()).toEqual(ids(8));
    expect(result.unfinished).toEqual(ids(6, 'late')); // requested at finish(), 1.5 s to parse, 1 s to wait
  });

  it('followers of one folder take turns: together they never have more than maxParsing parsing', async () => {
    const sim = simulation({ parseMs: 200 });
    const lane = new ParseLane();
    const opts = { ...options, maxParsing: 4 };
    const first = new ParseFollower(sim.deps, opts, lane);
    const second = new ParseFollower(sim.deps, opts, lane);
    first.add(ids(6, 'a'));
    second.add(ids(6, 'b'));
    const [a, b] = await Promise.all([first.finish(), second.finish()]);
    expect([a.done.length, b.done.length]).toEqual([6, 6]);
    expect(sim.maxRunning()).toBe(4);
  });

  it('a follower whose run never finishes gives way timeoutMs after its last document', async () => {
    const sim = simulation({ parseMs: 50, stuck: new Set(ids(4, 'a')) });
    const lane = new ParseLane();
    const opts = { ...options, maxParsing: 4, timeoutMs: 1_000 };
    new ParseFollower(sim.deps, opts, lane).add(ids(4, 'a')); // its run failed: finish() is never called
    await settle();
    const next = new ParseFollower(sim.deps, opts, lane);
    next.add(ids(6, 'b'));
    const result = await next.finish();
    expect(result.done).toHaveLength(6);
    expect(sim.requests[0]).toEqual(ids(4, 'a'));
    expect(sim.requestedAt[1]).toBeGreaterThanOrEqual(1_000); // not while the first still followed its own
  });

  it('a refused parse request leaves the documents unfinished and stops', async () => {
    const sim = simulation({ parseMs: 0, refuse: true });
    const result = await followParse(sim.deps, ids(3), options);
    expect(result).toMatchObject({ done: [], unfinished: ids(3) });
  });

  it('finish() without any document resolves at once', async () => {
    const sim = simulation({ parseMs: 0 });
    const follower = new ParseFollower(sim.deps, options);
    expect(follower.started).toBe(false);
    await expect(follower.finish()).resolves.toMatchObject({ done: [], unfinished: [] });
  });
});
