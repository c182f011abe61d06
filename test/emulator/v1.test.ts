// The v1 /api/v1 endpoints per profile over real HTTP (ragflow-api.md §2, §4, §5).
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, ProfileName } from './index.js';
import { startEmulator } from './index.js';
import { call, datasetId, v1Upload } from './test-helpers.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(profile: ProfileName, extra: { datasetAdmin?: boolean } = {}): Promise<{ e: Emulator; ds: string }> {
  emu = await startEmulator({ profile, apiKey: 'ragflow-key', kbs: ['kb1', 'kb2'], parse: { durationMs: 20 }, ...extra });
  return { e: emu, ds: await datasetId(emu, 'kb1') };
}

describe('§2.4 auth', () => {
  it.each(['legacy-0.19', 'legacy-0.21', 'v1-0.24'] as const)('%s: token_required answers HTTP 200 (109, or code 0 without a header)', async (p) => {
    const { e } = await start(p);
    const bad = await call(e, 'GET', '/api/v1/datasets', { auth: 'Bearer nope' });
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({ code: 109, message: 'Authentication error: API key is invalid!', data: false });
    const none = await call(e, 'GET', '/api/v1/datasets', { auth: null });
    expect(none.body).toEqual({ code: 0, message: "`Authorization` can't be empty", data: false });
    const oneWord = await call(e, 'GET', '/api/v1/datasets', { auth: 'ragflow-key' });
    expect(oneWord.body).toEqual({ code: 0, message: 'Please check your authorization format.', data: false });
  });

  it('v1-0.27: login_required answers HTTP 401; "bearer" in any case or a raw key is accepted', async () => {
    const { e } = await start('v1-0.27');
    const bad = await call(e, 'GET', '/api/v1/datasets', { auth: 'Bearer nope' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ code: 401, message: "<Unauthorized '401: Unauthorized'>", data: null });
    expect((await call(e, 'GET', '/api/v1/datasets', { auth: null })).status).toBe(401);
    expect((await call(e, 'GET', '/api/v1/datasets', { auth: 'BEARER ragflow-key' })).body.code).toBe(0);
    expect((await call(e, 'GET', '/api/v1/datasets', { auth: 'ragflow-key' })).body.code).toBe(0);
  });
});

describe('§2.3 unknown routes', () => {
  it('v1-0.24 / v1-0.27: HTTP 404 with the code-404 body; wrong method is HTTP 200 code 100', async () => {
    for (const p of ['v1-0.24', 'v1-0.27'] as const) {
      const { e } = await start(p);
      const r = await call(e, 'POST', '/v1/api/list_kb_docs', { json: { kb_name: 'kb1' } });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ code: 404, message: 'Not Found: /v1/api/list_kb_docs', data: null, error: 'Not Found' });
      const wrong = await call(e, 'PATCH', '/api/v1/datasets');
      expect(wrong.status).toBe(200);
      expect(wrong.body.message).toBe("<MethodNotAllowed '405: Method Not Allowed'>");
      await e.close();
    }
  });
});

describe('§5.1 list datasets', () => {
  it('name not found: 108 on 0.19–0.24, 102 on 0.27; total_datasets from 0.21', async () => {
    const expected: Array<[ProfileName, number, boolean]> = [
      ['legacy-0.19', 108, false],
      ['legacy-0.21', 108, true],
      ['v1-0.24', 108, true],
      ['v1-0.27', 102, true],
    ];
    for (const [p, code, total] of expected) {
      const { e } = await start(p);
      const miss = await call(e, 'GET', '/api/v1/datasets?name=zzz');
      expect(miss.body.code).toBe(code);
      expect(miss.body.message).toMatch(/^User '[0-9a-f]{32}' lacks permission for dataset 'zzz'$/u);
      const all = await call(e, 'GET', '/api/v1/datasets?page_size=1&orderby=create_time&desc=false');
      expect(all.body.data.map((d: { name: string }) => d.name)).toEqual(['kb1']);
      expect('total_datasets' in all.body).toBe(total);
      if (total) expect(all.body.total_datasets).toBe(2);
      const extra = await call(e, 'GET', '/api/v1/datasets?bogus=1');
      expect(extra.body.code).toBe(101);
      expect(extra.body.message).toContain('Extra inputs are not permitted');
      await e.close();
    }
  });
});

