// kill -9 of the real process at the moments where a crash could orphan or double a document: while an
// upload is in flight, after the server stored a document but before the state recorded it, while a
// delete is in flight, and at random moments of a 100-file sync. After each: a clean run converges.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileName } from '../../emulator/index.js';
import { isNameOrDuplicateOf } from '../../../src/core/plan-sync.js';
import { makeSandbox, runCli, startCliProcess, startDaemonProcess, until, uploads, UPLOAD_PATH, writeTree, writes, type DaemonProcess, type Sandbox } from '../harness.js';
import { expectConverged, seededRandom, seedForeign, syncOk, type ForeignDoc } from './fault-kit.js';

const PROFILES: ProfileName[] = ['legacy-0.19', 'v1-0.27'];

for (const profile of PROFILES) {
  describe(`kill -9 against ${profile}`, () => {
    let box: Sandbox;
    let foreign: ForeignDoc[];
    let running: DaemonProcess | undefined;
    beforeEach(async () => {
      box = await makeSandbox({ profile });
      foreign = seedForeign(box);
    });
    afterEach(async () => {
      if (running && running.child.exitCode === null) await running.stop('SIGKILL');
      running = undefined;
      await box.cleanup();
    });

    const startSync = () => (running = startCliProcess(['--config', box.configFile, '--sync']));
    const ourDocs = () => box.emulator.documents('handbook').filter((d) => !d.seeded);
    const killNow = async () => {
      const { code } = await running!.stop('SIGKILL');
      expect(code).toBeNull(); // really killed, not finished
    };

    it('mid-upload, after the answer but before the state write, and mid-delete: each time the next run converges', async () => {
      await writeTree(box.docs, { 'README.md': '# ours\n', 'a.md': 'alpha\n', 'sub/b.md': 'bravo\n', 'sub/c.md': 'charlie\n' });

      // 1. The upload is in flight (the server stalls before storing anything).
      box.emulator.addFault({ method: 'POST', path: UPLOAD_PATH, action: { type: 'hang' } });
      startSync();
      await until(() => uploads(box.emulator).some((r) => r.status === 0), 'an upload is in flight');
      await killNow();
      box.emulator.clearFaults();
      await syncOk(box);
      await expectConverged(box, foreign);

      // 2. The server stored the new bytes and is about to answer: the state never hears of it.
      await writeFile(path.join(box.docs, 'a.md'), 'alpha, second version\n');
      await writeTree(box.docs, { 'sub/new.md': 'new file\n' });
      box.emulator.addFault({ method: 'POST', path: UPLOAD_PATH, action: { type: 'latency', ms: 20_000 }, times: 2 });
      startSync();
      await until(() => hasDoc('a.md', 'alpha, second version\n') && hasDoc('sub/new.md', 'new file\n'), 'both uploads are stored (answers delayed)');
      await killNow();
      box.emulator.clearFaults();
      box.emulator.clearRequests();
      const clean = await syncOk(box);
      expect(clean.stdout).toContain('adopted a document from an interrupted upload');
      expect(uploads(box.emulator)).toEqual([]); // both stored copies adopted, none sent again
      await expectConverged(box, foreign);

      // 3. The server deleted the document and is about to answer.
      await rm(path.join(box.docs, 'sub/b.md'));
      await rm(path.join(box.docs, 'sub/c.md'));
      box.emulator.clearRequests();
      box.emulator.addFault({ method: 'DELETE', action: { type: 'latency', ms: 20_000 } });
      startSync();
      await until(
        () => box.emulator.requests.some((r) => r.method === 'DELETE' && r.status === 0) && !(hasDoc('sub/b.md', 'bravo\n') && hasDoc('sub/c.md', 'charlie\n')),
        'a document is deleted, the answer delayed',
      );
      await killNow();
      box.emulator.clearFaults();
      await syncOk(box);
      await expectConverged(box, foreign);
    });

    /** A document of ours with this name and these bytes is stored (sizes differ between versions here). */
    function hasDoc(name: string, content: string): boolean {
      // A changed file's new version is stored beside the old one as `name(1).ext` until it is parsed
      // (gapless replace, docs/smart-sync.md).
      return ourDocs().some((d) => isNameOrDuplicateOf(d.name, name) && d.size === Buffer.byteLength(content));
    }

    it('random kills during a 100-file sync with changes between rounds, then a clean run: exactly one document per file', async () => {
      const seed = Number(process.env['FAULT_SEED'] ?? Date.now() % 100_000);
      const random = seededRandom(seed);
      const files: Record<string, string> = {};
      for (let i = 0; i < 100; i += 1) files[`dir${i % 7}/file-${i}.md`] = `file ${i}, version 0\n`;
      await writeTree(box.docs, files);
      let next = 100;
      const transcript: string[] = [];
      let kills = 0;
      const rounds = Number(process.env['FAULT_ROUNDS'] ?? 3); // more for a local soak: FAULT_ROUNDS=20
      for (let round = 0; round < rounds; round += 1) {
        if (round > 0) {
          // Between rounds: change, add and delete some files, so replaces and deletes are in flight too.
          const names = Object.keys(files);
          for (let k = 0; k < 8; k += 1) {
            const name = names[Math.floor(random() * names.length)]!;
            if (!(name in files)) continue;
            files[name] = `${name}, version ${round}.${k}\n`;
            await writeFile(path.join(box.docs, name), files[name]);
          }
          for (let k = 0; k < 4; k += 1) {
            const name = names[Math.floor(random() * names.length)]!;
            if (!(name in files)) continue;
            delete files[name];
            await rm(path.join(box.docs, name));
          }
          const added: Record<string, string> = {};
          for (let k = 0; k < 6; k += 1) added[`new/r${round}-${next++}.md`] = `added in round ${round}\n`;
          Object.assign(files, added);
          await writeTree(box.docs, added);
        }
        box.emulator.clearRequests();
        const killAfterWrites = Math.floor(random() * 60);
        startSync();
        await until(() => writes(box.emulator).length >= killAfterWrites || running!.child.exitCode !== null, `${killAfterWrites} writes (seed ${seed})`, 30_000, 2);
        await new Promise((r) => setTimeout(r, Math.floor(random() * 40)));
        if (running!.child.exitCode === null) {
          await running!.stop('SIGKILL');
          kills += 1;
        }
        transcript.push(`--- round ${round} (killed after ${killAfterWrites} writes)\n${running!.output()}`);
      }
      expect(kills).toBeGreaterThan(0); // round 0 has 100 uploads to go: it is always cut short
      const clean = await syncOk(box);
      expect(clean.stderr).toBe('');
      await expectConverged(box, foreign).catch(async (err: unknown) => {
        if (process.env['FAULT_TRANSCRIPT']) await writeFile(process.env['FAULT_TRANSCRIPT'], `${transcript.join('\n')}\n--- clean\n${clean.stdout}\n--- state\n${await readFile(box.stateFile, 'utf8')}`);
        throw new Error(`seed ${seed}: ${(err as Error).message}`);
      });
    }, 90_000);
  });
}

