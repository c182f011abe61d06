// The RAGFlow server unreachable for 30 s while the daemon runs: it keeps watching, keeps what changed
// meanwhile, probes the server with backoff, and catches up once the server answers again.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, makeSandbox, startDaemonProcess, writeTree, type DaemonProcess, type Sandbox } from '../harness.js';
import { expectConverged, seedForeign } from './fault-kit.js';

describe('server outage during a daemon run (v1-0.27)', () => {
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null) await daemon.stop('SIGKILL');
    await box.cleanup();
  });

  it('30 s of refused connections: the daemon keeps watching and its pending work, then catches up', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    const foreign = seedForeign(box);
    await writeTree(box.docs, { 'a.md': 'alpha\n', 'b.md': 'bravo\n', 'c.md': 'charlie\n' });
    daemon = startDaemonProcess(box.configFile);
    await daemon.waitForLog(/"msg":"watching"/);
    await expectConverged(box, foreign);

    await box.emulator.refuseConnections(30_000);
    const down = Date.now();
    await writeTree(box.docs, { 'new.md': 'written during the outage\n' });
    await writeFile(path.join(box.docs, 'a.md'), 'alpha, changed during the outage\n');
    await rm(path.join(box.docs, 'b.md'));
    await daemon.waitForLog(/RAGFlow server unavailable; watching goes on/, 25_000);
    // Changes keep coming while the daemon waits for the server.
    await writeTree(box.docs, { 'later.md': 'written while the server was away\n' });
    await rm(path.join(box.docs, 'c.md'));
    expect(daemon.child.exitCode).toBeNull();

    await box.emulator.listening();
    expect(Date.now() - down).toBeGreaterThanOrEqual(29_000);
    await eventually(() => expectConverged(box, foreign), 45_000);
    expect(daemon.output()).toContain('RAGFlow server answers again; catching up');
    expect((await daemon.stop()).code).toBe(0);
    if (process.env['FAULT_TRANSCRIPT']) await writeFile(process.env['FAULT_TRANSCRIPT'], daemon.output());
  }, 120_000);
});
