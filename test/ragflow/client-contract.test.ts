// The contract every KbClient must keep, run over real HTTP against every emulator profile for each
// client the profile can serve (legacy: ≤ 0.22.0 profiles; v1: all). Client-specific behaviour
// (parse on upload, listing broken on 0.21, updates) is asserted through `capabilities`.
import { describe, expect, it } from 'vitest';
import type { ApiGeneration, KbClient, KbRef } from '../../src/sync/ports.js';
import { PROFILE_TABLE, PROFILES, type Emulator, type ProfileName } from '../emulator/index.js';
import { API_KEY, KB, apisOf, connect, countingScheduler, emulatorFor, localFile, tempDir } from './contract-fixtures.js';

const COMBOS = PROFILES.flatMap((profile) => apisOf(profile).map((api) => [profile, api] as [ProfileName, ApiGeneration]));

async function kbOf(client: KbClient): Promise<KbRef> {
  const found = await client.findKb(KB);
  if (!found.ok) throw new Error(`findKb: ${found.kind} ${found.message}`);
  return found.value;
}

function missingKb(api: ApiGeneration): KbRef {
  return api === 'legacy' ? { id: 'no-such-kb', name: 'no-such-kb' } : { id: 'f'.repeat(32), name: 'no-such-kb' };
}

/** page_size of every listing request in the log (legacy sends it in the JSON body, v1 in the query). */
function pageSizes(emulator: Emulator): number[] {
  return emulator.requests
    .filter((entry) => entry.path === '/v1/api/list_kb_docs' || (entry.method === 'GET' && /\/documents$/.test(entry.path)))
    .map((entry) => Number(entry.fields['page_size'] ?? entry.query['page_size']));
}

