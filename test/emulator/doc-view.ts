// How stored records look on the wire: legacy raw rows, v1 renamed documents, datasets (§2.5, §5.2, §5.4).
import type { Profile } from './profiles.js';
import type { DocRecord, KbRecord, RunCode } from './store.js';
import type { RunState } from './types.js';

export const RUN_TEXT: Readonly<Record<RunCode, RunState>> = {
  '0': 'UNSTART',
  '1': 'RUNNING',
  '2': 'CANCEL',
  '3': 'DONE',
  '4': 'FAIL',
};

export const RUN_CODE: Readonly<Record<RunState, RunCode>> = {
  UNSTART: '0',
  RUNNING: '1',
  CANCEL: '2',
  DONE: '3',
  FAIL: '4',
};

/** Dates as Flask/Quart serialise a naive datetime: RFC 1123 with "GMT". */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Every Document column, raw names, in the model's order (legacy upload/infos, v1 before renaming). */
export function rawDocRow(doc: DocRecord, profile: Profile): Record<string, unknown> {
  const c = profile.columns;
  const row: Record<string, unknown> = {
    id: doc.id,
    thumbnail: doc.thumbnail,
    kb_id: doc.kbId,
    parser_id: doc.parserId,
  };
  if (c.pipelineId) row['pipeline_id'] = doc.pipelineId;
  Object.assign(row, {
    parser_config: doc.parserConfig,
    source_type: doc.sourceType,
    type: doc.type,
    created_by: doc.createdBy,
    name: doc.name,
    location: doc.location,
    size: doc.size,
    token_num: doc.tokenNum,
    chunk_num: doc.chunkNum,
    progress: doc.progress,
    progress_msg: doc.progressMsg,
    process_begin_at: doc.processBeginAt === null ? null : httpDate(doc.processBeginAt),
    [c.processDuration]: doc.processDuration,
  });
  if (c.metaFields === 'column') row['meta_fields'] = doc.metaFields;
  if (c.suffix) row['suffix'] = doc.suffix;
  if (profile.contentHash) row['content_hash'] = doc.xxh128;
  Object.assign(row, {
    run: doc.run,
    status: doc.status,
    create_time: doc.createTime,
    create_date: httpDate(doc.createTime),
    update_time: doc.updateTime,
    update_date: httpDate(doc.updateTime),
  });
  return row;
}

const KEY_MAPPING: Readonly<Record<string, string>> = {
  chunk_num: 'chunk_count',
  kb_id: 'dataset_id',
  token_num: 'token_count',
  parser_id: 'chunk_method',
};

export function renameKeys(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[KEY_MAPPING[k] ?? k] = v;
  return out;
}

/** v1 document as the list / update endpoints return it: renamed keys, text `run`, meta_fields. */
export function v1Doc(doc: DocRecord, profile: Profile): Record<string, unknown> {
  const out = renameKeys(rawDocRow(doc, profile));
  out['run'] = RUN_TEXT[doc.run];
  return out;
}

/** v1 list row: v1Doc plus the join extras and computed meta_fields of the version. */
export function v1ListDoc(doc: DocRecord, profile: Profile): Record<string, unknown> {
  const out = v1Doc(doc, profile);
  if (profile.v1Style === 'restful') {
    out['pipeline_name'] = null;
    out['nickname'] = 'emulator';
    if (typeof out['source_type'] === 'string') out['source_type'] = out['source_type'].split('/')[0];
  } else if (profile.columns.pipelineId) {
    out['title'] = null;
  }
  out['meta_fields'] = doc.metaFields;
  return out;
}

/** v1 upload answer: the dict FileService.upload_document inserted (no timestamps), run "UNSTART". */
export function v1UploadDoc(doc: DocRecord, profile: Profile): Record<string, unknown> {
  const c = profile.columns;
  const out: Record<string, unknown> = {
    id: doc.id,
    dataset_id: doc.kbId,
    chunk_method: doc.parserId,
  };
  if (c.pipelineId) out['pipeline_id'] = doc.pipelineId;
  Object.assign(out, {
    parser_config: doc.parserConfig,
    created_by: doc.createdBy,
    type: doc.type,
    name: doc.name,
  });
  if (profile.fileTypes === '0.24' || profile.fileTypes === '0.27') out['source_type'] = doc.sourceType;
  if (c.suffix) out['suffix'] = doc.suffix;
  Object.assign(out, { location: doc.location, size: doc.size, thumbnail: doc.thumbnail ?? '' });
  if (profile.contentHash) out['content_hash'] = doc.xxh128;
  out['run'] = 'UNSTART';
  return out;
}

/** Dataset (KB row with renamed keys, §5.1). */
export function v1Dataset(kb: KbRecord, docs: readonly DocRecord[], profile: Profile): Record<string, unknown> {
  const out: Record<string, unknown> = {
    avatar: kb.avatar,
    chunk_count: docs.reduce((n, d) => n + d.chunkNum, 0),
    chunk_method: kb.parserId,
    create_date: httpDate(kb.createTime),
    create_time: kb.createTime,
    created_by: kb.tenantId,
    description: kb.description,
    document_count: docs.length,
    embedding_model: kb.embdId,
    id: kb.id,
    language: kb.language,
    name: kb.name,
    pagerank: kb.pagerank,
    parser_config: kb.parserConfig,
    permission: kb.permission,
    similarity_threshold: 0.2,
    status: '1',
    tenant_id: kb.tenantId,
    token_num: docs.reduce((n, d) => n + d.tokenNum, 0),
    update_date: httpDate(kb.updateTime),
    update_time: kb.updateTime,
    vector_similarity_weight: 0.3,
    ...kb.extra,
  };
  if (profile.columns.pipelineId) out['pipeline_id'] = null;
  if (profile.v1Style === 'restful') {
    out['nickname'] = 'emulator';
    out['tenant_avatar'] = null;
    out['embedding_model_name'] = kb.embdId;
  }
  return out;
}
