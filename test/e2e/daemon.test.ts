// The watching daemon end to end: the built CLI as a real process, real file-system events, the emulator.
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileName } from '../emulator/index.js';
import { eventually, expectedMirror, mirrorOf, makeSandbox, startDaemonProcess, uploads, writeTree, type DaemonProcess, type Sandbox } from './harness.js';

const PROFILES: ProfileName[] = ['legacy-0.19', 'v1-0.27'];

for (const profile of PROFILES) {
  describe(`daemon against ${profile}`, () => {
    let box: Sandbox;
    let daemon: DaemonProcess | undefined;
    beforeEach(async () => {
      box = await makeSandbox({ profile });
      await writeTree(box.docs, { 'a.md': 'alpha\n', 'sub/b.md': 'bravo\n' });
    });
    afterEach(async () => {
      if (daemon && daemon.child.exitCode === null) await daemon.stop('SIGKILL');
      daemon = undefined;
      await box.cleanup();
    });

    const mirrorHolds = async () => expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs));

    it('reconciles at start, mirrors add, change, delete and rename within 10 s each, and stops on SIGTERM', async () => {
      daemon = startDaemonProcess(box.configFile);
      await daemon.waitForLog(/"msg":"watching"/);
      await mirrorHolds();

      await writeTree(box.docs, { 'new/c.md': 'charlie\n' });
      await eventually(mirrorHolds, 10_000);
      await writeFile(path.join(box.docs, 'a.md'), 'alpha, changed\n');
      await eventually(mirrorHolds, 10_000);
      await rm(path.join(box.docs, 'sub/b.md'));
      await eventually(mirrorHolds, 10_000);
      await rename(path.join(box.docs, 'new/c.md'), path.join(box.docs, 'new/renamed.md'));
      await eventually(mirrorHolds, 10_000);
      await rename(path.join(box.docs, 'new'), path.join(box.docs, 'moved-dir'));
      await eventually(mirrorHolds, 10_000);

      const { code, ms } = await daemon.stop('SIGTERM');
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
      expect(daemon.output()).toContain('"msg":"stopped"');
    });

    it('a burst of 20 writes in one second gives at most 2 uploads, with the last bytes', async () => {
      daemon = startDaemonProcess(box.configFile);
      await daemon.waitForLog(/"msg":"watching"/);
      box.emulator.clearRequests();
      const file = path.join(box.docs, 'burst.md');
      for (let i = 0; i < 20; i += 1) {
        await writeFile(file, `version ${i}\n`);
        await new Promise((r) => setTimeout(r, 45));
      }
      await eventually(mirrorHolds, 10_000);
      await new Promise((r) => setTimeout(r, 1000)); // anything late would show up now
      await mirrorHolds();
      expect(uploads(box.emulator).length).toBeLessThanOrEqual(2);
      const stored = box.emulator.documents('handbook').find((d) => d.name === 'burst.md');
      expect((await stored?.content())?.toString()).toBe('version 19\n');
      expect((await daemon.stop()).code).toBe(0);
    });

    it('never logs the API key', async () => {
      daemon = startDaemonProcess(box.configFile);
      await daemon.waitForLog(/"msg":"watching"/);
      await writeTree(box.docs, { 'd.md': 'delta\n' });
      await eventually(mirrorHolds, 10_000);
      await daemon.stop();
      expect(daemon.output()).not.toContain(box.emulator.apiKey);
    });
  });
}
