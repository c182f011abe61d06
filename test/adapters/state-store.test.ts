import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStateStore, StateFileVersionError, type StateStore } from '../../src/adapters/state-store.js';
import type { DurableWriteOps } from '../../src/adapters/durable-json-file.js';
import { parseStateText } from '../../src/adapters/state-file-format.js';
import { recordingOps } from './recording-ops.js';
import { trackedFile } from './state-fixtures.js';
import { makeTempDir } from './temp-dir.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const opened: StateStore[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((store) => store.close().catch(() => undefined)));
});

async function open(file: string, options: Parameters<typeof openStateStore>[1] = {}): Promise<StateStore> {
  const store = await openStateStore(file, options);
  opened.push(store);
  return store;
}

/** The paths the file on disk tracks in folder `docs`. */
const pathsOnDisk = (file: string): string[] => [...(parseStateText(readFileSync(file, 'utf8')).folders.get('docs')?.files.keys() ?? [])];
const onDisk = (file: string): { ownerId: string; folders: Record<string, { meta?: unknown; files: Record<string, unknown> }> } =>
  JSON.parse(readFileSync(file, 'utf8'));

/** Counts completed writes (renames onto the state file). */
function countingOps(): { ops: DurableWriteOps; writes: () => number } {
  const log: string[] = [];
  return { ops: recordingOps(log), writes: () => log.filter((line) => line.startsWith('rename ')).length };
}

describe('openStateStore: a new state', () => {
  it('creates the file (and its folder) at once with a random owner id that stays', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'nested', 'state.json');
    const store = await open(file);
    expect(store.loadOutcome).toEqual({ kind: 'new' });
    expect(store.ownerId).toMatch(UUID);
    expect(onDisk(file)).toEqual({ version: 2, ownerId: store.ownerId, folders: {} });
    await store.close();
    const again = await open(file);
    expect(again.loadOutcome).toEqual({ kind: 'loaded' });
    expect(again.ownerId).toBe(store.ownerId);
  });

  it('keeps folders, meta and entries across a close and reopen', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    const store = await open(file);
    store.put('docs', trackedFile('a.md', { docId: 'd1' })); // before setMeta: the engine may do that
    store.setMeta('docs', { kbName: 'Docs', kbId: 'kb1' });
    store.put('docs', trackedFile('__proto__'));
    store.put('docs', trackedFile('b.md'));
    store.remove('docs', 'b.md');
    store.remove('docs', 'never-there.md');
    store.put('other', trackedFile('constructor'));
    await store.close();

    const again = await open(file);
    expect(again.folderKeys()).toEqual(['docs', 'other']);
    expect(again.meta('docs')).toEqual({ kbName: 'Docs', kbId: 'kb1' });
    expect(again.meta('other')).toBeUndefined();
    expect(again.get('docs', 'a.md')).toEqual(trackedFile('a.md', { docId: 'd1' }));
    expect(again.get('docs', '__proto__')).toEqual(trackedFile('__proto__'));
    expect(again.get('docs', 'constructor')).toBeUndefined();
    expect(again.get('docs', 'b.md')).toBeUndefined();
    expect(again.files('docs').map((entry) => entry.relPath).sort()).toEqual(['__proto__', 'a.md']);
    expect(again.files('nope')).toEqual([]);
    expect(again.get('other', 'constructor')?.relPath).toBe('constructor');
  });

  it('refuses changes after close, and releases its lock', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    const store = await open(file);
    expect(existsSync(`${file}.lock`)).toBe(true);
    await store.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(() => store.put('docs', trackedFile('a.md'))).toThrow(/closed/);
    await store.close(); // twice is fine
  });

  it('removes temp files a crashed writer left behind', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'state.json');
    writeFileSync(path.join(dir, '.state.json.99999.3.tmp'), '{"half":');
    writeFileSync(path.join(dir, '.state.json.settled.99999.4.tmp'), '{"half":'); // the settled record's
    writeFileSync(path.join(dir, 'unrelated.tmp'), 'keep');
    writeFileSync(path.join(dir, '.other.json.99999.5.tmp'), 'keep');
    await open(file);
    expect(readdirSync(dir).sort()).toEqual(['.other.json.99999.5.tmp', 'state.json', 'state.json.lock', 'unrelated.tmp']);
  });
});

