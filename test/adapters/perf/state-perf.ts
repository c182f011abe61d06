// Measures the state store at scale (not a test: run with `npx tsx test/adapters/perf/state-perf.ts
// [entries]`): flush time, and the load time and memory of a fresh process opening the file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrackedFile } from '../../../src/core/model.js';
import { openStateStore } from '../../../src/adapters/state-store.js';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

if (process.argv[2] === '--load') {
  // Child mode: open once in a fresh process and report wall time, CPU time and memory.
  const file = process.argv[3] ?? '';
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = cpuMs();
  const started = performance.now();
  const store = await openStateStore(file, { readOnly: process.argv[4] === 'read-only' });
  const wallMs = performance.now() - started;
  const loadCpuMs = cpuMs() - cpuBefore;
  const entries = store.files('docs').length;
  await store.close();
  const { rss, heapUsed } = process.memoryUsage();
  console.log(
    JSON.stringify({
      entries,
      wallMs: Math.round(wallMs),
      cpuMs: Math.round(loadCpuMs),
      rssBeforeMiB: Math.round(rssBefore / 1048576),
      rssAfterMiB: Math.round(rss / 1048576),
      heapUsedMiB: Math.round(heapUsed / 1048576),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
  process.exit(0);
}

const entries = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(path.join(tmpdir(), 'state-perf-'));
const file = path.join(dir, 'state.json');
const entryFor = (index: number): TrackedFile => ({
  relPath: `folder-${index % 100}/sub-${index % 7}/document-number-${index}.md`,
  size: 1000 + index,
  mtimeMs: 1_700_000_000_000 + index * 1.5,
  ctimeMs: 1_700_000_000_000 + index * 1.5,
  ino: 1_000_000 + index,
  docId: `a1b2c3d4e5f6${String(index).padStart(20, '0')}`,
  docName: `folder-${index % 100}/sub-${index % 7}/document-number-${index}.md`,
  sha256: (index.toString(16).padStart(8, '0') + 'f'.repeat(56)).slice(0, 64),
  status: 'synced',
  updatedAt: 1_700_000_000_000 + index,
});

const store = await openStateStore(file, { flushDelayMs: 1000 });
store.setMeta('docs', { kbName: 'docs', kbId: 'kb1' });
for (let index = 0; index < entries; index++) store.put('docs', entryFor(index));
const flushWall: number[] = [];
const flushCpu: number[] = [];
for (let round = 0; round < 5; round++) {
  store.put('docs', { ...entryFor(round), updatedAt: round });
  const cpuBefore = cpuMs();
  const started = performance.now();
  await store.flush();
  flushWall.push(performance.now() - started);
  flushCpu.push(cpuMs() - cpuBefore);
}
await store.close();

const script = fileURLToPath(import.meta.url);
const loads = [0, 1, 2, 3].map((round) => {
  const output = execFileSync(process.execPath, ['--import', 'tsx', script, '--load', file, round % 2 === 1 ? 'read-only' : 'writable']);
  return JSON.parse(output.toString()) as { wallMs: number; cpuMs: number; peakRssMiB: number; rssAfterMiB: number; rssBeforeMiB: number };
});
console.log(
  JSON.stringify({
    entries,
    fileMiB: Number((statSync(file).size / 1048576).toFixed(1)),
    flushWallMedianMs: Math.round(median(flushWall)),
    flushCpuMedianMs: Math.round(median(flushCpu)),
    loadWallMedianMs: median(loads.map((load) => load.wallMs)),
    loadCpuMedianMs: median(loads.map((load) => load.cpuMs)),
    loadPeakRssMiB: Math.max(...loads.map((load) => load.peakRssMiB)),
    processBaselineRssMiB: Math.min(...loads.map((load) => load.rssBeforeMiB)),
    loads,
  }),
);
if (process.env.KEEP === undefined) rmSync(dir, { recursive: true, force: true });
else console.log(file);
