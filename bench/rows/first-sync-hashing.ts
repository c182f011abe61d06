// Row 2: first-sync hashing of 2 GiB in files, the whole process (`--sync --dry-run --skip-listing` on a
// fresh state: scan, hash every file, plan; the uploads are left out), against `sha256sum` over the same
// files. Warm page cache on both sides.
import path from 'node:path';
import { API_KEY, KB, startServer, type BenchContext } from '../lib/context.js';
import { expectSuccess, runCli, timed } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { formatMs, formatRatio, median, round } from '../lib/stats.js';
import { makeRandomFiles, writeConfig } from '../lib/trees.js';

const MiB = 1 << 20;

export interface HashingResult {
  readonly bytes: number;
  readonly files: number;
  readonly sumMs: number[];
  readonly oursMs: number[];
  readonly ratio: number;
}

/** `large` files of `largeMiB` plus `small` files of `smallMiB`: a mix like a document share's. */
export async function measureHashing(ctx: BenchContext, layout: { large: number; largeMiB: number; small: number; smallMiB: number }): Promise<HashingResult> {
  const dir = ctx.dir('hashing');
  const root = path.join(dir, 'tree');
  const bytes = layout.large * layout.largeMiB * MiB + layout.small * layout.smallMiB * MiB;
  ctx.log(`row 2: writing ${Math.round(bytes / MiB)} MiB of random files`);
  const relPaths = [...makeRandomFiles(root, 'large', layout.large, layout.largeMiB * MiB), ...makeRandomFiles(root, 'small', layout.small, layout.smallMiB * MiB)];
  const server = await startServer('v1-0.27');
  try {
    const config = writeConfig(dir, { url: server.emulator.url, apiKey: API_KEY, api: 'v1', root, kb: KB });
    const absPaths = relPaths.map((rel) => path.join(root, rel));
    const sum = () => timed('sha256sum', absPaths, { discardStdout: true });
    const ours = async () => {
      // --dry-run: nothing is written, so every run is a first sync that hashes everything.
      const run = expectSuccess(await runCli(['--config', config, '--sync', '--dry-run', '--skip-listing', '-q'], dir), 'first-sync dry run');
      const planned = run.stdout.split('\n').filter((line) => line.trimStart().startsWith('+ ')).length;
      if (planned !== relPaths.length) throw new Error(`the dry run planned ${planned} uploads, expected ${relPaths.length}:\n${run.stdout.slice(0, 2000)}`);
      return run;
    };
    expectSuccess(await sum(), 'sha256sum'); // warm the page cache
    const sumMs: number[] = [];
    const oursMs: number[] = [];
    for (let rep = 0; rep < ctx.reps; rep += 1) {
      sumMs.push(expectSuccess(await sum(), 'sha256sum').wallMs);
      oursMs.push((await ours()).wallMs);
    }
    const ratio = median(oursMs) / median(sumMs);
    ctx.log(`row 2: sha256sum ${formatMs(median(sumMs))}, ours ${formatMs(median(oursMs))} (${formatRatio(ratio)})`);
    return { bytes, files: relPaths.length, sumMs, oursMs, ratio };
  } finally {
    await server.emulator.close();
  }
}

export function hashingRow(result: HashingResult): Row {
  const mbps = (ms: number) => `${Math.round(result.bytes / MiB / (ms / 1000))} MiB/s`;
  return {
    id: '2',
    measure: `first-sync hashing, ${(result.bytes / 2 ** 30).toFixed(1)} GiB in ${result.files} files, whole process`,
    baseline: `sha256sum ${formatMs(median(result.sumMs))} (${mbps(median(result.sumMs))})`,
    ours: `${formatMs(median(result.oursMs))} (${mbps(median(result.oursMs))})`,
    ratio: formatRatio(result.ratio),
    target: '≤ 1.25×',
    pass: result.ratio <= 1.25,
    data: { bytes: result.bytes, files: result.files, sumMs: result.sumMs.map((ms) => round(ms, 1)), oursMs: result.oursMs.map((ms) => round(ms, 1)), ratio: round(result.ratio, 3) },
  };
}
