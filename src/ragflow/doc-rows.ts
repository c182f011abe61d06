// Document rows as RAGFlow sends them, validated and turned into RemoteDoc. The legacy API sends raw
// DB columns (`kb_id`, `chunk_num`, `run:"3"`); v1 renames them (`chunk_count`, `run:"DONE"`) (§2.5).

import { z } from 'zod';
import type { ParseRun, RemoteDoc } from '../sync/ports.js';

// Only id and name are essential; a field of an unexpected type is dropped rather than failing a
// whole listing, because a listing that fails makes the engine blind.
const optionalNumber = z.number().optional().catch(undefined);
const optionalString = z.string().optional().catch(undefined);
const status = z.union([z.string(), z.number()]).optional().catch(undefined);
const metaFields = z.record(z.string(), z.unknown()).nullish().catch(undefined);
const run = z.union([z.string(), z.number()]).optional().catch(undefined);

const baseRow = {
  id: z.string().min(1),
  name: z.string(),
  size: optionalNumber,
  run,
  progress: optionalNumber,
  progress_msg: optionalString,
  status,
  create_time: optionalNumber,
  meta_fields: metaFields,
};

export const legacyRowSchema = z.looseObject({ ...baseRow, parser_id: optionalString, chunk_num: optionalNumber });
export const v1RowSchema = z.looseObject({ ...baseRow, chunk_method: optionalString, chunk_count: optionalNumber, content_hash: optionalString });
export const legacyListEntrySchema = z.looseObject({ doc_id: z.string().min(1), doc_name: z.string() });

export type LegacyRow = z.infer<typeof legacyRowSchema>;
export type V1Row = z.infer<typeof v1RowSchema>;

const RUN_BY_VALUE: Readonly<Record<string, ParseRun>> = {
  '0': 'UNSTART',
  '1': 'RUNNING',
  '2': 'CANCEL',
  '3': 'DONE',
  '4': 'FAIL',
  UNSTART: 'UNSTART',
  RUNNING: 'RUNNING',
  CANCEL: 'CANCEL',
  DONE: 'DONE',
  FAIL: 'FAIL',
};

/** TaskStatus in text or digit form; anything else (e.g. "5" SCHEDULE, passed through by v0.22–v0.24) is UNKNOWN. */
export function toParseRun(value: string | number | undefined): ParseRun {
  if (value === undefined) return 'UNKNOWN';
  return RUN_BY_VALUE[String(value).trim().toUpperCase()] ?? 'UNKNOWN';
}

function toEnabled(value: string | number | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return String(value) === '1';
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Copies only defined values (exactOptionalPropertyTypes forbids explicit undefined). */
function withOptional(doc: Mutable<RemoteDoc>, extra: Partial<Record<keyof RemoteDoc, unknown>>): RemoteDoc {
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined && value !== null) (doc as unknown as Record<string, unknown>)[key] = value;
  }
  return doc;
}

function common(row: LegacyRow | V1Row): Partial<Record<keyof RemoteDoc, unknown>> {
  return {
    size: row.size,
    progress: row.progress,
    progressMsg: row.progress_msg,
    enabled: toEnabled(row.status),
    createTime: row.create_time,
    metaFields: row.meta_fields,
  };
}

export function fromLegacyRow(row: LegacyRow): RemoteDoc {
  return withOptional({ id: row.id, name: row.name, run: toParseRun(row.run) }, { ...common(row), chunkCount: row.chunk_num, parserId: row.parser_id });
}

export function fromV1Row(row: V1Row): RemoteDoc {
  return withOptional(
    { id: row.id, name: row.name, run: toParseRun(row.run) },
    { ...common(row), chunkCount: row.chunk_count, parserId: row.chunk_method, contentHash: row.content_hash },
  );
}
