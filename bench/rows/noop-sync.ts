// Row 1 (and its growth figures): a no-op `--sync --skip-listing` over N files already in sync, the whole
// process, against `find ROOT -type f -printf '%s %T@\n'` over the same tree. Also yields the peak RSS of
// those runs (row 7) and checks that a no-op sends no write request.
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { writes } from '../../test/e2e/harness.js';
import { API_KEY, KB, startServer, type BenchContext } from '../lib/context.js';
import { expectSuccess, runCli, summaryOf, timed, type CliRun } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { formatMiB, formatMs, formatRatio, median, round } from '../lib/stats.js';
import { makeSmallTree, writeConfig, writeSyncedState } from '../lib/trees.js';

export interface NoopSyncResult {
  readonly files: number;
  readonly findMs: number[];
  readonly oursMs: number[];
  readonly ratio: number;
  /** Of the timed runs, how many took the settled-run shortcut (the server saw no request at all). */
  readonly shortcutRuns: number;
  /** The same no-op with the settled record removed first: the engine's full check, then recording. */
  readonly engineMs: number[];
  readonly peakRssBytes: number;
  readonly writeRequests: number;
  /** Whether the no-op runs rewrote the state file (they should not: nothing changed). */
  readonly stateRewritten: boolean;
  /** Where the tree, config and state are, for rows that reuse them. */
  readonly dir: string;
  readonly root: string;
  readonly stateFile: string;
}

export interface NoopTree {
  readonly files: number;
  readonly dir: string;
  readonly root: string;
  readonly relPaths: readonly string[];
}

export function buildNoopTree(ctx: BenchContext, files: number): NoopTree {
  const dir = ctx.dir(`noop-${files}`);
  const root = path.join(dir, 'tree');
  ctx.log(`row 1: building ${files} files`);
  return { files, dir, root, relPaths: makeSmallTree(root, files) };
}

/** Writes the tree's in-sync state, then alternates baseline and ours `reps` times (after a warm-up). */
export async function measureNoopSync(ctx: BenchContext, tree: NoopTree, reps = ctx.reps, options: { engineToo?: boolean } = {}): Promise<NoopSyncResult> {
  const { files, dir, root, relPaths } = tree;
  const stateFile = path.join(dir, 'state.json');
  const server = await startServer('v1-0.27');
  try {
    writeSyncedState({ root, kb: KB, kbId: server.kbId, relPaths, stateFile });
    const config = writeConfig(dir, { url: server.emulator.url, apiKey: API_KEY, api: 'v1', root, kb: KB, stateFile });
    const find = () => timed('find', [root, '-type', 'f', '-printf', '%s %T@\n'], { discardStdout: true });
    const record = `${stateFile}.settled`;
    const ours = async (): Promise<CliRun> => {
      const run = expectSuccess(await runCli(['--config', config, '--sync', '--skip-listing', '-q'], dir), 'no-op --sync');
      const summary = summaryOf(run);
      if (summary.unchanged !== files || summary.uploaded + summary.replaced + summary.deleted + summary.failed !== 0) {
        throw new Error(`the no-op sync was not a no-op: ${JSON.stringify(summary)}`);
      }
      return run;
    };
    // Warm-up (page cache, the state file as the CLI itself writes it, and the settled record the first
    // no-op writes), then interleaved runs so machine noise hits both sides alike.
    expectSuccess(await find(), 'find');
    await ours();
    await ours();
    server.emulator.clearRequests();
    const stateIdentity = () => {
      const stats = statSync(stateFile);
      return `${stats.ino}:${stats.mtimeMs}`;
    };
    const stateBefore = stateIdentity();
    const findMs: number[] = [];
    const oursMs: number[] = [];
    const engineMs: number[] = [];
    let shortcutRuns = 0;
    let peakRssBytes = 0;
    for (let rep = 0; rep < reps; rep += 1) {
      findMs.push(expectSuccess(await find(), 'find').wallMs);
      const requestsBefore = server.emulator.requests.length;
      const run = await ours();
      if (server.emulator.requests.length === requestsBefore) shortcutRuns += 1;
      oursMs.push(run.wallMs);
      peakRssBytes = Math.max(peakRssBytes, run.peakRssBytes);
      if (options.engineToo) {
        // What the first no-op after any change costs: the engine's check, then the record for the next.
        rmSync(record, { force: true });
        const full = await ours();
        engineMs.push(full.wallMs);
        peakRssBytes = Math.max(peakRssBytes, full.peakRssBytes);
      }
    }
    const ratio = median(oursMs) / median(findMs);
    ctx.log(`row 1 @${files}: find ${formatMs(median(findMs))}, ours ${formatMs(median(oursMs))} (${formatRatio(ratio)}, ${shortcutRuns}/${reps} shortcut), engine ${engineMs.length > 0 ? formatMs(median(engineMs)) : '—'}, peak RSS ${formatMiB(peakRssBytes)}`);
    return { files, findMs, oursMs, ratio, shortcutRuns, engineMs, peakRssBytes, writeRequests: writes(server.emulator).length, stateRewritten: stateIdentity() !== stateBefore, dir, root, stateFile };
  } finally {
    await server.emulator.close();
  }
}