describe.each(COMBOS)('%s, %s client', (profile, api) => {
  it('finds an existing KB and reports a missing one as kb-not-found', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    expect(kb.name).toBe(KB);
    // Legacy has no KB id in its API: the name stands in for it.
    expect(kb.id).toBe(api === 'legacy' ? KB : emulator.seedDocument(KB, { name: 'x.txt', content: 'x' }).kbId);
    expect(await client.findKb('no-such-kb')).toMatchObject({ ok: false, kind: 'kb-not-found', retryable: false });
  });

  it('uploads with the parser, gets it parsed, and sends every request through the scheduler', async () => {
    const emulator = await emulatorFor(profile);
    const scheduler = countingScheduler();
    const client = await connect(emulator, api, { scheduler });
    const kb = await kbOf(client);
    const file = await localFile(await tempDir(), 'notes.txt', 'hello contract\n'.repeat(50));
    const uploaded = await client.upload(kb, { path: file.path, name: 'notes.txt', parserId: 'qa', size: file.size });
    if (!uploaded.ok) throw new Error(uploaded.message);
    expect(uploaded.value).toMatchObject({ name: 'notes.txt', size: file.size });
    const stored = emulator.document(uploaded.value.id);
    expect(stored?.sha256).toBe(file.sha256);
    if (client.capabilities.uploadStartsParse) {
      // Legacy: parser_id and run=1 travel with the file.
      const entry = emulator.requests.find((request) => request.path === '/v1/api/document/upload' && request.fileNames.length > 0);
      expect(entry?.fields).toMatchObject({ kb_name: KB, parser_id: 'qa', run: '1' });
      expect(stored?.parserId).toBe('qa');
      expect(uploaded.value.run).toBe('RUNNING');
    } else {
      expect(uploaded.value.run).toBe('UNSTART');
      expect(emulator.document(uploaded.value.id)?.run).toBe('UNSTART');
      expect(await client.requestParse(kb, [uploaded.value.id])).toEqual({ ok: true, value: undefined });
    }
    await expect.poll(() => emulator.document(uploaded.value.id)?.run).toBe('DONE');
    const rows = await client.getDocuments(kb, [uploaded.value.id, 'f'.repeat(32)]);
    expect(rows).toMatchObject({ ok: true, value: [{ id: uploaded.value.id, run: 'DONE', progress: 1 }] });
    const hashed = await client.hashContent(kb, uploaded.value.id);
    expect(hashed).toEqual({ ok: true, value: { sha256: file.sha256, size: file.size } });
    expect(scheduler.count).toBe(emulator.requests.length);
  });

  it('a duplicate name gives a second, renamed document', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    const file = await localFile(await tempDir(), 'same.md', '# same');
    const first = await client.upload(kb, { path: file.path, name: 'same.md', parserId: 'naive' });
    const second = await client.upload(kb, { path: file.path, name: 'same.md', parserId: 'naive' });
    expect(first).toMatchObject({ ok: true, value: { name: 'same.md' } });
    expect(second).toMatchObject({ ok: true, value: { name: 'same(1).md' } });
    expect(first.ok && second.ok && first.value.id !== second.value.id).toBe(true);
    expect(emulator.documents(KB).map((doc) => doc.name)).toEqual(['same.md', 'same(1).md']);
  });

  it('lists more than 250 documents through every page (page_size ≤ 100), or says the listing is unavailable', async () => {
    const emulator = await emulatorFor(profile);
    for (let index = 0; index < 260; index += 1) emulator.seedDocument(KB, { name: `doc-${index}.txt`, content: `doc ${index}` });
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    const listed = await client.listDocuments(kb);
    if (!client.capabilities.canList) {
      // legacy on 0.20–0.22: code 100 TypeError → never an empty list.
      expect(listed).toMatchObject({ ok: false, kind: 'listing-unavailable', retryable: false });
      return;
    }
    if (!listed.ok) throw new Error(listed.message);
    const expected = emulator.documents(KB).map((doc) => doc.id).sort();
    expect(listed.value.map((doc) => doc.id).sort()).toEqual(expected);
    expect(new Set(listed.value.map((doc) => doc.id)).size).toBe(260);
    const sizes = pageSizes(emulator);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(sizes.every((size) => size > 0 && size <= 100)).toBe(true);
  });

  it('deletes by ids; ids already gone are not an error', async () => {
    const emulator = await emulatorFor(profile);
    const docs = ['a.txt', 'b.txt', 'c.txt', 'd.txt'].map((name) => emulator.seedDocument(KB, { name, content: name }));
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    const [a, b, c, d] = docs.map((doc) => doc.id) as [string, string, string, string];
    expect(await client.deleteDocuments(kb, [a, b])).toEqual({ ok: true, value: { deleted: 2 } });
    expect(emulator.documents(KB).map((doc) => doc.name)).toEqual(['c.txt', 'd.txt']);
    const again = await client.deleteDocuments(kb, [a, c, 'f'.repeat(32)]);
    expect(again).toMatchObject({ ok: true });
    expect(emulator.documents(KB).map((doc) => doc.id)).toEqual([d]);
    expect(await client.deleteDocuments(kb, [d, d])).toEqual({ ok: true, value: { deleted: 1 } });
    expect(emulator.documents(KB)).toEqual([]);
  });

  it('a bad key is a permanent auth error', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api, { apiKey: 'ragflow-wrong' });
    const found = await client.findKb(KB);
    expect(found).toMatchObject({ ok: false, kind: 'auth', retryable: false });
    const file = await localFile(await tempDir(), 'a.txt', 'a');
    const uploaded = await client.upload(api === 'legacy' ? { id: KB, name: KB } : { id: emulator.createKb('other').id, name: 'other' }, { path: file.path, name: 'a.txt', parserId: 'naive' });
    expect(uploaded).toMatchObject({ ok: false, kind: 'auth', retryable: false });
    expect(JSON.stringify([found, uploaded])).not.toContain('ragflow-wrong');
  });

  it('a missing KB is kb-not-found on upload and list', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    const file = await localFile(await tempDir(), 'a.txt', 'a');
    expect(await client.upload(missingKb(api), { path: file.path, name: 'a.txt', parserId: 'naive' })).toMatchObject({ ok: false, kind: 'kb-not-found', retryable: false });
    if (client.capabilities.canList) expect(await client.listDocuments(missingKb(api))).toMatchObject({ ok: false, kind: 'kb-not-found' });
    expect(emulator.documents(KB)).toEqual([]);
  });

  it('an unsupported file type is refused by v1 (the legacy API accepts any extension)', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    const file = await localFile(await tempDir(), 'tool.exe', 'MZ');
    const uploaded = await client.upload(kb, { path: file.path, name: 'tool.exe', parserId: 'naive' });
    if (api === 'legacy') expect(uploaded).toMatchObject({ ok: true, value: { name: 'tool.exe' } });
    else expect(uploaded).toMatchObject({ ok: false, kind: 'unsupported-type', retryable: false, code: 500 });
  });

  // The legacy API has no explicit name check (§4.3).
  it.runIf(api === 'v1')('a name over the limit is name-too-long', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    const file = await localFile(await tempDir(), 'a.txt', 'a');
    const name = `${'n'.repeat(300)}.txt`;
    expect(await client.upload(kb, { path: file.path, name, parserId: 'naive' })).toMatchObject({ ok: false, kind: 'name-too-long', retryable: false, code: 101 });
  });

  it('HTTP 5xx is retryable; the next attempt works', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    emulator.addFault({ method: 'POST', path: /upload$|\/documents$/, action: { type: 'status', status: 503 } });
    const file = await localFile(await tempDir(), 'a.txt', 'a');
    const spec = { path: file.path, name: 'a.txt', parserId: 'naive' };
    expect(await client.upload(kb, spec)).toMatchObject({ ok: false, kind: 'server', retryable: true, httpStatus: 503 });
    expect(emulator.documents(KB)).toEqual([]);
    expect(await client.upload(kb, spec)).toMatchObject({ ok: true });
  });

  it('429 is rate-limited with Retry-After', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    emulator.addFault({ action: { type: 'rate-limit', retryAfter: '2' } });
    expect(await client.findKb(KB)).toMatchObject({ ok: false, kind: 'rate-limited', retryable: true, retryAfterMs: 2000, httpStatus: 429 });
  });

  it('a reset before the request is handled is retryable; after it was stored it is also ambiguous', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    const file = await localFile(await tempDir(), 'a.txt', 'a');
    const spec = { path: file.path, name: 'a.txt', parserId: 'naive' };
    emulator.addFault({ method: 'POST', action: { type: 'reset', after: 'headers' } });
    expect(await client.upload(kb, spec)).toMatchObject({ ok: false, kind: 'network', retryable: true });
    expect(emulator.documents(KB)).toEqual([]);
    emulator.addFault({ method: 'POST', action: { type: 'reset', after: 'body' } });
    expect(await client.upload(kb, spec)).toMatchObject({ ok: false, kind: 'network', retryable: true, ambiguous: true });
    // Why ambiguous matters: the server did store it, so a blind retry would duplicate it.
    expect(emulator.documents(KB).map((doc) => doc.name)).toEqual(['a.txt']);
    emulator.addFault({ method: 'GET', action: { type: 'reset' } });
    emulator.addFault({ method: 'POST', path: '/v1/api/list_kb_docs', action: { type: 'reset' } });
    const read = await client.findKb(KB);
    expect(read).toMatchObject({ ok: false, kind: 'network', retryable: true });
    expect(read.ok === false && read.ambiguous).toBeFalsy();
  });

  it('a server that never answers hits the deadline: timeout, retryable', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api, { requestTimeoutMs: 300 });
    emulator.addFault({ action: { type: 'hang' } });
    expect(await client.findKb(KB)).toMatchObject({ ok: false, kind: 'timeout', retryable: true });
  });

  it('hashContent of an empty document is the hash of no bytes (v1 answers "This file is empty.")', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    const file = await localFile(await tempDir(), 'empty.txt', '');
    const uploaded = await client.upload(kb, { path: file.path, name: 'empty.txt', parserId: 'naive', size: 0 });
    if (!uploaded.ok) throw new Error(uploaded.message);
    expect(await client.hashContent(kb, uploaded.value.id)).toEqual({ ok: true, value: { sha256: file.sha256, size: 0 } });
  });

  it('an upload whose answer never comes is a retryable timeout flagged ambiguous', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api, { requestTimeoutMs: 300 });
    const kb = await kbOf(client);
    const file = await localFile(await tempDir(), 'a.txt', 'a');
    emulator.addFault({ method: 'POST', action: { type: 'hang' } });
    expect(await client.upload(kb, { path: file.path, name: 'a.txt', parserId: 'naive' })).toMatchObject({ ok: false, kind: 'timeout', retryable: true, ambiguous: true });
  });

  it('a caller abort during a call is kind aborted (not retryable)', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    emulator.addFault({ action: { type: 'hang' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await client.listDocuments(kb, controller.signal)).toMatchObject({ ok: false, kind: client.capabilities.canList ? 'aborted' : 'listing-unavailable', retryable: false });
  });

  it('hashContent of a missing document is doc-not-found', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    expect(await client.hashContent(kb, 'f'.repeat(32))).toMatchObject({ ok: false, kind: 'doc-not-found', retryable: false });
  });

  it('updates documents where the API can, and refuses locally where it cannot', async () => {
    const emulator = await emulatorFor(profile);
    const doc = emulator.seedDocument(KB, { name: 'old.txt', content: 'x' });
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    if (!client.capabilities.canUpdate) {
      const before = emulator.requests.length;
      expect(await client.updateDocument(kb, doc.id, { name: 'new.txt' })).toMatchObject({ ok: false, kind: 'unsupported', retryable: false });
      expect(await client.requestParse(kb, [doc.id])).toMatchObject({ ok: false, kind: 'unsupported' });
      expect(emulator.requests.length).toBe(before);
      return;
    }
    expect(await client.updateDocument(kb, doc.id, { name: 'new.txt', enabled: false, metaFields: { source: 'sync' } })).toMatchObject({
      ok: true,
      value: { id: doc.id, name: 'new.txt', enabled: false },
    });
    expect(emulator.document(doc.id)).toMatchObject({ name: 'new.txt', enabled: false, metaFields: { source: 'sync' } });
    expect(await client.updateDocument(kb, doc.id, { name: 'newer.txt' })).toMatchObject({ ok: true, value: { name: 'newer.txt' } });
    // PATCH first; where it does not exist (≤ 0.24) fall back to PUT once and remember it.
    const updates = emulator.requests.filter((entry) => entry.path.endsWith(`/documents/${doc.id}`)).map((entry) => entry.method);
    expect(updates).toEqual(PROFILE_TABLE[profile].updateMethods.patch ? ['PATCH', 'PATCH'] : ['PATCH', 'PUT', 'PUT']);
    expect(await client.updateDocument(kb, 'f'.repeat(32), { name: 'x.txt' })).toMatchObject({ ok: false, kind: 'doc-not-found' });
  });
});

