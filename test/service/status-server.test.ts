// The status endpoint over real HTTP on 127.0.0.1 with a snapshot the test controls: health codes and
// reasons, Prometheus text, read-only methods, the Host check, escaping on the page.
import { request } from 'node:http';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServiceMetrics, type ServiceMetrics } from '../../src/metrics/service-metrics.js';
import type { FolderSnapshot, ServiceSnapshot } from '../../src/metrics/service-snapshot.js';
import { startStatusServer, type StatusServer } from '../../src/metrics/status-server.js';

const folder: FolderSnapshot = {
  key: 'kb::/docs',
  path: '/docs',
  kb: 'kb',
  watching: true,
  rootOk: true,
  degraded: false,
  pendingHints: 2,
  tracked: 7,
  pending: 1,
  failed: [{ path: '<script>alert(1)</script>.md', error: 'unsupported-type: "x" & <y>', permanent: true }],
  skipped: 3,
  held: 0,
  lastReconcileAt: Date.UTC(2026, 0, 2, 3, 4, 5),
};

function get(url: string, options: { method?: string; host?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.host ? { host: options.host } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('status server', () => {
  let server: StatusServer;
  let snapshot: ServiceSnapshot;
  let metrics: ServiceMetrics;
  let peopleAsked = 0;
  beforeEach(async () => {
    snapshot = { healthy: true, serverUp: true, queue: { waiting: 4, running: 2, hints: 2 }, folders: [folder], now: Date.UTC(2026, 0, 2, 3, 5, 5) };
    metrics = createServiceMetrics({ processMetrics: false });
    peopleAsked = 0;
    server = await startStatusServer({
      listen: { host: '127.0.0.1', port: 0 },
      loopbackOnly: true,
      snapshot: (forPeople) => {
        if (forPeople) peopleAsked += 1;
        return snapshot;
      },
      metrics,
      version: '9.9.9',
      logger: pino({ level: 'silent' }),
    });
  });
  afterEach(async () => server.close());

  it('/healthz: 200 ok while healthy, 503 with the reason otherwise', async () => {
    expect(await get(`${server.url}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    snapshot = { ...snapshot, healthy: false, reason: 'RAGFlow server unavailable: connection refused' };
    expect(await get(`${server.url}/healthz`)).toMatchObject({ status: 503, body: 'unhealthy: RAGFlow server unavailable: connection refused\n' });
    expect(peopleAsked).toBe(0); // probes never trigger parse-state reads
  });

  it('/metrics: Prometheus text with counters from reports and gauges from the snapshot', async () => {
    metrics.record({ folder: '/docs', kb: 'kb', uploaded: 3, replaced: 1, deleted: 2, unchanged: 0, bytesHashed: 0, failed: [{ relPath: 'a', error: 'x' }], skipped: [], held: [], elapsedMs: 1 });
    metrics.record({ folder: '/docs', kb: 'kb', uploaded: 1, replaced: 0, deleted: 0, unchanged: 0, bytesHashed: 0, failed: [], skipped: [], held: [], elapsedMs: 1 });
    const res = await get(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toContain('text/plain; version=0.0.4');
    const lines = res.body.split('\n');
    const labels = '{folder="/docs",kb="kb"}';
    for (const expected of [
      `ragflow_sync_uploads_total${labels} 4`,
      `ragflow_sync_replacements_total${labels} 1`,
      `ragflow_sync_deletes_total${labels} 2`,
      `ragflow_sync_failures_total${labels} 1`,
      `ragflow_sync_tracked_documents${labels} 7`,
      `ragflow_sync_failed_files${labels} 1`,
      `ragflow_sync_pending_changes${labels} 2`,
      `ragflow_sync_held_deletes${labels} 0`,
      `ragflow_sync_watcher_up${labels} 1`,
      `ragflow_sync_last_reconcile_timestamp_seconds${labels} ${Date.UTC(2026, 0, 2, 3, 4, 5) / 1000}`,
      'ragflow_sync_queue_depth{state="waiting"} 4',
      'ragflow_sync_queue_depth{state="running"} 2',
      'ragflow_sync_healthy 1',
      'ragflow_sync_server_up 1',
    ]) {
      expect(lines).toContain(expected);
    }
    expect(res.body).toContain('# TYPE ragflow_sync_uploads_total counter');
    snapshot = { ...snapshot, folders: [] }; // a reload removed the folder: its gauges go, counters stay
    const after = await get(`${server.url}/metrics`);
    expect(after.body).not.toContain(`ragflow_sync_tracked_documents${labels}`);
    expect(after.body).toContain(`ragflow_sync_uploads_total${labels} 4`);
  });

  it('is read-only and answers unknown paths with 404', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await get(`${server.url}/`, { method });
      expect(res.status).toBe(405);
      expect(res.headers['allow']).toBe('GET, HEAD');
    }
    expect((await get(`${server.url}/admin`)).status).toBe(404);
    const head = await get(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '' });
  });

  it('refuses a foreign Host header (DNS rebinding), accepts loopback names', async () => {
    expect((await get(`${server.url}/status.json`, { host: 'attacker.example:80' })).status).toBe(403);
    expect((await get(`${server.url}/status.json`, { host: 'localhost:1234' })).status).toBe(200);
    expect((await get(`${server.url}/status.json`, { host: '[::1]:1234' })).status).toBe(200);
  });

  it('serves the page self-contained, with a CSP and every value escaped', async () => {
    const res = await get(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(String(res.headers['content-security-policy'])).toMatch(/default-src 'none'.*script-src 'nonce-/);
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;.md');
    expect(res.body).toContain('unsupported-type: &quot;x&quot; &amp; &lt;y&gt;');
    expect(res.body).not.toMatch(/(src|href)="https?:/); // no external assets
    expect(res.body).not.toMatch(/<form|<button|<input/);
    expect(res.body).toContain('data-stat="tracked">7<');
    expect(peopleAsked).toBe(1);
    const json = JSON.parse((await get(`${server.url}/status.json`)).body);
    expect(json).toMatchObject({ version: '9.9.9', healthy: true, folders: [{ kb: 'kb', tracked: 7 }] });
  });
});
