// Table-driven tests of the pure planner: every kind of difference between disk, state and server.
import { describe, expect, it } from 'vitest';
import { isNameOrDuplicateOf, needsHash, planSync, type PlanInput, type PlanOptions } from '../../src/core/plan-sync.js';
import type { LocalFile, TrackedFile } from '../../src/core/model.js';
import type { RemoteDoc } from '../../src/sync/ports.js';

const OPTIONS: PlanOptions = { deleteExcluded: false, maxDeletePercent: 50, allowMassDelete: false, massDeleteFloor: 10, rootHealthy: true };

function local(relPath: string, sha256: string | undefined, over: Partial<LocalFile> = {}): LocalFile {
  return { relPath, absPath: `/root/${relPath}`, size: 10, mtimeMs: 1000, ctimeMs: 1000, ino: 1, ...(sha256 ? { sha256 } : {}), ...over };
}
function tracked(relPath: string, docId: string | undefined, sha256: string, over: Partial<TrackedFile> = {}): TrackedFile {
  return { relPath, ...(docId ? { docId, docName: relPath } : {}), sha256, status: 'synced', size: 10, mtimeMs: 1000, ctimeMs: 1000, ino: 1, updatedAt: 0, ...over };
}
function remoteDoc(id: string, name: string): RemoteDoc {
  return { id, name, run: 'DONE' };
}
function plan(parts: { local?: LocalFile[]; tracked?: TrackedFile[]; remote?: RemoteDoc[]; excluded?: string[]; scope?: string[]; options?: Partial<PlanOptions> }) {
  const input: PlanInput = {
    local: new Map((parts.local ?? []).map((f) => [f.relPath, f])),
    tracked: new Map((parts.tracked ?? []).map((t) => [t.relPath, t])),
    ...(parts.remote ? { remote: new Map(parts.remote.map((d) => [d.id, d])) } : {}),
    ...(parts.scope ? { scope: new Set(parts.scope) } : {}),
    isExcluded: (p) => (parts.excluded ?? []).includes(p),
    options: { ...OPTIONS, ...parts.options },
  };
  return planSync(input);
}
const kinds = (p: ReturnType<typeof plan>) => p.actions.map((a) => `${a.kind}:${a.relPath}${'reason' in a ? `:${a.reason}` : ''}`);

