// createClient: option checks and api:'auto' detection against the emulator and against servers that
// are not RAGFlow at all.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/ragflow/create-client.js';
import { PROFILES } from '../emulator/index.js';
import { API_KEY, KB, emulatorFor, onCleanup } from './contract-fixtures.js';

async function htmlServer(status: number): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(status, { 'content-type': 'text/html' });
    response.end('<html><body>Welcome to nginx!</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('createClient: api auto', () => {
  it.each(PROFILES)('%s: picks the v1 API (every profile serves it) and it works', async (profile) => {
    const emulator = await emulatorFor(profile);
    const created = await createClient({ url: emulator.url, apiKey: API_KEY, api: 'auto' });
    if (!created.ok) throw new Error(created.message);
    onCleanup(() => created.value.close());
    expect(created.value.api).toBe('v1');
    expect(await created.value.findKb(KB)).toMatchObject({ ok: true, value: { name: KB } });
  });

  it.each(['legacy-0.19', 'legacy-0.21'] as const)('%s without a v1 API: falls back to legacy', async (profile) => {
    const emulator = await emulatorFor(profile);
    emulator.addFault({ method: 'GET', path: '/api/v1/datasets', action: { type: 'status', status: 404 } });
    const created = await createClient({ url: emulator.url, apiKey: API_KEY, api: 'auto' });
    if (!created.ok) throw new Error(created.message);
    onCleanup(() => created.value.close());
    expect(created.value.api).toBe('legacy');
    expect(await created.value.findKb(KB)).toMatchObject({ ok: true, value: { id: KB, name: KB } });
    // 0.21's list_kb_docs answers code 100 TypeError once the KB exists: findKb learns it.
    expect(created.value.capabilities.canList).toBe(profile === 'legacy-0.19');
  });

  it.each(PROFILES)('%s: a bad key is an auth error, not a fallback', async (profile) => {
    const emulator = await emulatorFor(profile);
    const created = await createClient({ url: emulator.url, apiKey: 'ragflow-bad', api: 'auto' });
    expect(created).toMatchObject({ ok: false, kind: 'auth', retryable: false });
    expect(emulator.requests.map((entry) => entry.path)).toEqual(['/api/v1/datasets']);
  });

  it('a bad key on a legacy-only server is an auth error too', async () => {
    const emulator = await emulatorFor('legacy-0.19');
    emulator.addFault({ method: 'GET', path: '/api/v1/datasets', action: { type: 'status', status: 404 } });
    const created = await createClient({ url: emulator.url, apiKey: 'ragflow-bad', api: 'auto' });
    expect(created).toMatchObject({ ok: false, kind: 'auth' });
  });

  it.each([200, 404])('a server that is not RAGFlow (HTTP %i HTML) is a protocol error naming the URL, never the key', async (status) => {
    const url = await htmlServer(status);
    const created = await createClient({ url, apiKey: API_KEY, api: 'auto' });
    expect(created).toMatchObject({ ok: false, kind: 'protocol', retryable: false });
    expect(created.ok === false && created.message).toContain(url);
    expect(created.ok === false && created.message).not.toContain(API_KEY);
  });

  it('an unreachable server is a retryable network error', async () => {
    const emulator = await emulatorFor('v1-0.27');
    await emulator.refuseConnections(60_000);
    const created = await createClient({ url: emulator.url, apiKey: API_KEY, api: 'auto' });
    expect(created).toMatchObject({ ok: false, kind: 'network', retryable: true });
  });

  it('a 5xx while probing is retryable, not "not RAGFlow"', async () => {
    const emulator = await emulatorFor('v1-0.24');
    emulator.addFault({ action: { type: 'status', status: 502 } });
    expect(await createClient({ url: emulator.url, apiKey: API_KEY, api: 'auto' })).toMatchObject({ ok: false, kind: 'server', retryable: true });
  });
});

describe('createClient: options', () => {
  it.each([
    ['not a URL', { url: 'localhost:9380' }, 'protocol'],
    ['ftp', { url: 'ftp://127.0.0.1' }, 'protocol'],
    ['credentials in the URL', { url: 'http://user:pw@127.0.0.1' }, 'protocol'],
    ['an empty key', { apiKey: '' }, 'auth'],
    ['a key with a space', { apiKey: 'a b' }, 'auth'],
    ['a zero timeout', { requestTimeoutMs: 0 }, 'protocol'],
  ])('refuses %s', async (_label, override, kind) => {
    const created = await createClient({ url: 'http://127.0.0.1:9', apiKey: API_KEY, api: 'v1', ...override });
    expect(created).toMatchObject({ ok: false, kind });
  });

  it('legacy and v1 need no request to be created', async () => {
    for (const api of ['legacy', 'v1'] as const) {
      const created = await createClient({ url: 'http://127.0.0.1:9', apiKey: API_KEY, api });
      expect(created.ok && created.value.api).toBe(api);
      if (created.ok) await created.value.close();
    }
  });
});
