// What every benchmark row gets: a temp work folder, the run mode, and an emulator factory.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startEmulator, type Emulator, type ProfileName } from '../../test/emulator/index.js';

export const API_KEY = 'ragflow-bench-key-0123456789abcdef';
export const KB = 'bench';

export interface BenchContext {
  /** Temp folder for everything this run builds; removed at the end unless --keep. */
  readonly work: string;
  readonly smoke: boolean;
  /** Repetitions per measurement (medians are reported). */
  readonly reps: number;
  log(line: string): void;
  /** A fresh folder under the work folder. */
  dir(name: string): string;
}

export function makeContext(work: string, smoke: boolean, reps: number): BenchContext {
  return {
    work,
    smoke,
    reps,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
    dir(name) {
      const dir = path.join(work, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}

export interface BenchServer {
  readonly emulator: Emulator;
  readonly kbId: string;
}

/** An in-process emulator with one knowledge base named KB; parsing finishes at once. */
export async function startServer(profile: ProfileName, options: { maxContentLength?: number } = {}): Promise<BenchServer> {
  const emulator = await startEmulator({ profile, apiKey: API_KEY, parse: { durationMs: 0 }, ...options });
  const kb = emulator.createKb(KB);
  return { emulator, kbId: kb.id };
}
