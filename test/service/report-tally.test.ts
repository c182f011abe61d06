// Totals and held deletions per folder from the daemon's run reports.
import { describe, expect, it } from 'vitest';
import { ReportTally } from '../../src/metrics/report-tally.js';
import type { FolderReport } from '../../src/sync/sync-report.js';

const report = (extra: Partial<FolderReport>): FolderReport => ({
  folder: '/docs',
  kb: 'kb',
  uploaded: 0,
  replaced: 0,
  deleted: 0,
  unchanged: 0,
  bytesHashed: 0,
  failed: [],
  skipped: [],
  held: [],
  elapsedMs: 0,
  ...extra,
});

describe('ReportTally', () => {
  it('adds up uploads, replacements, deletes and failures per folder', () => {
    const tally = new ReportTally();
    tally.record(report({ uploaded: 2, replaced: 1, deleted: 3, failed: [{ relPath: 'x', error: 'e' }] }), 1);
    tally.record(report({ uploaded: 1 }), 2);
    tally.record(report({ folder: '/other', uploaded: 5 }), 3);
    expect(tally.get('/docs', 'kb')).toMatchObject({ uploads: 3, replacements: 1, deletes: 3, failures: 1, lastRunAt: 2 });
    expect(tally.get('/other', 'kb').uploads).toBe(5);
  });

  it('a whole-folder reconcile replaces the held set; a change batch adds to it and clears what it acted on', () => {
    const tally = new ReportTally();
    tally.record(report({ remoteListed: true, held: ['a', 'b', 'c'], heldReason: 'mass-delete' }), 1);
    expect(tally.get('/docs', 'kb').held.size).toBe(3);
    tally.record(report({ held: ['d'], heldReason: 'mass-delete' }), 2);
    expect([...tally.get('/docs', 'kb').held].sort()).toEqual(['a', 'b', 'c', 'd']);
    tally.record(report({ plan: [{ kind: 'delete', relPath: 'a', docIds: ['1'], reason: 'deleted' }] }), 3);
    expect([...tally.get('/docs', 'kb').held].sort()).toEqual(['b', 'c', 'd']);
    tally.record(report({ remoteListed: false }), 4);
    expect(tally.get('/docs', 'kb').held.size).toBe(0);
    expect(tally.get('/docs', 'kb').heldReason).toBeUndefined();
  });

  it('remembers the folder-level error of the latest run only', () => {
    const tally = new ReportTally();
    tally.record(report({ error: 'folder root /docs: ENOENT' }), 1);
    expect(tally.get('/docs', 'kb').lastError).toBe('folder root /docs: ENOENT');
    tally.record(report({}), 2);
    expect(tally.get('/docs', 'kb').lastError).toBeUndefined();
  });
});
