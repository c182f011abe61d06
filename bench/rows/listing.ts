// Row 1b: the server-listing step alone (KbClient.listDocuments on the v1 API, page_size 100) for N
// documents: the number of page requests against ⌈N/100⌉, and the time. The emulator is seeded with N
// documents; seeding costs O(N) per document there, which bounds N (see docs/performance.md).
import { API_KEY, KB, startServer, type BenchContext } from '../lib/context.js';
import type { Row } from '../lib/report.js';
import { formatMs, median, round } from '../lib/stats.js';
import { createClient } from '../../src/ragflow/create-client.js';
import { createRequestScheduler } from '../../src/sync/request-scheduler.js';

export const PAGE_SIZE = 100;

export interface ListingResult {
  readonly documents: number;
  readonly pageRequests: number[];
  readonly listed: number[];
  readonly ms: number[];
  readonly seedMs: number;
}

export async function measureListing(ctx: BenchContext, documents: number): Promise<ListingResult> {
  const server = await startServer('v1-0.27');
  try {
    ctx.log(`row 1b: seeding ${documents} documents`);
    const seedStarted = performance.now();
    for (let index = 0; index < documents; index += 1) server.emulator.seedDocument(KB, { name: `dept/doc-${index}.md`, content: `document ${index}\n`, run: 'DONE' });
    const seedMs = performance.now() - seedStarted;
    const created = await createClient({ url: server.emulator.url, apiKey: API_KEY, api: 'v1', scheduler: createRequestScheduler({ requestsPerSecond: 1_000_000, concurrency: 4 }) });
    if (!created.ok) throw new Error(created.message);
    const client = created.value;
    const kb = await client.findKb(KB);
    if (!kb.ok) throw new Error(kb.message);
    const result: ListingResult = { documents, pageRequests: [], listed: [], ms: [], seedMs };
    for (let rep = 0; rep < Math.min(ctx.reps, 3); rep += 1) {
      server.emulator.clearRequests();
      const started = performance.now();
      const listed = await client.listDocuments(kb.value);
      result.ms.push(performance.now() - started);
      if (!listed.ok) throw new Error(listed.message);
      result.listed.push(listed.value.length);
      result.pageRequests.push(server.emulator.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/documents')).length);
    }
    await client.close();
    return result;
  } finally {
    await server.emulator.close();
  }
}

export function listingRow(result: ListingResult): Row {
  const expected = Math.ceil(result.documents / PAGE_SIZE);
  const ms = median(result.ms);
  const exact = result.pageRequests.every((n) => n === expected) && result.listed.every((n) => n === result.documents);
  return {
    id: '1b',
    measure: `server listing alone, ${result.documents.toLocaleString('en')} documents (v1, page_size ${PAGE_SIZE})`,
    baseline: `⌈N/${PAGE_SIZE}⌉ = ${expected} requests`,
    ours: `${median(result.pageRequests)} requests, ${formatMs(ms)} (${formatMs(ms / expected)}/page)`,
    ratio: `${(median(result.pageRequests) / expected).toFixed(2)}×`,
    target: 'exactly ⌈N/100⌉; time reported',
    pass: exact,
    data: { documents: result.documents, pageRequests: result.pageRequests, listed: result.listed, ms: result.ms.map((v) => round(v, 1)), seedMs: round(result.seedMs) },
  };
}
