// Uploading a 200 MB file must stream it: the uploading process grows by less than 64 MB of RSS
// (fetch + FormData would hold the whole file, dependency-notes §4.1). Measured in a child process.
import { execFile } from 'node:child_process';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { API_KEY, KB, emulatorFor, tempDir } from './contract-fixtures.js';

const SIZE = 200 * 1024 * 1024;
const LIMIT_MB = 64;
const child = fileURLToPath(new URL('./upload-memory-child.ts', import.meta.url));

describe('upload memory', () => {
  it(`streams a 200 MB file with less than ${LIMIT_MB} MB RSS growth`, async () => {
    const emulator = await emulatorFor('v1-0.27');
    const dir = await tempDir();
    const big = join(dir, 'big.bin');
    await writeFile(big, '');
    await truncate(big, SIZE); // sparse: no disk or page-cache cost to create
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', child, emulator.url, API_KEY, KB, big, dir], {
      timeout: 25_000,
    });
    const figures = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { ok: boolean; size: number; growthMb: number; peakMb: number; baselineMb: number; ms: number };
    console.log(`upload memory: 200 MB in ${figures.ms} ms, RSS ${figures.baselineMb} → ${figures.peakMb} MB (+${figures.growthMb} MB)`);
    expect(figures).toMatchObject({ ok: true, size: SIZE });
    expect(emulator.documents(KB).find((doc) => doc.name === 'big.txt')?.size).toBe(SIZE);
    expect(figures.growthMb).toBeLessThan(LIMIT_MB);
  }, 30_000);
});
