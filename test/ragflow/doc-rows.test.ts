import { describe, expect, it } from 'vitest';
import { fromLegacyRow, fromV1Row, legacyRowSchema, toParseRun, v1RowSchema } from '../../src/ragflow/doc-rows.js';

describe('toParseRun', () => {
  it.each([
    ['0', 'UNSTART'],
    ['1', 'RUNNING'],
    ['2', 'CANCEL'],
    ['3', 'DONE'],
    ['4', 'FAIL'],
    ['DONE', 'DONE'],
    [3, 'DONE'],
    ['5', 'UNKNOWN'], // SCHEDULE (connector tasks), passed through by v0.22–v0.24
    [undefined, 'UNKNOWN'],
  ] as const)('%j → %s', (value, run) => {
    expect(toParseRun(value)).toBe(run);
  });
});

describe('rows', () => {
  it('maps a legacy raw row', () => {
    const row = legacyRowSchema.parse({ id: 'd1', name: 'a.txt', kb_id: 'k', parser_id: 'naive', size: 5, run: '3', progress: 1, progress_msg: 'ok', chunk_num: 2, status: '1', create_time: 1700000000000 });
    expect(fromLegacyRow(row)).toEqual({ id: 'd1', name: 'a.txt', size: 5, run: 'DONE', progress: 1, progressMsg: 'ok', chunkCount: 2, parserId: 'naive', enabled: true, createTime: 1700000000000 });
  });

  it('maps a v1 row and keeps content_hash', () => {
    const row = v1RowSchema.parse({ id: 'd1', name: 'a.txt', dataset_id: 'k', chunk_method: 'qa', run: 'UNSTART', status: '0', chunk_count: 0, content_hash: 'ab', meta_fields: { a: 1 } });
    expect(fromV1Row(row)).toEqual({ id: 'd1', name: 'a.txt', run: 'UNSTART', parserId: 'qa', enabled: false, chunkCount: 0, contentHash: 'ab', metaFields: { a: 1 } });
  });

  it('drops a mistyped optional field instead of failing the row', () => {
    const row = v1RowSchema.parse({ id: 'd1', name: 'a.txt', size: 'big', meta_fields: null });
    expect(fromV1Row(row)).toEqual({ id: 'd1', name: 'a.txt', run: 'UNKNOWN' });
  });

  it('fails a row without id', () => {
    expect(v1RowSchema.safeParse({ name: 'a.txt' }).success).toBe(false);
  });
});
