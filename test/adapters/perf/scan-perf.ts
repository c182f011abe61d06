// Measures scanFolder against `find ROOT -type f -printf '%s %T@\n'` on a generated tree (not a test:
// run with `npx tsx test/adapters/perf/scan-perf.ts [files]`). Runs alternate so machine load hits both.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPathFilter } from '../../../src/core/path-filter.js';
import { scanFolder } from '../../../src/adapters/fs-scanner.js';

const fileCount = Number(process.argv[2] ?? 100_000);
const root = mkdtempSync(path.join(tmpdir(), 'scan-perf-'));
const perDir = 100;
for (let index = 0; index < fileCount; index++) {
  const dir = path.join(root, `d${Math.floor(index / (perDir * 50))}`, `e${Math.floor(index / perDir) % 50}`);
  if (index % perDir === 0) mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `f${index}.md`), 'x'.repeat(index % 7));
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const findMs: number[] = [];
const scanMs: number[] = [];
let maxLagMs = 0;
for (let round = 0; round < 7; round++) {
  let started = performance.now();
  execFileSync('find', [root, '-type', 'f', '-printf', '%s %T@\n'], { maxBuffer: 1 << 28 });
  findMs.push(performance.now() - started);

  // Event-loop lag while scanning: how long the loop was held at a stretch.
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last - 1);
    last = now;
  }, 1);
  started = performance.now();
  const result = await scanFolder(root, createPathFilter());
  scanMs.push(performance.now() - started);
  clearInterval(probe);
  if (result.files.length !== fileCount) throw new Error(`scanned ${result.files.length} of ${fileCount}`);
}
rmSync(root, { recursive: true, force: true });
console.log(
  JSON.stringify({
    files: fileCount,
    findMedianMs: Math.round(median(findMs)),
    scanMedianMs: Math.round(median(scanMs)),
    ratio: Number((median(scanMs) / median(findMs)).toFixed(2)),
    maxEventLoopLagMs: Math.round(maxLagMs),
    findMs: findMs.map(Math.round),
    scanMs: scanMs.map(Math.round),
  }),
);