describe.each(COMBOS.filter(([, api]) => api === 'v1'))('%s, %s client: parse requests', (profile, api) => {
  it('asking again while a document parses is fine; an unknown id is doc-not-found', async () => {
    const emulator = await emulatorFor(profile, { parse: { mode: 'manual' } });
    const doc = emulator.seedDocument(KB, { name: 'a.txt', content: 'a' });
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    expect(await client.requestParse(kb, [doc.id])).toEqual({ ok: true, value: undefined });
    expect(emulator.document(doc.id)?.run).toBe('RUNNING');
    expect(await client.requestParse(kb, [doc.id, doc.id])).toEqual({ ok: true, value: undefined });
    expect(await client.requestParse(kb, ['f'.repeat(32), doc.id])).toMatchObject({ ok: false, kind: 'doc-not-found', retryable: false });
    // Not atomic on the server (§5.6): a batch the server fails is asked again one id per request, so the
    // good id was still asked for. Batches that succeed cost one request (the engine's normal case).
    const parses = emulator.requests.filter((entry) => entry.path.endsWith('/chunks'));
    expect(parses.map((entry) => (entry.fields['document_ids'] as unknown[]).length)).toEqual([1, 1, 2, 1, 1]);
    emulator.finishParse(doc.id);
    expect(await client.getDocuments(kb, [doc.id])).toMatchObject({ ok: true, value: [{ run: 'DONE' }] });
  });
});