describe('§5.2 upload', () => {
  it('answers the inserted dicts in part order, renames duplicates (PurePath), never parses', async () => {
    const { e, ds } = await start('v1-0.27');
    const r = await v1Upload(e, ds, [
      ['dup.txt', 'one'],
      ['dup.txt', 'two'],
    ]);
    expect(r.body.code).toBe(0);
    expect(r.body.data.map((d: { name: string; run: string }) => [d.name, d.run])).toEqual([
      ['dup.txt', 'UNSTART'],
      ['dup(1).txt', 'UNSTART'],
    ]);
    expect(r.body.data[0]).not.toHaveProperty('create_time');
    expect(r.body.data[0].content_hash).toBe(e.documents('kb1')[0]?.xxh128);
    expect(e.documents('kb1').every((d) => d.run === 'UNSTART')).toBe(true);
  });

  it('v1-0.24 has no content_hash; a missing dataset is a LookupError (code 100)', async () => {
    const { e, ds } = await start('v1-0.24');
    const r = await v1Upload(e, ds, [['a.md', '# a']]);
    expect(r.body.data[0]).not.toHaveProperty('content_hash');
    const missing = await v1Upload(e, 'f'.repeat(32), [['a.md', 'x']]);
    expect(missing.body).toEqual({ code: 100, message: `LookupError("Can't find the dataset with ID ${'f'.repeat(32)}!")`, data: null });
  });

  it('§4.4 rejects type "other" with 500; 0.27 keeps the good files in data, 0.24 drops data', async () => {
    const { e, ds } = await start('v1-0.27');
    const r = await v1Upload(e, ds, [
      ['ok.txt', 'fine'],
      ['tool.exe', 'MZ'],
    ]);
    expect(r.body).toMatchObject({ code: 500, message: 'tool.exe: This type of file has not been supported yet!' });
    expect(r.body.data.map((d: { name: string }) => d.name)).toEqual(['ok.txt']);
    await e.close();
    const old = await start('v1-0.24');
    const r24 = await v1Upload(old.e, old.ds, [
      ['ok.txt', 'fine'],
      ['tool.exe', 'MZ'],
    ]);
    expect(r24.body).toEqual({ code: 500, message: 'tool.exe: This type of file has not been supported yet!' });
    expect(old.e.documents('kb1').map((d) => d.name)).toEqual(['ok.txt']);
  });

  it('§4.3 name length: 255 bytes from 0.19.1, under 128 on 0.19.0', async () => {
    const { e, ds } = await start('v1-0.27');
    const long = `${'é'.repeat(127)}.t`; // 256 bytes
    expect((await v1Upload(e, ds, [[long, 'x']])).body).toEqual({ code: 101, message: 'File name must be 255 bytes or less.' });
    await e.close();
    const old = await start('legacy-0.19');
    expect((await v1Upload(old.e, old.ds, [[`${'a'.repeat(124)}.txt`, 'x']])).body).toEqual({
      code: 101,
      message: 'File name should be less than 128 bytes.',
    });
  });

  it('§4.2 keeps "/" in names and stores the exact bytes', async () => {
    const { e, ds } = await start('v1-0.24');
    const bytes = Buffer.from([0, 1, 2, 255, 10]);
    const r = await v1Upload(e, ds, [['sub/dir/bin.txt', bytes]]);
    expect(r.body.data[0].name).toBe('sub/dir/bin.txt');
    const dl = await call(e, 'GET', `/api/v1/datasets/${ds}/documents/${r.body.data[0].id}`);
    expect(dl.raw.equals(bytes)).toBe(true);
  });
});

describe('§5.4 list documents', () => {
  it('pages with total; name= not found is an error, not an empty list', async () => {
    const { e, ds } = await start('v1-0.24');
    for (const n of ['a.txt', 'b.txt', 'c.txt']) await v1Upload(e, ds, [[n, n]]);
    const p1 = await call(e, 'GET', `/api/v1/datasets/${ds}/documents?page=1&page_size=2&orderby=name&desc=false`);
    expect(p1.body.code).toBe(0);
    expect(p1.body).not.toHaveProperty('message');
    expect(p1.body.data.total).toBe(3);
    expect(p1.body.data.docs.map((d: { name: string }) => d.name)).toEqual(['a.txt', 'b.txt']);
    const miss = await call(e, 'GET', `/api/v1/datasets/${ds}/documents?name=zzz.txt`);
    expect(miss.body).toEqual({ code: 102, message: "You don't own the document zzz.txt." });
  });

  it('v1-0.27: get_json_result envelope, page_size > 100 is a ValueError, orderby is limited', async () => {
    const { e, ds } = await start('v1-0.27');
    const ok = await call(e, 'GET', `/api/v1/datasets/${ds}/documents`);
    expect(ok.body).toEqual({ code: 0, message: 'success', data: { total: 0, docs: [] } });
    const big = await call(e, 'GET', `/api/v1/datasets/${ds}/documents?page_size=101`);
    expect(big.body).toEqual({ code: 100, message: "ValueError('page_size must be less than or equal to 100')", data: null });
    const bad = await call(e, 'GET', `/api/v1/datasets/${ds}/documents?orderby=size`);
    expect(bad.body).toEqual({ code: 101, message: 'invalid orderby field: size' });
  });
});

