// Worker-thread entry of the threaded scanner: walks one folder with the ordinary scanner and sends the
// result back packed (paths in one string, numbers in one transferred Float64Array), because structured
// cloning 100,000 small objects would cost more than the walk saves. It may first be told a config file
// to guess the first request from (see threaded-scanner.ts); the real request decides what is answered.
import { parentPort } from 'node:worker_threads';
import { createPathFilter } from '../core/path-filter.js';
import { scanFolder, ScanRootError } from './fs-scanner.js';
import { guessFirstRequest, requestKey, type PackedScan, type ScanRequest, type ScanWorkerMessage, type ScanWorkerReply } from './threaded-scanner.js';

let guess: { key: string; reply: Promise<ScanWorkerReply> } | undefined;

parentPort?.on('message', (message: ScanWorkerMessage) => {
  if (message.kind === 'speculate') {
    const request = guessFirstRequest(message.configFile);
    if (request !== undefined) guess = { key: requestKey(request), reply: answer(request) };
    return;
  }
  const reply = guess?.key === requestKey(message) ? guess.reply : answer(message);
  guess = undefined;
  void reply.then((done) => {
    if (done.ok) parentPort?.postMessage(done, [done.scan.numbers.buffer as ArrayBuffer]);
    else parentPort?.postMessage(done);
  });
});

async function answer(request: ScanRequest): Promise<ScanWorkerReply> {
  try {
    // No slicing, no async listings: this thread has nothing else to do, and yielding costs time.
    const result = await scanFolder(request.root, createPathFilter(request.filter), { sliceMs: Number.POSITIVE_INFINITY, synchronous: true });
    const numbers = new Float64Array(result.files.length * 4);
    const paths: string[] = [];
    result.files.forEach((file, index) => {
      paths.push(file.relPath);
      numbers[index * 4] = file.size;
      numbers[index * 4 + 1] = file.mtimeMs;
      numbers[index * 4 + 2] = file.ctimeMs;
      numbers[index * 4 + 3] = file.ino;
    });
    const scan: PackedScan = { paths: paths.join('\0'), count: paths.length, numbers, skipped: result.skipped, root: result.root };
    return { ok: true, scan };
  } catch (error) {
    if (error instanceof ScanRootError) return { ok: false, rootError: { code: error.code, root: error.root, errno: error.errno } };
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
