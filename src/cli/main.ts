// The command line: argv → command → exit code. With src/cli.ts, the only code that calls process.exit.
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config-error.js';
import { loadConfig, type Config } from '../config/load-config.js';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import { createLogger, scrubSecret, type Logger } from '../log.js';
import { exitCodeFor } from '../sync/sync-errors.js';
import { formatPlan } from './human-output.js';
import { finishSync, syncOutput } from './sync-output.js';
import { VERSION } from '../version.js';
import type { ProgressDisplay } from './progress.js';

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

  if (values.sync) {
    const output = syncOutput({ quiet: values.quiet, dryRun: values['dry-run'], levelFlag: values['log-level'], configLevel: config.log.level, secret: config.server.apiKey });
    return syncOnce(config, output, {
      dryRun: values['dry-run'],
      allowMassDelete: values['allow-mass-delete'],
      listRemote: !values['skip-listing'],
    });
  }
  const logger = createLogger({ level: values['log-level'] ?? config.log.level, secret: config.server.apiKey });
  return daemon(config, logger);
}

async function syncOnce(config: Config, output: { logger: Logger; display: ProgressDisplay }, options: { dryRun: boolean; allowMassDelete: boolean; listRemote: boolean }): Promise<ExitCode> {
  const startedMs = Date.now();
  const { display } = output;
  let reports;
  try {
    const { runSync } = await import('../app.js');
    reports = await runSync(config, output.logger, {
      dryRun: options.dryRun,
      allowMassDelete: options.allowMassDelete,
      listRemote: options.listRemote,
      // Such a run that leaves every folder settled is recorded for the next one (src/settled-shortcut.ts).
      recordSettled: !options.listRemote && !options.dryRun,
      onProgress: (progress) => display.update(progress),
      onReport: (report) => {
        if (options.dryRun) display.print(formatPlan(report));
      },
    });
  } finally {
    display.stop(); // also on errors: the terminal gets its cursor back
  }
  return finishSync(reports, output, { dryRun: options.dryRun, startedMs });
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
export function run(setHangup: (handler: () => void) => void): void {
  setHangupHandler = setHangup;
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