describe.each(PROFILES.filter((profile) => !apisOf(profile).includes('legacy')))('%s, legacy client', (profile) => {
  it('says the legacy API is not there (unsupported), without pretending the KB is missing', async () => {
    const emulator = await emulatorFor(profile);
    const client = await connect(emulator, 'legacy');
    expect(await client.findKb(KB)).toMatchObject({ ok: false, kind: 'unsupported', retryable: false });
  });
});

describe('the two dangerous deletes are impossible', () => {
  it.each(COMBOS)('%s, %s client: an empty id list is refused with no request sent', async (profile, api) => {
    const emulator = await emulatorFor(profile);
    emulator.seedDocument(KB, { name: 'keep.txt', content: 'keep' });
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    emulator.clearRequests();
    for (const ids of [[], [''], ['', '']]) {
      expect(await client.deleteDocuments(kb, ids)).toMatchObject({ ok: false, kind: 'rejected', retryable: false });
    }
    expect(emulator.requests).toEqual([]);
    expect(emulator.documents(KB).map((doc) => doc.name)).toEqual(['keep.txt']);
  });

  it.each(COMBOS)('%s, %s client: deletes never carry names, only a non-empty id list', async (profile, api) => {
    const emulator = await emulatorFor(profile, { kbs: [KB, 'elsewhere'] });
    const doc = emulator.seedDocument(KB, { name: 'shared.txt', content: 'a' });
    emulator.seedDocument('elsewhere', { name: 'shared.txt', content: 'b' });
    const client = await connect(emulator, api);
    const kb = await kbOf(client);
    expect(await client.deleteDocuments(kb, [doc.id])).toEqual({ ok: true, value: { deleted: 1 } });
    const deletes = emulator.requests.filter((entry) => entry.method === 'DELETE');
    expect(deletes).toHaveLength(1);
    for (const entry of deletes) {
      expect(Object.keys(entry.fields)).toEqual([api === 'legacy' ? 'doc_ids' : 'ids']);
      expect(entry.fields[api === 'legacy' ? 'doc_ids' : 'ids']).toEqual([doc.id]);
    }
    // The same-named document in the other KB survives (legacy by-name delete would remove it, §3.3).
    expect(emulator.documents('elsewhere').map((d) => d.name)).toEqual(['shared.txt']);
  });

  it('the KbClient interface has no by-name delete', async () => {
    const emulator = await emulatorFor('legacy-0.19');
    const client = await connect(emulator, 'legacy');
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(client)).filter((name) => /delete/i.test(name));
    expect(methods.filter((name) => !name.startsWith('#'))).toEqual(['deleteDocuments', 'deleteByIds']);
    expect(API_KEY).not.toBe('');
  });
});

