// The daemon's optional HTTP endpoint (metrics.listen): /healthz, /metrics, the status page at / (with
// /fragment for its refresh) and /status.json. Read-only: GET and HEAD only, nothing changes anything.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { isLoopbackHost, listenUrl, type ListenAddress } from '../config/listen-address.js';
import type { ServiceMetrics } from './service-metrics.js';
import type { ServiceSnapshot } from './service-snapshot.js';
import { renderStatusBody, renderStatusPage } from './status-page.js';

export interface StatusServerDeps {
  readonly listen: ListenAddress;
  /** Refuse requests whose Host is not a loopback name (a web page's DNS rebinding could read the status). */
  readonly loopbackOnly: boolean;
  /** `forPeople`: the page and /status.json may trigger a (rate-limited) read of parse states; probes must not. */
  readonly snapshot: (forPeople: boolean) => ServiceSnapshot;
  readonly metrics: ServiceMetrics;
  readonly version: string;
  readonly logger: Logger;
}

export interface StatusServer {
  /** e.g. http://127.0.0.1:9464 (the real port when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export async function startStatusServer(deps: StatusServerDeps): Promise<StatusServer> {
  const server = createServer((req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      deps.logger.error({ err, path: req.url }, 'status endpoint failed to answer');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n', req.method === 'HEAD');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.listen.port, deps.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = listenUrl(address.address, address.port);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // browsers keep connections open; do not wait for them
      }),
  };
}

async function handle(deps: StatusServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'read-only endpoint: GET or HEAD\n', false);
  }
  if (deps.loopbackOnly && !isLoopbackHost(hostName(req.headers.host))) {
    return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: use a loopback address (127.0.0.1, [::1] or localhost)\n', head);
  }
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  switch (path) {
    case '/healthz': {
      const snapshot = deps.snapshot(false);
      return snapshot.healthy
        ? send(res, 200, 'text/plain; charset=utf-8', 'ok\n', head)
        : send(res, 503, 'text/plain; charset=utf-8', `unhealthy: ${snapshot.reason ?? 'unknown'}\n`, head);
    }
    case '/metrics':
      return send(res, 200, deps.metrics.contentType, await deps.metrics.render(deps.snapshot(false)), head);
    case '/status.json':
      return send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify({ version: deps.version, ...deps.snapshot(true) }, null, 2)}\n`, head);
    case '/fragment':
      return send(res, 200, 'text/html; charset=utf-8', renderStatusBody(deps.snapshot(true)), head);
    case '/': {
      const nonce = randomBytes(16).toString('base64');
      res.setHeader(
        'content-security-policy',
        `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      );
      return send(res, 200, 'text/html; charset=utf-8', renderStatusPage(deps.snapshot(true), { version: deps.version, nonce }), head);
    }
    default:
      return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /, /healthz, /metrics or /status.json\n', head);
  }
}

/** The host name of a Host header: "127.0.0.1:9464" → 127.0.0.1, "[::1]:9464" → ::1. */
function hostName(host: string | undefined): string {
  if (!host) return '';
  const bracketed = /^\[([^\]]+)\]/.exec(host);
  if (bracketed) return bracketed[1] ?? '';
  return host.replace(/:\d+$/, '');
}

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}
