// Table-driven tests of the planner's smart-sync actions (docs/smart-sync.md): renames in place.
import { describe, expect, it } from 'vitest';
import { planSync, type PlanInput, type PlanOptions } from '../../src/core/plan-sync.js';
import type { LocalFile, TrackedFile } from '../../src/core/model.js';

const OPTIONS: PlanOptions = { deleteExcluded: false, maxDeletePercent: 50, allowMassDelete: false, massDeleteFloor: 10, rootHealthy: true, canUpdate: true };

function local(relPath: string, sha256: string | undefined, over: Partial<LocalFile> = {}): LocalFile {
  return { relPath, absPath: `/root/${relPath}`, size: 10, mtimeMs: 1000, ctimeMs: 1000, ino: 1, ...(sha256 ? { sha256 } : {}), ...over };
}
function tracked(relPath: string, docId: string | undefined, sha256: string, over: Partial<TrackedFile> = {}): TrackedFile {
  return { relPath, ...(docId ? { docId, docName: relPath } : {}), sha256, status: 'synced', size: 10, mtimeMs: 1000, ctimeMs: 1000, ino: 1, updatedAt: 0, ...over };
}
interface Parts {
  local?: LocalFile[];
  tracked?: TrackedFile[];
  scope?: string[];
  options?: Partial<PlanOptions>;
  rules?: Record<string, string>;
  excluded?: string[];
  nowMs?: number;
}
function plan(parts: Parts) {
  const input: PlanInput = {
    local: new Map((parts.local ?? []).map((f) => [f.relPath, f])),
    tracked: new Map((parts.tracked ?? []).map((t) => [t.relPath, t])),
    ...(parts.scope ? { scope: new Set(parts.scope) } : {}),
    isExcluded: (relPath) => (parts.excluded ?? []).includes(relPath),
    options: { ...OPTIONS, ...parts.options },
    defaultParserId: 'naive',
    parserFor: (relPath) => Object.entries(parts.rules ?? {}).find(([ext]) => relPath.endsWith(ext))?.[1] ?? 'naive',
    ...(parts.nowMs !== undefined ? { nowMs: parts.nowMs } : {}),
  };
  return planSync(input);
}
const kinds = (p: ReturnType<typeof plan>) =>
  p.actions.map(
    (a) =>
      `${a.kind}:${a.kind === 'rename' ? `${a.from}->${a.relPath}:${a.docId}` : a.relPath}${'reason' in a ? `:${a.reason}` : ''}${a.kind === 'reparse' ? `:${a.parserId}` : ''}`,
  );

