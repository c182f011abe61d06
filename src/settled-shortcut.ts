// The shortcut of `--sync --skip-listing`: when nothing changed since the last run that left every folder
// settled (recorded by src/settled-run.ts), report every file unchanged without loading the engine, the
// HTTP client, the state or the configuration schema. It holds only when all of these are exactly as
// recorded: ragflow-sync's version, the configuration's source (config file path and text, and the
// environment that moves the state file: peek-config.ts), the state file (inode, size, mtime, ctime), no
// process holding the state's lock, and every folder's tree listing (GNU find, started by src/cli.ts before
// anything else loads; adapters/tree-listing.ts). Then the engine, given the same configuration, state and
// tree, would find nothing to do either. Anything else, or any doubt, and the engine runs as usual.
//
// Trade-offs, by design: such a run does not contact the server (with --skip-listing there is nothing to
// ask it; the next run with work to do will), and does not read the API key (it sends nothing).
import { existsSync } from 'node:fs';
import type { ExitCode } from './core/exit-codes.js';
import { lockFileOf } from './adapters/state-lock.js';
import { readSettledRecord, sameStamp, stampOf, type SettledRecord } from './adapters/settled-record-file.js';
import type { ListingProbe } from './adapters/tree-listing.js';
import { configSourceDigest, peekFolderRoots, peekStateFile, type PeekedConfig } from './config/peek-config.js';
import { finishSync, syncOutput } from './cli/sync-output.js';
import { emptyReport } from './sync/sync-report.js';
import { VERSION } from './version.js';

export interface ShortcutRun {
  /** The config file as read before anything loaded; undefined when it could not be read as JSON. */
  readonly peeked: PeekedConfig | undefined;
  /** The folders' listings, started on the roots the config file names. */
  readonly probe: ListingProbe;
  readonly quiet: boolean;
  readonly levelFlag: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** The run's exit code when the shortcut holds (the summary is printed); undefined when the engine must run. */
export async function trySettledShortcut(run: ShortcutRun): Promise<ExitCode | undefined> {
  const startedMs = Date.now();
  const { peeked, probe, env } = run;
  if (peeked === undefined || (run.levelFlag !== undefined && !LEVELS.has(run.levelFlag))) return undefined;
  const stateFile = peekStateFile(peeked, env);
  if (stateFile === undefined) return undefined;
  const record = readSettledRecord(stateFile);
  if (record === undefined || record.version !== VERSION || record.stateFile !== stateFile) return undefined;
  if (record.config !== configSourceDigest(peeked.file, peeked.text, env) || !stateAsRecorded(record)) return undefined;
  // The same configuration names the same folders (a record edited by hand would not be believed).
  const roots = peekFolderRoots(peeked);
  if (roots.length !== record.folders.length || record.folders.some((folder, index) => folder.root !== roots[index])) return undefined;
  const digests = await Promise.all(record.folders.map((folder) => probe.digest(folder.root)));
  if (digests.some((digest, index) => digest !== record.folders[index]?.listing)) return undefined;
  // Again after the listings: nobody may have written or locked the state meanwhile.
  if (!stateAsRecorded(record)) return undefined;

  const output = syncOutput({ quiet: run.quiet, dryRun: false, levelFlag: run.levelFlag, configLevel: record.logLevel, secret: '' });
  output.display.stop();
  output.logger.info('no file changed since the last settled run: nothing to do (the server was not contacted)');
  const reports = record.folders.map((folder) => ({ ...emptyReport({ path: folder.root, kb: folder.kb }), unchanged: folder.files, plan: [], remoteListed: false }));
  return finishSync(reports, output, { dryRun: false, startedMs });
}

/** The state file is the one recorded, and no process holds it (a held lock is the engine's to report). */
function stateAsRecorded(record: SettledRecord): boolean {
  if (existsSync(lockFileOf(record.stateFile))) return false;
  const stamp = stampOf(record.stateFile);
  return stamp !== undefined && sameStamp(stamp, record.state);
}
