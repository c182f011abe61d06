// Worker-thread entry of the threaded scanner: walks one folder with the ordinary scanner and sends the
// result back packed (paths in one string, numbers in one transferred Float64Array), because structured
// cloning 100,000 small objects would cost more than the walk saves.
import { parentPort } from 'node:worker_threads';
import { createPathFilter } from '../core/path-filter.js';
import { scanFolder, ScanRootError } from './fs-scanner.js';
import type { PackedScan, ScanRequest, ScanWorkerReply } from './threaded-scanner.js';

parentPort?.once('message', (request: ScanRequest) => {
  void answer(request).then((reply) => {
    if (reply.ok) parentPort?.postMessage(reply, [reply.scan.numbers.buffer as ArrayBuffer]);
    else parentPort?.postMessage(reply);
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
