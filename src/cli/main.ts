// The command line: argv → command → exit code. With src/cli.ts, the only code that calls process.exit.
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError } from '../config/config-error.js';
import { loadConfig, type Config } from '../config/load-config.js';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { createLogger, scrubSecret, type Logger } from '../log.js';
import { exitCodeFor } from '../sync/sync-errors.js';
import { ListingProbe } from '../adapters/tree-listing.js';
import { settledReports } from '../settled-run.js';
import { formatPlan, formatSummary } from './human-output.js';
import { totalsOf, type FolderReport } from '../sync/sync-report.js';
import { VERSION } from '../version.js';
import { createProgressDisplay, type ProgressDisplay } from './progress.js';

const HELP = `ragflow-sync ${VERSION}: keep RAGFlow knowledge bases an exact mirror of folders on disk

Usage:
  ragflow-sync --config FILE                  watch the folders and mirror changes until SIGTERM/SIGINT
  ragflow-sync --config FILE --sync           reconcile every folder once, then exit
  ragflow-sync --config FILE --sync --dry-run print the plan; change nothing (no server or state write)
  ragflow-sync --config FILE status [--json]  per folder: what the state file knows, and the parse state
                                              of the documents when the server answers

Options:
  -c, --config FILE        configuration file (JSON; see config.example.json)
      --sync               one-shot reconcile
      --dry-run            with --sync: only print what would be done
      --allow-mass-delete  with --sync: let deletions held by the mass-delete guard through
      --skip-listing       with --sync: do not list the server's documents (trust the state file)
      --json               with status: machine-readable output
  -q, --quiet              no progress or summary on the terminal (logs still go to stdout)
      --log-level LEVEL    trace, debug, info, warn, error (overrides log.level)
  -V, --version            print the version
  -h, --help               print this help

Exit codes: 0 in sync / clean stop, 1 some files failed, 64 usage, 65 state file unrecoverable,
69 server unreachable or not RAGFlow, 75 another ragflow-sync holds the state file, 77 API key rejected,
78 configuration invalid.
`;

let setHangupHandler: (handler: () => void) => void = () => undefined;
/** Tree listings src/cli.ts started for `--sync --skip-listing` (see src/settled-run.ts). */
let listingProbe: ListingProbe | undefined;

function fail(message: string, code: ExitCode): never {
  process.stderr.write(`ragflow-sync: ${message}\n`);
  process.exit(code);
}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        sync: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'allow-mass-delete': { type: 'boolean', default: false },
        'skip-listing': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        'log-level': { type: 'string' },
        version: { type: 'boolean', short: 'V', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return fail(`${(err as Error).message}\nTry 'ragflow-sync --help'.`, EXIT.usage);
  }
}

async function main(): Promise<ExitCode> {
  const { values, positionals } = parseCommandLine();
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  const command = positionals[0];
  if (positionals.length > 1 || (command !== undefined && command !== 'status')) {
    return fail(`unknown command "${positionals.join(' ')}"; the only command word is "status"\nTry 'ragflow-sync --help'.`, EXIT.usage);
  }
  if (!values.config) return fail("missing --config FILE\nTry 'ragflow-sync --help'.", EXIT.usage);
  if ((values['dry-run'] || values['allow-mass-delete'] || values['skip-listing']) && !values.sync) {
    return fail('--dry-run, --allow-mass-delete and --skip-listing go with --sync', EXIT.usage);
  }

  const config = loadConfig(values.config, { requireKey: command !== 'status' });
  if (command === 'status') {
    const { statusCommand } = await import('./status-command.js');
    return statusCommand(config, { json: values.json, write: (text) => process.stdout.write(text) });
  }

  const display = values.sync ? createProgressDisplay({ stream: process.stdout, quiet: values.quiet }) : undefined;
  // Under a progress line, per-file info lines would bury it: only warnings, unless --log-level asks.
  const level = values['log-level'] ?? (display?.active ? atLeastWarn(config.log.level) : config.log.level);
  const logger = createLogger({
    level,
    secret: config.server.apiKey,
    ...(display?.logDestination
      ? // A progress line is drawn: log lines are printed above it instead of tearing it.
        { destination: display.logDestination, pretty: false }
      : values['dry-run']
        ? // With --dry-run the plan is the output: logs go to stderr so stdout stays clean.
          { destination: pino.destination({ fd: 2, sync: true }), pretty: false }
        : {}),
  });
  if (display) {
    return syncOnce(config, logger, display, {
      dryRun: values['dry-run'],
      allowMassDelete: values['allow-mass-delete'],
      listRemote: !values['skip-listing'],
    });
  }
  return daemon(config, logger);
}

