// flush() under a steady stream of changes (issue 6): it resolves once the changes made before the call are
// on disk and leaves later ones to the timer, instead of rewriting the file until nothing is dirty (at
// 100,000 entries that was 2–3 full writes a second while a daemon uploaded a burst). close() writes all.
import { rename as fsRename } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStateStore, type StateStore } from '../../src/adapters/state-store.js';
import { parseStateText } from '../../src/adapters/state-file-format.js';
import { recordingOps } from './recording-ops.js';
import { trackedFile } from './state-fixtures.js';
import { makeTempDir } from './temp-dir.js';

const opened: StateStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close().catch(() => undefined)));
});

const filesOnDisk = (file: string): string[] =>
  [...(parseStateText(readFileSync(file, 'utf8')).folders.get('docs')?.files.keys() ?? [])].sort();

async function storeWithHeldWrites(flushDelayMs: number) {
  const file = path.join(makeTempDir(), 'state.json');
  const log: string[] = [];
  let release: () => void = () => undefined;
  let holdNext = false;
  const ops = recordingOps(log, {
    rename: async (from, to) => {
      if (holdNext) {
        holdNext = false;
        await new Promise<void>((resolve) => (release = resolve));
      }
      await fsRename(from, to);
    },
  });
  const store = await openStateStore(file, { flushDelayMs, writeOps: ops });
  opened.push(store);
  return {
    file,
    store,
    writes: () => log.filter((line) => line.startsWith('rename ')).length,
    holdNextWrite: () => (holdNext = true),
    release: () => release(),
    writing: () => vi.waitFor(() => expect(log.at(-1)).toMatch(/^rename /)),
  };
}

describe('state store flush under a stream of changes', () => {
  it('a flush ends with the write that holds its changes; what changed meanwhile follows by the timer', async () => {
    const s = await storeWithHeldWrites(150);
    const before = s.writes(); // the new file
    s.holdNextWrite();
    s.store.put('docs', trackedFile('a.md'));
    const flushed = s.store.flush();
    await s.writing();
    s.store.put('docs', trackedFile('b.md')); // arrives while a.md is being written
    s.release();
    await flushed;
    expect(s.writes()).toBe(before + 1);
    expect(filesOnDisk(s.file)).toEqual(['a.md']);
    await vi.waitFor(() => expect(filesOnDisk(s.file)).toEqual(['a.md', 'b.md']), { timeout: 3000 });
    expect(s.writes()).toBe(before + 2);
  });

  it('close() writes every change, including those made while its flush was writing', async () => {
    const s = await storeWithHeldWrites(60_000);
    s.holdNextWrite();
    s.store.put('docs', trackedFile('a.md'));
    const closing = s.store.close();
    await s.writing();
    s.store.put('docs', trackedFile('b.md'));
    s.release();
    await closing;
    expect(filesOnDisk(s.file)).toEqual(['a.md', 'b.md']);
  });

  it('a read-only store closes at once, its changes kept in memory only', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    opened.push(await openStateStore(file)); // creates the file
    await opened.pop()?.close();
    const store = await openStateStore(file, { readOnly: true });
    store.put('docs', trackedFile('a.md'));
    await store.close();
    expect(filesOnDisk(file)).toEqual([]);
  });
});
