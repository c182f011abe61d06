// Row 7: a state of N entries. Load time and memory of a fresh process opening it (the built state
// store), and — with the whole daemon running over the folder — the state-file writes per second during
// a burst of 10,000 file events.
import { execFileSync } from 'node:child_process';
import { watch, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { uploads } from '../../test/e2e/harness.js';
import { parseStateText } from '../../src/adapters/state-file-format.js';
import { API_KEY, KB, startServer, type BenchContext } from '../lib/context.js';
import { DIST, startCliDaemon } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { formatMiB, formatMs, median, round, slidingWindowCounts } from '../lib/stats.js';
import { contentOf, relPathOf, writeConfig } from '../lib/trees.js';

export interface StateLoadResult {
  readonly entries: number;
  readonly loadMs: number[];
  readonly rssBytes: number[];
}

/** Opens the state file in fresh processes (as the CLI does: writable, with the lock) and times it. */
export function measureStateLoad(ctx: BenchContext, stateFile: string, reps = ctx.reps): StateLoadResult {
  const script = path.join(ctx.work, 'load-state.mjs');
  const store = pathToFileURL(path.join(DIST, 'adapters/state-store.js')).href;
  writeFileSync(
    script,
    `import { openStateStore } from ${JSON.stringify(store)};\n` +
      'const started = performance.now();\n' +
      'const store = await openStateStore(process.argv[2]);\n' +
      'const loadMs = performance.now() - started;\n' +
      'let entries = 0;\nfor (const key of store.folderKeys()) entries += store.files(key).length;\n' +
      'const rssBytes = process.memoryUsage().rss;\nawait store.close();\n' +
      'console.log(JSON.stringify({ loadMs, entries, rssBytes }));\n',
  );
  const result: StateLoadResult = { entries: 0, loadMs: [], rssBytes: [] };
  for (let rep = 0; rep < reps; rep += 1) {
    const report = JSON.parse(execFileSync(process.execPath, [script, stateFile], { encoding: 'utf8' })) as { loadMs: number; entries: number; rssBytes: number };
    (result as { entries: number }).entries = report.entries;
    result.loadMs.push(report.loadMs);
    result.rssBytes.push(report.rssBytes);
  }
  ctx.log(`row 7: ${result.entries} entries load in ${formatMs(median(result.loadMs))}, RSS ${formatMiB(median(result.rssBytes))}`);
  return result;
}

export function stateLoadRow(load: StateLoadResult, noopPeakRssBytes: number, id: string, judged: boolean): Row {
  const loadMs = median(load.loadMs);
  return {
    id,
    measure: `state of ${load.entries.toLocaleString('en')} entries: load time; RSS (load alone / no-op --sync peak)`,
    baseline: '—',
    ours: `${formatMs(loadMs)}; ${formatMiB(median(load.rssBytes))} / ${formatMiB(noopPeakRssBytes)}`,
    ratio: '—',
    target: judged ? '< 1 s; < 300 MB' : 'growth',
    pass: judged ? loadMs < 1000 && noopPeakRssBytes < 300e6 : undefined,
    data: { entries: load.entries, loadMs: load.loadMs.map((ms) => round(ms, 1)), loadRssBytes: load.rssBytes, noopSyncPeakRssBytes: noopPeakRssBytes },
  };
}

export interface BurstResult {
  readonly entries: number;
  readonly events: number;
  readonly burstMs: number;
  /** State-file writes from the start of the burst until the daemon was idle again (ms after the start). */
  readonly writeTimes: number[];
  readonly settledMs: number;
  readonly daemonPeakRssBytes: number;
  readonly startupMs: number;
}

/**
 * The daemon over a folder of `files` files already in sync, then a burst: `rewrites` files rewritten with
 * the same bytes (a new mtime: hashed, then only recorded) and `added` new files (uploaded). Served by the
 * legacy-0.21 profile, whose document listing is broken (RAGFlow 0.20–0.22): the daemon then trusts the
 * state file at start-up, where a listing server would have to hold all N documents.
 */
export async function measureStateBurst(ctx: BenchContext, setup: { dir: string; root: string; stateFile: string; files: number }, rewrites: number, added: number): Promise<BurstResult> {
  const { dir, root, stateFile, files } = setup;
  const server = await startServer('legacy-0.21');
  const config = writeConfig(
    dir,
    { url: server.emulator.url, apiKey: API_KEY, api: 'legacy', root, kb: KB, stateFile, daemon: { quietWindowMs: 1000, rescanIntervalMinutes: 0 } },
    'daemon.json',
  );
  const startedAt = performance.now();
  const daemon = startCliDaemon(config, dir);
  let stopped = false;
  try {
    await daemon.waitForLog(/"msg":"watching"/, 180_000);
    const startupMs = performance.now() - startedAt;
    ctx.log(`row 7: daemon watching ${files} files after ${formatMs(startupMs)}; burst of ${rewrites + added} events`);
    const writeTimes: number[] = [];
    let burstStart = 0;
    const watcher = watch(path.dirname(stateFile), (event, name) => {
      // Every durable write ends by renaming its temp file onto the state file.
      if (event === 'rename' && name === path.basename(stateFile) && burstStart > 0) writeTimes.push(performance.now() - burstStart);
    });
    try {
      server.emulator.clearRequests();
      burstStart = performance.now();
      for (let index = 0; index < rewrites; index += 1) writeFileSync(path.join(root, relPathOf(index * Math.max(1, Math.floor(files / rewrites)))), contentOf(index * Math.max(1, Math.floor(files / rewrites))));
      mkdirSync(path.join(root, 'burst'), { recursive: true });
      for (let index = 0; index < added; index += 1) writeFileSync(path.join(root, `burst/new-${index}.md`), `new file ${index}\n`);
      const burstMs = performance.now() - burstStart;
      // Idle again: every new file uploaded and no state write for 3 s.
      const deadline = Date.now() + 300_000;
      for (;;) {
        const lastWrite = writeTimes[writeTimes.length - 1] ?? 0;
        if (uploads(server.emulator).length >= added && performance.now() - burstStart - lastWrite > 3000) break;
        if (Date.now() > deadline) throw new Error(`the daemon did not settle: ${uploads(server.emulator).length} of ${added} uploads`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const settledMs = (writeTimes[writeTimes.length - 1] ?? 0);
      const end = await daemon.stop();
      stopped = true;
      const state = parseStateText(readFileSync(stateFile, 'utf8'));
      const tracked = [...state.folders.values()].reduce((n, folder) => n + folder.files.size, 0);
      if (tracked !== files + added) throw new Error(`after the burst the state tracks ${tracked} files, expected ${files + added}`);
      return { entries: files, events: rewrites + added, burstMs, writeTimes, settledMs, daemonPeakRssBytes: end.peakRssBytes, startupMs };
    } finally {
      watcher.close();
    }
  } finally {
    if (!stopped) await daemon.stop();
    await server.emulator.close();
  }
}

export function stateBurstRow(result: BurstResult): Row {
  const { max } = slidingWindowCounts(result.writeTimes);
  const spanSeconds = Math.max(1, result.settledMs / 1000);
  return {
    id: '7',
    measure: `state-file writes during a burst of ${result.events.toLocaleString('en')} events (daemon, ${result.entries.toLocaleString('en')} entries)`,
    baseline: '—',
    ours: `${result.writeTimes.length} writes in ${formatMs(result.settledMs)}; max ${max} in a sliding second`,
    ratio: '—',
    target: '≤ 2 per second',
    pass: max <= 2,
    note: `daemon start-up over ${result.entries.toLocaleString('en')} files ${formatMs(result.startupMs)}, daemon peak RSS ${formatMiB(result.daemonPeakRssBytes)}`,
    data: {
      entries: result.entries,
      events: result.events,
      burstMs: round(result.burstMs),
      writeTimesMs: result.writeTimes.map((t) => round(t)),
      meanPerSecond: round(result.writeTimes.length / spanSeconds, 2),
      maxPerSlidingSecond: max,
      daemonPeakRssBytes: result.daemonPeakRssBytes,
      daemonStartupMs: round(result.startupMs),
    },
  };
}
