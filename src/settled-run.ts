// The settled-run shortcut of `--sync --skip-listing`. A run that leaves every folder settled
// (sync/settled-check.ts) lists each folder's tree once more, checks the listing against the state, and
// records its digest beside the state file. The next `--sync --skip-listing` lists the trees (GNU find, in
// its own process, started before anything else loads; adapters/tree-listing.ts) and, when every digest,
// the state file, the configuration and the version are exactly as recorded and no process holds the state,
// reports the folders unchanged without loading the engine: the engine would find nothing to do either.
// Anything else, and any doubt, runs the engine. Trade-off, by design: that run does not contact the
// server (with --skip-listing there is nothing to ask it; the next run that has work to do will).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from './config/load-config.js';
import { createPathFilter } from './core/path-filter.js';
import { lockFileOf } from './adapters/state-lock.js';
import { readSettledRecord, removeSettledRecord, sameStamp, stampOf, writeSettledRecord, type SettledFolder } from './adapters/settled-record-file.js';
import { listTree, type ListingProbe } from './adapters/tree-listing.js';
import type { StateStore } from './sync/ports.js';
import { reportSettled, settledFileCount, stateSettled } from './sync/settled-check.js';
import { emptyReport, type FolderReport } from './sync/sync-report.js';
import { VERSION } from './version.js';

/** The configuration as loaded, without the API key: the key decides nothing on disk, and a digest of a
 *  secret does not belong in a file. */
export function configDigest(config: Config): string {
  const { apiKey: _key, ...server } = config.server;
  return createHash('sha256').update(JSON.stringify({ ...config, server })).digest('hex');
}

/** The folders' reports when the last settled run's record still holds; undefined otherwise. */
export async function settledReports(config: Config, probe: ListingProbe): Promise<FolderReport[] | undefined> {
  const started = Date.now();
  const record = readSettledRecord(config.stateFile);
  if (record === undefined || record.version !== VERSION || record.config !== configDigest(config)) return undefined;
  const { folders } = config;
  if (record.folders.length !== folders.length || record.folders.some((entry, index) => entry.key !== folders[index]?.key || entry.root !== folders[index]?.path)) return undefined;
  const digests = await Promise.all(record.folders.map((entry) => probe.digest(entry.root)));
  if (digests.some((digest, index) => digest !== record.folders[index]?.listing)) return undefined;
  // Checked after the listings: the state must still be the one recorded, and nobody may be at work on it
  // (a held lock is the engine's to report: exit 75).
  if (existsSync(lockFileOf(config.stateFile))) return undefined;
  const stamp = stampOf(config.stateFile);
  if (stamp === undefined || !sameStamp(stamp, record.state)) return undefined;
  const elapsedMs = Date.now() - started;
  return folders.map((folder, index) => ({ ...emptyReport(folder), unchanged: record.folders[index]?.files ?? 0, plan: [], remoteListed: false, elapsedMs }));
}

/** After a `--sync --skip-listing` run, with the state still open and locked: records the run when every
 *  folder is settled, and removes an older record otherwise. Never fails the run. */
export async function recordSettledRun(config: Config, store: StateStore, reports: readonly FolderReport[], logger: Logger): Promise<void> {
  try {
    const folders = await settledFolders(config, store, reports);
    if (folders === undefined) {
      await removeSettledRecord(config.stateFile);
      return;
    }
    await writeSettledRecord(config.stateFile, { format: 1, version: VERSION, config: configDigest(config), state: folders.stamp, folders: folders.list, recordedAt: Date.now() });
    logger.debug({ folders: folders.list.length }, 'every folder settled: recorded for the next --sync --skip-listing');
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not record the settled run (the next run does the full check)');
    await removeSettledRecord(config.stateFile).catch(() => undefined);
  }
}

async function settledFolders(config: Config, store: StateStore, reports: readonly FolderReport[]) {
  if (reports.length !== config.folders.length || !reports.every(reportSettled)) return undefined;
  if (!config.folders.every((folder) => stateSettled(store.meta(folder.key), store.files(folder.key)))) return undefined;
  await store.flush();
  const stamp = stampOf(config.stateFile);
  if (stamp === undefined) return undefined;
  const list: SettledFolder[] = [];
  for (const folder of config.folders) {
    const listing = await listTree(folder.path, { keep: true });
    if (listing?.bytes === undefined) return undefined;
    const files = settledFileCount(listing.bytes, store.files(folder.key), createPathFilter({ include: folder.include, exclude: folder.exclude }));
    if (files === undefined) return undefined;
    list.push({ key: folder.key, root: folder.path, listing: listing.digest, files });
  }
  // This process holds the state's lock, so nothing should have written it meanwhile; if anything did,
  // the record would not describe it.
  const after = stampOf(config.stateFile);
  return after !== undefined && sameStamp(after, stamp) ? { stamp, list } : undefined;
}
