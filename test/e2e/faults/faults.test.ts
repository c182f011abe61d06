// Server and network faults on the real process: retries with backoff, Retry-After pauses of the whole
// queue, lost answers, hung requests, a server failing every attempt, and a rejected key. Retry logic is
// API-independent (our own code over both clients), so one profile carries most cases.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProfileName, RequestLogEntry } from '../../emulator/index.js';
import { makeSandbox, readStateJson, runCli, startCliProcess, startDaemonProcess, until, uploads, UPLOAD_PATH, writeTree, type DaemonProcess, type Sandbox } from '../harness.js';
import { expectConverged, patchConfig, seedForeign, sync, syncOk } from './fault-kit.js';

const LIST_PATH = /\/datasets\/[^/]+\/documents$/;

describe('faults against v1-0.27', () => {
  let box: Sandbox | undefined;
  let running: DaemonProcess | undefined;
  afterEach(async () => {
    if (running && running.child.exitCode === null) await running.stop('SIGKILL');
    running = undefined;
    await box?.cleanup();
    box = undefined;
  });

  it('5xx answers and connection resets are retried with growing backoff, and a reset upload is looked for before it is sent again', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    const foreign = seedForeign(box);
    await writeTree(box.docs, { 'a.md': 'alpha\n' });
    box.emulator.addFault({ method: 'GET', path: LIST_PATH, action: { type: 'status', status: 502 } });
    box.emulator.addFault({ method: 'POST', path: UPLOAD_PATH, action: { type: 'status', status: 503 }, times: 2 });
    box.emulator.addFault({ method: 'POST', path: UPLOAD_PATH, action: { type: 'reset', after: 'headers' } });
    await syncOk(box);
    const attempts = uploads(box.emulator);
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 0, 200]);
    // Full jitter over an exponential ceiling (500 ms, 1 s, 2 s): at least half the ceiling each time.
    const gaps = attempts.slice(1).map((a, i) => a.time - attempts[i]!.time);
    expect(gaps[0]).toBeGreaterThanOrEqual(240);
    expect(gaps[1]).toBeGreaterThanOrEqual(490);
    expect(gaps[2]).toBeGreaterThanOrEqual(990);
    // Between the reset and the re-send, the server's documents were listed (was it stored after all?).
    const between = box.emulator.requests.filter((r) => r.time > attempts[2]!.time && r.time < attempts[3]!.time);
    expect(between.some((r) => r.method === 'GET' && LIST_PATH.test(r.path))).toBe(true);
    const lists = box.emulator.requests.filter((r) => r.method === 'GET' && LIST_PATH.test(r.path));
    expect(lists[0]?.status).toBe(502);
    await expectConverged(box, foreign);
  });

  it('a 429 pauses the whole queue for its Retry-After, in seconds and as an HTTP date', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    const foreign = seedForeign(box);
    await writeTree(box.docs, Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`s${i}.md`, `seconds ${i}\n`])));
    box.emulator.addFault({ method: 'POST', path: UPLOAD_PATH, action: { type: 'rate-limit', retryAfter: '2' } });
    await syncOk(box);
    expectPaused(box.emulator.requests, (t) => t + 2000);
    await expectConverged(box, foreign);

    box.emulator.clearRequests();
    await writeTree(box.docs, Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`d${i}.md`, `date ${i}\n`])));
    const until = new Date(Date.now() + 6000).toUTCString(); // whole seconds: at least 5 s from now
    box.emulator.addFault({ method: 'POST', path: UPLOAD_PATH, action: { type: 'rate-limit', retryAfter: until } });
    await syncOk(box);
    expectPaused(box.emulator.requests, () => Date.parse(until));
    await expectConverged(box, foreign);
  });

  it('a hung upload times out and is sent again while the other files go on; a file the server refuses fails alone', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await patchConfig(box, (config) => (config['server'] = { ...(config['server'] as object), requestTimeoutSeconds: 1 }));
    const foreign = seedForeign(box);
    const files = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}.md`, `file ${i}\n`]));
    await writeTree(box.docs, { ...files, 'tool.exe': 'MZ not a document type RAGFlow takes\n' });
    box.emulator.addFault({ method: 'POST', path: UPLOAD_PATH, action: { type: 'hang' } });
    running = startCliProcess(['--config', box.configFile, '--sync']);
    const hung = () => uploads(box!.emulator)[0];
    await until(() => hung() !== undefined, 'the first upload arrives');
    // Everything else gets through while the first upload still hangs.
    await until(() => box!.emulator.documents('handbook').filter((d) => !d.seeded).length === 7, 'the other seven files are stored', 20_000, 20);
    expect(hung()?.status).toBe(0);
    const { code } = await new Promise<{ code: number | null }>((resolve) => running!.child.on('close', (c) => resolve({ code: c })));
    expect(code, running.output()).toBe(1); // tool.exe is refused: one failure, listed
    expect(running.output()).toMatch(/"path":"tool.exe"[^\n]*file skipped: the server refuses it/);
    await expectConverged(box, foreign, (rel) => rel !== 'tool.exe');
  });

  it('a server failing every attempt: bounded attempts, the files are recorded failed, and the next run uploads them', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    const foreign = seedForeign(box);
    await writeTree(box.docs, { 'a.md': 'alpha\n', 'b.md': 'bravo\n', 'c.md': 'charlie\n' });
    box.emulator.addFault({ method: 'POST', path: UPLOAD_PATH, action: { type: 'status', status: 500 }, times: Infinity });
    const started = Date.now();
    const failed = await sync(box);
    expect(failed.code, failed.stdout).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(uploads(box.emulator).length).toBeLessThanOrEqual(3 * 5); // 5 attempts per file at most
    const state = await readStateJson(box.stateFile);
    const entries = Object.values(Object.values(state.folders)[0]!.files);
    expect(entries.map((e) => e.status)).toEqual(['failed', 'failed', 'failed']);
    box.emulator.clearFaults();
    box.emulator.clearRequests();
    await syncOk(box);
    expect(uploads(box.emulator)).toHaveLength(3);
    await expectConverged(box, foreign);
  });

  it('the daemon stops with 77 when the key is rejected, without hammering the server', async () => {
    box = await makeSandbox({ profile: 'v1-0.27' });
    await writeTree(box.docs, { 'a.md': 'alpha\n' });
    running = startDaemonProcess(box.configFile);
    await running.waitForLog(/"msg":"watching"/);
    box.emulator.clearRequests();
    // What RAGFlow ≥ 0.25 answers once the key is revoked.
    const body = JSON.stringify({ code: 401, message: "<Unauthorized '401: Unauthorized'>", data: null });
    box.emulator.addFault({ action: { type: 'status', status: 401, body }, times: Infinity });
    await writeTree(box.docs, { 'b.md': 'bravo\n' });
    const { code } = await new Promise<{ code: number | null }>((resolve) => running!.child.on('close', (c) => resolve({ code: c })));
    expect(code).toBe(77);
    expect(running.output()).toContain('rejected the API key');
    expect(box.emulator.requests.length).toBeLessThanOrEqual(2);
  });
});

for (const profile of ['legacy-0.19', 'v1-0.27'] as ProfileName[]) {
  describe(`lost answers and a rejected key against ${profile}`, () => {
    let box: Sandbox;
    afterEach(async () => box.cleanup());

    it('an upload stored by the server whose answer was lost is adopted, not sent again', async () => {
      box = await makeSandbox({ profile });
      const foreign = seedForeign(box);
      await writeTree(box.docs, { 'a.md': 'alpha\n', 'b.md': 'bravo\n', 'c.md': 'charlie\n' });
      box.emulator.addFault({ method: 'POST', path: UPLOAD_PATH, action: { type: 'reset', after: 'body' } });
      const result = await syncOk(box);
      expect(uploads(box.emulator)).toHaveLength(3);
      expect(result.stdout).toContain('an upload whose answer was lost had reached the server; adopting it');
      await expectConverged(box, foreign);
    });

    it('--sync exits 77 when the key is rejected', async () => {
      box = await makeSandbox({ profile });
      await writeTree(box.docs, { 'a.md': 'alpha\n' });
      const result = await runCli(['--config', box.configFile, '--sync'], { env: { RAGFLOW_API_KEY: 'ragflow-revoked-key-000' } });
      expect(result.code).toBe(77);
      expect(result.stderr).toContain('rejected the API key');
      expect(uploads(box.emulator)).toEqual([]);
    });
  });
}

/** No request may start while the queue is paused: from shortly after the 429 (requests already on their
 *  way may land a moment later) until the time the server named. */
function expectPaused(requests: readonly RequestLogEntry[], resumeAt: (t429: number) => number): void {
  const limited = requests.find((r) => r.status === 429);
  expect(limited).toBeDefined();
  const t429 = limited!.time;
  const resume = resumeAt(t429);
  const during = requests.filter((r) => r.time > t429 + 300 && r.time < resume - 60);
  expect(during.map((r) => `${r.method} ${r.path} at +${r.time - t429} ms`)).toEqual([]);
  const retried = requests.filter((r) => r.time > t429 && UPLOAD_PATH.test(r.path) && r.method === 'POST');
  expect(retried.length).toBeGreaterThan(0);
  expect(Math.min(...retried.filter((r) => r.time > t429 + 300).map((r) => r.time))).toBeGreaterThanOrEqual(resume - 60);
}
