// The `--sync` progress line on a terminal (cli-progress): phase, bar, files scanned, bytes hashed,
// changes and requests done, ETA. Log lines and other text are printed above it, so nothing tears the bar.
// Off when stdout is not a terminal or with --quiet; RAGFLOW_SYNC_FORCE_TTY=1 forces it (tests, `script`).
import path from 'node:path';
import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import { loadPinoPretty } from '../log.js';
import type { DestinationStream } from 'pino';
import type { SyncProgress } from '../sync/folder-syncer.js';

export interface ProgressDisplay {
  /** Whether a bar is drawn (a terminal and not --quiet). */
  readonly active: boolean;
  /** Feed from the engine (FolderSyncer's onProgress). */
  update(progress: SyncProgress): void;
  /** A line (or lines) of text for the person watching: above the bar when one is drawn. */
  print(text: string): void;
  /** Where log lines go while the bar is drawn: pretty-printed above it. Undefined when inactive. */
  readonly logDestination: DestinationStream | undefined;
  /** Draws the final state and leaves the bar on its line; further print()s go straight out. */
  stop(): void;
}

export interface ProgressOptions {
  readonly stream: NodeJS.WriteStream;
  readonly quiet: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** True when progress is shown: stdout is a terminal (or forced) and --quiet is not given. */
export function progressWanted(stream: NodeJS.WriteStream, quiet: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return !quiet && (stream.isTTY || env['RAGFLOW_SYNC_FORCE_TTY'] === '1');
}

export function createProgressDisplay(options: ProgressOptions): ProgressDisplay {
  const { stream } = options;
  if (!progressWanted(stream, options.quiet, options.env)) {
    return { active: false, update: () => undefined, print: (text) => void stream.write(endLine(text)), logDestination: undefined, stop: () => undefined };
  }
  const forced = !stream.isTTY;
  // Loaded only when a bar is drawn: a --sync into a pipe or under systemd never needs them.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const pretty = loadPinoPretty();
  const multibar = new cliProgress.MultiBar({
    stream,
    format: (barOptions, params, payload: { line?: Line }) => renderLine(cliProgress.Format, payload.line, params, barOptions),
    barsize: 24,
    hideCursor: !forced,
    // Forced onto a pipe (tests): draw as plain lines, often enough to be seen in a short run.
    noTTYOutput: forced,
    notTTYSchedule: 200,
    fps: 8,
  });
  const bar = multibar.create(1, 0, { line: undefined });
  let shown: { folder: string; phase: SyncProgress['phase'] } | undefined;
  let stopped = false;
  const prettify = pretty.prettyFactory({ colorize: !forced, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' });
  const print = (text: string) => {
    if (stopped) stream.write(endLine(text));
    else multibar.log(endLine(text));
  };
  return {
    active: true,
    update(progress) {
      if (stopped) return;
      const { value, total } = measure(progress);
      const line: Line = { progress };
      // A new phase or folder restarts the bar, so the ETA is measured on the current unit of work.
      if (shown?.folder !== progress.folder || shown.phase !== progress.phase) {
        bar.start(total, value, { line });
        shown = { folder: progress.folder, phase: progress.phase };
        multibar.update(); // every phase is drawn at least once, even when it is over within a frame
      } else {
        bar.setTotal(total);
        bar.update(value, { line });
      }
    },
    print,
    logDestination: { write: (chunk: string) => print(prettify(chunk)) },
    stop() {
      if (stopped) return;
      multibar.update(); // flushes text still buffered by log()
      multibar.stop();
      stopped = true;
    },
  };
}

interface Line {
  readonly progress: SyncProgress;
}

function endLine(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** What the bar measures in each phase: bytes while hashing, changes while syncing. */
export function measure(progress: SyncProgress): { value: number; total: number } {
  switch (progress.phase) {
    case 'hashing':
      return { value: progress.bytesHashed, total: Math.max(progress.bytesToHash, 1) };
    case 'syncing':
      return { value: progress.actionsDone, total: Math.max(progress.actionsPlanned, 1) };
    case 'done':
      return { value: 1, total: 1 };
    case 'scanning':
    case 'listing':
      return { value: 0, total: 1 };
  }
}

/** The words after the bar; pure, so it can be tested without a terminal. */
export function describeProgress(progress: SyncProgress): string {
  const parts = [`${progress.filesScanned} files scanned`, `${formatBytes(progress.bytesHashed)}${progress.bytesToHash > 0 ? ` of ${formatBytes(progress.bytesToHash)}` : ''} hashed`];
  if (progress.phase === 'syncing' || progress.actionsPlanned > 0) parts.push(`changes ${progress.actionsDone}/${progress.actionsPlanned}`);
  parts.push(`requests ${progress.requests}`);
  return parts.join(' · ');
}

function renderLine(format: typeof CliProgress.Format, line: Line | undefined, params: CliProgress.Params, options: CliProgress.Options): string {
  if (!line) return 'starting…';
  const { progress } = line;
  const name = path.basename(progress.folder) || progress.folder;
  const phase = progress.phase.padEnd(8);
  const timed = progress.phase === 'hashing' || progress.phase === 'syncing';
  const eta = timed && params.value > 0 && params.value < params.total && Number.isFinite(params.eta) ? format.TimeFormat(params.eta, options, 1) : '–';
  return `${name} ${phase} [${format.BarFormat(params.progress, options)}] ${Math.floor(params.progress * 100)}% · ${describeProgress(progress)} · ETA ${eta}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
