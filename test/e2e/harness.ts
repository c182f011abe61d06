// Drives the built CLI (dist/cli.js) as a real process against the in-process RAGFlow emulator, on real
// temp folders. Helpers here only observe: they never reach into the daemon's state.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator, type ProfileName, type RequestLogEntry } from '../emulator/index.js';
import { docNameFor } from '../../src/core/doc-name.js';
import { parseStateText, STATE_FORMAT_VERSION, stringifyState, type FolderState } from '../../src/adapters/state-file-format.js';
import type { FolderMeta, TrackedFile } from '../../src/core/model.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI; RAGFLOW_SYNC_CLI points the tests at another build (e.g. one made away from dist/). */
export const CLI = process.env['RAGFLOW_SYNC_CLI'] ?? path.join(ROOT, 'dist/cli.js');
export const API_KEY = 'ragflow-e2e-test-key-0123456789abcdef';

export interface Sandbox {
  readonly dir: string;
  readonly docs: string;
  readonly configFile: string;
  readonly stateFile: string;
  readonly emulator: Emulator;
  cleanup(): Promise<void>;
}

export interface SandboxOptions {
  readonly profile: ProfileName;
  readonly kb?: string;
  readonly folder?: Record<string, unknown>;
  readonly config?: Record<string, unknown>;
  readonly parseMs?: number;
}

export async function makeSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ragflow-sync-e2e-'));
  const docs = path.join(dir, 'docs');
  await mkdir(docs);
  const kb = options.kb ?? 'handbook';
  const emulator = await startEmulator({ profile: options.profile, apiKey: API_KEY, kbs: [kb], parse: { durationMs: options.parseMs ?? 20 } });
  const configFile = path.join(dir, 'config.json');
  const config = {
    // Legacy servers (≤ 0.22) also serve the v1 API, which `auto` prefers: name the legacy API to test it.
    server: { url: emulator.url, apiKey: API_KEY, api: options.profile.startsWith('legacy') ? 'legacy' : 'auto' },
    stateFile: 'state.json',
    rateLimit: { requestsPerSecond: 50, concurrency: 4 },
    daemon: { quietWindowMs: 300, rescanIntervalMinutes: 60, drainTimeoutSeconds: 5 },
    folders: [{ path: 'docs', kb, ...options.folder }],
    ...options.config,
  };
  await writeFile(configFile, JSON.stringify(config, null, 2));
  return {
    dir,
    docs,
    configFile,
    stateFile: path.join(dir, 'state.json'),
    emulator,
    async cleanup() {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

export function startDaemonProcess(configFile: string, env: NodeJS.ProcessEnv = {}): DaemonProcess {
  return startCliProcess(['--config', configFile], env);
}

/** Any CLI run as a process the test can watch and kill (e.g. `--sync` killed with SIGKILL mid-run). */
export function startCliProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): DaemonProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    async waitForLog(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; output:\n${out}`);
        if (child.exitCode !== null) throw new Error(`daemon exited (${child.exitCode}) before ${String(pattern)}; output:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      const started = Date.now();
      child.kill(signal);
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}

/** Writes files under root, creating folders; content may be a string or bytes. */
export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every document the tool created in the KB, as name → sha256 (foreign, seeded documents left out). */
export function ourDocuments(emulator: Emulator, kb: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const doc of emulator.documents(kb)) {
    if (doc.seeded) continue;
    if (out.has(doc.name)) throw new Error(`two documents named ${doc.name}`);
    out.set(doc.name, doc.sha256);
  }
  return out;
}

/** The state file as plain objects (folder key → meta and path → entry), whatever its on-disk layout. */
export interface StateJson {
  readonly ownerId: string;
  readonly folders: Record<string, { meta?: FolderMeta; files: Record<string, TrackedFile> }>;
}

export async function readStateJson(stateFile: string): Promise<StateJson> {
  const state = parseStateText(await readFile(stateFile, 'utf8'));
  const folders: StateJson['folders'] = {};
  for (const [key, folder] of state.folders) {
    folders[key] = { ...(folder.meta ? { meta: folder.meta } : {}), files: Object.fromEntries(folder.files) };
  }
  return { ownerId: state.ownerId, folders };
}

