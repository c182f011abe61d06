// Rows 3 and 4: one 1 GB upload to the emulator on loopback. Row 3: the uploading process's peak RSS
// over its RSS just before (idle, warmed up). Row 4: its throughput against `curl -F file=@…` to the
// same endpoint. Runs alternate; each uploaded document is deleted again.
import path from 'node:path';
import { API_KEY, KB, startServer, type BenchContext, type BenchServer } from '../lib/context.js';
import { expectSuccess, ROOT, timed } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { formatMiB, formatRatio, median, round } from '../lib/stats.js';
import { makeRandomFiles } from '../lib/trees.js';

export interface BigUploadResult {
  readonly bytes: number;
  readonly curlMs: number[];
  readonly oursMs: number[];
  readonly rssGrowthBytes: number[];
  readonly idleRssBytes: number[];
}

interface WorkerReport {
  readonly docId: string;
  readonly uploadMs: number;
  readonly idleRssBytes: number;
  readonly peakRssBytes: number;
}

async function deleteDocument(server: BenchServer, id: string): Promise<void> {
  const response = await fetch(`${server.emulator.url}/api/v1/datasets/${server.kbId}/documents`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ids: [id] }),
  });
  const answer = (await response.json()) as { code?: number };
  if (answer.code !== 0) throw new Error(`could not delete ${id}: ${JSON.stringify(answer)}`);
}

export async function measureBigUpload(ctx: BenchContext, bytes: number): Promise<BigUploadResult> {
  const dir = ctx.dir('big-upload');
  ctx.log(`rows 3/4: writing a ${formatMiB(bytes)} file`);
  const file = path.join(dir, makeRandomFiles(dir, 'big', 1, bytes)[0] ?? '');
  // The multipart body is a little larger than the file: let it through whatever the size.
  const server = await startServer('v1-0.27', { maxContentLength: bytes + (16 << 20) });
  const endpoint = `${server.emulator.url}/api/v1/datasets/${server.kbId}/documents`;
  try {
    const curl = async () => {
      const run = expectSuccess(
        await timed('curl', ['-sS', '-H', `Authorization: Bearer ${API_KEY}`, '-F', `file=@${file};filename=big-curl.txt`, '-w', '\n%{time_total}', endpoint]),
        'curl upload',
      );
      const lines = run.stdout.trimEnd().split('\n');
      const seconds = Number(lines.pop());
      const answer = JSON.parse(lines.join('\n')) as { code?: number; data?: Array<{ id: string }> };
      const id = answer.data?.[0]?.id;
      if (answer.code !== 0 || id === undefined) throw new Error(`curl upload was refused: ${lines.join('\n').slice(0, 500)}`);
      await deleteDocument(server, id);
      return seconds * 1000;
    };
    const ours = async (): Promise<WorkerReport> => {
      const run = expectSuccess(
        await timed(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/workers/upload-one.ts'), server.emulator.url, API_KEY, KB, file, 'big-ours.txt']),
        'upload worker',
      );
      const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as WorkerReport;
      await deleteDocument(server, report.docId);
      return report;
    };
    await curl(); // warm the page cache and the server
    const curlMs: number[] = [];
    const oursMs: number[] = [];
    const rssGrowthBytes: number[] = [];
    const idleRssBytes: number[] = [];
    for (let rep = 0; rep < Math.min(ctx.reps, 3); rep += 1) {
      curlMs.push(await curl());
      const report = await ours();
      oursMs.push(report.uploadMs);
      rssGrowthBytes.push(report.peakRssBytes - report.idleRssBytes);
      idleRssBytes.push(report.idleRssBytes);
    }
    ctx.log(`rows 3/4: curl ${Math.round(median(curlMs))} ms, ours ${Math.round(median(oursMs))} ms, RSS +${formatMiB(Math.max(...rssGrowthBytes))}`);
    return { bytes, curlMs, oursMs, rssGrowthBytes, idleRssBytes };
  } finally {
    await server.emulator.close();
  }
}

export function bigUploadRows(result: BigUploadResult): Row[] {
  const mbps = (ms: number) => result.bytes / 1e6 / (ms / 1000);
  const worstGrowth = Math.max(...result.rssGrowthBytes);
  const ratio = mbps(median(result.oursMs)) / mbps(median(result.curlMs));
  const size = `${(result.bytes / 1e9).toFixed(2)} GB`;
  return [
    {
      id: '3',
      measure: `peak RSS while uploading one ${size} file`,
      baseline: `idle ${formatMiB(median(result.idleRssBytes))}`,
      ours: `+${formatMiB(worstGrowth)} (worst of ${result.rssGrowthBytes.length})`,
      ratio: '—',
      target: '+ ≤ 64 MB',
      pass: worstGrowth <= 64 * 1e6,
      data: { bytes: result.bytes, rssGrowthBytes: result.rssGrowthBytes, idleRssBytes: result.idleRssBytes },
    },
    {
      id: '4',
      measure: `throughput of one ${size} upload, loopback`,
      baseline: `curl -F ${Math.round(mbps(median(result.curlMs)))} MB/s`,
      ours: `${Math.round(mbps(median(result.oursMs)))} MB/s`,
      ratio: formatRatio(ratio),
      target: '≥ 0.8×',
      pass: ratio >= 0.8,
      data: { bytes: result.bytes, curlMs: result.curlMs.map((ms) => round(ms, 1)), oursMs: result.oursMs.map((ms) => round(ms, 1)), ratio: round(ratio, 3) },
    },
  ];
}
