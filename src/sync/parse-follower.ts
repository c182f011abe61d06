// "Done means parsed" (docs/smart-sync.md): sends the parse requests of one run under a cap on documents
// parsing at once per KB, follows their parse state until DONE, re-requests a FAIL up to `retries` times,
// and reports what failed for good (with RAGFlow's progress_msg) and what was still parsing at the deadline.
//
// A ParseFollower takes documents while the run's uploads go on (add), so parsing starts with the first
// uploads instead of after the last one; finish() says no more are coming and waits for the end.
// While documents still come, a parse request waits until it can fill the free room (as many requests as
// when they all come at once). The first look after a request adapts to the server: it halves while
// every document is found finished at that look (a server that parses at once is not polled at 100 ms per
// batch of maxParsing), and grows back towards pollMs when it finds none.
// Followers of one folder share a ParseLane: maxParsing is per folder, and the daemon can have a run's
// follow still going while the next run uploads. A follower holds the lane only while documents of its
// own are requested or parsing, so one that is never finished (its run failed) does not hold up the rest.
import type { KbClient, KbRef, RemoteDoc, Result } from './ports.js';
import { withRetries, type RetryDeps } from './with-retries.js';

export interface ParseFollowOptions {
  /** Documents of ours parsing at once in this KB (RUNNING or queued after our request). */
  readonly maxParsing: number;
  /** Parse requests again after a FAIL, per document. */
  readonly retries: number;
  /** Give up following (not parsing: the server goes on) this long after finish(); while the run goes on,
   *  this long after its last document came. */
  readonly timeoutMs: number;
  /** Poll delay after a change (and the longest first look); doubles up to maxPollMs while nothing changes. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
}

export interface ParseFollowDeps extends RetryDeps {
  readonly client: KbClient;
  readonly kb: KbRef;
  readonly now: () => number;
}

export interface ParseFollowResult {
  readonly done: readonly string[];
  /** FAIL after all retries: doc id → RAGFlow's message. */
  readonly failed: ReadonlyMap<string, string>;
  /** Not DONE or FAIL at the deadline (or never requested: the server refused the parse request). */
  readonly unfinished: readonly string[];
}

const BATCH = 100;
/** The shortest first look, ms. */
const MIN_FIRST_LOOK_MS = 1;

/** Turns, in the order asked for, among the parse followers of one folder. */
export class ParseLane {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves with the function that ends the turn, once every earlier turn has ended. */
  take(): Promise<() => void> {
    let release!: () => void;
    const ended = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => ended);
    return previous.then(() => release);
  }
}

export class ParseFollower {
  readonly #deps: ParseFollowDeps;
  readonly #options: ParseFollowOptions;
  readonly #lane: ParseLane;
  readonly #seen = new Set<string>();
  readonly #waiting: string[] = [];
  readonly #parsing = new Set<string>();
  readonly #attempts = new Map<string, number>();
  readonly #done: string[] = [];
  readonly #failed = new Map<string, string>();
  /** Given up on while the run went on (parsing for timeoutMs after the last document came). */
  readonly #abandoned: string[] = [];
  #closed = false;
  /** Until finish(): timeoutMs after the last document came (a run that never calls finish() does not
   *  hold the folder's lane for ever); then timeoutMs after finish(). */
  #deadline = Number.POSITIVE_INFINITY;
  #loop: Promise<void> | undefined;
  #error: { value: unknown } | undefined;
  #wake: (() => void) | undefined;

  /** `lane`: shared with the other followers of the folder (default: a lane of its own). */
  constructor(deps: ParseFollowDeps, options: ParseFollowOptions, lane: ParseLane = new ParseLane()) {
    this.#deps = deps;
    this.#options = options;
    this.#lane = lane;
  }

  /** Documents whose parse this run asks for (each once); following starts with the first of them. */
  add(ids: readonly string[]): void {
    if (!this.#closed) this.#deadline = this.#deps.now() + this.#options.timeoutMs;
    for (const id of ids) {
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      this.#waiting.push(id);
    }
    if (this.#seen.size === 0) return;
    this.#loop ??= this.#run().catch((error: unknown) => {
      this.#error = { value: error };
    });
    this.#poke();
  }

  /** Whether any document was added. */
  get started(): boolean {
    return this.#loop !== undefined;
  }

