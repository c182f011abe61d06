// Child process for upload-memory.test.ts (run with `node --import tsx`): uploads one big file
// through a real client and prints RSS figures as one JSON line. A separate process keeps the
// measurement free of the test runner's own allocations.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from '../../src/ragflow/create-client.js';

const [url, apiKey, kbName, bigFile, workDir] = process.argv.slice(2);
if (!url || !apiKey || !kbName || !bigFile || !workDir) throw new Error('usage: upload-memory-child <url> <key> <kb> <file> <dir>');

const created = await createClient({ url, apiKey, api: 'v1', requestTimeoutMs: 60_000 });
if (!created.ok) throw new Error(created.message);
const client = created.value;
const kb = await client.findKb(kbName);
if (!kb.ok) throw new Error(kb.message);

// Warm-up: load every module and code path of an upload before taking the baseline.
const small = join(workDir, 'warm-up.txt');
await writeFile(small, 'warm up');
const warm = await client.upload(kb.value, { path: small, name: 'warm-up.txt', parserId: 'naive' });
if (!warm.ok) throw new Error(warm.message);
globalThis.gc?.();
await new Promise((resolve) => setTimeout(resolve, 100));

const baseline = process.memoryUsage.rss();
let peak = baseline;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 5);
const started = Date.now();
const result = await client.upload(kb.value, { path: bigFile, name: 'big.txt', parserId: 'naive' });
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
await client.close();
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({ ok: result.ok, size: result.ok ? result.value.size : undefined, error: result.ok ? undefined : result.message, baselineMb: mb(baseline), peakMb: mb(peak), growthMb: mb(peak - baseline), ms: Date.now() - started })}\n`,
);
