// The Daemon when its watcher hits the inotify limit: the real engine (composition root, FolderSyncer,
// state file, client) against the emulator over HTTP, with only the watcher replaced by a fake that
// reports what chokidar reports when watches cannot be placed (one `error` per watch) and no events.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { nodeFolderReader } from '../../src/adapters/node-folder-reader.js';
import { createLogger } from '../../src/log.js';
import { Daemon, type WatchFactory } from '../../src/sync/daemon.js';
import type { WatchErrorInfo } from '../../src/sync/watch-port.js';
import { eventually, makeSandbox, sha256, writeTree, type Sandbox } from '../e2e/harness.js';

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly code?: string;
}

/** A watcher that places no watch: it reports `errors` through onError (as chokidar does) and never a hint. */
function blindWatcher(errors: readonly WatchErrorInfo[]): WatchFactory {
  return (_root, options) => {
    for (const error of errors) options.onError(error);
    return Promise.resolve({ close: () => Promise.resolve() });
  };
}

function enospc(i: number): WatchErrorInfo {
  return { code: 'ENOSPC', message: `ENOSPC: System limit for number of file watchers reached, watch '/docs/dir${i}'` };
}

describe('Daemon with a watcher that hit the inotify limit', () => {
  let box: Sandbox;
  let engine: Engine | undefined;
  let daemon: Daemon | undefined;
  afterEach(async () => {
    await daemon?.stop();
    await engine?.close();
    daemon = undefined;
    engine = undefined;
    await box.cleanup();
  });

  async function start(errors: readonly WatchErrorInfo[], rescanIntervalMinutes: number): Promise<Line[]> {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'a.md': 'alpha\n' });
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
    const current = engine;
    daemon = new Daemon({
      syncers: current.syncers,
      store: current.store,
      reader: nodeFolderReader,
      watch: blindWatcher(errors),
      logger,
      options: { quietWindowMs: 100, rescanIntervalMinutes, drainTimeoutSeconds: 2, usePolling: false, degradedRescanMs: 300 },
      abort: current.abort,
      stopping: current.stopping,
      health: current.health,
      probe: () => current.client.findKb('handbook'),
    });
    await daemon.start();
    return lines;
  }

  const stored = (box: Sandbox, name: string) => box.emulator.documents('handbook').find((d) => d.name === name)?.sha256;

  it.each(['ENOSPC', 'EMFILE'])('%s: one error line saying how to raise fs.inotify.max_user_watches; changes still arrive by full rescans, even with rescanIntervalMinutes 0', async (code) => {
    const errors = Array.from({ length: 150 }, (_, i) => ({ ...enospc(i), code }));
    const lines = await start(errors, 0);
    const hints = lines.filter((l) => l.msg.includes('fs.inotify.max_user_watches'));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatchObject({ level: 50, code });
    expect(daemon?.folderStates[0]?.degraded).toBe(true);

    // The fake watcher never tells about this file: only a rescan can find it.
    await writeFile(path.join(box.docs, 'b.md'), 'bravo\n');
    await eventually(() => expect(stored(box, 'b.md')).toBe(sha256('bravo\n')), 5000);
    await writeFile(path.join(box.docs, 'a.md'), 'alpha, changed\n');
    await eventually(() => expect(stored(box, 'a.md')).toBe(sha256('alpha, changed\n')), 5000);
    expect(lines.filter((l) => l.msg.includes('fs.inotify.max_user_watches'))).toHaveLength(1);
  });

  it('without a watch-limit error (and rescans off) the same change is not seen: the rescans above are what carried it', async () => {
    const lines = await start([{ code: 'EACCES', message: 'EACCES: permission denied, watch' }], 0);
    expect(lines.filter((l) => l.msg === 'watcher error')).toHaveLength(1);
    expect(lines.some((l) => l.msg.includes('max_user_watches'))).toBe(false);
    await writeFile(path.join(box.docs, 'b.md'), 'bravo\n');
    await new Promise((r) => setTimeout(r, 1500)); // five degraded-rescan periods
    expect(stored(box, 'b.md')).toBeUndefined();
  });
});
