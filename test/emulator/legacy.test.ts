// The legacy /v1/api endpoints over real HTTP (ragflow-api.md §3, §2.4).
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from './index.js';
import { startEmulator } from './index.js';
import { call, filesForm } from './test-helpers.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(profile: 'legacy-0.19' | 'legacy-0.21', kbs = ['kb1', 'kb2']): Promise<Emulator> {
  emu = await startEmulator({ profile, apiKey: 'ragflow-key', kbs, parse: { durationMs: 20 } });
  return emu;
}

function legacyUpload(e: Emulator, kb: string, name: string, content: string, fields: Record<string, string> = {}) {
  return call(e, 'POST', '/v1/api/document/upload', { form: filesForm([[name, content]], { kb_name: kb, ...fields }) });
}

describe('§3.1 legacy upload', () => {
  it('answers the raw row (code/message/data) with run "0" even when run=1 starts parsing', async () => {
    const e = await start('legacy-0.19');
    const r = await legacyUpload(e, 'kb1', 'a.txt', 'hello', { run: '1', parser_id: 'naive' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ code: 0, message: 'success', data: { name: 'a.txt', run: '0', kb_id: expect.any(String), size: 5 } });
    expect(r.body.data).toHaveProperty('process_duation');
    expect(r.body.data).not.toHaveProperty('suffix');
    await expect.poll(() => e.documents('kb1')[0]?.run).toBe('DONE');
  });

  it('0.21 rows have suffix and process_duration', async () => {
    const e = await start('legacy-0.21');
    const r = await legacyUpload(e, 'kb1', 'a.md', '# t');
    expect(r.body.data).toMatchObject({ suffix: 'md', process_duration: 0 });
  });

  it('accepts types v1 rejects ("other") and ignores an unknown parser_id', async () => {
    const e = await start('legacy-0.19');
    const r = await legacyUpload(e, 'kb1', 'tool.exe', 'MZ', { parser_id: 'knowledge_graph' });
    expect(r.body.data).toMatchObject({ type: 'other', parser_id: 'naive' });
  });

  it('checks kb_name before the key, then the key (109 with the stray quote), then the KB', async () => {
    const e = await start('legacy-0.19');
    const noKb = await call(e, 'POST', '/v1/api/document/upload', { form: filesForm([['a.txt', 'x']]), auth: 'Bearer wrong' });
    expect(noKb.body).toEqual({ code: 101, message: 'required argument are missing: kb_name; ', data: null });
    const bad = await call(e, 'POST', '/v1/api/document/upload', { form: filesForm([['a.txt', 'x']], { kb_name: 'kb1' }), auth: 'Bearer wrong' });
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({ code: 109, message: 'Authentication error: API key is invalid!"', data: false });
    const missing = await legacyUpload(e, 'nope', 'a.txt', 'x');
    expect(missing.body).toEqual({ code: 102, message: "Can't find this knowledgebase!" });
  });

  it('§2.4 a missing Authorization header is an AttributeError (code 100)', async () => {
    const e = await start('legacy-0.19');
    const r = await call(e, 'POST', '/v1/api/list_kb_docs', { json: { kb_name: 'kb1' }, auth: null });
    expect(r.body).toEqual({ code: 100, message: `AttributeError("'NoneType' object has no attribute 'split'")`, data: null });
  });

  it('§4.1 regex duplicate names keep the directory on 0.19, PurePath drops it on 0.21', async () => {
    const e19 = await start('legacy-0.19');
    await legacyUpload(e19, 'kb1', 'dir/a.txt', '1');
    const second = await legacyUpload(e19, 'kb1', 'dir/a.txt', '2');
    expect(second.body.data.name).toBe('dir/a(1).txt');
    await e19.close();
    const e21 = await start('legacy-0.21');
    await legacyUpload(e21, 'kb1', 'dir/a.txt', '1');
    const again = await legacyUpload(e21, 'kb1', 'dir/a.txt', '2');
    expect(again.body.data.name).toBe('a(1).txt');
  });
});

