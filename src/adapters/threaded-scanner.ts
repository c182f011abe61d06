// Runs a folder scan in a worker thread. The walk is lstat after lstat (syscalls and Stats objects: about
// 0.3–0.4 s of CPU for 100,000 files on our 2-core machines); in a worker it runs on another core while the
// main thread loads the state file and talks to the server, which is where a no-op `--sync` spends the
// rest of its time. The result is the same ScanResult the in-thread scanner gives.
//
// `--sync` goes one step further: before anything else loads, it starts a thread and tells it the config
// file. The thread reads the first folder's path and filters from it (JSON only, with the schema's
// defaults) and starts walking at once. When the engine then asks for that folder with exactly the same
// root and filters, it gets that walk; any difference (or an unreadable config) only means the folder is
// walked again as asked, so the guess can cost time, never correctness.
import { availableParallelism } from 'node:os';
import PQueue from 'p-queue';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import type { PathFilterOptions } from '../core/path-filter.js';
import { peekConfig, peekFolders } from '../config/peek-config.js';
import type { LocalFile } from '../core/model.js';
import type { ScanResult, ScanSkip } from '../sync/ports.js';
import { ScanRootError, type ScanRootErrorCode } from './fs-scanner.js';

export interface ScanRequest {
  readonly root: string;
  readonly filter: PathFilterOptions;
}

/** Messages to a scan thread: a guess to start on (at most one, first), then the one real request. */
export type ScanWorkerMessage = ({ readonly kind: 'scan' } & ScanRequest) | { readonly kind: 'speculate'; readonly configFile: string };

/** The same request, as a string: a guessed walk is used only for an identical request. */
export function requestKey(request: ScanRequest): string {
  return JSON.stringify([path.resolve(request.root), request.filter.include ?? [], request.filter.exclude ?? []]);
}

/** The request `--sync` will make first (the first configured folder), guessed from the config file's
 *  JSON with the schema's defaults; undefined when the file does not look like a config. */
export function guessFirstRequest(configFile: string): ScanRequest | undefined {
  const peeked = peekConfig(configFile);
  const folders = (peeked?.raw as { folders?: unknown } | null | undefined)?.folders;
  const first = peekFolders(peeked)[0];
  // Only when the config's first folder is the first one with a path (otherwise its request is another).
  if (first === undefined || !Array.isArray(folders) || folders[0] !== first.raw) return undefined;
  const { include = ['**/*'], exclude = [] } = first.raw;
  const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (!strings(include) || !strings(exclude)) return undefined;
  return { root: first.root, filter: { include, exclude } };
}

export interface PackedScan {
  /** Relative paths joined by NUL (which no file name can contain). */
  readonly paths: string;
  readonly count: number;
  /** size, mtimeMs, ctimeMs, ino per file, in the order of `paths`. */
  readonly numbers: Float64Array;
  readonly skipped: ScanSkip[];
  readonly root: { readonly dev: number; readonly ino: number };
}

export type ScanWorkerReply =
  | { readonly ok: true; readonly scan: PackedScan }
  | { readonly ok: false; readonly rootError: { readonly code: ScanRootErrorCode; readonly root: string; readonly errno: string | undefined } }
  | { readonly ok: false; readonly message: string; readonly rootError?: undefined };

/** Under vitest or tsx this module is TypeScript source: the worker then registers tsx's loader before it
 *  imports its entry (worker threads do not inherit the parent's loader). The built code needs neither. */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./scan-worker.js', here));
  // tsx's ESM entry (the CommonJS one that require.resolve finds cannot register ESM hooks).
  const tsxApi = pathToFileURL(path.join(path.dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./scan-worker.ts', here).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
}

/** A thread started ahead of need (see prestartScanWorker), until a scan takes it. Kept on globalThis:
 *  the bundled CLI entry and the bundled engine each carry their own copy of this module. */
const SPARE = Symbol.for('ragflow-sync.spare-scan-worker');
const holder = globalThis as { [SPARE]?: Worker | undefined };

/**
 * Starts a scan thread now, for the next scanInWorker to take, and lets it start walking the folder the
 * config file names first (see the top of this file). A thread takes ~0.1 s to boot; `--sync` starts one
 * before it loads its own modules, so that time and the walk overlap theirs. Unused, it does not keep the
 * process alive.
 */
export function prestartScanWorker(configFile?: string): void {
  if (holder[SPARE] !== undefined) return;
  const worker = startWorker();
  worker.unref();
  worker.on('error', () => undefined); // a spare that failed is not taken (see takeWorker)
  if (configFile !== undefined) worker.postMessage({ kind: 'speculate', configFile } satisfies ScanWorkerMessage);
  holder[SPARE] = worker;
}

function takeWorker(): Worker {
  const worker = holder[SPARE];
  holder[SPARE] = undefined;
  if (worker === undefined || worker.threadId < 0) return startWorker(); // threadId is -1 once it exited
  worker.ref();
  return worker;
}

/** Scan threads walking at once: `--sync` starts one per folder up front, and twenty folders must not
 *  mean twenty threads fighting over two cores. */
const walking = new PQueue({ concurrency: Math.max(1, availableParallelism()) });

export function scanInWorker(root: string, filter: PathFilterOptions, signal?: AbortSignal): Promise<ScanResult> {
  return walking.add(() => scanInThread(root, filter, signal));
}

function scanInThread(root: string, filter: PathFilterOptions, signal?: AbortSignal): Promise<ScanResult> {
  signal?.throwIfAborted();
  const absRoot = path.resolve(root);
  return new Promise<ScanResult>((resolve, reject) => {
    const worker = takeWorker();
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const onAbort = (): void => finish(() => reject(signal?.reason instanceof Error ? signal.reason : new Error('the scan was aborted')));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: ScanWorkerReply) => {
      finish(() => {
        if (reply.ok) resolve(unpack(absRoot, reply.scan));
        else if (reply.rootError) reject(new ScanRootError(reply.rootError.code, reply.rootError.root, reply.rootError.errno));
        else reject(new Error(`folder scan failed: ${reply.message}`));
      });
    });
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the folder scan thread exited (code ${code}) without an answer`))));
    worker.postMessage({ kind: 'scan', root: absRoot, filter } satisfies ScanWorkerMessage);
  });
}

function unpack(absRoot: string, scan: PackedScan): ScanResult {
  const files: LocalFile[] = new Array<LocalFile>(scan.count);
  const prefix = absRoot.endsWith('/') ? absRoot : `${absRoot}/`;
  const { numbers } = scan;
  let start = 0;
  for (let index = 0; index < scan.count; index++) {
    const end = index === scan.count - 1 ? scan.paths.length : scan.paths.indexOf('\0', start);
    const relPath = scan.paths.slice(start, end);
    start = end + 1;
    const at = index * 4;
    files[index] = { relPath, absPath: prefix + relPath, size: numbers[at] as number, mtimeMs: numbers[at + 1] as number, ctimeMs: numbers[at + 2] as number, ino: numbers[at + 3] as number };
  }
  return { files, skipped: scan.skipped, root: scan.root };
}
