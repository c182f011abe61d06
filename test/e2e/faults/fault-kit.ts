// Shared checks of the fault-injection suite: the convergence check every case ends with (one document
// per file with the right bytes, foreign documents untouched), a seeded random source, small CLI helpers.
import { readFile, writeFile } from 'node:fs/promises';
import { expect } from 'vitest';
import type { StoredDoc } from '../../emulator/index.js';
import { expectedMirror, mirrorOf, runCli, type CliResult, type Sandbox } from '../harness.js';

export interface ForeignDoc {
  readonly id: string;
  readonly name: string;
  readonly sha256: string;
}

/** Documents "uploaded by someone else": one under a name the tool also uses (README.md, other bytes). */
export function seedForeign(box: Sandbox, kb = 'handbook'): ForeignDoc[] {
  const seeded: StoredDoc[] = [
    box.emulator.seedDocument(kb, { name: 'README.md', content: 'written by a person in the RAGFlow UI\n', run: 'DONE' }),
    box.emulator.seedDocument(kb, { name: 'manual.pdf', content: '%PDF-1.4 someone else’s manual\n', run: 'DONE' }),
  ];
  return seeded.map((d) => ({ id: d.id, name: d.name, sha256: d.sha256 }));
}

export function expectForeignSurvived(box: Sandbox, foreign: readonly ForeignDoc[]): void {
  for (const doc of foreign) {
    const now = box.emulator.document(doc.id);
    expect(now, `foreign document ${doc.name} was deleted`).toBeDefined();
    expect(now?.name).toBe(doc.name);
    expect(now?.sha256, `foreign document ${doc.name} was changed`).toBe(doc.sha256);
  }
}

/** The bar after every case: the KB holds exactly one document of ours per file, with the file's bytes
 *  (no orphan, no duplicate: mirrorOf throws on those), and the foreign documents are untouched. */
export async function expectConverged(box: Sandbox, foreign: readonly ForeignDoc[], keep?: (rel: string) => boolean): Promise<void> {
  expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs, keep));
  expectForeignSurvived(box, foreign);
  // A document nobody asked to parse is useless for retrieval: a crash must not leave one behind.
  const unparsed = box.emulator.documents('handbook').filter((d) => !d.seeded && d.run === 'UNSTART').map((d) => d.name);
  expect(unparsed, 'documents of ours never sent for parsing').toEqual([]);
}

export function sync(box: Sandbox, ...extra: string[]): Promise<CliResult> {
  return runCli(['--config', box.configFile, '--sync', ...extra]);
}

export async function syncOk(box: Sandbox, ...extra: string[]): Promise<CliResult> {
  const result = await sync(box, ...extra);
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

/** mulberry32: a small seeded generator, so a failing random run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JSON log lines of a run (pino on stdout), for checking levels and messages. */
export function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Changes the sandbox's config.json in place. */
export async function patchConfig(box: Sandbox, change: (config: Record<string, unknown>) => void): Promise<void> {
  const config = JSON.parse(await readFile(box.configFile, 'utf8')) as Record<string, unknown>;
  change(config);
  await writeFile(box.configFile, JSON.stringify(config, null, 2));
}
