// Shared set-up for the client contract suite: an emulator per test, a client wired to it through a
// counting scheduler, temp files, and cleanup that closes everything in reverse order.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { ApiGeneration, KbClient, RequestScheduler } from '../../src/sync/ports.js';
import { createClient } from '../../src/ragflow/create-client.js';
import { PROFILE_TABLE, startEmulator, type Emulator, type EmulatorOptions, type ProfileName } from '../emulator/index.js';

export const API_KEY = 'ragflow-ContractKey0123456789';
export const KB = 'docs';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function onCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Which clients each profile can serve: every profile has the v1 API, only ≤ 0.22.0 the legacy one. */
export function apisOf(profile: ProfileName): ApiGeneration[] {
  return PROFILE_TABLE[profile].legacy === null ? ['v1'] : ['legacy', 'v1'];
}

export async function emulatorFor(profile: ProfileName, extra: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  const emulator = await startEmulator({ profile, apiKey: API_KEY, kbs: [KB], parse: { mode: 'auto', durationMs: 20 }, ...extra });
  onCleanup(() => emulator.close());
  return emulator;
}

export interface CountingScheduler extends RequestScheduler {
  readonly count: number;
}

/** Runs requests at once but counts them, to prove every request passes through the scheduler. */
export function countingScheduler(): CountingScheduler {
  let count = 0;
  return {
    get count() {
      return count;
    },
    schedule(request, signal) {
      count += 1;
      return request(signal);
    },
  };
}

export async function connect(
  emulator: Emulator,
  api: ApiGeneration | 'auto',
  options: { apiKey?: string; scheduler?: RequestScheduler; requestTimeoutMs?: number } = {},
): Promise<KbClient> {
  const created = await createClient({
    url: emulator.url,
    apiKey: options.apiKey ?? API_KEY,
    api,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
  });
  if (!created.ok) throw new Error(`createClient failed: ${created.kind}: ${created.message}`);
  onCleanup(() => created.value.close());
  return created.value;
}

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ragflow-contract-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function localFile(dir: string, name: string, content: string | Buffer): Promise<{ path: string; size: number; sha256: string }> {
  const path = join(dir, name);
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  await writeFile(path, bytes);
  return { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
