// Upload edge cases on the local side: unreadable files, a size that moved since hashing, and a file
// that changes while its bytes are on the wire (Blob NotReadableError → 'file-changed', retryable).
import { appendFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KbClient } from '../../src/sync/ports.js';
import { createClient } from '../../src/ragflow/create-client.js';

let dir: string;
let server: Server;
let url: string;
let requests = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ragflow-upload-'));
  // A v1-shaped server that reads the whole body, then answers with one document.
  server = createServer((request, response) => {
    requests += 1;
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 0, data: [{ id: 'd1', name: 'a.txt', run: 'UNSTART', size: 1 }] }));
    });
    request.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function client(dispatcher?: Dispatcher): Promise<KbClient> {
  const created = await createClient({ url, apiKey: 'k', api: 'v1' }, dispatcher ? { dispatcher } : {});
  if (!created.ok) throw new Error(created.message);
  return created.value;
}

const kb = { id: 'kb1', name: 'docs' };

describe('upload: the local file', () => {
  it('a missing file is file-unreadable (permanent) and sends nothing', async () => {
    const before = requests;
    const result = await (await client()).upload(kb, { path: join(dir, 'nope.txt'), name: 'nope.txt', parserId: 'naive' });
    expect(result).toMatchObject({ ok: false, kind: 'file-unreadable', retryable: false });
    expect(requests).toBe(before);
  });

  it('a directory is file-unreadable', async () => {
    const result = await (await client()).upload(kb, { path: dir, name: 'dir', parserId: 'naive' });
    expect(result).toMatchObject({ ok: false, kind: 'file-unreadable' });
  });

  it.skipIf(process.getuid?.() === 0)('a file without read permission is file-unreadable, not file-changed', async () => {
    const path = join(dir, 'secret.txt');
    await writeFile(path, 'x');
    await chmod(path, 0o000);
    const result = await (await client()).upload(kb, { path, name: 'secret.txt', parserId: 'naive' });
    expect(result).toMatchObject({ ok: false, kind: 'file-unreadable' });
  });

  it('a size different from the one hashed is file-changed (retryable) and sends nothing', async () => {
    const path = join(dir, 'grown.txt');
    await writeFile(path, 'hello world');
    const before = requests;
    const result = await (await client()).upload(kb, { path, name: 'grown.txt', parserId: 'naive', size: 5 });
    expect(result).toMatchObject({ ok: false, kind: 'file-changed', retryable: true });
    expect(requests).toBe(before);
  });

  it('a file changed while being sent is file-changed, retryable and not ambiguous', async () => {
    const path = join(dir, 'moving.bin');
    await truncate(path, 0).catch(() => undefined);
    await writeFile(path, '');
    await truncate(path, 8 * 1024 * 1024);
    // The dispatcher is reached after the Blob was taken and before its bytes are read: change the file there.
    const agent = new Agent();
    const changing = agent.compose((dispatch) => (options, handler) => {
      appendFileSync(path, 'more');
      return dispatch(options, handler);
    });
    try {
      const result = await (await client(changing)).upload(kb, { path, name: 'moving.bin', parserId: 'naive' });
      expect(result).toMatchObject({ ok: false, kind: 'file-changed', retryable: true });
      expect(result.ok === false && result.ambiguous).toBeFalsy();
    } finally {
      await agent.close();
    }
  });

  it('an unchanged file uploads', async () => {
    const path = join(dir, 'a.txt');
    await writeFile(path, 'a');
    const result = await (await client()).upload(kb, { path, name: 'a.txt', parserId: 'naive', size: 1 });
    expect(result).toMatchObject({ ok: true, value: { id: 'd1', name: 'a.txt', run: 'UNSTART' } });
  });
});