describe('§5.3 update', () => {
  it('v1-0.24: PUT renames (same extension only, exact-duplicate check), PATCH is 405', async () => {
    const { e, ds } = await start('v1-0.24');
    const [a, b] = (await v1Upload(e, ds, [['a.txt', 'a'], ['b.txt', 'b']])).body.data;
    const path = `/api/v1/datasets/${ds}/documents/${a.id}`;
    expect((await call(e, 'PUT', path, { json: { name: 'a.md' } })).body).toEqual({ code: 101, message: "The extension of file can't be changed" });
    expect((await call(e, 'PUT', path, { json: { name: b.name } })).body).toEqual({ code: 102, message: 'Duplicated document name in the same dataset.' });
    const ok = await call(e, 'PUT', path, { json: { name: 'renamed.txt', enabled: 0, meta_fields: { k: 'v' } } });
    // 0.24 computes meta_fields only in the list (it is no longer a column), so the update answer lacks it.
    expect(ok.body.data).toMatchObject({ name: 'renamed.txt', status: '0', run: 'UNSTART' });
    expect(ok.body.data).not.toHaveProperty('meta_fields');
    const listed = await call(e, 'GET', `/api/v1/datasets/${ds}/documents?id=${a.id}`);
    expect(listed.body.data.docs[0].meta_fields).toEqual({ k: 'v' });
    expect(e.document(a.id)).toMatchObject({ name: 'renamed.txt', enabled: false, metaFields: { k: 'v' } });
    expect((await call(e, 'PATCH', path, { json: { name: 'x.txt' } })).body.message).toBe("<MethodNotAllowed '405: Method Not Allowed'>");
  });

  it('v1-0.27: PATCH and PUT both work; pydantic errors are 102 Field/Message/Value lines', async () => {
    const { e, ds } = await start('v1-0.27');
    const [a] = (await v1Upload(e, ds, [['a.txt', 'a']])).body.data;
    const path = `/api/v1/datasets/${ds}/documents/${a.id}`;
    expect((await call(e, 'PATCH', path, { json: { name: 'p.txt' } })).body.data.name).toBe('p.txt');
    expect((await call(e, 'PUT', path, { json: { name: 'q.txt' } })).body.data.name).toBe('q.txt');
    expect((await call(e, 'PATCH', path, { json: { name: 0 } })).body).toEqual({
      code: 102,
      message: 'Field: <name> - Message: <Input should be a valid string> - Value: <0>',
    });
  });

  it('a rename moves the name: the old one is free for uploads, the new one taken (collation-insensitive)', async () => {
    const { e, ds } = await start('v1-0.27');
    const [a] = (await v1Upload(e, ds, [['old.txt', 'a']])).body.data;
    await call(e, 'PATCH', `/api/v1/datasets/${ds}/documents/${a.id}`, { json: { name: 'New.txt' } });
    const r = await v1Upload(e, ds, [['old.txt', 'b'], ['NEW.txt', 'c'], ['new.txt', 'd']]);
    expect(r.body.data.map((d: { name: string }) => d.name)).toEqual(['old.txt', 'NEW(1).txt', 'new(2).txt']);
    const byName = await call(e, 'GET', `/api/v1/datasets/${ds}/documents?name=new.txt`);
    expect(byName.body.data.docs.map((d: { name: string }) => d.name)).toEqual(['New.txt']);
    const gone = await call(e, 'GET', `/api/v1/datasets/${ds}/documents?name=zzz.txt`);
    expect(gone.body.code).toBe(102);
  });

  it('a deleted document frees its name and storage key; id filters see only documents of that dataset', async () => {
    const { e, ds } = await start('v1-0.27');
    const other = await datasetId(e, 'kb2');
    const [a, b] = (await v1Upload(e, ds, [['x.txt', 'a'], ['x.txt', 'b']])).body.data;
    const [c] = (await v1Upload(e, other, [['x.txt', 'c']])).body.data;
    expect(e.documents('kb2')[0]?.name).toBe('x.txt'); // another dataset's names do not count
    expect(await call(e, 'DELETE', `/api/v1/datasets/${ds}/documents`, { json: { ids: [a.id] } })).toMatchObject({ body: { code: 0 } });
    const [d] = (await v1Upload(e, ds, [['x.txt', 'd']])).body.data;
    expect([b.name, d.name, d.location]).toEqual(['x(1).txt', 'x.txt', 'x.txt']);
    const ids = await call(e, 'GET', `/api/v1/datasets/${ds}/documents?ids=${c.id}&ids=${d.id}&ids=${b.id}&ids=${d.id}&orderby=create_time&desc=false`);
    expect(ids.body.data).toMatchObject({ total: 2 });
    expect(ids.body.data.docs.map((doc: { id: string }) => doc.id)).toEqual([b.id, d.id]);
    expect((await call(e, 'GET', `/api/v1/datasets/${ds}/documents?id=${c.id}`)).body.code).toBe(102);
    expect((await call(e, 'GET', `/api/v1/datasets/${ds}/documents?id=${d.id}`)).body.data.docs).toHaveLength(1);
  });
});

