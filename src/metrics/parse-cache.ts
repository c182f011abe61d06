// Parse states for the status page, read from the server only while someone looks, and rarely: a read
// lists the whole KB through the shared rate limit, so it must not crowd out the syncing itself.
import type { Result } from '../sync/ports.js';
import type { ParseSummary } from '../status/parse-states.js';

/** Reads one folder's parse states; undefined when it cannot be asked now (KB unknown yet, server down). */
export type ParseReader = (folderKey: string, signal: AbortSignal) => Promise<Result<ParseSummary> | undefined>;

export interface ParseCacheOptions {
  /** Least time between two reads of one folder. */
  readonly minIntervalMs?: number;
  /** A read that took t ms is not repeated before factor × t ms (big KBs are read less often). */
  readonly durationFactor?: number;
  readonly now?: () => number;
  /** Told when a read fails (the previous summary is kept). */
  readonly onError?: (folderKey: string, message: string) => void;
}

const NOT_ASKED_RETRY_MS = 5000;

interface Entry {
  summary?: ParseSummary;
  nextReadAt: number;
  reading?: Promise<void>;
}

export class ParseCache {
  private readonly entries = new Map<string, Entry>();
  private readonly abort = new AbortController();

  constructor(
    private readonly read: ParseReader,
    private readonly options: ParseCacheOptions = {},
  ) {}

  /** The latest summary of this folder; starts a background read when the last one is old enough. */
  get(folderKey: string): ParseSummary | undefined {
    const now = (this.options.now ?? Date.now)();
    let entry = this.entries.get(folderKey);
    if (!entry) {
      entry = { nextReadAt: 0 };
      this.entries.set(folderKey, entry);
    }
    if (!entry.reading && now >= entry.nextReadAt && !this.abort.signal.aborted) entry.reading = this.refresh(folderKey, entry, now);
    return entry.summary;
  }

  /** The latest summary, without reading (for /metrics and /healthz, which poll often). */
  peek(folderKey: string): ParseSummary | undefined {
    return this.entries.get(folderKey)?.summary;
  }

  /** Waits for the reads in flight (tests, and a page that wants fresh data). */
  async settled(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.reading ?? Promise.resolve()));
  }

  close(): void {
    this.abort.abort();
  }

  private async refresh(folderKey: string, entry: Entry, started: number): Promise<void> {
    const now = this.options.now ?? Date.now;
    let asked = true;
    try {
      const answer = await this.read(folderKey, this.abort.signal);
      asked = answer !== undefined;
      if (answer?.ok) entry.summary = answer.value;
      else if (answer) this.options.onError?.(folderKey, answer.message);
    } catch (err) {
      this.options.onError?.(folderKey, err instanceof Error ? err.message : String(err));
    } finally {
      const took = now() - started;
      // Not asked (server down, KB not resolved yet): that cost nothing, so look again soon.
      const wait = asked ? Math.max(this.options.minIntervalMs ?? 60_000, took * (this.options.durationFactor ?? 20)) : NOT_ASKED_RETRY_MS;
      entry.nextReadAt = now() + wait;
      delete entry.reading;
    }
  }
}
