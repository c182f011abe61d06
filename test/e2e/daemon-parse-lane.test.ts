// Done means parsed, without holding the folder: while one change's new version parses (a real server
// takes seconds to minutes), the next change is examined and uploaded after its quiet window, not after
// that parse. A second change of the file still parsing waits for its swap, so no version is left behind.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, expectedMirror, makeSandbox, mirrorOf, startDaemonProcess, uploads, writeTree, type DaemonProcess, type Sandbox } from './harness.js';

const PARSE_MS = 3000;
const QUIET_MS = 300;

describe('daemon against v1-0.27 with slow parsing', () => {
  let box: Sandbox | undefined;
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null) await daemon.stop('SIGKILL');
    daemon = undefined;
    await box?.cleanup();
  });

  it('uploads the next change while the previous one parses, and converges without stray versions', async () => {
    const sandbox = (box = await makeSandbox({ profile: 'v1-0.27', parseMs: PARSE_MS }));
    await writeTree(sandbox.docs, { 'a.md': 'alpha\n', 'b.md': 'bravo\n' });
    daemon = startDaemonProcess(sandbox.configFile);
    await daemon.waitForLog(/"msg":"watching"/, 20_000);
    sandbox.emulator.clearRequests();
    const uploadOf = (name: string, after: number) => uploads(sandbox.emulator).find((r) => r.fileNames[0] === name && r.time >= after);

    const aAt = Date.now();
    await writeFile(path.join(sandbox.docs, 'a.md'), 'alpha 2\n');
    await eventually(() => expect(uploadOf('a.md', aAt)).toBeDefined(), 5000);
    const bAt = Date.now();
    await writeFile(path.join(sandbox.docs, 'b.md'), 'bravo 2\n');
    await eventually(() => expect(uploadOf('b.md', bAt)).toBeDefined(), 10_000);
    // a.md's new version parses for 3 s after its upload; b.md must not wait for that.
    expect((uploadOf('b.md', bAt)?.time ?? Infinity) - bAt).toBeLessThan(QUIET_MS + 1500);

    // a.md again while its previous version may still be parsing: it waits for that swap, then replaces it.
    await writeFile(path.join(sandbox.docs, 'a.md'), 'alpha 3\n');
    const mirrorHolds = async () => expect(await mirrorOf(sandbox)).toEqual(await expectedMirror(sandbox.docs));
    await eventually(mirrorHolds, 20_000);
    await eventually(() => expect(sandbox.emulator.documents('handbook').map((d) => d.name).sort()).toEqual(['a.md', 'b.md']), 10_000);
    const a = sandbox.emulator.documents('handbook').find((d) => d.name === 'a.md');
    expect((await a?.content())?.toString()).toBe('alpha 3\n');
    expect((await daemon.stop()).code).toBe(0);
  });
});