describe('StateStore: coalesced writes', () => {
  it('writes a burst of 10,000 puts once, when the flush delay has passed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const file = path.join(makeTempDir(), 'state.json');
    const { ops, writes } = countingOps();
    const store = await open(file, { flushDelayMs: 1000, writeOps: ops });
    expect(writes()).toBe(1); // the new file
    for (let index = 0; index < 10_000; index++) store.put('docs', trackedFile(`f${index}.md`));
    vi.advanceTimersByTime(999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes()).toBe(1);
    vi.advanceTimersByTime(1);
    await vi.waitFor(() => expect(writes()).toBe(2));
    expect(pathsOnDisk(file)).toHaveLength(10_000);
    // A steady stream of changes is still written (a throttle, not a debounce).
    // Each second has a change at its start and one halfway: a debounce would never fire here.
    for (let tick = 0; tick < 5; tick++) {
      store.put('docs', trackedFile(`late${tick}a.md`));
      vi.advanceTimersByTime(500);
      store.put('docs', trackedFile(`late${tick}b.md`));
      vi.advanceTimersByTime(500);
      await vi.waitFor(() => expect(writes()).toBe(3 + tick));
    }
  });

  it('keeps one write in flight; flushes during it coalesce into one more write with the latest data', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    const log: string[] = [];
    let release: () => void = () => undefined;
    let holdNext = false;
    const gate = (): Promise<void> => new Promise((resolve) => (release = resolve));
    const ops = recordingOps(log, {
      rename: async (from, to) => {
        if (holdNext) {
          holdNext = false;
          await gate();
        }
        const { rename } = await import('node:fs/promises');
        await rename(from, to);
      },
    });
    const store = await open(file, { flushDelayMs: 60_000, writeOps: ops });
    const renames = (): number => log.filter((line) => line.startsWith('rename ')).length;
    holdNext = true;
    store.put('docs', trackedFile('first.md'));
    const first = store.flush();
    await vi.waitFor(() => expect(log.at(-1)).toMatch(/^rename /)); // the first write is stuck in its rename
    store.put('docs', trackedFile('second.md'));
    const second = store.flush();
    store.put('docs', trackedFile('third.md'));
    const third = store.flush();
    release();
    await Promise.all([first, second, third]);
    expect(renames()).toBe(3); // the new file, the held write, and one write for second + third
    expect(pathsOnDisk(file).sort()).toEqual(['first.md', 'second.md', 'third.md']);
    await store.flush();
    expect(renames()).toBe(3); // nothing changed: nothing written
  });

  it('reports a failed background write, keeps the change and writes it on the next flush', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const file = path.join(makeTempDir(), 'state.json');
    let failNext = false;
    const log: string[] = [];
    const ops = recordingOps(log, {
      rename: async (from, to) => {
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('no space left'), { code: 'ENOSPC' });
        }
        const { rename } = await import('node:fs/promises');
        await rename(from, to);
      },
    });
    const errors: unknown[] = [];
    const store = await open(file, { flushDelayMs: 100, writeOps: ops, onWriteError: (error) => errors.push(error) });
    failNext = true;
    store.put('docs', trackedFile('a.md'));
    vi.advanceTimersByTime(100);
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ code: 'ENOSPC' });
    expect(onDisk(file).folders).toEqual({});
    await store.flush();
    expect(pathsOnDisk(file)).toEqual(['a.md']);
  });
});

