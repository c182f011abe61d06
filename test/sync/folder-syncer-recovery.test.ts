// Crash recovery when the server cannot show a candidate document's bytes: the real syncer, state file,
// client and emulator, with the client's download (hashContent) failing on demand. A document that may be
// the one this file needs is never doubled by a blind re-upload: the file waits for the next run.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { nodeFolderReader } from '../../src/adapters/node-folder-reader.js';
import { createLogger } from '../../src/log.js';
import { remoteError } from '../../src/ragflow/remote-error.js';
import { FolderSyncer } from '../../src/sync/folder-syncer.js';
import type { KbClient, KbRef, StateStore } from '../../src/sync/ports.js';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { makeSandbox, uploads, writeTree, type Sandbox } from '../e2e/harness.js';

describe('FolderSyncer: recovery with unreadable candidates (v1-0.27)', () => {
  let box: Sandbox;
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await box.cleanup();
  });

  let downloadsBroken = false;
  let listingBroken = false;
  /** Server deletes and state removals, in the order they happened. */
  const events: string[] = [];
  /** The real client, except that downloads or listings fail (non-retryable: the test does not sit in backoff). */
  function flakyDownloads(client: KbClient): KbClient {
    return new Proxy(client, {
      get(target, prop) {
        if (prop === 'hashContent' && downloadsBroken) return () => Promise.resolve(remoteError('protocol', 'download: the answer was cut short'));
        if (prop === 'listDocuments' && listingBroken) return () => Promise.resolve(remoteError('protocol', 'list documents: not a RAGFlow answer'));
        if (prop === 'deleteDocuments') {
          return (kb: KbRef, ids: readonly string[], signal?: AbortSignal) => {
            events.push(`server delete ${ids.join(',')}`);
            return target.deleteDocuments(kb, ids, signal);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  async function setUp() {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'a.md': 'alpha\n', 'b.md': 'bravo\n' });
    const config = loadConfig(box.configFile);
    const logger = createLogger({ level: 'silent', pretty: false, destination: new Writable({ write: (_c, _e, done) => done() }) });
    engine = await openEngine(config, logger, { readOnly: false });
    const folder = config.folders[0]!;
    const real = engine.store;
    const store: StateStore = new Proxy(real, {
      get(target, prop) {
        if (prop === 'remove') {
          return (folderKey: string, relPath: string) => {
            events.push(`state remove ${relPath}`);
            target.remove(folderKey, relPath);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const syncer = new FolderSyncer({ folder, client: flakyDownloads(engine.client), store, reader: nodeFolderReader, scheduler: engine.scheduler, logger });
    await syncer.reconcile();
    // Documents without ownership metadata (uploaded before it existed, docs/smart-sync.md): only their
    // bytes can tell whether they are ours, which is what these tests are about.
    const kb = await engine.client.findKb(folder.kb);
    if (!kb.ok) throw new Error(kb.message);
    for (const doc of box.emulator.documents('handbook')) await engine.client.updateDocument(kb.value, doc.id, { metaFields: {} });
    return { syncer, store: engine.store, key: folder.key };
  }

  it('an interrupted upload whose stored copy cannot be read: no upload, the intent is kept, the next run adopts', async () => {
    const { syncer, store, key } = await setUp();
    // What a kill between "the server stored it" and "the state recorded it" leaves behind.
    const entry = store.get(key, 'a.md')!;
    const { docId, docName: _n, ...rest } = entry;
    store.put(key, { ...rest, status: 'pending', intent: { kind: 'upload', name: 'a.md', sha256: entry.sha256, startedAt: 1 } });
    box.emulator.clearRequests();

    downloadsBroken = true;
    const blocked = await syncer.reconcile();
    expect(blocked.failed.map((f) => f.relPath)).toEqual(['a.md']);
    expect(uploads(box.emulator)).toEqual([]);
    expect(store.get(key, 'a.md')?.intent?.kind).toBe('upload');

    downloadsBroken = false;
    const healed = await syncer.reconcile();
    expect(healed.failed).toEqual([]);
    expect(uploads(box.emulator)).toEqual([]);
    expect(store.get(key, 'a.md')).toMatchObject({ docId, status: 'synced' });
    expect(box.emulator.documents('handbook')).toHaveLength(2);
  });

  it('a lost state the server cannot list, or whose documents cannot be read: nothing uploaded, the folder stays in rebuild mode until they can', async () => {
    const { syncer, store, key } = await setUp();
    const meta = store.meta(key)!;
    for (const entry of store.files(key)) store.remove(key, entry.relPath);
    const { lastReconcileAt: _l, ...withoutReconcile } = meta;
    store.setMeta(key, withoutReconcile); // as after the state file was deleted
    box.emulator.clearRequests();

    listingBroken = true;
    const unlisted = await syncer.reconcile();
    listingBroken = false;
    expect(unlisted.error).toContain("cannot rebuild the state without the server's listing");
    expect(uploads(box.emulator)).toEqual([]);
    expect(store.files(key)).toEqual([]);

    downloadsBroken = true;
    await syncer.reconcile();
    expect(uploads(box.emulator)).toEqual([]);
    expect(store.meta(key)?.rebuild).toBe('adopt');

    downloadsBroken = false;
    await syncer.reconcile();
    expect(uploads(box.emulator)).toEqual([]);
    expect(store.files(key).map((e) => e.status)).toEqual(['synced', 'synced']);
    expect(store.meta(key)?.rebuild).toBeUndefined();
    expect(box.emulator.documents('handbook')).toHaveLength(2);
  });

  it('a file deleted after an interrupted upload: the stored copy is deleted before the entry holding the intent is dropped', async () => {
    // Regression (found by the random kill test): "forget" ran beside the recovery and dropped the entry;
    // a kill before the recovery's delete then left the stored copy with nothing pointing at it.
    const { syncer, store, key } = await setUp();
    const entry = store.get(key, 'a.md')!;
    const { docId, docName: _n, ...rest } = entry;
    store.put(key, { ...rest, status: 'pending', intent: { kind: 'upload', name: 'a.md', sha256: entry.sha256, startedAt: 1 } });
    await rm(path.join(box.docs, 'a.md'));
    events.length = 0;
    await syncer.reconcile();
    expect(events[0]).toBe(`server delete ${docId}`); // first, and only then
    expect(events.slice(1)).toContain('state remove a.md');
    expect(box.emulator.documents('handbook').map((d) => d.name)).toEqual(['b.md']);
  });
});
