// Measures hashFile against `sha256sum` on one large file with a warm page cache (not a test: run with
// `npx tsx test/adapters/perf/hash-perf.ts [MiB]`). Runs alternate so machine load hits both.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashFile } from '../../../src/adapters/file-hasher.js';

const mebibytes = Number(process.argv[2] ?? 1024);
const dir = mkdtempSync(path.join(tmpdir(), 'hash-perf-'));
const file = path.join(dir, 'big.bin');
const fd = openSync(file, 'w');
const block = randomBytes(1 << 20);
for (let index = 0; index < mebibytes; index++) writeSync(fd, block);
closeSync(fd);

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const toolMs: number[] = [];
const oursMs: number[] = [];
let peakRssMiB = 0;
for (let round = 0; round < 5; round++) {
  let started = performance.now();
  const expected = execFileSync('sha256sum', [file]).toString().split(' ')[0];
  toolMs.push(performance.now() - started);
  started = performance.now();
  const result = await hashFile(file);
  oursMs.push(performance.now() - started);
  peakRssMiB = Math.max(peakRssMiB, process.resourceUsage().maxRSS / 1024);
  if (result.sha256 !== expected) throw new Error('hash mismatch');
}
rmSync(dir, { recursive: true, force: true });
const rate = (ms: number): number => Math.round(mebibytes / (ms / 1000));
console.log(
  JSON.stringify({
    mebibytes,
    sha256sumMedianMs: Math.round(median(toolMs)),
    hashFileMedianMs: Math.round(median(oursMs)),
    sha256sumMiBps: rate(median(toolMs)),
    hashFileMiBps: rate(median(oursMs)),
    ratio: Number((median(oursMs) / median(toolMs)).toFixed(2)),
    peakRssMiB: Math.round(peakRssMiB),
  }),
);