/** Writes a state file (for tests that edit one by hand), in the format the tool writes. */
export async function writeStateJson(stateFile: string, state: StateJson): Promise<void> {
  const folders = new Map<string, FolderState>();
  for (const [key, folder] of Object.entries(state.folders)) {
    folders.set(key, { ...(folder.meta ? { meta: folder.meta } : {}), files: new Map(Object.entries(folder.files)) });
  }
  await writeFile(stateFile, stringifyState({ version: STATE_FORMAT_VERSION, ownerId: state.ownerId, folders }));
}

/**
 * What the KB mirrors, as the tool's own records say: relative path → sha256 of the stored document.
 * Fails when a document of ours is missing, referenced twice, or not referenced at all (an orphan or a
 * duplicate), and when a document's name is not the one asked for (its path, or docNameFor's shortened or
 * made-safe form) although no foreign document holds that name.
 */
export async function mirrorOf(box: Sandbox, kb = 'handbook'): Promise<Map<string, string>> {
  const state = await readStateJson(box.stateFile);
  const docs = box.emulator.documents(kb);
  const foreignNames = new Set(docs.filter((d) => d.seeded).map((d) => d.name));
  const referenced = new Map<string, string>();
  const out = new Map<string, string>();
  for (const folder of Object.values(state.folders)) {
    for (const [relPath, entry] of Object.entries(folder.files)) {
      if (!entry.docId) continue;
      const doc = box.emulator.document(entry.docId);
      if (!doc) throw new Error(`${relPath}: its document ${entry.docId} is not on the server`);
      if (referenced.has(doc.id)) throw new Error(`${relPath} and ${referenced.get(doc.id)} share document ${doc.id}`);
      const asked = docNameFor(relPath);
      if (doc.name !== asked && !foreignNames.has(asked)) throw new Error(`${JSON.stringify(relPath)}: document named ${JSON.stringify(doc.name)}, asked for ${JSON.stringify(asked)}`);
      referenced.set(doc.id, relPath);
      out.set(relPath, doc.sha256);
    }
  }
  const orphans = docs.filter((d) => !d.seeded && !referenced.has(d.id)).map((d) => d.name);
  if (orphans.length > 0) throw new Error(`documents of ours nobody references (orphans or duplicates): ${orphans.join(', ')}`);
  return out;
}

/** The expected mirror: relative path → sha256 of every file under root the tool should upload. */
export async function expectedMirror(root: string, keep: (rel: string) => boolean = () => true): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(dir: string, prefix: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), rel);
      else if (entry.isFile() && keep(rel)) out.set(rel, sha256(await readFile(path.join(dir, entry.name))));
    }
  }
  await walk(root, '');
  return out;
}

/** Requests that change something on the server (reads such as list_kb_docs are POSTs too). */
export function isWrite(entry: RequestLogEntry): boolean {
  if (entry.method === 'GET') return false;
  if (entry.method === 'DELETE' || entry.method === 'PUT' || entry.method === 'PATCH') return true;
  if (/\/v1\/api\/(list_kb_docs|list_chunks|document\/infos)$/.test(entry.path)) return false;
  return true; // uploads, parse requests, dataset creation
}

export function writes(emulator: Emulator): RequestLogEntry[] {
  return emulator.requests.filter(isWrite);
}

/** The upload route of both APIs (legacy `/v1/api/document/upload`, v1 `POST /api/v1/datasets/{id}/documents`). */
export const UPLOAD_PATH = /\/document\/upload$|\/datasets\/[^/]+\/documents$/;

export function uploads(emulator: Emulator): RequestLogEntry[] {
  return emulator.requests.filter((r) => r.method === 'POST' && UPLOAD_PATH.test(r.path));
}

/** Largest number of request starts inside any sliding one-second window. */
export function maxPerSlidingSecond(entries: readonly RequestLogEntry[]): number {
  const times = entries.map((e) => e.time).sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < times.length; end += 1) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= 1000) start += 1;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

export async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      await check();
      return Date.now() - started;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw last;
}

/** Polls a condition every few ms (for timing a kill), failing after timeoutMs. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
