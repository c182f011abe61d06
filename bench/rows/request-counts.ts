// Row 6: the requests the server sees for a first sync of N files, a no-op sync and one changed file,
// on the legacy and the v1 API, against the minimum. Listing reads are counted apart. The mirror is
// checked after each run, so the counts belong to a sync that did its job.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectedMirror, isWrite, mirrorOf, type Sandbox } from '../../test/e2e/harness.js';
import type { ProfileName, RequestLogEntry } from '../../test/emulator/index.js';
import { API_KEY, KB, startServer, type BenchContext } from '../lib/context.js';
import { expectSuccess, runCli } from '../lib/processes.js';
import type { Row } from '../lib/report.js';
import { contentOf, makeSmallTree, relPathOf, writeConfig } from '../lib/trees.js';
import { folderSchema } from '../../src/config/schema.js';

/** v1 parse requests carry at most 100 ids, and at most `maxParsing` documents parse at once (the folder's
 *  setting, default taken from the config schema): the fewest parse requests for n uploads. */
function minimumParseRequests(uploads: number): number {
  const { maxParsing } = folderSchema.parse({ path: '/x', kb: 'x' }) as { maxParsing?: number };
  return Math.ceil(uploads / Math.min(100, maxParsing ?? 100));
}

export interface RequestTally {
  /** Method and path pattern of the writes that are neither uploads, parse requests nor deletes. */
  readonly otherKinds?: readonly string[];
  readonly uploads: number;
  readonly parses: number;
  readonly deletes: number;
  readonly otherWrites: number;
  readonly reads: number;
}

export function tally(requests: readonly RequestLogEntry[]): RequestTally {
  let uploads = 0;
  let parses = 0;
  let deletes = 0;
  let otherWrites = 0;
  let reads = 0;
  const otherKinds = new Set<string>();
  for (const request of requests) {
    if (!isWrite(request)) reads += 1;
    else if (request.method === 'POST' && /\/document\/upload$|\/datasets\/[^/]+\/documents$/.test(request.path)) uploads += 1;
    else if (request.method === 'POST' && /\/datasets\/[^/]+\/(chunks|documents\/parse)$/.test(request.path)) parses += 1;
    else if (request.method === 'DELETE' && /\/v1\/api\/document$|\/datasets\/[^/]+\/documents$/.test(request.path)) deletes += 1;
    else {
      otherWrites += 1;
      otherKinds.add(`${request.method} ${request.path.replace(/[0-9a-f]{32}/g, '{id}')}`);
    }
  }
  return { uploads, parses, deletes, otherWrites, reads, otherKinds: [...otherKinds] };
}

const ALL_CASES = new Set(['first sync', 'no-op sync', 'one changed file'] as const);

const writesOf = (t: RequestTally) => t.uploads + t.parses + t.deletes + t.otherWrites;
const describe = (t: RequestTally) => `${t.uploads} up, ${t.parses} parse, ${t.deletes} del${t.otherWrites ? `, ${t.otherWrites} other` : ''}`;

export interface RequestCountResult {
  readonly profile: ProfileName;
  readonly files: number;
  readonly first: RequestTally;
  readonly noop: RequestTally;
  readonly oneChange: RequestTally;
  readonly expected: { first: RequestTally; noop: RequestTally; oneChange: RequestTally };
}

export async function measureRequestCounts(ctx: BenchContext, profile: ProfileName, files: number): Promise<RequestCountResult> {
  const dir = ctx.dir(`requests-${profile}`);
  const root = path.join(dir, 'tree');
  ctx.log(`row 6: ${profile}, ${files} files`);
  makeSmallTree(root, files);
  const server = await startServer(profile);
  const { emulator } = server;
  try {
    const legacy = profile.startsWith('legacy');
    const config = writeConfig(dir, { url: emulator.url, apiKey: API_KEY, api: legacy ? 'legacy' : 'v1', root, kb: KB });
    const box: Sandbox = { dir, docs: root, configFile: config, stateFile: path.join(dir, 'state.json'), emulator, cleanup: () => Promise.resolve() };
    const sync = async (what: string): Promise<RequestTally> => {
      emulator.clearRequests();
      expectSuccess(await runCli(['--config', config, '--sync', '-q'], dir), what);
      const counted = tally(emulator.requests);
      const mirror = await mirrorOf(box, KB);
      const expected = await expectedMirror(root);
      if (mirror.size !== expected.size || [...expected].some(([rel, sha]) => mirror.get(rel) !== sha)) throw new Error(`${what}: the knowledge base is not a mirror of the folder`);
      return counted;
    };
    const first = await sync('first sync');
    const noop = await sync('no-op sync');
    writeFileSync(path.join(root, relPathOf(7)), `${contentOf(7)}changed\n`);
    const oneChange = await sync('one changed file');
    const none = { uploads: 0, parses: 0, deletes: 0, otherWrites: 0 };
    return {
      profile,
      files,
      first,
      noop,
      oneChange,
      expected: {
        first: { ...none, uploads: files, parses: legacy ? 0 : minimumParseRequests(files), reads: NaN },
        noop: { ...none, reads: NaN },
        oneChange: { ...none, uploads: 1, parses: legacy ? 0 : 1, deletes: 1, reads: NaN },
      },
    };
  } finally {
    await emulator.close();
  }
}

function describeOther(result: RequestCountResult, label: string): string {
  const tallyOf = label === 'first sync' ? result.first : label === 'no-op sync' ? result.noop : result.oneChange;
  return (tallyOf.otherKinds ?? []).join(', ');
}

const sameWrites = (a: RequestTally, b: RequestTally) => a.uploads === b.uploads && a.parses === b.parses && a.deletes === b.deletes && a.otherWrites === b.otherWrites;

/** `gated`: which cases pass or fail (the others are reported as info). */
export function requestCountRows(result: RequestCountResult, id: string, gated: ReadonlySet<'first sync' | 'no-op sync' | 'one changed file'> = ALL_CASES): Row[] {
  const api = result.profile.startsWith('legacy') ? 'legacy' : 'v1';
  const cases = [
    ['first sync', result.first, result.expected.first],
    ['no-op sync', result.noop, result.expected.noop],
    ['one changed file', result.oneChange, result.expected.oneChange],
  ] as const;
  return cases.map(([label, got, expected]) => ({
    id,
    measure: `requests, ${label} (${api}, ${result.profile}, ${result.files.toLocaleString('en')} files)`,
    baseline: `${writesOf(expected)} writes (${describe(expected)})`,
    ours: `${writesOf(got)} writes (${describe(got)}) + ${got.reads} reads`,
    ratio: writesOf(expected) === 0 ? (writesOf(got) === 0 ? '—' : '∞') : `${(writesOf(got) / writesOf(expected)).toFixed(2)}×`,
    target: 'exactly the minimum',
    pass: gated.has(label) ? sameWrites(got, expected) : undefined,
    ...(got.otherWrites > 0 ? { note: `${got.otherWrites} other write(s) (${describeOther(result, label)})` } : {}),
    data: { profile: result.profile, files: result.files, case: label, got, expected: { ...expected, reads: null } },
  }));
}