describe('§5.5 delete documents', () => {
  it('v1-0.24: an empty body, null or [] ids DELETE EVERY DOCUMENT of the dataset', async () => {
    for (const body of [undefined, { ids: null }, { ids: [] }]) {
      const { e, ds } = await start('v1-0.24');
      await v1Upload(e, ds, [['a.txt', 'a'], ['b.txt', 'b']]);
      const r = body === undefined ? await call(e, 'DELETE', `/api/v1/datasets/${ds}/documents`) : await call(e, 'DELETE', `/api/v1/datasets/${ds}/documents`, { json: body });
      expect(r.body).toEqual({ code: 0 });
      expect(e.documents('kb1')).toEqual([]);
      await e.close();
    }
  });

  it('v1-0.24: unknown ids are reported but the valid ones are deleted, even from another dataset', async () => {
    const { e, ds } = await start('v1-0.24');
    const other = await datasetId(e, 'kb2');
    const [a] = (await v1Upload(e, ds, [['a.txt', 'a']])).body.data;
    const [x] = (await v1Upload(e, other, [['x.txt', 'x']])).body.data;
    const r = await call(e, 'DELETE', `/api/v1/datasets/${ds}/documents`, { json: { ids: [a.id, 'nope', x.id] } });
    expect(r.body).toEqual({ code: 102, message: "Documents not found: ['nope']" });
    expect(e.documents('kb1')).toEqual([]);
    expect(e.documents('kb2')).toEqual([]);
  });

  it('v1-0.27: ids or delete_all required; any foreign id fails the whole call, nothing deleted', async () => {
    const { e, ds } = await start('v1-0.27');
    const [a, b] = (await v1Upload(e, ds, [['a.txt', 'a'], ['b.txt', 'b']])).body.data;
    const base = `/api/v1/datasets/${ds}/documents`;
    expect((await call(e, 'DELETE', base, { json: {} })).body).toEqual({
      code: 102,
      message: `should either provide doc ids or set delete_all(true), dataset: ${ds}. `,
    });
    const foreign = await call(e, 'DELETE', base, { json: { ids: [a.id, 'nope'] } });
    expect(foreign.body).toEqual({ code: 102, message: `These documents do not belong to dataset ${ds} or Document not found: nope` });
    expect(e.documents('kb1')).toHaveLength(2);
    expect((await call(e, 'DELETE', base, { body: '{"ids":[]}', contentType: 'text/plain' })).body.code).toBe(101);
    expect((await call(e, 'DELETE', base, { json: { ids: [a.id, b.id] } })).body).toEqual({ code: 0, data: { deleted: 2 } });
    expect((await call(e, 'DELETE', base, { json: { ids: [a.id] } })).body.code).toBe(102);
  });
});

describe('§2.3 empty path segments (merged slashes, Werkzeug rule ranking)', () => {
  it('v1-0.24: GET /datasets//documents is 405 → code 100; v1-0.27: it is GET /datasets/<id> → 102, and POST …//documents/parse is 405', async () => {
    const old = await start('v1-0.24');
    expect((await call(old.e, 'GET', '/api/v1/datasets//documents')).body.message).toBe("<MethodNotAllowed '405: Method Not Allowed'>");
    await old.e.close();
    const { e } = await start('v1-0.27');
    const r = await call(e, 'GET', '/api/v1/datasets//documents');
    expect(r.body.code).toBe(102);
    expect(r.body.message).toContain("lacks permission for dataset 'documents'");
    const parse = await call(e, 'POST', '/api/v1/datasets//documents/parse', { json: { document_ids: ['x'] } });
    expect(parse.body).toMatchObject({ code: 100, message: "<MethodNotAllowed '405: Method Not Allowed'>" });
  });
});