describe('planSync: renames in place', () => {
  const cases: Array<{ name: string; parts: Parts; expected: string[] }> = [
    {
      name: 'a path gone and a new path with the same SHA-256 → rename',
      parts: { local: [local('b.txt', 's1')], tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: ['rename:a.txt->b.txt:d1'],
    },
    {
      name: 'a move into another directory → rename',
      parts: { local: [local('x/a.txt', 's1')], tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: ['rename:a.txt->x/a.txt:d1'],
    },
    {
      name: 'different bytes → upload + delete',
      parts: { local: [local('b.txt', 's2')], tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: ['upload:b.txt:new', 'delete:a.txt:deleted'],
    },
    {
      name: 'a changed extension (RAGFlow refuses it) → upload + delete',
      parts: { local: [local('a.md', 's1')], tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: ['upload:a.md:new', 'delete:a.txt:deleted'],
    },
    {
      name: 'the server cannot rename (legacy) → upload + delete',
      parts: { local: [local('b.txt', 's1')], tracked: [tracked('a.txt', 'd1', 's1')], options: { canUpdate: false } },
      expected: ['upload:b.txt:new', 'delete:a.txt:deleted'],
    },
    {
      name: 'a copy (the old path is still there) → upload',
      parts: { local: [local('a.txt', undefined), local('b.txt', 's1')], tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: ['upload:b.txt:new'],
    },
    {
      name: 'the old entry has a pending intent → no rename',
      parts: {
        local: [local('b.txt', 's1')],
        tracked: [tracked('a.txt', 'd1', 's1', { intent: { kind: 'upload', name: 'a.txt', sha256: 's9', startedAt: 1 } })],
      },
      expected: ['upload:b.txt:new', 'delete:a.txt:deleted'],
    },
    {
      name: 'the old entry failed → no rename',
      parts: { local: [local('b.txt', 's1')], tracked: [tracked('a.txt', 'd1', 's1', { status: 'failed' })] },
      expected: ['upload:b.txt:new', 'delete:a.txt:deleted'],
    },
    {
      name: 'two moved files with identical bytes pair by base name (a directory rename)',
      parts: {
        local: [local('new/one.txt', 's1'), local('new/two.txt', 's1')],
        tracked: [tracked('old/two.txt', 'd2', 's1'), tracked('old/one.txt', 'd1', 's1')],
      },
      expected: ['rename:old/one.txt->new/one.txt:d1', 'rename:old/two.txt->new/two.txt:d2'],
    },
    {
      name: 'one old path, two new copies → one rename, one upload',
      parts: { local: [local('b.txt', 's1'), local('c.txt', 's1')], tracked: [tracked('a.txt', 'd1', 's1')] },
      expected: ['rename:a.txt->b.txt:d1', 'upload:c.txt:new'],
    },
    {
      name: 'a hint batch holding only the new path → no rename (the old side is not in scope)',
      parts: { local: [local('b.txt', 's1')], tracked: [tracked('a.txt', 'd1', 's1')], scope: ['b.txt'] },
      expected: ['upload:b.txt:new'],
    },
    {
      name: 'a hint batch holding both sides → rename',
      parts: { local: [local('b.txt', 's1')], tracked: [tracked('a.txt', 'd1', 's1')], scope: ['a.txt', 'b.txt'] },
      expected: ['rename:a.txt->b.txt:d1'],
    },
  ];
  it.each(cases)('$name', ({ parts, expected }) => {
    expect(kinds(plan(parts)).sort()).toEqual([...expected].sort());
  });

  it('moves are not deletions: a folder of 50 renamed files passes the mass-delete guard', () => {
    const n = 50;
    const result = plan({
      local: Array.from({ length: n }, (_, i) => local(`new/f${i}.txt`, `s${i}`)),
      tracked: Array.from({ length: n }, (_, i) => tracked(`old/f${i}.txt`, `d${i}`, `s${i}`)),
    });
    expect(result.heldReason).toBeUndefined();
    expect(result.actions.every((a) => a.kind === 'rename')).toBe(true);
    expect(result.actions).toHaveLength(n);
  });
});

const HOUR = 3_600_000;

describe('planSync: name repair after an interrupted gapless replace', () => {
  const remote = (docs: Array<[string, string]>, disabled: string[]) =>
    new Map(docs.map(([id, name]) => [id, { id, name, run: 'DONE' as const, enabled: !disabled.includes(id) }]));
  const planWith = (entry: TrackedFile, docs: Array<[string, string]>, disabled: string[] = []) =>
    kinds(planSync({ local: new Map([['a.md', local('a.md', undefined)]]), tracked: new Map([['a.md', entry]]), remote: remote(docs, disabled), isExcluded: () => false, options: OPTIONS }));
  it.each([
    { name: 'the new version holds a(1).md and nothing holds a.md → rename to a.md', entry: tracked('a.md', 'd2', 's2', { docName: 'a(1).md' }), docs: [['d2', 'a(1).md']] as Array<[string, string]>, expected: ['rename:a.md->a.md:d2'] },
    {
      name: 'the old version still holds a.md (obsolete) → delete it, then rename',
      entry: tracked('a.md', 'd2', 's2', { docName: 'a(1).md', obsoleteDocIds: ['d1'] }),
      docs: [['d1', 'a.md'], ['d2', 'a(1).md']] as Array<[string, string]>,
      expected: ['delete-obsolete:a.md', 'rename:a.md->a.md:d2'],
    },
    {
      name: 'the new version was left disabled by the interrupted swap → rename and enable it',
      entry: tracked('a.md', 'd2', 's2', { docName: 'a(1).md' }),
      docs: [['d2', 'a(1).md']] as Array<[string, string]>,
      disabled: ['d2'],
      expected: ['rename:a.md->a.md:d2', 'enable:a.md'],
    },
    { name: 'a foreign document holds a.md → leave the name alone', entry: tracked('a.md', 'd2', 's2', { docName: 'a(1).md' }), docs: [['d2', 'a(1).md'], ['x', 'a.md']] as Array<[string, string]>, expected: [] },
  ] as Array<{ name: string; entry: TrackedFile; docs: Array<[string, string]>; disabled?: string[]; expected: string[] }>)('$name', ({ entry, docs, disabled, expected }) => {
    expect(planWith(entry, docs, disabled)).toEqual(expected);
  });
});

describe('planSync: parser rules', () => {
  const cases: Array<{ name: string; parts: Parts; expected: string[] }> = [
    {
      name: 'a rule now picks another parser for an unchanged file → reparse (no upload)',
      parts: { local: [local('t.csv', undefined)], tracked: [tracked('t.csv', 'd1', 's1', { parserId: 'naive' })], rules: { '.csv': 'table' } },
      expected: ['reparse:t.csv:table'],
    },
    {
      name: 'an entry without a remembered parser was parsed with the folder default',
      parts: { local: [local('t.csv', undefined)], tracked: [tracked('t.csv', 'd1', 's1')], rules: { '.csv': 'table' } },
      expected: ['reparse:t.csv:table'],
    },
    {
      name: 'a rule removed → back to the folder default',
      parts: { local: [local('t.csv', undefined)], tracked: [tracked('t.csv', 'd1', 's1', { parserId: 'table' })] },
      expected: ['reparse:t.csv:naive'],
    },
    {
      name: 'the parser already matches → nothing',
      parts: { local: [local('t.csv', undefined)], tracked: [tracked('t.csv', 'd1', 's1', { parserId: 'table' })], rules: { '.csv': 'table' } },
      expected: [],
    },
    {
      name: 'changed content → an upload (which uses the new parser), not a reparse',
      parts: { local: [local('t.csv', 's2', { mtimeMs: 2 })], tracked: [tracked('t.csv', 'd1', 's1', { parserId: 'naive' })], rules: { '.csv': 'table' } },
      expected: ['upload:t.csv:changed'],
    },
    {
      name: 'legacy (no update) → rules only apply to uploads',
      parts: { local: [local('t.csv', undefined)], tracked: [tracked('t.csv', 'd1', 's1')], rules: { '.csv': 'table' }, options: { canUpdate: false } },
      expected: [],
    },
  ];
  it.each(cases)('$name', ({ parts, expected }) => {
    expect(kinds(plan(parts))).toEqual(expected);
  });
});

describe('planSync: reversible deletes (deleteMode "disable")', () => {
  const disable: Partial<PlanOptions> = { deleteMode: 'disable', deleteGraceMs: 24 * HOUR };
  const cases: Array<{ name: string; parts: Parts; expected: string[] }> = [
    {
      name: 'a vanished file → disable its document',
      parts: { tracked: [tracked('a.txt', 'd1', 's1')], options: disable, nowMs: 10 * HOUR },
      expected: ['disable:a.txt'],
    },
    {
      name: 'disabled, within the grace period → nothing',
      parts: { tracked: [tracked('a.txt', 'd1', 's1', { disabledAt: 10 * HOUR })], options: disable, nowMs: 33 * HOUR },
      expected: [],
    },
    {
      name: 'disabled, grace period over → delete',
      parts: { tracked: [tracked('a.txt', 'd1', 's1', { disabledAt: 10 * HOUR })], options: disable, nowMs: 34 * HOUR },
      expected: ['delete:a.txt:deleted'],
    },
    {
      name: 'the file came back with the same bytes → enable (no upload)',
      parts: { local: [local('a.txt', undefined)], tracked: [tracked('a.txt', 'd1', 's1', { disabledAt: 10 * HOUR })], options: disable, nowMs: 11 * HOUR },
      expected: ['enable:a.txt'],
    },
    {
      name: 'the file came back with other bytes → upload replacing the disabled document',
      parts: { local: [local('a.txt', 's2', { mtimeMs: 5 })], tracked: [tracked('a.txt', 'd1', 's1', { disabledAt: 10 * HOUR })], options: disable, nowMs: 11 * HOUR },
      expected: ['upload:a.txt:changed'],
    },
    {
      name: 'an excluded file is deleted, not disabled',
      parts: { tracked: [tracked('a.txt', 'd1', 's1')], excluded: ['a.txt'], options: { ...disable, deleteExcluded: true }, nowMs: 0 },
      expected: ['delete:a.txt:excluded'],
    },
    {
      name: 'deleteMode "delete" (default) → delete at once',
      parts: { tracked: [tracked('a.txt', 'd1', 's1')], nowMs: 0 },
      expected: ['delete:a.txt:deleted'],
    },
    {
      name: 'legacy (no update) → delete at once',
      parts: { tracked: [tracked('a.txt', 'd1', 's1')], options: { ...disable, canUpdate: false }, nowMs: 0 },
      expected: ['delete:a.txt:deleted'],
    },
  ];
  it.each(cases)('$name', ({ parts, expected }) => {
    expect(kinds(plan(parts))).toEqual(expected);
  });

  it('mass disables are held by the mass-delete guard like deletes', () => {
    const result = plan({ tracked: Array.from({ length: 20 }, (_, i) => tracked(`f${i}.txt`, `d${i}`, `s${i}`)), options: disable, nowMs: 0 });
    expect(result.heldReason).toBe('mass-delete');
    expect(result.actions).toEqual([]);
  });
});
