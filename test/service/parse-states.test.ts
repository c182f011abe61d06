// Parse states as `status` and the status page read them: from the real clients over HTTP against the
// emulator (v1 lists the KB, legacy asks document/infos), and the pure summary/message helpers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/ragflow/create-client.js';
import { readParseStates, shortMessage, summarizeParse } from '../../src/status/parse-states.js';
import type { ApiGeneration, KbClient } from '../../src/sync/ports.js';
import { startEmulator, type Emulator, type ProfileName } from '../emulator/index.js';

const KEY = 'ragflow-parse-states-key-0123456789';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(profile: ProfileName, api: ApiGeneration): Promise<{ emulator: Emulator; client: KbClient; dir: string }> {
  const emulator = await startEmulator({ profile, apiKey: KEY, kbs: ['docs'], parse: { mode: 'manual' } });
  cleanups.push(() => emulator.close());
  const created = await createClient({ url: emulator.url, apiKey: KEY, api });
  if (!created.ok) throw new Error(created.message);
  cleanups.push(() => created.value.close());
  const dir = await mkdtemp(path.join(tmpdir(), 'parse-states-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return { emulator, client: created.value, dir };
}

const CASES: Array<[ProfileName, ApiGeneration]> = [
  ['v1-0.27', 'v1'],
  ['legacy-0.19', 'legacy'],
];

for (const [profile, api] of CASES) {
  describe(`readParseStates on ${profile} (${api})`, () => {
    it('reports DONE, RUNNING with progress and FAIL with its message, for our documents only', async () => {
      const { emulator, client, dir } = await setUp(profile, api);
      const kb = await client.findKb('docs');
      if (!kb.ok) throw new Error(kb.message);
      emulator.seedDocument('docs', { name: 'foreign.md', content: 'not ours', run: 'FAIL' });
      emulator.failParse('bad.md', 'OCR engine crashed on page 3');
      const ids = new Map<string, string>();
      for (const name of ['good.md', 'bad.md', 'slow.md']) {
        await writeFile(path.join(dir, name), `${name}\n`);
        const up = await client.upload(kb.value, { path: path.join(dir, name), name, parserId: 'naive' });
        if (!up.ok) throw new Error(up.message);
        ids.set(up.value.id, name);
      }
      if (!client.capabilities.uploadStartsParse) {
        const parse = await client.requestParse(kb.value, [...ids.keys()]);
        expect(parse.ok).toBe(true);
      }
      const idOf = (name: string) => [...ids].find(([, n]) => n === name)?.[0] ?? '';
      emulator.finishParse(idOf('good.md'), 'DONE');
      emulator.finishParse(idOf('bad.md'));
      await expect.poll(() => emulator.document(idOf('slow.md'))?.progress ?? 0).toBeGreaterThan(0);

      const read = await readParseStates(client, kb.value, new Map([...ids, ['gone-id-0000', 'deleted.md']]));
      if (!read.ok) throw new Error(read.message);
      expect(read.value.counts).toEqual({ DONE: 1, FAIL: 1, RUNNING: 1 });
      expect(read.value.missing).toBe(1);
      expect(read.value.documents.map((d) => [d.path, d.run])).toEqual([
        ['bad.md', 'FAIL'],
        ['good.md', 'DONE'],
        ['slow.md', 'RUNNING'],
      ]);
      const bad = read.value.documents[0];
      expect(bad?.message).toContain('[ERROR]OCR engine crashed on page 3');
      expect(shortMessage(bad?.message)).toMatch(/\[ERROR\]OCR engine crashed on page 3$/);
      const slow = read.value.documents[2];
      expect(slow?.progress).toBeGreaterThan(0);
      expect(slow?.progress).toBeLessThan(1);
    });
  });
}

describe('parse summary helpers', () => {
  it('counts each of our documents once and ignores foreign rows', () => {
    const rows = [
      { id: 'a', name: 'a', run: 'DONE' as const },
      { id: 'a', name: 'a', run: 'DONE' as const },
      { id: 'x', name: 'x', run: 'FAIL' as const },
      { id: 'b', name: 'b', run: 'UNSTART' as const },
    ];
    const summary = summarizeParse(rows, new Map([['a', 'z/a.md'], ['b', 'b.md']]), 5);
    expect(summary).toEqual({
      counts: { DONE: 1, UNSTART: 1 },
      missing: 0,
      documents: [
        { path: 'b.md', docId: 'b', run: 'UNSTART' },
        { path: 'z/a.md', docId: 'a', run: 'DONE' },
      ],
      readAt: 5,
    });
  });

  it('shortens multi-line messages to the error line, or the last line', () => {
    expect(shortMessage('10:00 Task is queued...\n10:01 [ERROR]boom\n10:02 cleanup')).toBe('10:01 [ERROR]boom');
    expect(shortMessage('10:00 Task is queued...\n10:01 Page(1~9): Start to parse.\n')).toBe('10:01 Page(1~9): Start to parse.');
    expect(shortMessage(undefined)).toBe('');
    expect(shortMessage('x'.repeat(300), 20)).toHaveLength(20);
  });
});