describe('§5.3 parser_config (0.27 validation, update_parser_config merge)', () => {
  it('rejects out-of-range or extra keys with pydantic lines; merges; drops raptor when the update has none', async () => {
    const { e, ds } = await start('v1-0.27');
    const [a] = (await v1Upload(e, ds, [['a.txt', 'a']])).body.data;
    const path = `/api/v1/datasets/${ds}/documents/${a.id}`;
    expect((await call(e, 'PATCH', path, { json: { parser_config: { chunk_token_num: 0 } } })).body).toEqual({
      code: 102,
      message: 'Field: <parser_config.chunk_token_num> - Message: <Input should be greater than or equal to 1> - Value: <0>',
    });
    expect((await call(e, 'PATCH', path, { json: { parser_config: { llm_id: 'x' } } })).body.message).toBe(
      'Field: <parser_config.llm_id> - Message: <Extra inputs are not permitted> - Value: <x>',
    );
    expect((await call(e, 'PATCH', path, { body: '{"progress": 2.0}', contentType: 'application/json' })).body.message).toBe(
      'Field: <progress> - Message: <Input should be less than or equal to 1> - Value: <2.0>',
    );
    await call(e, 'PATCH', path, { json: { parser_config: { chunk_token_num: 256 } } });
    const doc = (await call(e, 'GET', `/api/v1/datasets/${ds}/documents?id=${a.id}`)).body.data.docs[0];
    expect(doc.parser_config.chunk_token_num).toBe(256);
    expect(doc.parser_config.delimiter).toBe('\n');
    expect(doc.parser_config).not.toHaveProperty('raptor');
  });
});

describe('§5.4 metadata filters', () => {
  it('bad metadata_condition JSON is 102; conditions and `metadata` filter on meta_fields', async () => {
    const { e, ds } = await start('v1-0.27');
    e.seedDocument('kb1', { name: 'x.md', content: 'x', metaFields: { team: 'red' } });
    e.seedDocument('kb1', { name: 'y.md', content: 'y', metaFields: { team: 'blue' } });
    const base = `/api/v1/datasets/${ds}/documents`;
    expect((await call(e, 'GET', `${base}?metadata_condition=${encodeURIComponent('{bad')}`)).body).toEqual({
      code: 102,
      message: 'metadata_condition must be valid JSON: {bad.',
    });
    const cond = encodeURIComponent(JSON.stringify({ conditions: [{ name: 'team', comparison_operator: 'is', value: 'red' }] }));
    expect((await call(e, 'GET', `${base}?metadata_condition=${cond}`)).body.data.docs.map((d: { name: string }) => d.name)).toEqual(['x.md']);
    const meta = encodeURIComponent(JSON.stringify({ team: ['blue'] }));
    expect((await call(e, 'GET', `${base}?metadata=${meta}`)).body.data.docs.map((d: { name: string }) => d.name)).toEqual(['y.md']);
  });
});

describe('§5.1 dataset admin (standalone / datasetAdmin)', () => {
  it('v1-0.24: create renames duplicates, DELETE {ids:null} deletes every dataset; 0.27 needs delete_all', async () => {
    const { e } = await start('v1-0.24', { datasetAdmin: true });
    const made = await call(e, 'POST', '/api/v1/datasets', { json: { name: 'kb1' } });
    expect(made.body.data.name).toBe('kb1(1)');
    expect((await call(e, 'DELETE', '/api/v1/datasets', { json: { ids: null } })).body).toEqual({ code: 0 });
    expect((await call(e, 'GET', '/api/v1/datasets')).body.data).toEqual([]);
    await e.close();
    const n = await start('v1-0.27', { datasetAdmin: true });
    expect((await call(n.e, 'DELETE', '/api/v1/datasets', { json: {} })).body).toEqual({ code: 0, data: { success_count: 0 } });
    expect((await call(n.e, 'DELETE', '/api/v1/datasets', { json: { delete_all: true } })).body).toEqual({ code: 0, data: { success_count: 2 } });
  });

  it('without datasetAdmin, POST /api/v1/datasets is not served (405)', async () => {
    const { e } = await start('v1-0.27');
    expect((await call(e, 'POST', '/api/v1/datasets', { json: { name: 'x' } })).body.message).toBe("<MethodNotAllowed '405: Method Not Allowed'>");
  });
});