describe('kill -9 of the daemon (v1-0.27)', () => {
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null) await daemon.stop('SIGKILL');
    await box.cleanup();
  });

  it('killed after the server stored a watched change, the restarted daemon adopts it instead of uploading it again', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    const foreign = seedForeign(box);
    await writeTree(box.docs, { 'a.md': 'alpha\n' });
    daemon = startDaemonProcess(box.configFile);
    await daemon.waitForLog(/"msg":"watching"/);
    box.emulator.addFault({ method: 'POST', path: UPLOAD_PATH, action: { type: 'latency', ms: 20_000 } });
    await writeTree(box.docs, { 'watched.md': 'written while the daemon watched\n' });
    await until(() => box.emulator.documents('handbook').some((d) => d.name === 'watched.md'), 'the change is stored (answer delayed)', 15_000, 10);
    await daemon.stop('SIGKILL');
    box.emulator.clearFaults();
    daemon = startDaemonProcess(box.configFile);
    await daemon.waitForLog(/"msg":"watching"/);
    expect(daemon.output()).toContain('adopted a document from an interrupted upload');
    await expectConverged(box, foreign);
    expect((await daemon.stop()).code).toBe(0);
  });
});

describe('one writer per state file', () => {
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null) await daemon.stop('SIGKILL');
    await box.cleanup();
  });

  it('--sync while the daemon runs exits 75 and names the holder; after the daemon is killed a --sync takes over the stale lock', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'a.md': 'alpha\n' });
    daemon = startDaemonProcess(box.configFile);
    await daemon.waitForLog(/"msg":"watching"/);
    const refused = await runCli(['--config', box.configFile, '--sync']);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain(`in use by another ragflow-sync process (pid ${daemon.child.pid})`);
    await daemon.stop('SIGKILL');
    await writeTree(box.docs, { 'b.md': 'bravo\n' });
    await syncOk(box);
    await expectConverged(box, []);
  });
});
