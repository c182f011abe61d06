// Row 9: the request rate the server sees with `requestsPerSecond: 20` over a first sync of 400 files
// (about 400 requests): the mean and the largest count of request starts in any sliding second.
import path from 'node:path';
import { API_KEY, KB, startServer, type BenchContext } from '../lib/context.js';
import { expectSuccess, runCli } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { median, round, slidingWindowCounts } from '../lib/stats.js';
import { makeSmallTree, writeConfig } from '../lib/trees.js';

export interface RateResult {
  readonly configured: number;
  readonly requests: number[];
  readonly mean: number[];
  readonly max: number[];
}

export async function measureRequestRate(ctx: BenchContext, files: number, requestsPerSecond: number): Promise<RateResult> {
  const dir = ctx.dir('rate');
  const root = path.join(dir, 'tree');
  makeSmallTree(root, files);
  const result: RateResult = { configured: requestsPerSecond, requests: [], mean: [], max: [] };
  for (let rep = 0; rep < Math.min(ctx.reps, 3); rep += 1) {
    ctx.log(`row 9: run ${rep + 1}, ${files} uploads at ${requestsPerSecond}/s`);
    const server = await startServer('legacy-0.19');
    try {
      const config = writeConfig(dir, {
        url: server.emulator.url,
        apiKey: API_KEY,
        api: 'legacy',
        root,
        kb: KB,
        stateFile: path.join(dir, `state-${rep}.json`),
        rateLimit: { requestsPerSecond, concurrency: 8 }, // headroom: the limiter, not slow answers, should set the pace
      });
      expectSuccess(await runCli(['--config', config, '--sync', '-q'], dir), 'rate-limited first sync');
      const times = server.emulator.requests.map((r) => r.time);
      const counts = slidingWindowCounts(times);
      result.requests.push(times.length);
      result.mean.push(counts.mean);
      result.max.push(counts.max);
    } finally {
      await server.emulator.close();
    }
  }
  return result;
}

export function requestRateRow(result: RateResult): Row {
  const mean = median(result.mean);
  const max = Math.max(...result.max);
  const ratio = mean / result.configured;
  return {
    id: '9',
    measure: `request rate at the server, requestsPerSecond ${result.configured}, ${Math.round(median(result.requests))} requests`,
    baseline: `${result.configured}/s configured`,
    ours: `mean ${mean.toFixed(1)}/s, max ${max} in a sliding second`,
    ratio: `${ratio.toFixed(2)}×`,
    target: '0.9–1.0×, never above',
    pass: ratio >= 0.9 && ratio <= 1.0 && max <= result.configured,
    data: { configured: result.configured, requests: result.requests, mean: result.mean.map((m) => round(m, 2)), max: result.max },
  };
}
