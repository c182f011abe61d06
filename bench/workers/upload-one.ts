// Child process for rows 3 and 4: uploads one file through the built client (dist/, the code the CLI
// runs), after a warm-up upload, and reports the upload's wall time and the process's peak RSS during
// it against its RSS just before (the same process idle). Prints one JSON line.
// Usage: node --import tsx bench/workers/upload-one.ts URL API_KEY KB_NAME FILE NAME
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as CreateClient from '../../src/ragflow/create-client.js';
import type * as RequestScheduler from '../../src/sync/request-scheduler.js';
import type { KbClient } from '../../src/sync/ports.js';

const [url, apiKey, kbName, file, name] = process.argv.slice(2);
if (!url || !apiKey || !kbName || !file || !name) throw new Error('usage: upload-one URL API_KEY KB FILE NAME');
// The same build the bench measures (RAGFLOW_SYNC_CLI, as in bench/lib/processes.ts).
const cli = process.env['RAGFLOW_SYNC_CLI'];
const dist = cli === undefined ? path.resolve(import.meta.dirname, '../../dist') : path.dirname(cli);
const { createClient } = (await import(pathToFileURL(path.join(dist, 'ragflow/create-client.js')).href)) as typeof CreateClient;
const { createRequestScheduler } = (await import(pathToFileURL(path.join(dist, 'sync/request-scheduler.js')).href)) as typeof RequestScheduler;

/** VmRSS or VmHWM from /proc/self/status, bytes. */
function procStatus(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match?.[1]) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]) * 1024;
}

async function upload(client: KbClient, kb: Parameters<KbClient['upload']>[0], filePath: string, docName: string): Promise<string> {
  const result = await client.upload(kb, { path: filePath, name: docName, parserId: 'naive' });
  if (!result.ok) throw new Error(`upload failed: ${result.kind} ${result.message}`);
  return result.value.id;
}

const scheduler = createRequestScheduler({ requestsPerSecond: 1000, concurrency: 2 });
const created = await createClient({ url, apiKey, api: 'v1', scheduler });
if (!created.ok) throw new Error(`client: ${created.message}`);
const client = created.value;
const found = await client.findKb(kbName);
if (!found.ok) throw new Error(`kb: ${found.message}`);
const kb = found.value;

// Warm-up: the same code path on a small file, so "idle" already holds every module and the connection.
const warmFile = `${file}.warm.txt`;
writeFileSync(warmFile, Buffer.alloc(256 * 1024, 1));
const warmId = await upload(client, kb, warmFile, `warm-${name}`);
await client.deleteDocuments(kb, [warmId]);
await new Promise((resolve) => setTimeout(resolve, 200));

const idleRssBytes = procStatus('VmRSS');
writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS (Linux ≥ 4.0)
const started = performance.now();
const docId = await upload(client, kb, file, name);
const uploadMs = performance.now() - started;
const peakRssBytes = procStatus('VmHWM');
await client.close();
process.stdout.write(`${JSON.stringify({ docId, uploadMs, idleRssBytes, peakRssBytes })}\n`);
