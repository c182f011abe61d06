// Builds the benchmark's folders in a temp directory, and the state file that says such a folder is
// already in sync (what a finished first sync would have written), without uploading 100,000 files.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { FolderMeta, TrackedFile } from '../../src/core/model.js';
import { folderKey } from '../../src/config/load-config.js';
import { stringifyState, STATE_FORMAT_VERSION } from '../../src/adapters/state-file-format.js';

/** Relative path of file number `index`: 100 files per folder, 50 folders per parent, like a share. */
export function relPathOf(index: number): string {
  return `dept-${Math.floor(index / 5000)}/team-${Math.floor(index / 100) % 50}/note-${index}.md`;
}

export function contentOf(index: number): string {
  return `# note ${index}\n\nSome text of note ${index}.\n`;
}

/** Writes `count` small files under root. Returns their relative paths. */
export function makeSmallTree(root: string, count: number, options: { sizeBytes?: number } = {}): string[] {
  const paths: string[] = [];
  const padding = options.sizeBytes === undefined ? '' : 'x';
  for (let index = 0; index < count; index += 1) {
    const rel = relPathOf(index);
    if (index % 100 === 0) mkdirSync(path.join(root, path.dirname(rel)), { recursive: true });
    let content = contentOf(index);
    if (options.sizeBytes !== undefined) content = (content + padding.repeat(options.sizeBytes)).slice(0, options.sizeBytes);
    writeFileSync(path.join(root, rel), content);
    paths.push(rel);
  }
  return paths;
}

/** Writes files of random bytes: `count` files of `bytes` each, under `prefix/`. */
export function makeRandomFiles(root: string, prefix: string, count: number, bytes: number): string[] {
  mkdirSync(path.join(root, prefix), { recursive: true });
  const chunk = randomBytes(Math.min(bytes, 4 << 20));
  const paths: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const rel = `${prefix}/blob-${index}.bin`;
    const fd = openSync(path.join(root, rel), 'w');
    try {
      let left = bytes;
      let salt = index;
      while (left > 0) {
        chunk.writeUInt32LE(salt++ >>> 0, 0); // every chunk differs, so no two files are equal
        const n = Math.min(left, chunk.length);
        writeSync(fd, chunk, 0, n);
        left -= n;
      }
    } finally {
      closeSync(fd);
    }
    paths.push(rel);
  }
  return paths;
}

export interface SyncedStateOptions {
  readonly root: string;
  readonly kb: string;
  readonly kbId: string;
  readonly relPaths: readonly string[];
  readonly stateFile: string;
  /** When the state says the folder was last reconciled (default now). */
  readonly lastReconcileAt?: number;
}

/**
 * Writes the state file a completed first sync of these files would have left: one 'synced' entry per
 * file with its current fingerprint and SHA-256, a document id, and the folder's root identity. The
 * document ids are made up: the benchmark rows that use this state do not list the server.
 */
export function writeSyncedState(options: SyncedStateOptions): void {
  const absRoot = path.resolve(options.root);
  const now = Date.now();
  const files = new Map<string, TrackedFile>();
  for (const relPath of options.relPaths) {
    files.set(relPath, trackedEntry(absRoot, relPath, now));
  }
  const rootStats = lstatSync(absRoot);
  const meta: FolderMeta = { kbName: options.kb, kbId: options.kbId, rootDev: rootStats.dev, rootIno: rootStats.ino, lastReconcileAt: options.lastReconcileAt ?? now };
  const text = stringifyState({
    version: STATE_FORMAT_VERSION,
    ownerId: randomUUID(),
    folders: new Map([[folderKey(absRoot, options.kb), { meta, files }]]),
  });
  writeFileSync(options.stateFile, text, { mode: 0o600 });
}

export function trackedEntry(absRoot: string, relPath: string, now: number): TrackedFile {
  const abs = path.join(absRoot, relPath);
  const stats = lstatSync(abs);
  return {
    relPath,
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    ino: stats.ino,
    docId: randomUUID().replaceAll('-', ''),
    docName: relPath,
    sha256: createHash('sha256').update(readFileSync(abs)).digest('hex'),
    status: 'synced',
    updatedAt: now,
  };
}

export interface BenchConfigOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly api: 'legacy' | 'v1';
  readonly root: string;
  readonly kb: string;
  readonly stateFile?: string;
  readonly rateLimit?: { requestsPerSecond: number; concurrency: number };
  readonly daemon?: Record<string, unknown>;
  readonly folder?: Record<string, unknown>;
}

/** Writes a config.json for the CLI; returns its path. */
export function writeConfig(dir: string, options: BenchConfigOptions, name = 'config.json'): string {
  const file = path.join(dir, name);
  const config = {
    server: { url: options.url, apiKey: options.apiKey, api: options.api },
    stateFile: options.stateFile ?? path.join(dir, 'state.json'),
    rateLimit: options.rateLimit ?? { requestsPerSecond: 100_000, concurrency: 4 },
    daemon: { quietWindowMs: 1000, rescanIntervalMinutes: 0, drainTimeoutSeconds: 10, ...options.daemon },
    log: { level: 'info' },
    folders: [{ path: path.resolve(options.root), kb: options.kb, ...options.folder }],
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}
