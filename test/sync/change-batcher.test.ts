// The quiet-window batcher: coalesces per path and releases a path only after it has been quiet.
import { describe, expect, it } from 'vitest';
import { ChangeBatcher, type Batch, type Timers } from '../../src/sync/change-batcher.js';

function fakeTimers() {
  let now = 0;
  const pending: Array<{ at: number; fn: () => void; id: number }> = [];
  let seq = 0;
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = ++seq;
      pending.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (handle) => {
      const i = pending.findIndex((p) => p.id === handle);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      pending.sort((a, b) => a.at - b.at);
      const next = pending[0];
      if (!next || next.at > until) break;
      pending.shift();
      now = next.at;
      next.fn();
    }
    now = until;
  };
  return { timers, advance };
}

describe('ChangeBatcher', () => {
  it('releases a path written 20 times once, after the last write has been quiet for the window', () => {
    const { timers, advance } = fakeTimers();
    const batches: Batch[] = [];
    const batcher = new ChangeBatcher(500, (b) => batches.push(b), timers);
    for (let i = 0; i < 20; i += 1) {
      batcher.add({ relPath: 'a.md', kind: 'file' });
      advance(50);
    }
    expect(batches).toHaveLength(0);
    advance(499);
    expect(batches).toHaveLength(1);
    expect([...batches[0]!.paths]).toEqual(['a.md']);
  });

  it('keeps files and directories apart and releases paths independently', () => {
    const { timers, advance } = fakeTimers();
    const batches: Batch[] = [];
    const batcher = new ChangeBatcher(100, (b) => batches.push(b), timers);
    batcher.add({ relPath: 'x', kind: 'dir' });
    advance(60);
    batcher.add({ relPath: 'y.md', kind: 'file' });
    advance(40);
    expect(batches.map((b) => [[...b.paths], [...b.dirs]])).toEqual([[[], ['x']]]);
    advance(60);
    expect(batches.map((b) => [[...b.paths], [...b.dirs]])).toEqual([[[], ['x']], [['y.md'], []]]);
    expect(batcher.size).toBe(0);
  });

  it('drain hands over everything at once', () => {
    const { timers } = fakeTimers();
    const batcher = new ChangeBatcher(1000, () => undefined, timers);
    batcher.add({ relPath: 'a', kind: 'file' });
    batcher.add({ relPath: 'b', kind: 'file' });
    expect([...batcher.drain().paths].sort()).toEqual(['a', 'b']);
  });
});