describe.each(PROFILES)('%s, v1 client: getDocuments of many ids', (profile) => {
  it('asks in one request where the server filters by `ids` (v0.27); one id at a time where it ignores them', async () => {
    const emulator = await emulatorFor(profile);
    const docs = ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt'].map((name) => emulator.seedDocument(KB, { name, content: name, run: 'DONE' }));
    const client = await connect(emulator, 'v1');
    const kb = await kbOf(client);
    const wanted = [docs[0]!.id, docs[2]!.id, docs[4]!.id, 'f'.repeat(32)];
    const lookups = () => emulator.requests.filter((entry) => entry.method === 'GET' && /\/documents$/.test(entry.path)).length;
    emulator.clearRequests();
    const rows = await client.getDocuments(kb, wanted);
    if (!rows.ok) throw new Error(rows.message);
    expect(rows.value.map((row) => row.name).sort()).toEqual(['a.txt', 'c.txt', 'e.txt']);
    expect(rows.value.every((row) => row.run === 'DONE')).toBe(true);
    const filters = PROFILE_TABLE[profile].v1Style === 'restful';
    // An ignored filter answers with the first page of all 5 documents (total 5 > 4 asked): then one by one.
    expect(lookups()).toBe(filters ? 1 : 1 + wanted.length);
    emulator.clearRequests();
    const again = await client.getDocuments(kb, wanted);
    expect(again.ok && again.value.length).toBe(3);
    expect(lookups()).toBe(filters ? 1 : wanted.length); // the client remembers the server ignores `ids`
  });
});
