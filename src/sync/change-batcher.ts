// Coalesces hints per path and releases a path once it has been quiet for the window: a file written 20
// times in a second is examined once, after the last write (partial writes are waited out).
import type { RelPath } from '../core/model.js';
import type { ChangeHint } from './watch-port.js';

export interface Batch {
  readonly paths: Set<RelPath>;
  readonly dirs: Set<RelPath>;
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class ChangeBatcher {
  private readonly due = new Map<string, { hint: ChangeHint; at: number }>();
  private timer: unknown;
  private timerAt = Infinity;

  constructor(
    private readonly quietMs: number,
    private readonly onBatch: (batch: Batch) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  get size(): number {
    return this.due.size;
  }

  add(hint: ChangeHint): void {
    const key = `${hint.kind}:${hint.relPath}`;
    this.due.set(key, { hint, at: this.timers.now() + this.quietMs });
    this.arm(this.timers.now() + this.quietMs);
  }

  /** Release everything now (shutdown, or a reconcile that will look at every path anyway). */
  drain(): Batch {
    const batch = this.take(Infinity);
    this.disarm();
    return batch;
  }

  close(): void {
    this.disarm();
    this.due.clear();
  }

  private arm(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.disarm();
    this.timerAt = at;
    this.timer = this.timers.setTimeout(() => this.fire(), Math.max(0, at - this.timers.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const batch = this.take(this.timers.now());
    let next = Infinity;
    for (const { at } of this.due.values()) next = Math.min(next, at);
    if (next !== Infinity) this.arm(next);
    if (batch.paths.size > 0 || batch.dirs.size > 0) this.onBatch(batch);
  }

  private take(until: number): Batch {
    const batch: Batch = { paths: new Set(), dirs: new Set() };
    for (const [key, { hint, at }] of this.due) {
      if (at > until) continue;
      this.due.delete(key);
      (hint.kind === 'dir' ? batch.dirs : batch.paths).add(hint.relPath);
    }
    return batch;
  }
}