  /** No more documents: follows the rest until done or `timeoutMs` from now, then says how it ended. */
  async finish(): Promise<ParseFollowResult> {
    if (!this.#closed) {
      this.#closed = true;
      this.#deadline = this.#deps.now() + this.#options.timeoutMs;
    }
    this.#poke();
    await this.#loop;
    if (this.#error) throw this.#error.value;
    return { done: [...this.#done], failed: new Map(this.#failed), unfinished: [...this.#abandoned, ...this.#parsing, ...this.#waiting] };
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves on the next add(), finish() or abort. */
  #nextEvent(): Promise<void> {
    return new Promise<void>((resolve) => {
      const signal = this.#deps.signal;
      if (signal?.aborted === true) return resolve();
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }

  async #run(): Promise<void> {
    let release: (() => void) | undefined;
    try {
      await this.#follow(
        async () => (release ??= await this.#lane.take()),
        () => {
          release?.();
          release = undefined;
        },
      );
    } finally {
      release?.();
    }
  }

  /** The loop; `take` before a parse request (no-op while the turn is held), `idle` when nothing of
   *  ours is parsing any more. */
  async #follow(take: () => Promise<unknown>, idle: () => void): Promise<void> {
    const { client, kb, now, logger } = this.#deps;
    const options = this.#options;
    const waiting = this.#waiting;
    const parsing = this.#parsing;
    const minPoll = options.pollMs ?? 100;
    const maxPoll = options.maxPollMs ?? 2000;
    let poll = minPoll;
    let firstLook = minPoll;
    let firstLookDue = false; // the next look is the first one after a parse request
    let refused = false;

    while (!this.#deps.signal?.aborted) {
      const room = Math.max(0, options.maxParsing - parsing.size);
      // While documents still come, only a request that fills the room goes: not one per arriving document.
      const ready = this.#closed || waiting.length >= room;
      if (room > 0 && waiting.length > 0 && !refused && ready) {
        await take();
        if (this.#deps.signal?.aborted === true) break;
        const batch = waiting.splice(0, Math.min(room, BATCH));
        const requested = await withRetries(this.#deps, () => client.requestParse(kb, batch, this.#deps.signal));
        if (!requested.ok) {
          logger.warn({ kb: kb.name, count: batch.length, err: requested.message }, 'parse request failed; the documents stay unparsed until the next sync');
          waiting.unshift(...batch);
          refused = true;
          if (parsing.size === 0) break;
        } else {
          for (const id of batch) {
            parsing.add(id);
            this.#attempts.set(id, (this.#attempts.get(id) ?? 0) + 1);
          }
          poll = firstLook;
          firstLookDue = true;
        }
      }
      if (now() >= this.#deadline) {
        if (this.#closed) break;
        // Nothing came for timeoutMs and these still parse: stop following them (as at the end of a run).
        this.#abandoned.push(...parsing);
        parsing.clear();
      }
      if (parsing.size === 0) {
        idle();
        if (refused || (this.#closed && waiting.length === 0)) break;
        if (!this.#closed) await this.#nextEvent(); // more documents, or finish()
        continue;
      }
      await this.#deps.sleep(poll, this.#deps.signal);
      const rows = await readRows(this.#deps, [...parsing]);
      if (!rows.ok) {
        poll = Math.min(maxPoll, poll * 2);
        continue;
      }
      const changed = this.#note(rows.value);
      if (firstLookDue) {
        firstLookDue = false;
        // Every document finished by the first look: the server is faster than the look, look sooner.
        // None finished: back towards pollMs (a real RAGFlow takes seconds; it is not polled harder).
        if (parsing.size === 0) firstLook = Math.max(MIN_FIRST_LOOK_MS, firstLook / 2);
        else if (!changed) firstLook = Math.min(minPoll, firstLook * 2);
      }
      poll = changed ? firstLook : Math.min(maxPoll, Math.max(poll, MIN_FIRST_LOOK_MS) * 2);
    }
  }

  /** Takes in the rows of the documents being followed. True when any of them finished. */
  #note(rows: readonly RemoteDoc[]): boolean {
    const { kb, logger } = this.#deps;
    const byId = new Map(rows.map((row) => [row.id, row]));
    let changed = false;
    for (const id of [...this.#parsing]) {
      const row = byId.get(id);
      if (row === undefined) {
        this.#parsing.delete(id); // deleted meanwhile (the file went away): nothing to follow
        changed = true;
      } else if (row.run === 'DONE') {
        this.#parsing.delete(id);
        this.#done.push(id);
        changed = true;
      } else if (row.run === 'FAIL' || row.run === 'CANCEL') {
        this.#parsing.delete(id);
        changed = true;
        const message = row.progressMsg?.trim() || `parse ${row.run.toLowerCase()}`;
        if ((this.#attempts.get(id) ?? 1) <= this.#options.retries) {
          logger.info({ kb: kb.name, docId: id, name: row.name, attempt: this.#attempts.get(id), err: lastLine(message) }, 'parse failed; asking again');
          this.#waiting.unshift(id);
        } else {
          this.#failed.set(id, lastLine(message));
        }
      }
    }
    return changed;
  }
}

/** Follows the parse of documents that are all known now (add them, then finish). */
export async function followParse(deps: ParseFollowDeps, ids: readonly string[], options: ParseFollowOptions): Promise<ParseFollowResult> {
  const follower = new ParseFollower(deps, options);
  follower.add(ids);
  return follower.finish();
}

async function readRows(deps: ParseFollowDeps, ids: readonly string[]): Promise<Result<RemoteDoc[]>> {
  const out: RemoteDoc[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    const slice = ids.slice(i, i + BATCH);
    const rows = await withRetries(deps, () => deps.client.getDocuments(deps.kb, slice, deps.signal));
    if (!rows.ok) return rows;
    out.push(...rows.value);
  }
  return { ok: true, value: out };
}

/** RAGFlow's progress_msg accumulates one line per step; the last one says why it failed. */
function lastLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines[lines.length - 1] ?? message;
}