export function noopSyncRow(result: NoopSyncResult, id: string, targetRatio: number | undefined): Row {
  const find = median(result.findMs);
  const ours = median(result.oursMs);
  const clean = result.writeRequests === 0 && !result.stateRewritten;
  const pass = targetRatio === undefined ? (clean ? undefined : false) : result.ratio <= targetRatio && clean;
  const problems = [
    ...(result.shortcutRuns < result.oursMs.length ? [`${result.oursMs.length - result.shortcutRuns} of ${result.oursMs.length} runs did not take the settled-run shortcut`] : []),
    ...(result.writeRequests > 0 ? [`${result.writeRequests} write request(s) in a no-op sync`] : []),
    ...(result.stateRewritten ? ['the no-op sync rewrote the state file'] : []),
  ];
  return {
    id,
    measure: `no-op --sync --skip-listing, ${result.files.toLocaleString('en')} files, whole process`,
    baseline: `find -printf ${formatMs(find)}`,
    ours: formatMs(ours),
    ratio: formatRatio(result.ratio),
    target: targetRatio === undefined ? 'growth; 0 writes' : `≤ ${targetRatio.toFixed(1)}×, 0 writes`,
    pass,
    ...(problems.length > 0 ? { note: problems.join('; ') } : {}),
    data: {
      files: result.files,
      findMs: result.findMs.map((ms) => round(ms, 1)),
      oursMs: result.oursMs.map((ms) => round(ms, 1)),
      findMedianMs: round(find, 1),
      oursMedianMs: round(ours, 1),
      ratio: round(result.ratio, 3),
      peakRssBytes: result.peakRssBytes,
      writeRequests: result.writeRequests,
      stateRewritten: result.stateRewritten,
      shortcutRuns: result.shortcutRuns,
    },
  };
}

/** The same no-op without a settled record (the first no-op after any change): the engine's full check
 *  of every file against the state, then the record. Shown for growth and honesty, not judged. */
export function noopEngineRow(result: NoopSyncResult, id: string): Row {
  const find = median(result.findMs);
  const engine = median(result.engineMs);
  return {
    id,
    measure: `no-op --sync --skip-listing, ${result.files.toLocaleString('en')} files, no settled record (engine + recording)`,
    baseline: `find -printf ${formatMs(find)}`,
    ours: formatMs(engine),
    ratio: formatRatio(engine / find),
    target: 'info',
    pass: undefined,
    data: { files: result.files, engineMs: result.engineMs.map((ms) => round(ms, 1)), engineMedianMs: round(engine, 1), ratio: round(engine / find, 3) },
  };
}
