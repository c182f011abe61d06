// Recording a settled run, for the shortcut of the next `--sync --skip-listing` (src/settled-shortcut.ts).
// A run that leaves every folder settled (sync/settled-check.ts) lists each folder's tree once more, checks
// that the listing shows exactly the state's files, and records the listing's digest with the state file's
// identity and the configuration's digest beside the state file. Any other run removes the record.
import type { Logger } from 'pino';
import type { Config } from './config/load-config.js';
import { removeSettledRecord, sameStamp, stampOf, writeSettledRecord, type SettledFolder } from './adapters/settled-record-file.js';
import { listTree } from './adapters/tree-listing.js';
import type { FolderSyncer } from './sync/folder-syncer.js';
import type { StateStore } from './sync/ports.js';
import { reportSettled, settledFileCount, stateSettled } from './sync/settled-check.js';
import type { FolderReport } from './sync/sync-report.js';
import { VERSION } from './version.js';

/** After a `--sync --skip-listing` run, with the state still open and locked: records the run when every
 *  folder is settled, and removes an older record otherwise. Never fails the run. */
export async function recordSettledRun(config: Config, syncers: readonly FolderSyncer[], store: StateStore, reports: readonly FolderReport[], logger: Logger): Promise<void> {
  try {
    const folders = await settledFolders(syncers, store, reports, config.stateFile);
    if (folders === undefined) {
      await removeSettledRecord(config.stateFile);
      return;
    }
    await writeSettledRecord(config.stateFile, {
      format: 1,
      version: VERSION,
      config: config.sourceDigest,
      stateFile: config.stateFile,
      state: folders.stamp,
      logLevel: config.log.level,
      folders: folders.list,
      recordedAt: Date.now(),
    });
    logger.debug({ folders: folders.list.length }, 'every folder settled: recorded for the next --sync --skip-listing');
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not record the settled run (the next run does the full check)');
    await removeSettledRecord(config.stateFile).catch(() => undefined);
  }
}

async function settledFolders(syncers: readonly FolderSyncer[], store: StateStore, reports: readonly FolderReport[], stateFile: string) {
  if (reports.length !== syncers.length || !reports.every(reportSettled)) return undefined;
  // Read once per folder: nothing else writes the state while this process holds its lock.
  const entries = syncers.map((syncer) => store.files(syncer.folder.key));
  if (!syncers.every((syncer, index) => stateSettled(store.meta(syncer.folder.key), entries[index] ?? []))) return undefined;
  await store.flush();
  const stamp = stampOf(stateFile);
  if (stamp === undefined) return undefined;
  const list: SettledFolder[] = [];
  for (const [index, { folder, rules }] of syncers.entries()) {
    const listing = await listTree(folder.path, { keep: true });
    if (listing?.bytes === undefined) return undefined;
    const files = settledFileCount(listing.bytes, entries[index] ?? [], rules, { skipped: store.meta(folder.key)?.skipped, maxFileBytes: folder.maxFileSizeMB * 1024 * 1024 });
    if (files === undefined) return undefined;
    list.push({ key: folder.key, kb: folder.kb, root: folder.path, listing: listing.digest, files });
  }
  // This process holds the state's lock, so nothing should have written it meanwhile; if anything did,
  // the record would not describe it.
  const after = stampOf(stateFile);
  return after !== undefined && sameStamp(after, stamp) ? { stamp, list } : undefined;
}
