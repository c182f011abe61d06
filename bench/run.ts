// `npm run bench` / `npm run bench:smoke`: the performance table of issue 6. Every figure is measured
// beside its baseline in the same run (interleaved repetitions, medians), printed as a table and written
// to bench/results.json. The smoke mode runs small sizes only and exits non-zero on gross regressions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeContext, type BenchContext } from './lib/context.js';
import { ensureBuilt, ROOT } from './lib/processes.js';
import { markdownTable, textTable, type Row } from './lib/report.js';
import { bigUploadRows, measureBigUpload } from './rows/big-upload.js';
import { daemonLatencyRow, measureDaemonLatency } from './rows/daemon-latency.js';
import { hashingRow, measureHashing } from './rows/first-sync-hashing.js';
import { listingRow, measureListing } from './rows/listing.js';
import { manySmallRow, measureManySmall } from './rows/many-small.js';
import { buildNoopTree, measureNoopSync, noopEngineRow, noopSyncRow } from './rows/noop-sync.js';
import { measureRequestCounts, requestCountRows } from './rows/request-counts.js';
import { measureRequestRate, requestRateRow } from './rows/request-rate.js';
import { measureStateBurst, measureStateLoad, stateBurstRow, stateLoadRow } from './rows/state-scale.js';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    reps: { type: 'string' },
    keep: { type: 'boolean', default: false },
    markdown: { type: 'string' },
    sizes: { type: 'string' },
  },
});

const smoke = values.smoke;
const reps = Number(values.reps ?? (smoke ? 3 : 5));
const only = values.only === undefined ? undefined : new Set(values.only.split(','));
const wanted = (...ids: string[]) => only === undefined || ids.some((id) => only.has(id));
/** Tree sizes for rows 1 and 7 (100,000 is the judged one; the others show growth). */
const sizes = (values.sizes ?? '10000,100000,300000').split(',').map(Number);

const work = mkdtempSync(path.join(os.tmpdir(), 'ragflow-sync-bench-'));
const ctx = makeContext(work, smoke, reps);
const started = Date.now();
const rows: Row[] = [];

