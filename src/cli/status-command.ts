// `ragflow-sync status [--json]`: what the state file knows per folder, plus the parse state of the
// documents as the server reports it. Without a key or a reachable server it shows the state alone, saying so.
import type { Config } from '../config/load-config.js';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { openStateStore } from '../adapters/state-store.js';
import { createClient } from '../ragflow/create-client.js';
import { createRequestScheduler } from '../sync/request-scheduler.js';
import type { KbClient, StateStore } from '../sync/ports.js';
import { readParseStates, trackedDocuments, type ParseSummary } from '../status/parse-states.js';
import { folderStatus, formatStatus, type FolderStatus } from './human-output.js';
import { formatParse } from './parse-table.js';

/** Per-request deadline for `status`: a person is waiting, and the state part is useful without the server. */
const STATUS_REQUEST_TIMEOUT_MS = 10_000;

export interface ServerView {
  readonly url: string;
  /** Whether parse states could be asked for at all. */
  readonly reachable: boolean;
  readonly api?: string;
  /** Why the server was not asked or did not answer. */
  readonly note?: string;
}

export interface FolderStatusWithParse extends FolderStatus {
  readonly parse?: ParseSummary;
  /** Why there is no parse information for this folder. */
  readonly parseNote?: string;
}

export interface StatusOutput {
  readonly stateFile: string;
  readonly server: ServerView;
  readonly folders: readonly FolderStatusWithParse[];
}

export async function statusCommand(config: Config, options: { json: boolean; write: (text: string) => void }): Promise<ExitCode> {
  const store = await openStateStore(config.stateFile, { readOnly: true });
  try {
    const output = await collectStatus(config, store);
    options.write(options.json ? `${JSON.stringify(output, null, 2)}\n` : `${formatStatusWithParse(output)}\n`);
    return output.folders.some((s) => s.failed.length > 0) ? EXIT.someFailed : EXIT.ok;
  } finally {
    await store.close();
  }
}

export async function collectStatus(config: Config, store: StateStore): Promise<StatusOutput> {
  const base = config.folders.map((folder) => ({
    folder,
    status: folderStatus(folder.path, folder.kb, store.files(folder.key), store.meta(folder.key)?.lastReconcileAt, store.meta(folder.key)),
  }));
  const connected = await connect(config);
  if (!connected.client) {
    return { stateFile: config.stateFile, server: connected.view, folders: base.map((b) => b.status) };
  }
  const client = connected.client;
  try {
    const folders: FolderStatusWithParse[] = [];
    for (const { folder, status } of base) {
      const kb = await client.findKb(folder.kb);
      if (!kb.ok) {
        folders.push({ ...status, parseNote: `knowledge base not available: ${kb.message}` });
        continue;
      }
      const parse = await readParseStates(client, kb.value, trackedDocuments(store.files(folder.key)));
      folders.push(parse.ok ? { ...status, parse: parse.value } : { ...status, parseNote: `parse states not available: ${parse.message}` });
    }
    return { stateFile: config.stateFile, server: connected.view, folders };
  } finally {
    await client.close();
  }
}

async function connect(config: Config): Promise<{ view: ServerView; client?: KbClient }> {
  const url = config.server.url;
  if (!config.server.apiKey) {
    return { view: { url, reachable: false, note: 'no API key configured (RAGFLOW_API_KEY, server.apiKey or server.apiKeyFile): showing the state file only' } };
  }
  const created = await createClient({
    url,
    apiKey: config.server.apiKey,
    api: config.server.api,
    scheduler: createRequestScheduler(config.rateLimit),
    requestTimeoutMs: Math.min(STATUS_REQUEST_TIMEOUT_MS, config.server.requestTimeoutSeconds * 1000),
  });
  if (!created.ok) {
    const why = created.kind === 'auth' ? 'the server rejected the API key' : `the server could not be reached (${created.message})`;
    return { view: { url, reachable: false, note: `${why}: showing the state file only` } };
  }
  return { view: { url, reachable: true, api: created.value.api }, client: created.value };
}

export function formatStatusWithParse(output: StatusOutput): string {
  const lines: string[] = [];
  if (output.server.note) lines.push(`note: ${output.server.note}`, '');
  output.folders.forEach((folder, index) => {
    if (index > 0) lines.push('');
    lines.push(formatStatus([folder]));
    if (folder.parse) lines.push(formatParse(folder.parse));
    else if (folder.parseNote) lines.push(`  parsing: ${folder.parseNote}`);
  });
  return lines.join('\n');
}