function atLeastWarn(level: string): string {
  return ['trace', 'debug', 'info'].includes(level) ? 'warn' : level;
}

async function syncOnce(
  config: Config,
  logger: Logger,
  display: ProgressDisplay,
  options: { dryRun: boolean; allowMassDelete: boolean; listRemote: boolean },
): Promise<ExitCode> {
  const started = Date.now();
  // The engine (and its HTTP client, state store, scanner…) loads only when the shortcut does not hold.
  const shortcut = !options.listRemote && !options.dryRun;
  let reports: FolderReport[] | undefined;
  try {
    reports = shortcut ? await settledReports(config, listingProbe ?? new ListingProbe()) : undefined;
    if (reports !== undefined) logger.info('no file changed since the last settled run: nothing to do (the server was not contacted)');
    else {
      const { runSync } = await import('../app.js');
      reports = await runSync(config, logger, {
        dryRun: options.dryRun,
        allowMassDelete: options.allowMassDelete,
        listRemote: options.listRemote,
        recordSettled: shortcut,
        onProgress: (progress) => display.update(progress),
        onReport: (report) => {
          if (options.dryRun) display.print(formatPlan(report));
        },
      });
    }
  } finally {
    display.stop(); // also on errors: the terminal gets its cursor back
  }
  const totals = totalsOf(reports);
  const elapsedMs = Date.now() - started;
  const failed = reports.flatMap((r) => r.failed.map((f) => ({ kb: r.kb, ...f })));
  for (const f of failed) logger.warn({ kb: f.kb, path: f.relPath, err: f.error }, 'failed');
  const summary = formatSummary(totals, elapsedMs, options.dryRun);
  if (display.active) {
    // On a terminal the summary is a plain line of its own, whatever the log level.
    logger.debug({ ...totals, elapsedMs, dryRun: options.dryRun }, 'summary');
    if (!options.dryRun) for (const f of failed) display.print(`  ! ${f.relPath}: ${f.error}`);
    display.print(summary);
  } else {
    logger.info({ ...totals, elapsedMs, dryRun: options.dryRun }, summary);
  }
  return totals.failed > 0 || totals.folderErrors > 0 ? EXIT.someFailed : EXIT.ok;
}

async function daemon(config: Config, logger: Logger): Promise<ExitCode> {
  const { startDaemon } = await import('../app.js');
  const handle = await startDaemon(config, logger);
  setHangupHandler(() => {
    // SIGHUP (systemctl reload): re-read the file; a broken file keeps the running configuration.
    let next: Config;
    try {
      next = loadConfig(config.configFile);
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [String(err)];
      logger.error({ problems }, 'SIGHUP: the configuration is invalid; keeping the running one');
      return;
    }
    logger.info('SIGHUP: reloading the configuration');
    void handle.reload(next);
  });
  const signalled = new Promise<ExitCode>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping: finishing in-flight requests and flushing the state');
      resolve(EXIT.ok);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  const ended = handle.ended().then((end): ExitCode => {
    if (end.kind === 'auth-rejected') {
      logger.fatal({ err: end.error.message }, 'the server rejected the API key; stopping rather than hammering it');
      return EXIT.authRejected;
    }
    if (end.kind === 'crashed') {
      const code = exitCodeFor(end.error);
      logger.fatal({ err: end.error }, code === undefined ? 'internal error; stopping' : 'stopping');
      return code ?? EXIT.internal;
    }
    return EXIT.ok;
  });
  const code = await Promise.race([signalled, ended]);
  await handle.stop();
  logger.info('stopped');
  return code;
}

/** Runs the command line and exits the process with its code. */
export function run(setHangup: (handler: () => void) => void, probe?: ListingProbe): void {
  setHangupHandler = setHangup;
  listingProbe = probe;
  main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`ragflow-sync: configuration invalid:\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
      process.exit(EXIT.config);
    }
    const code = exitCodeFor(err);
    const key = process.env['RAGFLOW_API_KEY'] ?? '';
    const message = String(scrubSecret(err instanceof Error ? err.message : String(err), key));
    if (code !== undefined) fail(message, code);
    process.stderr.write(`ragflow-sync: internal error: ${message}\n`);
    process.exit(EXIT.internal);
  },
);
}
