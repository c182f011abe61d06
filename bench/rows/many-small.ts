// Row 5: a first sync of 5,000 files of 4 KB with no rate limit (the whole CLI process), against a shell
// loop of `curl -F` uploads of the same files to the same endpoint. Each run gets a fresh server. Our
// run does everything a first sync does (ownership metadata, parse requests, following the parse until
// every document is DONE, which the emulator does at once); the curl loop only uploads.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { API_KEY, KB, startServer, type BenchContext } from '../lib/context.js';
import { expectSuccess, runCli, summaryOf, timed } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { formatMs, median, round } from '../lib/stats.js';
import { makeSmallTree, writeConfig } from '../lib/trees.js';
import { tally, type RequestTally } from './request-counts.js';

export const MANY_SMALL_CONCURRENCY = 4;

export interface ManySmallResult {
  readonly files: number;
  readonly curlLoopMs: number[];
  readonly oursMs: number[];
  /** CPU the in-process emulator spent serving each run, ms: shows when the server is the bottleneck. */
  readonly curlLoopServerCpuMs: number[];
  readonly oursServerCpuMs: number[];
  /** What the server saw from our last run (reads include the parse follower's looks). */
  readonly requests: RequestTally;
  readonly speedup: number;
}

/** CPU time of this process (where the emulator runs) spent inside `run`. */
async function withServerCpu<T>(run: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const value = await run();
  const used = process.cpuUsage(before);
  return { value, cpuMs: (used.user + used.system) / 1000 };
}

export async function measureManySmall(ctx: BenchContext, files: number): Promise<ManySmallResult> {
  const dir = ctx.dir(`many-small-${files}`);
  const root = path.join(dir, 'tree');
  ctx.log(`row 5: building ${files} files of 4 KB`);
  const relPaths = makeSmallTree(root, files, { sizeBytes: 4096 });
  const list = path.join(dir, 'files.txt');
  writeFileSync(list, `${relPaths.join('\n')}\n`);
  // The baseline: one curl process per file, as a script a person would write.
  const script = path.join(dir, 'upload-all.sh');
  writeFileSync(
    script,
    '#!/bin/sh\nset -e\ncd "$1"\nwhile IFS= read -r f; do\n  curl -sS -o /dev/null -H "Authorization: Bearer $2" -F "file=@$f;filename=$f" "$3"\ndone < "$4"\n',
  );

  const curlLoop = async (): Promise<number> => {
    const server = await startServer('v1-0.27');
    try {
      const endpoint = `${server.emulator.url}/api/v1/datasets/${server.kbId}/documents`;
      const run = expectSuccess(await timed('sh', [script, root, API_KEY, endpoint, list]), 'curl loop');
      const stored = server.emulator.documents(KB).length;
      if (stored !== files) throw new Error(`the curl loop stored ${stored} of ${files} documents`);
      return run.wallMs;
    } finally {
      await server.emulator.close();
    }
  };
  let requests: RequestTally | undefined;
  const ours = async (rep: number): Promise<number> => {
    const server = await startServer('v1-0.27');
    try {
      const config = writeConfig(dir, {
        url: server.emulator.url,
        apiKey: API_KEY,
        api: 'v1',
        root,
        kb: KB,
        stateFile: path.join(dir, `state-${rep}.json`),
        rateLimit: { requestsPerSecond: 1_000_000, concurrency: MANY_SMALL_CONCURRENCY },
      });
      const run = expectSuccess(await runCli(['--config', config, '--sync', '-q'], dir), 'first sync');
      const summary = summaryOf(run);
      const stored = server.emulator.documents(KB);
      if (summary.uploaded !== files || stored.length !== files) throw new Error(`the first sync uploaded ${summary.uploaded} of ${files}`);
      const unparsed = stored.filter((doc) => doc.run !== 'DONE').length;
      if (unparsed > 0) throw new Error(`the first sync returned with ${unparsed} documents not parsed`);
      requests = tally(server.emulator.requests);
      return run.wallMs;
    } finally {
      await server.emulator.close();
    }
  };
  const curlLoopMs: number[] = [];
  const oursMs: number[] = [];
  const curlLoopServerCpuMs: number[] = [];
  const oursServerCpuMs: number[] = [];
  for (let rep = 0; rep < Math.min(ctx.reps, 3); rep += 1) {
    const loop = await withServerCpu(curlLoop);
    curlLoopMs.push(loop.value);
    curlLoopServerCpuMs.push(loop.cpuMs);
    const sync = await withServerCpu(() => ours(rep));
    oursMs.push(sync.value);
    oursServerCpuMs.push(sync.cpuMs);
  }
  const speedup = median(curlLoopMs) / median(oursMs);
  ctx.log(`row 5: curl loop ${formatMs(median(curlLoopMs))}, ours ${formatMs(median(oursMs))} (${speedup.toFixed(1)}× faster); server CPU ${formatMs(median(oursServerCpuMs))} during ours`);
  if (requests === undefined) throw new Error('no run of ours was measured');
  return { files, curlLoopMs, oursMs, curlLoopServerCpuMs, oursServerCpuMs, requests, speedup };
}

export function manySmallRow(result: ManySmallResult): Row {
  const perSecond = (ms: number) => Math.round(result.files / (ms / 1000));
  const { uploads, parses, otherWrites, reads, deletes } = result.requests;
  const perFile = (n: number) => (n / result.files).toFixed(2);
  return {
    id: '5',
    measure: `first sync, ${result.files.toLocaleString('en')} files of 4 KB, no rate limit (concurrency ${MANY_SMALL_CONCURRENCY})`,
    baseline: `curl loop ${formatMs(median(result.curlLoopMs))} (${perSecond(median(result.curlLoopMs))}/s)`,
    ours: `${formatMs(median(result.oursMs))} (${perSecond(median(result.oursMs))}/s)`,
    ratio: `${result.speedup.toFixed(1)}× faster`,
    target: '≥ 5× faster',
    pass: result.speedup >= 5,
    note:
      `the emulator spent ${formatMs(median(result.oursServerCpuMs))} of CPU serving our run (${formatMs(median(result.curlLoopServerCpuMs))} for the curl loop); ` +
      `ours sent per file ${perFile(uploads)} uploads, ${perFile(otherWrites)} updates (ownership metadata), ${perFile(parses)} parse requests, ` +
      `${perFile(reads)} reads (parse state, listing)${deletes > 0 ? `, ${perFile(deletes)} deletes` : ''}, and returned with every document parsed`,
    data: {
      files: result.files,
      curlLoopMs: result.curlLoopMs.map((ms) => round(ms, 1)),
      oursMs: result.oursMs.map((ms) => round(ms, 1)),
      curlLoopServerCpuMs: result.curlLoopServerCpuMs.map((ms) => round(ms)),
      oursServerCpuMs: result.oursServerCpuMs.map((ms) => round(ms)),
      speedup: round(result.speedup, 2),
      requests: { uploads, parses, deletes, otherWrites, reads, otherKinds: result.requests.otherKinds ?? [] },
    },
  };
}
