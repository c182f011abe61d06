// What a `--sync` run prints, shared by the engine's runs (cli/main.ts) and the settled shortcut
// (settled-shortcut.ts), so both speak alike: the progress line on a terminal, the log, the summary line
// and the exit code.
import { pino } from 'pino';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { createLogger, type Logger } from '../log.js';
import { totalsOf, type FolderReport } from '../sync/sync-report.js';
import { formatSummary } from './human-output.js';
import { createProgressDisplay, type ProgressDisplay } from './progress.js';

export interface SyncOutputOptions {
  readonly quiet: boolean;
  readonly dryRun: boolean;
  /** --log-level, when given: it wins over the configuration's. */
  readonly levelFlag: string | undefined;
  readonly configLevel: string;
  /** Scrubbed from every log line (the API key); empty when the run does not know it. */
  readonly secret: string;
}

export function syncOutput(options: SyncOutputOptions): { display: ProgressDisplay; logger: Logger } {
  const display = createProgressDisplay({ stream: process.stdout, quiet: options.quiet });
  // Under a progress line, per-file info lines would bury it: only warnings, unless --log-level asks.
  const level = options.levelFlag ?? (display.active ? atLeastWarn(options.configLevel) : options.configLevel);
  const logger = createLogger({
    level,
    secret: options.secret,
    ...(display.logDestination
      ? // A progress line is drawn: log lines are printed above it instead of tearing it.
        { destination: display.logDestination, pretty: false }
      : options.dryRun
        ? // With --dry-run the plan is the output: logs go to stderr so stdout stays clean.
          { destination: pino.destination({ fd: 2, sync: true }), pretty: false }
        : {}),
  });
  return { display, logger };
}

export function atLeastWarn(level: string): string {
  return ['trace', 'debug', 'info'].includes(level) ? 'warn' : level;
}

/** Logs the failures and the summary (a plain line of its own on a terminal), and says the exit code. */
export function finishSync(reports: readonly FolderReport[], output: { logger: Logger; display: ProgressDisplay }, run: { dryRun: boolean; startedMs: number }): ExitCode {
  const { logger, display } = output;
  const totals = totalsOf(reports);
  const elapsedMs = Date.now() - run.startedMs;
  const failed = reports.flatMap((r) => r.failed.map((f) => ({ kb: r.kb, ...f })));
  for (const f of failed) logger.warn({ kb: f.kb, path: f.relPath, err: f.error }, 'failed');
  const summary = formatSummary(totals, elapsedMs, run.dryRun);
  if (display.active) {
    // On a terminal the summary is a plain line of its own, whatever the log level.
    logger.debug({ ...totals, elapsedMs, dryRun: run.dryRun }, 'summary');
    if (!run.dryRun) for (const f of failed) display.print(`  ! ${f.relPath}: ${f.error}`);
    display.print(summary);
  } else {
    logger.info({ ...totals, elapsedMs, dryRun: run.dryRun }, summary);
  }
  return totals.failed > 0 || totals.folderErrors > 0 ? EXIT.someFailed : EXIT.ok;
}