describe('§3.2 list_kb_docs', () => {
  it('0.19: pages over doc_id/doc_name only, total counts every match', async () => {
    const e = await start('legacy-0.19');
    for (const n of ['a.txt', 'b.txt', 'c.txt']) await legacyUpload(e, 'kb1', n, n);
    const r = await call(e, 'POST', '/v1/api/list_kb_docs', { json: { kb_name: 'kb1', page: 1, page_size: 2, orderby: 'name', desc: false } });
    expect(r.body).toEqual({
      code: 0,
      message: 'success',
      data: { total: 3, docs: [expect.objectContaining({ doc_name: 'a.txt' }), expect.objectContaining({ doc_name: 'b.txt' })] },
    });
    expect(Object.keys(r.body.data.docs[0]).sort()).toEqual(['doc_id', 'doc_name']);
  });

  it('0.21: every call fails with the TypeError of 0.20–0.22', async () => {
    const e = await start('legacy-0.21');
    const r = await call(e, 'POST', '/v1/api/list_kb_docs', { json: { kb_name: 'kb1' } });
    expect(r.body.code).toBe(100);
    expect(r.body.message).toContain("missing 1 required positional argument: 'suffix'");
  });

  it('unknown KB → 102', async () => {
    const e = await start('legacy-0.19');
    const r = await call(e, 'POST', '/v1/api/list_kb_docs', { json: { kb_name: 'zzz' } });
    expect(r.body).toEqual({ code: 102, message: "Can't find this knowledgebase!" });
  });
});

describe('§3.3 legacy delete', () => {
  it('by name deletes same-named documents in EVERY knowledge base (≥0.19)', async () => {
    const e = await start('legacy-0.19');
    await legacyUpload(e, 'kb1', 'same.txt', 'one');
    await legacyUpload(e, 'kb2', 'same.txt', 'two');
    await legacyUpload(e, 'kb2', 'keep.txt', 'three');
    const r = await call(e, 'DELETE', '/v1/api/document', { json: { doc_names: ['same.txt'] } });
    expect(r.body).toEqual({ code: 0, message: 'success', data: true });
    expect(e.documents('kb1')).toHaveLength(0);
    expect(e.documents('kb2').map((d) => d.name)).toEqual(['keep.txt']);
  });

  it('by id; nothing resolved is code 0 with data false; a missing id stops with 102', async () => {
    const e = await start('legacy-0.21');
    const a = (await legacyUpload(e, 'kb1', 'a.txt', 'a')).body.data.id as string;
    const none = await call(e, 'DELETE', '/v1/api/document', { json: { doc_names: ['nothing.txt'] } });
    expect(none.body).toEqual({ code: 0, message: "Can't find doc_names or doc_ids", data: false });
    const r = await call(e, 'DELETE', '/v1/api/document', { json: { doc_ids: [a, 'f'.repeat(32)] } });
    expect(r.body).toEqual({ code: 102, message: 'Document not found!' });
    expect(e.documents('kb1')).toHaveLength(0);
  });
});

describe('§3.4–§3.6 chunks, infos, content', () => {
  it('document/infos shows parse state; list_chunks returns the chunks once DONE', async () => {
    const e = await start('legacy-0.19');
    const up = await legacyUpload(e, 'kb1', 'c.txt', 'first para\n\nsecond para', { run: '1' });
    const id = up.body.data.id as string;
    await expect.poll(() => e.document(id)?.run).toBe('DONE');
    const infos = await call(e, 'POST', '/v1/api/document/infos', { json: { doc_ids: [id] } });
    expect(infos.body.data[0]).toMatchObject({ id, run: '3', progress: 1, chunk_num: 2 });
    const chunks = await call(e, 'POST', '/v1/api/list_chunks', { json: { doc_id: id } });
    expect(chunks.body.data).toEqual([
      { content: 'first para', doc_name: 'c.txt', image_id: '' },
      { content: 'second para', doc_name: 'c.txt', image_id: '' },
    ]);
    const missing = await call(e, 'POST', '/v1/api/document/infos', { json: {} });
    expect(missing.body).toEqual({ code: 101, message: 'required argument are missing: doc_ids; ', data: null });
  });

  it('GET /v1/document/get/<id> needs no key and returns the bytes', async () => {
    const e = await start('legacy-0.19');
    const id = (await legacyUpload(e, 'kb1', 'b.txt', 'bytes!')).body.data.id as string;
    const r = await call(e, 'GET', `/v1/document/get/${id}`, { auth: null });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/txt');
    expect(r.raw.toString()).toBe('bytes!');
  });

  it('§2.3 unknown path and wrong method are HTTP 200 code-100 envelopes (Flask)', async () => {
    const e = await start('legacy-0.19');
    expect((await call(e, 'GET', '/v1/api/nope')).body).toEqual({ code: 100, message: "<NotFound '404: Not Found'>", data: null });
    expect((await call(e, 'GET', '/v1/api/list_kb_docs')).body).toEqual({
      code: 100,
      message: "<MethodNotAllowed '405: Method Not Allowed'>",
      data: null,
    });
  });
});
