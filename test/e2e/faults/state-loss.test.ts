// The state file deleted, truncated, or lost in the middle of its rebuild: the next run rebuilds it from
// the server (adopting our documents after checking their bytes) and uploads nothing twice. Where the
// server cannot list (legacy 0.20–0.22) a corrupt state stops the run with exit 65 instead.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileName } from '../../emulator/index.js';
import { makeSandbox, startCliProcess, until, uploads, writeTree, writes, type DaemonProcess, type Sandbox } from '../harness.js';
import { expectConverged, logLines, seedForeign, sync, syncOk, type ForeignDoc } from './fault-kit.js';

const TREE = { 'README.md': '# ours\n', 'a.md': 'alpha\n', 'sub/b.md': 'bravo\n', 'sub/deep/c.txt': 'charlie\n', 'empty.txt': '' };

for (const profile of ['legacy-0.19', 'v1-0.27'] as ProfileName[]) {
  describe(`state loss against ${profile}`, () => {
    let box: Sandbox;
    let foreign: ForeignDoc[];
    beforeEach(async () => {
      box = await makeSandbox({ profile });
      foreign = seedForeign(box);
      await writeTree(box.docs, TREE);
      await syncOk(box);
      box.emulator.clearRequests();
    });
    afterEach(async () => box.cleanup());

    it('a deleted state file is rebuilt from the server: our documents are adopted by name and content, none uploaded again', async () => {
      await rm(box.stateFile);
      await writeTree(box.docs, { 'added while the state was gone.md': 'new\n' });
      const result = await syncOk(box);
      expect(uploads(box.emulator).map((u) => u.fileNames[0])).toEqual(['added while the state was gone.md']);
      expect(result.stdout).toContain('adopted a document from an interrupted upload');
      await expectConverged(box, foreign);
      box.emulator.clearRequests();
      await syncOk(box);
      expect(writes(box.emulator)).toEqual([]);
    });

    it('a truncated state file is moved aside with an error-level line, and rebuilt from the server', async () => {
      const text = await readFile(box.stateFile, 'utf8');
      await writeFile(box.stateFile, text.slice(0, Math.floor(text.length / 2)));
      const result = await syncOk(box);
      const names = await readdir(box.dir);
      const aside = names.filter((n) => n.startsWith('state.json.corrupt-'));
      expect(aside).toHaveLength(1);
      expect(await readFile(`${box.dir}/${aside[0]}`, 'utf8')).toBe(text.slice(0, Math.floor(text.length / 2)));
      const line = logLines(result.stdout).find((l) => typeof l['msg'] === 'string' && l['msg'].includes('state file was corrupt'));
      expect(line).toMatchObject({ level: 50 });
      expect(String(line?.['movedTo'])).toContain('state.json.corrupt-');
      expect(uploads(box.emulator)).toEqual([]);
      await expectConverged(box, foreign);
    });
  });
}

describe('state loss: a kill during the rebuild (v1-0.27)', () => {
  let box: Sandbox;
  let running: DaemonProcess | undefined;
  afterEach(async () => {
    if (running && running.child.exitCode === null) await running.stop('SIGKILL');
    await box.cleanup();
  });

  it('the next run goes on adopting instead of uploading what the killed run had not reached yet', async () => {
    box = await makeSandbox({ profile: 'v1-0.27', config: { rateLimit: { requestsPerSecond: 40, concurrency: 2 } } });
    const foreign = seedForeign(box);
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i += 1) files[`f${i}.md`] = `file ${i}\n`;
    await writeTree(box.docs, files);
    await syncOk(box);
    await rm(box.stateFile);
    box.emulator.clearRequests();
    // Each adoption downloads the document to compare its bytes; kill once the state holds some of them.
    running = startCliProcess(['--config', box.configFile, '--sync']);
    const adoptedOnDisk = async () => {
      const text = await readFile(box.stateFile, 'utf8').catch(() => '{"folders":{}}');
      const state = JSON.parse(text) as { folders: Record<string, { files: Record<string, unknown> }> };
      return Object.values(state.folders).reduce((n, f) => n + Object.keys(f.files).length, 0);
    };
    await until(async () => (await adoptedOnDisk()) > 0, 'the state file holds a first adopted document', 20_000, 20);
    await running.stop('SIGKILL');
    expect(await adoptedOnDisk()).toBeLessThan(60);
    await syncOk(box);
    expect(uploads(box.emulator)).toEqual([]);
    await expectConverged(box, foreign);
  });
});

describe('a corrupt state where the server cannot list (legacy-0.21)', () => {
  let box: Sandbox;
  afterEach(async () => box.cleanup());

  it('exits 65 with what to do, uploads nothing, and keeps refusing until the state file is deleted on purpose', async () => {
    box = await makeSandbox({ profile: 'legacy-0.21' });
    await writeTree(box.docs, TREE);
    await syncOk(box);
    box.emulator.clearRequests();
    await writeFile(box.stateFile, '{"version":1,"ownerId":"');

    const refused = await sync(box);
    expect(refused.code).toBe(65);
    expect(refused.stderr).toContain('cannot list the documents');
    expect(refused.stderr).toMatch(/delete/i);
    expect(uploads(box.emulator).filter((u) => u.fileNames.length > 0)).toEqual([]);
    const again = await sync(box); // the fresh state written meanwhile must not pass for a good one
    expect(again.code).toBe(65);
    expect(uploads(box.emulator).filter((u) => u.fileNames.length > 0)).toEqual([]);

    // What the message asks for: remove the tool's documents, then the state file; the next run starts over.
    for (const doc of box.emulator.documents('handbook')) await deleteLegacy(box, doc.id);
    await rm(box.stateFile);
    await syncOk(box);
    await expectConverged(box, []);
  });
});

async function deleteLegacy(box: Sandbox, id: string): Promise<void> {
  const res = await fetch(`${box.emulator.url}/v1/api/document`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${box.emulator.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ doc_ids: [id] }),
  });
  expect(res.status).toBe(200);
}
