// What the server says about the parsing of our documents: per state counts and the documents not DONE,
// with progress and messages. Shared by `status` and the status page.
import type { RelPath } from '../core/model.js';
import type { KbClient, KbRef, ParseRun, RemoteDoc, Result } from '../sync/ports.js';

export interface DocumentParse {
  readonly path: RelPath;
  readonly docId: string;
  readonly run: ParseRun;
  /** 0..1; RAGFlow reports -1 for a failed parse. */
  readonly progress?: number;
  /** RAGFlow's progress_msg (several timestamped lines; failures carry "[ERROR]"). */
  readonly message?: string;
  readonly chunks?: number;
}

export interface ParseSummary {
  /** Documents per parse state (only states that occur). */
  readonly counts: Partial<Record<ParseRun, number>>;
  /** Tracked documents the server did not return (deleted behind our back, or not visible). */
  readonly missing: number;
  /** Every tracked document the server returned, in path order. */
  readonly documents: readonly DocumentParse[];
  /** Epoch ms when this was read. */
  readonly readAt: number;
}

export const PARSE_STATES: readonly ParseRun[] = ['UNSTART', 'RUNNING', 'CANCEL', 'DONE', 'FAIL', 'UNKNOWN'];

/**
 * Reads the parse state of the tracked documents (docId → path). v1 lists the whole KB (100 rows a
 * request) because its per-id lookup costs one request per document; legacy asks `document/infos` for
 * the ids (100 per request), its listing carries no parse state.
 */
export async function readParseStates(
  client: KbClient,
  kb: KbRef,
  tracked: ReadonlyMap<string, RelPath>,
  options: { signal?: AbortSignal; now?: () => number } = {},
): Promise<Result<ParseSummary>> {
  const readAt = (options.now ?? Date.now)();
  if (tracked.size === 0) return { ok: true, value: { counts: {}, missing: 0, documents: [], readAt } };
  const answer = client.api === 'v1' ? await client.listDocuments(kb, options.signal) : await client.getDocuments(kb, [...tracked.keys()], options.signal);
  if (!answer.ok) return answer;
  return { ok: true, value: summarizeParse(answer.value, tracked, readAt) };
}

/** Pure: the server's rows (possibly more than ours) → the summary of ours. */
export function summarizeParse(rows: readonly RemoteDoc[], tracked: ReadonlyMap<string, RelPath>, readAt: number): ParseSummary {
  const counts: Partial<Record<ParseRun, number>> = {};
  const documents: DocumentParse[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const path = tracked.get(row.id);
    if (path === undefined || seen.has(row.id)) continue;
    seen.add(row.id);
    counts[row.run] = (counts[row.run] ?? 0) + 1;
    documents.push({
      path,
      docId: row.id,
      run: row.run,
      ...(row.progress !== undefined ? { progress: row.progress } : {}),
      ...(row.progressMsg ? { message: row.progressMsg } : {}),
      ...(row.chunkCount !== undefined ? { chunks: row.chunkCount } : {}),
    });
  }
  documents.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { counts, missing: tracked.size - seen.size, documents, readAt };
}

/** One line of a (multi-line) progress message for a table: the first error line, else the last line. */
export function shortMessage(message: string | undefined, max = 120): string {
  if (!message) return '';
  const lines = message.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const line = lines.find((l) => /\[ERROR\]|error|fail/i.test(l)) ?? lines[lines.length - 1] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The docId → path map of a folder's tracked files that have a document. */
export function trackedDocuments(files: ReadonlyArray<{ relPath: RelPath; docId?: string }>): Map<string, RelPath> {
  const out = new Map<string, RelPath>();
  for (const f of files) if (f.docId !== undefined) out.set(f.docId, f.relPath);
  return out;
}
