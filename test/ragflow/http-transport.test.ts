// The transport against a bare node:http server on 127.0.0.1: headers, HTTP-level failures, resets,
// deadlines, aborts, the scheduler, and that unread bodies never block a pooled connection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestScheduler } from '../../src/sync/ports.js';
import { HttpTransport } from '../../src/ragflow/http-transport.js';

const KEY = 'ragflow-SECRETKEY123';
type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, response, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function transport(url: string, extra: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}): HttpTransport {
  const http = new HttpTransport({ url, apiKey: KEY, requestTimeoutMs: 2_000, ...extra });
  cleanups.push(() => http.close());
  return http;
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

const get = { method: 'GET', path: '/api/v1/datasets', mutating: false, what: 'probe' } as const;
const post = { method: 'POST', path: '/api/v1/datasets/x/documents', json: { a: 1 }, mutating: true, what: 'upload' } as const;

describe('HttpTransport', () => {
  it('sends the key as a Bearer header and parses the envelope', async () => {
    let seen: IncomingMessage | undefined;
    const { url } = await serve((request, response) => {
      seen = request;
      json(response, 200, { code: 0, data: [] });
    });
    const answer = await transport(url).callJson({ ...get, query: { name: 'a b', page: 1, skip: undefined } });
    expect(answer).toEqual({ ok: true, value: { httpStatus: 200, envelope: { code: 0, message: '', data: [] } } });
    expect(seen?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen?.url).toBe('/api/v1/datasets?name=a+b&page=1');
  });

  it('keeps a path prefix of the base URL (reverse proxy)', async () => {
    let path = '';
    const { url } = await serve((request, response) => {
      path = request.url ?? '';
      json(response, 200, { code: 0, data: [] });
    });
    await transport(`${url}/ragflow/`).callJson(get);
    expect(path).toBe('/ragflow/api/v1/datasets');
  });

  it('scrubs the key from messages even when the server echoes it', async () => {
    const { url } = await serve((_request, response) => json(response, 200, { code: 100, message: `IndexError('Bearer ${KEY}')` }));
    const http = transport(url);
    const answer = await http.callJson(get);
    if (!answer.ok) throw new Error('expected an envelope');
    const error = http.envelopeError(answer.value, { notFound: 'kb-not-found' }, 'probe');
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain('[redacted]');
  });

  it('429 is rate-limited with Retry-After in seconds', async () => {
    const { url } = await serve((_request, response) => json(response, 429, { message: 'slow down' }, { 'retry-after': '2' }));
    expect(await transport(url).callJson(get)).toMatchObject({ ok: false, kind: 'rate-limited', retryable: true, retryAfterMs: 2000, httpStatus: 429 });
  });

  it('429 with an HTTP-date Retry-After uses the injected clock', async () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    const { url } = await serve((_request, response) => json(response, 429, {}, { 'retry-after': 'Sun, 01 Mar 2026 12:00:07 GMT' }));
    expect(await transport(url, { now: () => now }).callJson(get)).toMatchObject({ kind: 'rate-limited', retryAfterMs: 7000 });
  });

  it.each([500, 502, 503, 504])('HTTP %i is a retryable server error', async (status) => {
    const { url } = await serve((_request, response) => {
      response.writeHead(status, { 'content-type': 'text/html' });
      response.end('<html>bad gateway</html>');
    });
    expect(await transport(url).callJson(get)).toMatchObject({ ok: false, kind: 'server', retryable: true, httpStatus: status });
  });

  it('HTTP 401 is an auth error (v0.25+)', async () => {
    const { url } = await serve((_request, response) => json(response, 401, { code: 401, message: "<Unauthorized '401: Unauthorized'>", data: null }));
    expect(await transport(url).callJson(get)).toMatchObject({ ok: false, kind: 'auth', retryable: false });
  });

  it('an HTML page is a protocol error, not a success', async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>login</html>');
    });
    expect(await transport(url).callJson(get)).toMatchObject({ ok: false, kind: 'protocol', retryable: false });
  });

  it('a reset after the body was sent is retryable and ambiguous for a mutating request', async () => {
    const { url } = await serve((request) => request.socket.destroy());
    const http = transport(url);
    const upload = await http.callJson(post);
    expect(upload).toMatchObject({ ok: false, kind: 'network', retryable: true, ambiguous: true });
    const read = await http.callJson(get);
    expect(read).toMatchObject({ ok: false, kind: 'network', retryable: true });
    expect(read.ok === false && read.ambiguous).toBeFalsy();
  });

  it('a refused connection is retryable and never ambiguous', async () => {
    const { url, server } = await serve(() => undefined);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await transport(url).callJson(post);
    expect(result).toMatchObject({ ok: false, kind: 'network', retryable: true });
    expect(result.ok === false && result.ambiguous).toBeFalsy();
    expect(result.ok === false && result.message).not.toContain(KEY);
  });

  it('a hanging server hits the deadline: timeout, retryable, ambiguous for a mutating request', async () => {
    const { url } = await serve(() => undefined);
    const result = await transport(url, { requestTimeoutMs: 300 }).callJson(post);
    expect(result).toMatchObject({ ok: false, kind: 'timeout', retryable: true, ambiguous: true });
  });

  it('the caller signal aborts: kind aborted, not retryable', async () => {
    const { url } = await serve(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await transport(url).callJson({ ...get, signal: controller.signal });
    expect(result).toMatchObject({ ok: false, kind: 'aborted', retryable: false });
  });

  it('runs every request inside the scheduler, with the deadline starting in the slot', async () => {
    const { url } = await serve((_request, response) => json(response, 200, { code: 0, data: [] }));
    let scheduled = 0;
    const scheduler: RequestScheduler = {
      async schedule(request, signal) {
        scheduled += 1;
        await new Promise((resolve) => setTimeout(resolve, 400)); // queued longer than the deadline
        return request(signal);
      },
    };
    const http = transport(url, { scheduler, requestTimeoutMs: 300 });
    expect(await http.callJson(get)).toMatchObject({ ok: true });
    expect(await http.callJson(post)).toMatchObject({ ok: true });
    expect(scheduled).toBe(2);
  });

  it('a scheduler that rejects (aborted while queued) becomes an aborted result, not a throw', async () => {
    const controller = new AbortController();
    controller.abort();
    const scheduler: RequestScheduler = { schedule: () => Promise.reject(new DOMException('gone', 'AbortError')) };
    const http = transport('http://127.0.0.1:9', { scheduler });
    const late = new AbortController();
    const pending = http.callJson({ ...get, signal: late.signal });
    late.abort();
    expect(await pending).toMatchObject({ ok: false, kind: 'aborted' });
  });

  it('error bodies are drained: one pooled connection keeps working after many error answers', async () => {
    const big = 'x'.repeat(256 * 1024);
    let calls = 0;
    const { url } = await serve((_request, response) => {
      calls += 1;
      if (calls <= 5) {
        response.writeHead(503, { 'content-type': 'text/plain' });
        response.end(big);
      } else json(response, 200, { code: 0, data: [] });
    });
    const dispatcher = new Agent({ connections: 1 });
    cleanups.push(() => dispatcher.close());
    const http = transport(url, { dispatcher });
    for (let index = 0; index < 5; index += 1) expect(await http.callJson(get)).toMatchObject({ kind: 'server' });
    expect(await http.callJson(get)).toMatchObject({ ok: true });
  });
});
