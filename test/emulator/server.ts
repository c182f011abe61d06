// The HTTP side: node:http listener on 127.0.0.1, request log, faults, body-size limit, routing,
// and writing replies. Can stop listening and listen again on the same port (refuseConnections).
import { createReadStream } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { EmulatorServices } from './context.js';
import { RequestContext } from './context.js';
import type { Reply } from './envelopes.js';
import { codeOf, httpExceptionEnvelope, serverError } from './envelopes.js';
import { FaultBook, proxyErrorBody } from './faults.js';
import { drain } from './multipart.js';
import { pyException } from './pyrepr.js';
import type { Route } from './router.js';
import { methodNotAllowedReply, normalisePath, notFoundReply, resolve } from './router.js';
import type { FaultAction, RequestLogEntry } from './types.js';

export interface HttpOptions {
  readonly services: EmulatorServices;
  readonly routes: readonly Route[];
  readonly maxContentLength: number;
}

export class EmulatorHttp {
  readonly requests: RequestLogEntry[] = [];
  readonly faults = new FaultBook();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  private relistenTimer: NodeJS.Timeout | undefined;
  private accepting: Promise<void> = Promise.resolve();
  private closed = false;
  port = 0;

  constructor(private readonly opts: HttpOptions) {}

  async listen(port: number): Promise<void> {
    const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolveListen();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('emulator: no TCP address');
    this.port = address.port;
    this.server = server;
  }

  /** Resolves once connections are refused; listens again on the same port after ms. */
  async refuse(ms: number): Promise<void> {
    if (this.closed) throw new Error('emulator is closed');
    if (this.refusing) throw new Error('refuseConnections: already refusing');
    const server = this.server;
    this.refusing = true;
    this.server = undefined;
    let done!: () => void;
    this.accepting = new Promise<void>((r) => (done = r));
    if (server) {
      server.close();
      server.closeIdleConnections();
    }
    await new Promise((r) => setImmediate(r));
    this.relistenTimer = setTimeout(() => {
      this.relistenTimer = undefined;
      if (this.closed) return done();
      this.listen(this.port)
        .catch(() => undefined)
        .finally(() => {
          this.refusing = false;
          done();
        });
    }, ms);
  }

  listening(): Promise<void> {
    return this.accepting;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.relistenTimer) clearTimeout(this.relistenTimer);
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const entry: RequestLogEntry = {
      time: Date.now(),
      method,
      path: url.pathname,
      query: {},
      fields: {},
      fileNames: [],
      fileBytes: 0,
      status: 0,
    };
    this.requests.push(entry);
    const ctx = new RequestContext(req, method, normalisePath(url.pathname), url.searchParams, this.opts.services, entry);
    entry.query = ctx.query.toRecord();
    // A request that arrives on an old keep-alive connection while "down" is cut off.
    if (this.refusing) return void req.socket.destroy();
    const fault = this.faults.take(method, url.pathname);
    if (fault && (await this.applyEarlyFault(fault, req, res, entry))) return;

    let reply: Reply;
    const length = Number(req.headers['content-length'] ?? '0');
    if (length > this.opts.maxContentLength) {
      // Werkzeug/Quart raise RequestEntityTooLarge on reading; no handler, so code 100 (§2.3, UNCONFIRMED).
      reply = httpExceptionEnvelope(413);
      res.setHeader('connection', 'close');
    } else {
      reply = await this.dispatch(ctx);
      if (!req.readableEnded) await drain(req).catch(() => undefined);
    }
    if (fault?.type === 'latency') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.type === 'reset') {
      // after: 'body' — the request was fully processed (a document may be stored), the answer is lost.
      return void req.socket.destroy();
    }
    entry.status = reply.status;
    const code = codeOf(reply);
    if (code !== undefined) entry.code = code;
    await send(req, res, reply);
  }

  /** Faults that answer (or not) instead of RAGFlow. True when the request is finished with. */
  private async applyEarlyFault(fault: FaultAction, req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry): Promise<boolean> {
    switch (fault.type) {
      case 'reset':
        if (fault.after === 'body') return false;
        req.socket.destroy();
        return true;
      case 'status': {
        await drain(req).catch(() => undefined);
        entry.status = fault.status;
        await send(req, res, { kind: 'text', status: fault.status, body: fault.body ?? proxyErrorBody(fault.status), headers: { 'content-type': 'text/html' } });
        return true;
      }
      case 'rate-limit':
        await drain(req).catch(() => undefined);
        entry.status = 429;
        await send(req, res, {
          kind: 'text',
          status: 429,
          body: proxyErrorBody(429),
          headers: { 'content-type': 'text/html', 'retry-after': fault.retryAfter },
        });
        return true;
      case 'hang':
        // The server stalls before handling: the body is read, nothing is stored, no answer until close().
        await drain(req).catch(() => undefined);
        return true;
      case 'latency':
        return false;
    }
  }

  private async dispatch(ctx: RequestContext): Promise<Reply> {
    const r = resolve(this.opts.routes, ctx.method, ctx.path);
    try {
      if (r.kind === 'not-found') return notFoundReply(ctx.profile, ctx.path);
      if (r.kind === 'method-not-allowed') return methodNotAllowedReply();
      return await r.route.handler(ctx, r.params);
    } catch (err) {
      // RAGFlow's global handler: any uncaught exception is HTTP 200, code 100, repr(e).
      return serverError(pyException('Exception', `emulator: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
}

async function send(req: IncomingMessage, res: ServerResponse, reply: Reply): Promise<void> {
  if (res.destroyed) return;
  switch (reply.kind) {
    case 'json': {
      const body = Buffer.from(JSON.stringify(reply.body), 'utf8');
      res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': body.length, ...reply.headers });
      res.end(body);
      return;
    }
    case 'text': {
      const body = Buffer.from(reply.body, 'utf8');
      res.writeHead(reply.status, { 'content-length': body.length, ...reply.headers });
      res.end(body);
      return;
    }
    case 'file':
      res.writeHead(reply.status, { 'content-length': reply.size, ...reply.headers });
      if (req.method === 'HEAD') return void res.end();
      await pipeline(createReadStream(reply.path), res).catch(() => undefined);
      return;
  }
}