describe('planSync', () => {
  const cases: Array<{ name: string; parts: Parameters<typeof plan>[0]; expected: string[]; unchanged?: number }> = [
    { name: 'new file → upload', parts: { local: [local('a.txt', 's1')] }, expected: ['upload:a.txt:new'] },
    {
      name: 'unchanged (same fingerprint, not hashed) → nothing',
      parts: { local: [local('a.txt', undefined)], tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: [],
      unchanged: 1,
    },
    {
      name: 'changed content → upload replacing the old document',
      parts: { local: [local('a.txt', 's2', { mtimeMs: 2000 })], tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: ['upload:a.txt:changed'],
    },
    {
      name: 'touched but same bytes → record the new fingerprint only',
      parts: { local: [local('a.txt', 's1', { mtimeMs: 5000 })], tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: ['record:a.txt'],
    },
    {
      name: 'deleted file → delete its document by id',
      parts: { tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: ['delete:a.txt:deleted'],
    },
    {
      name: 'renamed file → upload the new path, delete the old document',
      parts: { local: [local('b.txt', 's1')], tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: ['upload:b.txt:new', 'delete:a.txt:deleted'],
    },
    {
      name: 'excluded by narrowed filters → kept (deleteExcluded off)',
      parts: { tracked: [tracked('drafts/x.md', 'd1', 's1')], excluded: ['drafts/x.md'] },
      expected: [],
    },
    {
      name: 'excluded with deleteExcluded → deleted',
      parts: { tracked: [tracked('drafts/x.md', 'd1', 's1')], excluded: ['drafts/x.md'], options: { deleteExcluded: true } },
      expected: ['delete:drafts/x.md:excluded'],
    },
    {
      name: 'failed before (retryable) → retried on reconcile',
      parts: { local: [local('a.txt', undefined)], tracked: [tracked('a.txt', undefined, 's1', { status: 'failed', failedSha256: 's1' })] },
      expected: ['upload:a.txt:retry'],
    },
    {
      name: 'failed before (permanent), unchanged → not retried',
      parts: {
        local: [local('a.exe', undefined)],
        tracked: [tracked('a.exe', undefined, 's1', { status: 'failed', permanent: true, failedSha256: 's1' })],
      },
      expected: [],
      unchanged: 1,
    },
    {
      name: 'failed before (permanent), then changed → tried again',
      parts: {
        local: [local('a.exe', 's2', { size: 11 })],
        tracked: [tracked('a.exe', undefined, 's1', { status: 'failed', permanent: true, failedSha256: 's1' })],
      },
      expected: ['upload:a.exe:retry'],
    },
    {
      name: 'foreign documents on the server are never touched',
      parts: { local: [local('a.txt', undefined)], tracked: [tracked('a.txt', 'd1', 's1')], remote: [remoteDoc('d1', 'a.txt'), remoteDoc('f1', 'a(1).txt'), remoteDoc('f2', 'b.txt')] },
      expected: [],
      unchanged: 1,
    },
    {
      name: 'our document deleted on the server → uploaded again',
      parts: { local: [local('a.txt', undefined)], tracked: [tracked('a.txt', 'd1', 's1')], remote: [remoteDoc('f1', 'a.txt')] },
      expected: ['upload:a.txt:missing-remote'],
    },
    {
      name: 'file gone and its document already gone on the server → forget',
      parts: { tracked: [tracked('a.txt', 'd1', 's1')], remote: [] },
      expected: ['forget:a.txt'],
    },
    {
      name: 'obsolete version still on the server → delete it, keep the entry',
      parts: { local: [local('a.txt', undefined)], tracked: [tracked('a.txt', 'd2', 's2', { obsoleteDocIds: ['d1'] })], remote: [remoteDoc('d1', 'a.txt'), remoteDoc('d2', 'a(1).txt')] },
      expected: ['delete-obsolete:a.txt'],
      unchanged: 0,
    },
    {
      name: 'interrupted upload with a candidate on the server → recover',
      parts: {
        local: [local('a.txt', 's1')],
        tracked: [tracked('a.txt', undefined, 's1', { status: 'pending', intent: { kind: 'upload', name: 'a.txt', sha256: 's1', startedAt: 1 } })],
        remote: [remoteDoc('x1', 'a.txt')],
      },
      expected: ['recover:a.txt'],
    },
    {
      name: 'interrupted upload, nothing on the server → upload',
      parts: {
        local: [local('a.txt', 's1')],
        tracked: [tracked('a.txt', undefined, 's1', { status: 'pending', intent: { kind: 'upload', name: 'a.txt', sha256: 's1', startedAt: 1 } })],
        remote: [],
      },
      expected: ['upload:a.txt:new'],
    },
    {
      name: 'scope limits the plan to hinted paths',
      parts: { local: [local('a.txt', 's1'), local('b.txt', 's2')], tracked: [tracked('c.txt', 'd3', 's3')], scope: ['a.txt'] },
      expected: ['upload:a.txt:new'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = plan(c.parts);
      expect(kinds(result)).toEqual(c.expected);
      if (c.unchanged !== undefined) expect(result.unchanged).toBe(c.unchanged);
    });
  }

  it('holds deletions past the mass-delete guard, and lets them through when allowed', () => {
    const entries = Array.from({ length: 20 }, (_, i) => tracked(`f${i}.txt`, `d${i}`, `s${i}`));
    const kept = entries.slice(0, 5).map((e) => local(e.relPath, undefined));
    const held = plan({ local: kept, tracked: entries });
    expect(held.heldReason).toBe('mass-delete');
    expect(held.held).toHaveLength(15);
    expect(held.actions.filter((a) => a.kind === 'delete')).toHaveLength(0);
    const allowed = plan({ local: kept, tracked: entries, options: { allowMassDelete: true } });
    expect(allowed.actions.filter((a) => a.kind === 'delete')).toHaveLength(15);
  });

  it('never holds up to 10 deletions, whatever the share', () => {
    const entries = Array.from({ length: 10 }, (_, i) => tracked(`f${i}.txt`, `d${i}`, `s${i}`));
    expect(plan({ tracked: entries }).actions.filter((a) => a.kind === 'delete')).toHaveLength(10);
  });

  it('deletes nothing when the root is unhealthy', () => {
    const result = plan({ tracked: [tracked('a.txt', 'd1', 's1')], options: { rootHealthy: false } });
    expect(result.actions).toEqual([]);
    expect(result.heldReason).toBe('root-unhealthy');
  });

  it('a recovery of an unchanged (unhashed) file carries the remembered hash, so a stored copy of those bytes can be adopted', () => {
    // Regression: the daemon killed after the server stored a new file re-uploaded it (and deleted the copy).
    const intent = { kind: 'upload' as const, name: 'a.txt', sha256: 's1', startedAt: 1 };
    const result = plan({ local: [local('a.txt', undefined)], tracked: [tracked('a.txt', undefined, 's1', { status: 'pending', intent })], remote: [remoteDoc('d9', 'a.txt')] });
    const recover = result.actions[0];
    expect(recover?.kind === 'recover' && recover.local?.sha256).toBe('s1');
  });

  it('uploads carry the remembered hash when the file was not re-read', () => {
    const result = plan({ local: [local('a.txt', undefined)], tracked: [tracked('a.txt', 'd1', 's1')], remote: [] });
    const upload = result.actions[0];
    expect(upload?.kind === 'upload' && upload.local.sha256).toBe('s1');
  });
});

describe('needsHash', () => {
  it('hashes new files and files whose size, mtime, ctime or inode moved', () => {
    const t = tracked('a', 'd', 's');
    expect(needsHash(local('a', undefined), undefined)).toBe(true);
    expect(needsHash(local('a', undefined), t)).toBe(false);
    for (const over of [{ size: 11 }, { mtimeMs: 2 }, { ctimeMs: 2 }, { ino: 2 }]) expect(needsHash(local('a', undefined, over), t)).toBe(true);
  });
});

describe('isNameOrDuplicateOf (RAGFlow duplicate renaming, ragflow-api.md §4.1)', () => {
  it.each([
    ['a.txt', 'a.txt', true],
    ['a(1).txt', 'a.txt', true],
    ['dir/a(2).txt', 'dir/a.txt', true],
    ['a(3).txt', 'dir/a.txt', true],
    ['b(1).txt', 'a.txt', false],
    ['a(1).md', 'a.txt', false],
    ['README(1)', 'README', true],
    ['x.tar(1).gz', 'x.tar.gz', true],
  ])('%s for %s → %s', (candidate, requested, expected) => {
    expect(isNameOrDuplicateOf(candidate, requested)).toBe(expected);
  });
});
