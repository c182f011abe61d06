// FolderSyncer's two economies (issue 6): a reconcile that finds nothing to do does not rewrite the state
// file just to move lastReconcileAt (unless that stamp is old), and daemon hints that arrive while an
// examine waits for its turn join it. Real syncer, state file, client and emulator.
import { stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { nodeFolderReader } from '../../src/adapters/node-folder-reader.js';
import { createLogger } from '../../src/log.js';
import { FolderSyncer } from '../../src/sync/folder-syncer.js';
import { makeSandbox, uploads, writeTree, type Sandbox } from '../e2e/harness.js';

describe('FolderSyncer: no needless state writes, joined hints (v1-0.27)', () => {
  let box: Sandbox;
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await box.cleanup();
  });

  let runs = 0;
  async function setUp(): Promise<{ syncer: FolderSyncer; engine: Engine; key: string }> {
    runs = 0;
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'a.md': 'alpha\n', 'sub/b.md': 'bravo\n' });
    const config = loadConfig(box.configFile);
    engine = await openEngine(config, createLogger({ level: 'silent', pretty: false }), { readOnly: false });
    const folder = config.folders[0]!;
    const syncer = new FolderSyncer({ folder, client: engine.client, store: engine.store, reader: nodeFolderReader, scheduler: engine.scheduler, logger: createLogger({ level: 'silent', pretty: false }), onProgress: (p) => {
      if (p.phase === 'scanning') runs += 1;
    } });
    return { syncer, engine, key: folder.key };
  }
  const stateIdentity = async () => {
    const s = await stat(box.stateFile);
    return `${s.ino}:${s.mtimeMs}`;
  };

  it('a no-op reconcile leaves the state file alone, unless lastReconcileAt is older than 15 minutes', async () => {
    const { syncer, engine, key } = await setUp();
    await syncer.reconcile();
    await engine.store.flush();
    const before = await stateIdentity();
    const stamp = engine.store.meta(key)?.lastReconcileAt;

    await syncer.reconcile();
    await engine.store.flush();
    expect(await stateIdentity()).toBe(before);
    expect(engine.store.meta(key)?.lastReconcileAt).toBe(stamp);

    const meta = engine.store.meta(key)!;
    engine.store.setMeta(key, { ...meta, lastReconcileAt: Date.now() - 20 * 60_000 });
    await engine.store.flush();
    const aged = await stateIdentity();
    await syncer.reconcile();
    await engine.store.flush();
    expect(await stateIdentity()).not.toBe(aged);
    expect(engine.store.meta(key)?.lastReconcileAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it('hints that arrive while an examine waits join it: one run, one report for all of them', async () => {
    const { syncer } = await setUp();
    await syncer.reconcile();
    box.emulator.clearRequests();
    await writeTree(box.docs, { 'c.md': 'charlie\n', 'd.md': 'delta\n', 'e/f.md': 'foxtrot\n' });
    runs = 0;
    const running = syncer.reconcile({ listRemote: false }); // keeps the loop busy while the hints arrive
    const first = syncer.examine(new Set(['c.md']));
    const second = syncer.examine(new Set(['d.md']), new Set(['e']));
    expect(second).toBe(first);
    await running;
    const report = await first;
    expect(report.uploaded).toBe(0); // the reconcile ahead of them already uploaded all three
    expect(runs).toBe(2); // the reconcile and one examine for both hints
    const later = syncer.examine(new Set(['c.md']));
    expect(later).not.toBe(first); // a new waiting examine once the joined one has started
    await later;
    expect(uploads(box.emulator).map((u) => u.fileNames[0]).sort()).toEqual(['c.md', 'd.md', 'e/f.md']);
  });
});