describe('openStateStore: corrupt and foreign files', () => {
  it.each([
    ['empty', ''],
    ['truncated', '{"version":1,"ownerId":"3b7c2f3b-c199-41db-84ef-5dcc76b000f9","folders":{"d'],
    ['NUL-filled', '\0'.repeat(1000)],
    ['null', 'null'],
    ['[]', '[]'],
    ['wrong shape', '{"version":1,"ownerId":"3b7c2f3b-c199-41db-84ef-5dcc76b000f9","folders":{"d":{"files":{"a":{"size":"big"}}}}}'],
  ])('moves a %s file aside, never overwriting it, and starts empty', async (_label, content) => {
    const dir = makeTempDir();
    const file = path.join(dir, 'state.json');
    writeFileSync(file, content);
    const store = await open(file);
    expect(store.loadOutcome.kind).toBe('corrupt');
    if (store.loadOutcome.kind !== 'corrupt') return;
    expect(store.loadOutcome.reason.length).toBeGreaterThan(3);
    expect(path.basename(store.loadOutcome.movedTo)).toMatch(/^state\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    expect(readFileSync(store.loadOutcome.movedTo, 'utf8')).toBe(content);
    expect(store.folderKeys()).toEqual([]);
    expect(onDisk(file).ownerId).toBe(store.ownerId); // a fresh, valid file replaced it
  });

  it('keeps the owner id it can read from a damaged file', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    writeFileSync(file, '{"version":1,"ownerId":"3b7c2f3b-c199-41db-84ef-5dcc76b000f9","folders":{"docs":{"files":{"a.md":{"rel');
    const store = await open(file);
    expect(store.loadOutcome.kind).toBe('corrupt');
    expect(store.ownerId).toBe('3b7c2f3b-c199-41db-84ef-5dcc76b000f9');
  });

  it('never overwrites an earlier corrupt copy with the same time stamp', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-04T05:06:07.089Z'));
    const dir = makeTempDir();
    const file = path.join(dir, 'state.json');
    writeFileSync(`${file}.corrupt-2026-03-04T05-06-07.089Z`, 'earlier');
    writeFileSync(file, 'later');
    const store = await open(file);
    expect(store.loadOutcome).toMatchObject({ kind: 'corrupt', movedTo: `${file}.corrupt-2026-03-04T05-06-07.089Z-1` });
    expect(readFileSync(`${file}.corrupt-2026-03-04T05-06-07.089Z`, 'utf8')).toBe('earlier');
    expect(readFileSync(`${file}.corrupt-2026-03-04T05-06-07.089Z-1`, 'utf8')).toBe('later');
  });

  it('refuses a newer format version without touching the file or keeping the lock', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    const content = '{"version":7,"ownerId":"3b7c2f3b-c199-41db-84ef-5dcc76b000f9","folders":{}}';
    writeFileSync(file, content);
    await expect(openStateStore(file)).rejects.toBeInstanceOf(StateFileVersionError);
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

describe('openStateStore: readOnly', () => {
  it('takes no lock and never writes, even on close', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'state.json');
    const writer = await open(file);
    writer.put('docs', trackedFile('a.md'));
    await writer.flush();
    const before = readFileSync(file, 'utf8');
    const beforeIno = statSync(file).ino;

    const reader = await open(file, { readOnly: true }); // the writer holds the lock: a reader does not care
    expect(reader.loadOutcome).toEqual({ kind: 'loaded' });
    expect(reader.get('docs', 'a.md')).toEqual(trackedFile('a.md'));
    reader.put('docs', trackedFile('dry-run.md')); // kept in memory only
    expect(reader.get('docs', 'dry-run.md')).toBeDefined();
    await reader.flush();
    await reader.close();
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(statSync(file).ino).toBe(beforeIno);
    expect(existsSync(`${file}.lock`)).toBe(true); // still the writer's
  });

  it('leaves a missing file missing and a corrupt file where it is', async () => {
    const dir = makeTempDir();
    const missing = await open(path.join(dir, 'none.json'), { readOnly: true });
    expect(missing.loadOutcome).toEqual({ kind: 'new' });
    await missing.close();
    const file = path.join(dir, 'state.json');
    writeFileSync(file, '{"trunc');
    const corrupt = await open(file, { readOnly: true });
    expect(corrupt.loadOutcome).toMatchObject({ kind: 'corrupt', movedTo: '' });
    await corrupt.close();
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(readFileSync(file, 'utf8')).toBe('{"trunc');
  });
});
