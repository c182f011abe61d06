// Row 8: the daemon's latency from a file change to the start of its upload request (as the server sees
// it), over `changes` single-file changes one after the other, against the configured quiet window.
// With `parseMs`, the emulator parses each document for that long (a real server takes seconds to
// minutes): each change then comes while the previous one's new version is still parsing, which shows
// whether following a parse ("done means parsed") holds up the next change.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { uploads } from '../../test/e2e/harness.js';
import { startEmulator } from '../../test/emulator/index.js';
import { API_KEY, KB, type BenchContext } from '../lib/context.js';
import { startCliDaemon } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { percentile, round } from '../lib/stats.js';
import { makeSmallTree, relPathOf, writeConfig } from '../lib/trees.js';

export interface LatencyResult {
  readonly quietWindowMs: number;
  readonly parseMs: number;
  readonly latenciesMs: number[];
}

export async function measureDaemonLatency(ctx: BenchContext, changes: number, options: { quietWindowMs: number; spacingMs: number; parseMs?: number }): Promise<LatencyResult> {
  const parseMs = options.parseMs ?? 0;
  const dir = ctx.dir(parseMs > 0 ? 'daemon-latency-parsing' : 'daemon-latency');
  const root = path.join(dir, 'tree');
  makeSmallTree(root, changes);
  const emulator = await startEmulator({ profile: 'v1-0.27', apiKey: API_KEY, parse: { durationMs: parseMs } });
  emulator.createKb(KB);
  const server = { emulator };
  const config = writeConfig(dir, {
    url: server.emulator.url,
    apiKey: API_KEY,
    api: 'v1',
    root,
    kb: KB,
    rateLimit: { requestsPerSecond: 50, concurrency: 4 },
    daemon: { quietWindowMs: options.quietWindowMs, rescanIntervalMinutes: 0 },
  });
  const daemon = startCliDaemon(config, dir);
  try {
    await daemon.waitForLog(/"msg":"watching"/, 60_000); // after the first reconcile uploaded the tree
    ctx.log(`row 8: ${changes} changes, each ${options.spacingMs} ms after the previous upload started, quiet window ${options.quietWindowMs} ms, parsing ${parseMs} ms`);
    server.emulator.clearRequests();
    const changedAt = new Map<string, number>();
    for (let index = 0; index < changes; index += 1) {
      const rel = relPathOf(index);
      writeFileSync(path.join(root, rel), `changed ${index} at ${Date.now()}\n`);
      changedAt.set(rel, Date.now()); // the emulator logs request starts with Date.now() in this process
      // Single-file changes: the next one comes once this one's upload has started, and a little later,
      // so each is examined on its own (not queued behind the previous one's run).
      const seen = Date.now() + 30_000;
      while (!uploads(server.emulator).some((r) => r.fileNames[0] === rel) && Date.now() < seen) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, options.spacingMs));
    }
    const deadline = Date.now() + 60_000;
    while (uploads(server.emulator).length < changes) {
      if (Date.now() > deadline) throw new Error(`only ${uploads(server.emulator).length} of ${changes} changes were uploaded`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const latenciesMs: number[] = [];
    for (const request of uploads(server.emulator)) {
      const name = request.fileNames[0] ?? '';
      const at = changedAt.get(name);
      if (at === undefined) throw new Error(`an upload of ${name}, which was not changed`);
      changedAt.delete(name); // one upload per change; a second one would show as "not changed"
      latenciesMs.push(request.time - at);
    }
    return { quietWindowMs: options.quietWindowMs, parseMs, latenciesMs };
  } finally {
    await daemon.stop();
    await server.emulator.close();
  }
}

export function daemonLatencyRow(result: LatencyResult, id = '8'): Row {
  const p50 = percentile(result.latenciesMs, 50);
  const p99 = percentile(result.latenciesMs, 99);
  const limit = result.quietWindowMs + 250;
  return {
    id,
    measure: `daemon: file change → upload request start, ${result.latenciesMs.length} single-file changes${result.parseMs > 0 ? `, each parsing ${result.parseMs / 1000} s` : ''}`,
    baseline: `quiet window ${result.quietWindowMs} ms`,
    ours: `p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms`,
    ratio: `p99 = window + ${Math.round(p99 - result.quietWindowMs)} ms`,
    target: `p99 ≤ window + 250 ms`,
    pass: p99 <= limit,
    data: { quietWindowMs: result.quietWindowMs, parseMs: result.parseMs, p50Ms: round(p50), p99Ms: round(p99), maxMs: round(Math.max(...result.latenciesMs)), latenciesMs: result.latenciesMs.map((ms) => round(ms)) },
  };
}
