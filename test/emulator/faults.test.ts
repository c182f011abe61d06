// Fault injection, request log and connection refusal: the failures a client must survive (dependency-notes §7).
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from './index.js';
import { startEmulator } from './index.js';
import { call, datasetId, v1Upload } from './test-helpers.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(): Promise<{ e: Emulator; ds: string }> {
  emu = await startEmulator({ profile: 'v1-0.27', apiKey: 'k', kbs: ['kb'] });
  return { e: emu, ds: await datasetId(emu, 'kb') };
}

describe('faults', () => {
  it('status: answers an nginx-like error page the given number of times, then RAGFlow again', async () => {
    const { e } = await start();
    e.addFault({ method: 'GET', path: '/api/v1/datasets', times: 2, action: { type: 'status', status: 502 } });
    expect((await call(e, 'GET', '/api/v1/datasets')).status).toBe(502);
    const second = await call(e, 'GET', '/api/v1/datasets');
    expect(second.status).toBe(502);
    expect(second.body).toContain('502 Bad Gateway');
    expect((await call(e, 'GET', '/api/v1/datasets')).body.code).toBe(0);
  });

  it('rate-limit: 429 with Retry-After', async () => {
    const { e } = await start();
    e.addFault({ path: /datasets/u, action: { type: 'rate-limit', retryAfter: '3' } });
    const r = await call(e, 'GET', '/api/v1/datasets');
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('3');
  });

  it('reset after headers: the socket is destroyed and nothing is stored', async () => {
    const { e, ds } = await start();
    e.addFault({ method: 'POST', action: { type: 'reset' } });
    await expect(v1Upload(e, ds, [['a.txt', 'a']])).rejects.toThrow();
    expect(e.documents('kb')).toHaveLength(0);
  });

  it('reset after body: the document IS stored but the answer is lost', async () => {
    const { e, ds } = await start();
    e.addFault({ method: 'POST', action: { type: 'reset', after: 'body' } });
    await expect(v1Upload(e, ds, [['a.txt', 'a']])).rejects.toThrow();
    expect(e.documents('kb').map((d) => d.name)).toEqual(['a.txt']);
    expect(e.requests.at(-1)).toMatchObject({ method: 'POST', status: 0, fileNames: ['a.txt'], fileBytes: 1 });
  });

  it('latency delays the answer; hang never answers (the client times out)', async () => {
    const { e } = await start();
    e.addFault({ action: { type: 'latency', ms: 150 } });
    const t0 = Date.now();
    await call(e, 'GET', '/api/v1/datasets');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    e.addFault({ action: { type: 'hang' } });
    await expect(request(`${e.url}/api/v1/datasets`, { headers: { authorization: 'Bearer k' }, headersTimeout: 200 })).rejects.toThrow(/timeout/iu);
  });

  it('refuseConnections: ECONNREFUSED for a while, then the same port answers again', async () => {
    const { e } = await start();
    const port = e.port;
    await e.refuseConnections(200);
    await expect(request(`${e.url}/api/v1/datasets`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await e.listening();
    expect(e.port).toBe(port);
    expect((await call(e, 'GET', '/api/v1/datasets')).body.code).toBe(0);
  });

  it('request log records method, path, query, JSON fields and codes; clearRequests empties it', async () => {
    const { e, ds } = await start();
    e.clearRequests();
    await call(e, 'GET', `/api/v1/datasets/${ds}/documents?page=2&run=DONE&run=FAIL`);
    await call(e, 'DELETE', `/api/v1/datasets/${ds}/documents`, { json: { ids: ['x'] } });
    expect(e.requests).toMatchObject([
      { method: 'GET', path: `/api/v1/datasets/${ds}/documents`, query: { page: '2', run: ['DONE', 'FAIL'] }, status: 200, code: 0 },
      { method: 'DELETE', fields: { ids: ['x'] }, status: 200, code: 102 },
    ]);
    e.clearRequests();
    expect(e.requests).toHaveLength(0);
  });

  it('maxContentLength: an over-size body gets the RequestEntityTooLarge envelope', async () => {
    emu = await startEmulator({ profile: 'v1-0.24', apiKey: 'k', kbs: ['kb'], maxContentLength: 1000 });
    const ds = await datasetId(emu, 'kb');
    const r = await v1Upload(emu, ds, [['big.txt', 'x'.repeat(5000)]]);
    expect(r.body).toEqual({ code: 100, message: "<RequestEntityTooLarge '413: Request Entity Too Large'>", data: null });
    expect(emu.documents('kb')).toHaveLength(0);
  });
});
