// The daemon's status endpoint end to end: the built CLI as a real process with metrics.listen on port 0,
// /healthz and /metrics scraped over real HTTP, the status page in headless Chromium (playwright-core,
// a screenshot in test-output/), the endpoint surviving a SIGHUP reload, 503 once a folder root vanishes.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, makeSandbox, ROOT, startDaemonProcess, writeTree, type DaemonProcess, type Sandbox } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const OUTPUT = path.join(ROOT, 'test-output');
const LABELS = (box: Sandbox) => `{folder="${box.docs}",kb="handbook"}`;

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** The value of one sample line in Prometheus text, e.g. metric('x_total{a="b"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('status endpoint of the daemon', () => {
  let box: Sandbox;
  let daemon: DaemonProcess;
  let url: string;

  beforeAll(async () => {
    // One simulated FAIL is final: no parse retries (docs/smart-sync.md, parseRetries).
    box = await makeSandbox({ profile: 'v1-0.27', folder: { parseRetries: 0 }, config: { metrics: { listen: '127.0.0.1:0' } } });
    box.emulator.failParse('bad.md', 'OCR engine crashed on page 3');
    await writeTree(box.docs, { 'a.md': 'alpha\n', 'sub/b.md': 'bravo\n', 'bad.md': 'bad\n', 'blob.bin': Buffer.from([0, 1, 2, 3]) });
    daemon = startDaemonProcess(box.configFile);
    await daemon.waitForLog(/"msg":"status endpoint listening/);
    const line = daemon
      .output()
      .split('\n')
      .find((l) => l.includes('status endpoint listening'));
    url = (JSON.parse(line ?? '{}') as { url: string }).url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  afterAll(async () => {
    if (daemon.child.exitCode === null) await daemon.stop('SIGKILL');
    await box.cleanup();
  });

  it('/healthz answers 200 and /metrics has the counters and gauges of the first reconcile', async () => {
    expect(await get(`${url}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
    const { status, body } = await get(`${url}/metrics`);
    expect(status).toBe(200);
    const labels = LABELS(box);
    expect(sample(body, `ragflow_sync_uploads_total${labels}`)).toBe(3);
    expect(sample(body, `ragflow_sync_failures_total${labels}`)).toBe(2); // blob.bin: type not supported; bad.md: parse failed
    expect(sample(body, `ragflow_sync_deletes_total${labels}`)).toBe(0);
    expect(sample(body, `ragflow_sync_tracked_documents${labels}`)).toBe(3);
    expect(sample(body, `ragflow_sync_failed_files${labels}`)).toBe(1);
    expect(sample(body, `ragflow_sync_held_deletes${labels}`)).toBe(0);
    expect(sample(body, `ragflow_sync_watcher_up${labels}`)).toBe(1);
    expect(sample(body, 'ragflow_sync_healthy')).toBe(1);
    expect(sample(body, 'ragflow_sync_queue_depth{state="waiting"}')).toBe(0);
    const reconciled = sample(body, `ragflow_sync_last_reconcile_timestamp_seconds${labels}`) ?? 0;
    expect(Math.abs(Date.now() / 1000 - reconciled)).toBeLessThan(60);
    expect(body).toContain('ragflow_sync_process_resident_memory_bytes');
  });

  it.skipIf(!hasChromium)(`the status page in headless Chromium shows the folder, failures and parse states, and refreshes itself${hasChromium ? '' : ` (skipped: ${CHROMIUM} is not installed; apt-get install -y chromium)`}`, async () => {
    // The first look starts the (rate-limited) parse-state read; wait until it is in.
    await eventually(async () => {
      const json = JSON.parse((await get(`${url}/status.json`)).body);
      expect(json.folders[0].parse?.counts).toEqual({ DONE: 2, FAIL: 1 });
    }, 15_000);
    const userDataDir = await mkdtemp(path.join(tmpdir(), 'ragflow-sync-chromium-'));
    let context: BrowserContext | undefined;
    try {
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page: Page = await context.newPage();
      const external: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(url)) external.push(request.url());
      });
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.goto(`${url}/`);

      expect(await page.title()).toBe('ragflow-sync status');
      expect(await page.textContent('#health')).toContain('Healthy');
      const section = page.locator('section.folder[data-kb="handbook"]');
      expect(await section.locator('h2').textContent()).toBe(`${box.docs} → handbook`);
      const stat = (name: string) => section.locator(`[data-stat="${name}"]`).textContent();
      expect(await stat('tracked')).toBe('3');
      expect(await stat('failed')).toBe('1');
      expect(await stat('held')).toBe('0');
      expect(await stat('pending')).toBe('0');
      expect(await stat('watcher')).toBe('watching');
      expect(await stat('last-reconcile')).toMatch(/^\d+ s ago$/);
      const failure = section.locator('table.failures tbody tr');
      expect(await failure.count()).toBe(1);
      expect(await failure.textContent()).toMatch(/blob\.bin.*not been supported.*not retried until the file changes/);
      expect(await section.locator('[data-parse="DONE"]').textContent()).toBe('DONE 2');
      expect(await section.locator('[data-parse="FAIL"]').textContent()).toBe('FAIL 1');
      const parseRow = section.locator('table.parsing tbody tr');
      expect(await parseRow.count()).toBe(1);
      expect(await parseRow.textContent()).toMatch(/bad\.md.*FAIL.*\[ERROR\]OCR engine crashed on page 3/);
      expect(await page.locator('form, button, input').count()).toBe(0); // read-only

      await mkdir(OUTPUT, { recursive: true });
      await page.screenshot({ path: path.join(OUTPUT, 'status-page.png'), fullPage: true });

      // A new file shows up on the open page by itself (the page polls /fragment).
      await writeTree(box.docs, { 'new.md': 'new\n' });
      await expect.poll(() => stat('tracked'), { timeout: 20_000, interval: 250 }).toBe('4');
      expect(page.url()).toBe(`${url}/`); // refreshed in place, not reloaded
      expect(external).toEqual([]); // no external assets
      expect(errors).toEqual([]); // the CSP lets the inline script and styles run
    } finally {
      await context?.close();
      await rm(userDataDir, { recursive: true, force: true });
    }
  });

  it('keeps answering across a SIGHUP reload, with counters that do not go backwards', async () => {
    const before = sample((await get(`${url}/metrics`)).body, `ragflow_sync_uploads_total${LABELS(box)}`) ?? 0;
    expect(before).toBeGreaterThanOrEqual(3);
    const config = JSON.parse(await readFile(box.configFile, 'utf8'));
    config.folders[0].exclude = ['*.bin'];
    await writeFile(box.configFile, JSON.stringify(config));
    daemon.child.kill('SIGHUP');
    await daemon.waitForLog(/"msg":"configuration reloaded"/);
    expect(await get(`${url}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
    const after = (await get(`${url}/metrics`)).body;
    expect(sample(after, `ragflow_sync_uploads_total${LABELS(box)}`)).toBe(before);
    expect(sample(after, `ragflow_sync_failed_files${LABELS(box)}`)).toBe(0); // blob.bin is excluded now
  });

  it('/healthz answers 503 with the reason once the folder root vanishes, and the port closes on SIGTERM', async () => {
    await rename(box.docs, `${box.docs}-away`);
    try {
      await eventually(async () => {
        const health = await get(`${url}/healthz`);
        expect(health.status).toBe(503);
        expect(health.body).toBe(`unhealthy: folder root missing or changed: ${box.docs}\n`);
      }, 15_000);
      const body = (await get(`${url}/metrics`)).body;
      expect(sample(body, 'ragflow_sync_healthy')).toBe(0);
      expect(sample(body, `ragflow_sync_root_ok${LABELS(box)}`)).toBe(0);
    } finally {
      await rename(`${box.docs}-away`, box.docs);
    }
    const { code } = await daemon.stop('SIGTERM');
    expect(code).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
