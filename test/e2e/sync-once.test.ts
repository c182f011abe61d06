// `ragflow-sync --sync` end to end: the built CLI, a real temp folder, the emulator over real HTTP.
import { readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileName } from '../emulator/index.js';
import { expectedMirror, mirrorOf, makeSandbox, runCli, uploads, writeTree, writes, type Sandbox } from './harness.js';

const PROFILES: ProfileName[] = ['legacy-0.19', 'v1-0.27'];

const TREE: Record<string, string | Buffer> = {
  'README.md': '# Handbook\n',
  'guides/install.md': 'install steps\n',
  'guides/deep/nested/config.md': 'nested config\n',
  'policies/README.md': 'same basename, other folder\n',
  'Ünïcode and spaces/naïve café.txt': 'unicode content ✓\n',
  'empty.txt': '',
  'drafts/wip.md': 'excluded by the folder config\n',
  '.git/config': 'dotfolder\n',
  '.hidden.md': 'dotfile\n',
  '~$report.docx': 'office lock\n',
  'notes.md.swp': 'vim swap\n',
  'download.pdf.part': 'partial\n',
  'backup.md~': 'editor backup\n',
};
const excluded = (rel: string) =>
  rel.startsWith('drafts/') || rel.split('/').some((s) => s.startsWith('.')) || /(^|\/)~\$|\.swp$|\.part$|~$/.test(rel);

for (const profile of PROFILES) {
  describe(`--sync against ${profile}`, () => {
    let box: Sandbox;
    beforeEach(async () => {
      box = await makeSandbox({ profile, folder: { exclude: ['drafts/**'] } });
      await writeTree(box.docs, TREE);
    });
    afterEach(async () => box.cleanup());

    const sync = (...extra: string[]) => runCli(['--config', box.configFile, '--sync', ...extra]);
    const syncOk = async (...extra: string[]) => {
      const result = await sync(...extra);
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      return result;
    };
    const mirrorHolds = async () => expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs, (rel) => !excluded(rel)));

    it('mirrors a tree (nested, same basename twice, Unicode, 0 bytes), leaving excluded and temp files out', async () => {
      const result = await sync();
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      await mirrorHolds();
      const names = box.emulator.documents('handbook').map((d) => d.name);
      expect(names).toContain('guides/deep/nested/config.md');
      expect(names).toContain('policies/README.md');
      expect(names).toContain('Ünïcode and spaces/naïve café.txt');
      expect(names).toContain('empty.txt');
      if (profile === 'legacy-0.19') {
        expect(uploads(box.emulator).every((u) => u.fields['parser_id'] === 'naive' && u.fields['run'] === '1')).toBe(true);
      } else {
        const parse = box.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chunks'));
        expect(parse).toHaveLength(1); // one batched parse request for the whole run
        expect(parse.flatMap((r) => r.fields['document_ids'] as string[]).sort()).toEqual(box.emulator.documents('handbook').map((d) => d.id).sort());
      }
    });

    it('a second --sync sends no write request, and a touched-but-unchanged file uploads nothing', async () => {
      await syncOk();
      box.emulator.clearRequests();
      await syncOk();
      expect(writes(box.emulator)).toEqual([]);
      const file = path.join(box.docs, 'guides/install.md');
      const later = new Date(Date.now() + 60_000);
      await utimes(file, later, later);
      await syncOk();
      expect(writes(box.emulator)).toEqual([]);
      await mirrorHolds();
    });

    it('mirrors modify, delete, rename and add exactly', async () => {
      await syncOk();
      await writeFile(path.join(box.docs, 'guides/install.md'), 'install steps, revised\n');
      await rm(path.join(box.docs, 'README.md'));
      await rename(path.join(box.docs, 'policies/README.md'), path.join(box.docs, 'policies/index.md'));
      await writeTree(box.docs, { 'new/added.md': 'brand new\n' });
      box.emulator.clearRequests();
      const result = await sync();
      expect(result.code).toBe(0);
      await mirrorHolds();
      const stored = box.emulator.documents('handbook').find((d) => d.name === 'guides/install.md');
      expect((await stored?.content())?.toString()).toBe('install steps, revised\n');
      // The modified and added files, and on legacy the renamed one (v1 renames it in place: docs/smart-sync.md).
      expect(uploads(box.emulator)).toHaveLength(profile === 'v1-0.27' ? 2 : 3);
    });

    it('--dry-run prints the plan and writes nothing: no server write, state file byte-identical', async () => {
      await syncOk();
      const before = await readFile(box.stateFile);
      await writeFile(path.join(box.docs, 'guides/install.md'), 'changed\n');
      await rm(path.join(box.docs, 'empty.txt'));
      await writeTree(box.docs, { 'fresh.md': 'fresh\n' });
      box.emulator.clearRequests();
      const result = await sync('--dry-run');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('+ fresh.md');
      expect(result.stdout).toContain('~ guides/install.md');
      expect(result.stdout).toContain('- empty.txt');
      expect(writes(box.emulator)).toEqual([]);
      expect(await readFile(box.stateFile)).toEqual(before);
    });

    it('leaves foreign documents alone, even under a name the tool uses', async () => {
      box.emulator.seedDocument('handbook', { name: 'README.md', content: 'uploaded by a person in the UI' });
      box.emulator.seedDocument('handbook', { name: 'other.pdf', content: 'someone else' });
      await syncOk();
      await rm(path.join(box.docs, 'README.md'));
      await syncOk();
      const seeded = box.emulator.documents('handbook').filter((d) => d.seeded);
      expect(seeded.map((d) => d.name).sort()).toEqual(['README.md', 'other.pdf']);
      await mirrorHolds();
    });

    it('uploads again a document of ours deleted on the server (the folder is the source of truth)', async () => {
      await syncOk();
      const gone = box.emulator.documents('handbook').find((d) => d.name === 'empty.txt');
      expect(gone).toBeDefined();
      await deleteOnServer(box, gone!.id);
      await syncOk();
      await mirrorHolds();
    });
  });
}

/** Deletes a document the way a person in the UI would: straight in the emulator, by id. */
async function deleteOnServer(box: Sandbox, id: string): Promise<void> {
  const doc = box.emulator.document(id);
  if (!doc) throw new Error('no such document');
  const isLegacy = box.emulator.profile.startsWith('legacy');
  const url = isLegacy ? `${box.emulator.url}/v1/api/document` : `${box.emulator.url}/api/v1/datasets/${doc.kbId}/documents`;
  const body = isLegacy ? { doc_ids: [id] } : { ids: [id] };
  const res = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${box.emulator.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  expect(box.emulator.document(id)).toBeUndefined();
}
