// Running and timing child processes: the built CLI, the baselines (find, sha256sum, curl, a shell), and
// the peak RSS of a Node child (recorded by a tiny preload at exit, from getrusage: exact, not sampled).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI; RAGFLOW_SYNC_CLI measures another build (as in the e2e harness), e.g. one made from a
 *  clean checkout of a commit while the working tree has changes in progress. */
export const CLI = process.env['RAGFLOW_SYNC_CLI'] ?? path.join(ROOT, 'dist/cli.js');
/** The folder of that build's modules (the upload worker and the state-load probe import from it). */
export const DIST = path.dirname(CLI);

export interface ProcessRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly wallMs: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Send stdout to /dev/null instead of collecting it (baselines whose output is the work). */
  readonly discardStdout?: boolean;
}

/** Runs a command to its end; wall time from spawn to exit, as a shell `time` would see it. */
export function timed(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', options.discardStdout ? 'ignore' : 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, wallMs: performance.now() - started, stdout, stderr }));
  });
}

/** Throws with the output when a run did not exit 0. */
export function expectSuccess<T extends ProcessRun>(run: T, what: string): T {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code ?? run.signal}:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
  return run;
}

let probeFile: string | undefined;

/** A CommonJS preload that writes the process's peak RSS (KiB) to $BENCH_RSS_FILE when it exits. Written
 *  at run time into the work folder, so the repository holds no untyped script. */
export function rssProbe(workDir: string): string {
  if (probeFile && existsSync(probeFile)) return probeFile;
  probeFile = path.join(workDir, 'rss-probe.cjs');
  writeFileSync(
    probeFile,
    "'use strict';\nconst out = process.env.BENCH_RSS_FILE;\nif (out) process.on('exit', () => require('node:fs').writeFileSync(out, String(process.resourceUsage().maxRSS)));\n",
  );
  return probeFile;
}

export interface CliRun extends ProcessRun {
  /** Peak resident set size of the CLI process, bytes. */
  readonly peakRssBytes: number;
}

/** Runs `node dist/cli.js ...args` and reports its wall time and peak RSS. */
export async function runCli(args: readonly string[], workDir: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const rssFile = path.join(workDir, `rss-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const run = await timed(process.execPath, ['--require', rssProbe(workDir), CLI, ...args], { cwd: workDir, env: { ...env, BENCH_RSS_FILE: rssFile } });
  const kib = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
  return { ...run, peakRssBytes: kib * 1024 };
}

/** The CLI's end-of-run summary (its JSON log line "sync finished: …"). */
export interface SyncSummary {
  readonly uploaded: number;
  readonly replaced: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly held: number;
  readonly folderErrors: number;
  readonly elapsedMs: number;
}

export function summaryOf(run: ProcessRun): SyncSummary {
  for (const line of run.stdout.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as Partial<SyncSummary> & { msg?: string };
    if (entry.msg?.startsWith('sync finished') === true) return entry as SyncSummary;
  }
  throw new Error(`no summary line in the CLI output:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
}

/** Builds dist/ when it is missing or older than any source file, so the bench never measures stale code. */
export function ensureBuilt(log: (line: string) => void): void {
  if (process.env['RAGFLOW_SYNC_CLI'] !== undefined) {
    if (!existsSync(CLI)) throw new Error(`RAGFLOW_SYNC_CLI=${CLI} does not exist`);
    log(`measuring the build at ${DIST}`);
    return;
  }
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  if (built > 0 && newestSource(path.join(ROOT, 'src')) <= built) return;
  log(built === 0 ? 'dist/ is missing: npm run build' : 'src/ is newer than dist/: npm run build');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Whether a command exists on PATH (baselines such as curl and sha256sum are system tools). */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export interface CliDaemon {
  readonly output: () => string;
  waitForLog(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM, then the exit code and the daemon's peak RSS. */
  stop(): Promise<{ code: number | null; peakRssBytes: number }>;
}

/** Starts `node dist/cli.js --config FILE` (the watching daemon) with the peak-RSS probe. */
export function startCliDaemon(configFile: string, workDir: string): CliDaemon {
  const rssFile = path.join(workDir, `rss-daemon-${Math.random().toString(36).slice(2)}.txt`);
  const child = spawn(process.execPath, ['--require', rssProbe(workDir), CLI, '--config', configFile], {
    cwd: workDir,
    env: { ...process.env, BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  // Kept beside the run (see --keep): what the daemon logged while it was measured.
  const logFile = path.join(workDir, `daemon-${child.pid ?? 0}.log`);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      writeFileSync(logFile, out);
      resolve(code);
    }),
  );
  return {
    output: () => out,
    async waitForLog(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (child.exitCode !== null) throw new Error(`the daemon exited (${child.exitCode}) before ${String(pattern)}:\n${out.slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}:\n${out.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      const kib = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
      return { code, peakRssBytes: kib * 1024 };
    },
  };
}
