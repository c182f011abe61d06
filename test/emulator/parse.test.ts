// Parse lifecycle (ragflow-api.md §5.6, §5.7, §6): UNSTART → RUNNING → DONE/FAIL, stop, controls.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, ProfileName } from './index.js';
import { startEmulator } from './index.js';
import { call, datasetId, v1Upload } from './test-helpers.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(profile: ProfileName, mode: 'auto' | 'manual', durationMs = 20): Promise<{ e: Emulator; ds: string }> {
  emu = await startEmulator({ profile, apiKey: 'k', kbs: ['kb'], parse: { mode, durationMs } });
  return { e: emu, ds: await datasetId(emu, 'kb') };
}

async function listed(e: Emulator, ds: string, id: string): Promise<Record<string, unknown>> {
  const r = await call(e, 'GET', `/api/v1/datasets/${ds}/documents?id=${id}`);
  return r.body.data.docs[0] as Record<string, unknown>;
}

describe('§6 parse lifecycle', () => {
  it('auto: RUNNING with progress 0 right after the call, then DONE with progress 1 and chunks', async () => {
    const { e, ds } = await start('v1-0.27', 'auto', 400);
    const [doc] = (await v1Upload(e, ds, [['a.txt', 'one\n\ntwo\n\nthree']])).body.data;
    expect((await call(e, 'POST', `/api/v1/datasets/${ds}/chunks`, { json: { document_ids: [doc.id] } })).body).toEqual({ code: 0 });
    expect(await listed(e, ds, doc.id)).toMatchObject({ run: 'RUNNING', progress: 0, chunk_count: 0 });
    await expect.poll(async () => (await listed(e, ds, doc.id))['run']).toBe('DONE');
    const done = await listed(e, ds, doc.id);
    expect(done).toMatchObject({ progress: 1, chunk_count: 3 });
    expect(String(done['progress_msg'])).toMatch(/Task done \(\d+\.\d+s\)$/u);
    const chunks = await call(e, 'GET', `/api/v1/datasets/${ds}/documents/${doc.id}/chunks`);
    expect(chunks.body.data.total).toBe(3);
    expect(chunks.body.data.chunks.map((c: { content: string }) => c.content)).toEqual(['one', 'two', 'three']);
  });

  it('manual: stays RUNNING until finishParse; failParse makes the next parse FAIL with progress -1', async () => {
    const { e, ds } = await start('v1-0.27', 'manual');
    const [a, b] = (await v1Upload(e, ds, [['a.txt', 'a'], ['bad.txt', 'b']])).body.data;
    e.failParse('bad.txt', 'simulated OCR crash');
    await call(e, 'POST', `/api/v1/datasets/${ds}/documents/parse`, { json: { document_ids: [a.id, b.id] } });
    await new Promise((r) => setTimeout(r, 30));
    expect(e.document(a.id)?.run).toBe('RUNNING');
    expect(e.maxConcurrentRunning('kb')).toBe(2);
    e.finishParse(a.id);
    e.finishParse(b.id);
    expect(e.document(a.id)).toMatchObject({ run: 'DONE', progress: 1 });
    expect(e.document(b.id)).toMatchObject({ run: 'FAIL', progress: -1 });
    expect(e.document(b.id)?.progressMsg).toContain('simulated OCR crash');
    expect(() => e.finishParse(a.id)).toThrow(/not RUNNING/u);
  });

  it('§5.6 v1-0.27: parsing a RUNNING doc is refused; stop sets CANCEL; stopping a finished one is 102 with error_code', async () => {
    const { e, ds } = await start('v1-0.27', 'manual');
    const [a] = (await v1Upload(e, ds, [['a.txt', 'a']])).body.data;
    const chunksPath = `/api/v1/datasets/${ds}/chunks`;
    await call(e, 'POST', chunksPath, { json: { document_ids: [a.id] } });
    expect((await call(e, 'POST', chunksPath, { json: { document_ids: [a.id] } })).body).toEqual({
      code: 102,
      message: "Can't parse document that is currently being processed",
    });
    expect((await call(e, 'DELETE', chunksPath, { json: { document_ids: [a.id] } })).body).toEqual({ code: 0 });
    expect(e.document(a.id)?.run).toBe('CANCEL');
    expect((await call(e, 'DELETE', chunksPath, { json: { document_ids: [a.id] } })).body).toEqual({
      code: 102,
      message: "Can't stop parsing document that has not started or already completed",
      data: { error_code: 'DOC_STOP_PARSING_INVALID_STATE' },
    });
  });

  it('§5.6 v1-0.24: stop is refused at progress 0; unknown ids are reported after queuing the valid ones', async () => {
    const { e, ds } = await start('v1-0.24', 'manual');
    const [a, b] = (await v1Upload(e, ds, [['a.txt', 'a'], ['b.txt', 'b']])).body.data;
    const chunksPath = `/api/v1/datasets/${ds}/chunks`;
    expect((await call(e, 'DELETE', chunksPath, { json: { document_ids: [a.id] } })).body).toEqual({
      code: 102,
      message: "Can't stop parsing document with progress at 0 or 1",
    });
    const r = await call(e, 'POST', chunksPath, { json: { document_ids: [a.id, 'nope', b.id] } });
    expect(r.body).toEqual({ code: 102, message: "Documents not found: ['nope']" });
    expect([e.document(a.id)?.run, e.document(b.id)?.run]).toEqual(['RUNNING', 'RUNNING']);
    expect((await call(e, 'POST', chunksPath, { json: {} })).body).toEqual({ code: 102, message: '`document_ids` is required' });
  });

  it('seeded documents keep the given state; setParse switches modes at run time', async () => {
    const { e, ds } = await start('v1-0.24', 'manual');
    const seeded = e.seedDocument('kb', { name: 'old.md', content: 'x\n\ny', run: 'DONE', metaFields: { team: 'a' } });
    expect(seeded).toMatchObject({ seeded: true, run: 'DONE', chunkCount: 2, size: 4 });
    expect((await seeded.content()).toString()).toBe('x\n\ny');
    expect(await listed(e, ds, seeded.id)).toMatchObject({ run: 'DONE', meta_fields: { team: 'a' }, name: 'old.md' });
    e.setParse({ mode: 'auto', durationMs: 10 });
    await call(e, 'POST', `/api/v1/datasets/${ds}/chunks`, { json: { document_ids: [seeded.id] } });
    await expect.poll(() => e.document(seeded.id)?.run).toBe('DONE');
  });
});
