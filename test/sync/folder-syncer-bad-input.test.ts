// FolderSyncer with files it cannot read or that keep changing, at the FolderReader port: the real syncer,
// state file, client and emulator, and the real node reader wrapped so chosen files fail the way they do
// on disk (EACCES when opened, a fingerprint that moves while hashing). Works as root too, where chmod 000
// does not bite (test/e2e/bad-input.test.ts does it for real as an unprivileged user).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { nodeFolderReader } from '../../src/adapters/node-folder-reader.js';
import { HashFileError } from '../../src/adapters/file-hasher.js';
import { createLogger } from '../../src/log.js';
import { FolderSyncer } from '../../src/sync/folder-syncer.js';
import type { FolderReader } from '../../src/sync/ports.js';
import { makeSandbox, sha256, writeTree, type Sandbox } from '../e2e/harness.js';

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly path?: string;
  readonly reason?: string;
  readonly code?: string;
}

describe('FolderSyncer: unreadable and still-changing files (v1-0.27)', () => {
  let box: Sandbox;
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await box.cleanup();
  });

  /** What the reader does to particular files; anything else is read for real. */
  const unreadable = new Set<string>();
  const changing = new Set<string>();
  const reader: FolderReader = {
    ...nodeFolderReader,
    async hash(absPath, signal) {
      const name = path.basename(absPath);
      if (unreadable.has(name)) throw new HashFileError('unreadable', absPath, 'EACCES');
      const result = await nodeFolderReader.hash(absPath, signal);
      if (!changing.has(name)) return result;
      return { ...result, fingerprintAfter: { ...result.fingerprintAfter, mtimeMs: result.fingerprintAfter.mtimeMs + 1 } };
    },
  };

  async function syncer(): Promise<{ run: () => Promise<unknown>; lines: Line[] }> {
    const config = loadConfig(box.configFile);
    const lines: Line[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as Line);
        done();
      },
    });
    const logger = createLogger({ level: 'info', pretty: false, destination: sink });
    engine = await openEngine(config, logger, { readOnly: false });
    const folder = config.folders[0]!;
    const s = new FolderSyncer({ folder, client: engine.client, store: engine.store, reader, scheduler: engine.scheduler, logger });
    return { run: () => s.reconcile(), lines };
  }

  const stored = () => new Map(box.emulator.documents('handbook').map((d) => [d.name, d.sha256]));

  it('a tracked file that becomes unreadable, or is being rewritten during the scan, keeps its document; an unreadable new one is logged once and remembered', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'locked.md': 'was readable\n', 'busy.md': 'first\n', 'ok.md': 'fine\n' });
    const { run, lines } = await syncer();
    unreadable.clear();
    changing.clear();
    await run();
    expect(stored().size).toBe(3);

    // Touch both so they are hashed again; then one cannot be opened and the other moves while read.
    await writeFile(path.join(box.docs, 'locked.md'), 'was readable\n');
    await writeFile(path.join(box.docs, 'busy.md'), 'second\n');
    await writeTree(box.docs, { 'new-locked.md': 'never readable\n', 'new-ok.md': 'also fine\n' });
    unreadable.add('locked.md').add('new-locked.md');
    changing.add('busy.md');
    const mark = lines.length;
    await run();
    const after = stored();
    expect(after.get('locked.md')).toBe(sha256('was readable\n')); // not deleted: it was not seen
    expect(after.get('busy.md')).toBe(sha256('first\n')); // neither deleted nor replaced by a torn read
    expect(after.get('new-ok.md')).toBe(sha256('also fine\n'));
    expect(after.has('new-locked.md')).toBe(false);
    const skipLines = lines.filter((l) => l.msg.startsWith('file skipped'));
    expect(skipLines.map((l) => [l.path, l.reason, l.code]).sort()).toEqual([
      ['locked.md', 'unreadable', 'EACCES'],
      ['new-locked.md', 'unreadable', 'EACCES'],
    ]);
    expect(lines.slice(mark).filter((l) => l.path === 'busy.md').map((l) => l.msg)).toEqual(['file changed while it was read; left for the next look']);
    const meta = engine!.store.meta(engine!.config.folders[0]!.key);
    expect(meta?.skipped).toEqual([
      { relPath: 'locked.md', reason: 'unreadable' },
      { relPath: 'new-locked.md', reason: 'unreadable' },
    ]);

    // Still unreadable on the next run: nothing more is said; readable again: uploaded, no longer listed.
    const before = lines.length;
    await writeFile(path.join(box.docs, 'new-locked.md'), 'never readable\n'); // fingerprint moves: hashed again
    await run();
    expect(lines.slice(before).filter((l) => l.msg.startsWith('file skipped'))).toEqual([]);
    unreadable.clear();
    changing.clear();
    await run();
    expect(stored().get('new-locked.md')).toBe(sha256('never readable\n'));
    expect(stored().get('busy.md')).toBe(sha256('second\n'));
    expect(engine!.store.meta(engine!.config.folders[0]!.key)?.skipped).toBeUndefined();
  });
});
