// "Done means parsed" (docs/smart-sync.md): sends the parse requests of one run under a cap on documents
// parsing at once per KB, follows their parse state until DONE, re-requests a FAIL up to `retries` times,
// and reports what failed for good (with RAGFlow's progress_msg) and what was still parsing at the deadline.
import type { KbClient, KbRef, RemoteDoc, Result } from './ports.js';
import { withRetries, type RetryDeps } from './with-retries.js';

export interface ParseFollowOptions {
  /** Documents of ours parsing at once in this KB (RUNNING or queued after our request). */
  readonly maxParsing: number;
  /** Parse requests again after a FAIL, per document. */
  readonly retries: number;
  /** Give up following (not parsing: the server goes on) after this long. */
  readonly timeoutMs: number;
  /** First poll delay; doubles up to maxPollMs while nothing changes. */
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

export async function followParse(deps: ParseFollowDeps, ids: readonly string[], options: ParseFollowOptions): Promise<ParseFollowResult> {
  const { client, kb, now, logger } = deps;
  const waiting = [...new Set(ids)];
  const parsing = new Set<string>();
  const attempts = new Map<string, number>();
  const done: string[] = [];
  const failed = new Map<string, string>();
  const deadline = now() + options.timeoutMs;
  const minPoll = options.pollMs ?? 100;
  const maxPoll = options.maxPollMs ?? 2000;
  let poll = minPoll;
  let refused = false;

  while (((waiting.length > 0 && !refused) || parsing.size > 0) && !deps.signal?.aborted) {
    const room = Math.max(0, options.maxParsing - parsing.size);
    if (room > 0 && waiting.length > 0 && !refused) {
      const batch = waiting.splice(0, Math.min(room, BATCH));
      const requested = await withRetries(deps, () => client.requestParse(kb, batch, deps.signal));
      if (!requested.ok) {
        logger.warn({ kb: kb.name, count: batch.length, err: requested.message }, 'parse request failed; the documents stay unparsed until the next sync');
        waiting.unshift(...batch);
        refused = true;
        if (parsing.size === 0) break;
      } else {
        for (const id of batch) {
          parsing.add(id);
          attempts.set(id, (attempts.get(id) ?? 0) + 1);
        }
        poll = minPoll;
      }
    }
    if (now() >= deadline) break;
    if (parsing.size === 0) continue;
    await deps.sleep(poll, deps.signal);
    const rows = await readRows(deps, [...parsing]);
    if (!rows.ok) {
      poll = Math.min(maxPoll, poll * 2);
      continue;
    }
    const byId = new Map(rows.value.map((row) => [row.id, row]));
    let changed = false;
    for (const id of [...parsing]) {
      const row = byId.get(id);
      if (row === undefined) {
        parsing.delete(id); // deleted meanwhile (the file went away): nothing to follow
        changed = true;
      } else if (row.run === 'DONE') {
        parsing.delete(id);
        done.push(id);
        changed = true;
      } else if (row.run === 'FAIL' || row.run === 'CANCEL') {
        parsing.delete(id);
        changed = true;
        const message = row.progressMsg?.trim() || `parse ${row.run.toLowerCase()}`;
        if ((attempts.get(id) ?? 1) <= options.retries) {
          logger.info({ kb: kb.name, docId: id, name: row.name, attempt: attempts.get(id), err: lastLine(message) }, 'parse failed; asking again');
          waiting.unshift(id);
        } else {
          failed.set(id, lastLine(message));
        }
      }
    }
    poll = changed ? minPoll : Math.min(maxPoll, poll * 2);
  }
  return { done, failed, unfinished: [...parsing, ...waiting] };
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