/** Runs one measurement; a failure becomes a FAIL row with the error, and the run goes on. */
async function attempt(id: string, measure: () => Promise<Row[]>): Promise<void> {
  try {
    rows.push(...(await measure()));
  } catch (err) {
    ctx.log(`row ${id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    rows.push({ id, measure: 'measurement failed', baseline: '—', ours: '—', ratio: '—', target: '—', pass: false, note: message.slice(0, 300), data: { error: message } });
  }
}

/** Rows 1 and 7 at one size: the no-op sync, then the state load (and, at 100k, the burst) on its state. */
async function scaleRows(ctx: BenchContext, files: number, judged: boolean): Promise<Row[]> {
  const label = judged ? '' : `@${files / 1000}k`;
  const out: Row[] = [];
  const noop = await measureNoopSync(ctx, buildNoopTree(ctx, files), files > 100_000 ? Math.min(ctx.reps, 3) : ctx.reps, { engineToo: true });
  try {
    if (wanted('1')) out.push(noopSyncRow(noop, `1${label}`, judged ? 2 : undefined), noopEngineRow(noop, `1e${label}`));
    if (wanted('7')) {
      out.push(stateLoadRow(measureStateLoad(ctx, noop.stateFile), noop.peakRssBytes, `7${label}`, judged));
      if (judged) out.push(stateBurstRow(await measureStateBurst(ctx, noop, 9_000, 1_000)));
    }
  } finally {
    rmSync(noop.dir, { recursive: true, force: true });
  }
  return out;
}

async function fullRun(ctx: BenchContext): Promise<void> {
  for (const profile of ['legacy-0.19', 'v1-0.27'] as const) {
    if (wanted('6')) await attempt('6', async () => requestCountRows(await measureRequestCounts(ctx, profile, 1000), '6'));
  }
  if (wanted('1', '7')) {
    for (const files of sizes) await attempt(files === 100_000 ? '1' : `1@${files / 1000}k`, () => scaleRows(ctx, files, files === 100_000));
  }
  if (wanted('1b')) await attempt('1b', async () => [listingRow(await measureListing(ctx, 5_000))]);
  if (wanted('2')) await attempt('2', async () => [hashingRow(await measureHashing(ctx, { large: 8, largeMiB: 128, small: 256, smallMiB: 4 }))]);
  if (wanted('3', '4')) await attempt('3', async () => bigUploadRows(await measureBigUpload(ctx, 1e9)));
  if (wanted('5')) await attempt('5', async () => [manySmallRow(await measureManySmall(ctx, 5_000))]);
  if (wanted('8')) await attempt('8', async () => [daemonLatencyRow(await measureDaemonLatency(ctx, 200, { quietWindowMs: 1000, spacingMs: 300 }))]);
  // The same with a server that takes 2 s to parse each document (the emulator's default answer is
  // instant): shows that a change does not wait for the previous file's parse.
  if (wanted('8', '8b')) await attempt('8b', async () => [daemonLatencyRow(await measureDaemonLatency(ctx, 40, { quietWindowMs: 1000, spacingMs: 300, parseMs: 2000 }), '8b')]);
  if (wanted('9')) await attempt('9', async () => [requestRateRow(await measureRequestRate(ctx, 400, 20))]);
}

/** Under a minute, small sizes: fails (exit 1) on a write request in a no-op sync, on a request count
 *  above the minimum, or on row 1 above 5× (re-measured before it counts, so one noisy run cannot fail it). */
const SMOKE_FILES = 50_000;
/** Row 1's gate in the smoke run: the issue's 5× (the full run judges 2× at 100,000 files). */
const SMOKE_LIMIT = 5;

async function smokeRun(ctx: BenchContext): Promise<void> {
  for (const profile of ['legacy-0.19', 'v1-0.27'] as const) {
    // The smoke gate is the issue's: no write in a no-op sync. The other counts are shown (bench: gated).
    if (wanted('6')) await attempt('6', async () => requestCountRows(await measureRequestCounts(ctx, profile, 150), '6', new Set(['no-op sync'])));
  }
  if (wanted('1')) {
    await attempt('1', async () => {
      const tree = buildNoopTree(ctx, SMOKE_FILES);
      let row = noopSyncRow(await measureNoopSync(ctx, tree), '1', SMOKE_LIMIT);
      // Only a repeatable excess counts: a noisy neighbour can spoil one set of runs, not three.
      for (let retry = 0; row.pass === false && row.data['writeRequests'] === 0 && row.data['stateRewritten'] === false && retry < 2; retry += 1) {
        ctx.log('row 1 over the smoke limit: measuring again');
        row = noopSyncRow(await measureNoopSync(ctx, tree), '1', SMOKE_LIMIT);
      }
      return [row];
    });
  }
}

let failed = false;
try {
  ensureBuilt((line) => ctx.log(line));
  await (smoke ? smokeRun(ctx) : fullRun(ctx));
} catch (err) {
  failed = true;
  ctx.log(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else ctx.log(`kept ${work}`);
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  kernel: os.release(),
  loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
};
const results = { mode: smoke ? 'smoke' : 'full', startedAt: new Date(started).toISOString(), seconds: Math.round((Date.now() - started) / 1000), reps, machine, rows };
process.stdout.write(`\n${textTable(rows)}\n\n${rows.length} rows in ${results.seconds} s on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}\n`);
if (!smoke) writeFileSync(path.join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
if (values.markdown) writeFileSync(values.markdown, `${markdownTable(rows)}\n`);
const failures = rows.filter((row) => row.pass === false);
if (failed || (smoke && failures.length > 0)) {
  process.stderr.write(`bench${smoke ? ':smoke' : ''} failed: ${failed ? 'an error stopped the run' : failures.map((r) => r.id).join(', ')}\n`);
  process.exit(1);
}
