// The RAGFlow versions the emulator can pretend to be, as a table of switches (ragflow-api.md §1).
// Adding a version = adding one row; route code only ever reads these switches.
import type { FileTypeTable } from './names.js';
import type { ParserConfigTable } from './parser-config.js';
import type { ProfileName } from './types.js';

export interface LegacySwitches {
  /** §3.2: 'works' (≤0.19.x), or 'type-error' (0.20–0.22: every call answers code 100 TypeError). */
  listKbDocs: 'works' | 'type-error';
  /** §3.3: ≤0.18 the first doc anywhere with that name; ≥0.19.0 every doc with that name, every KB. */
  deleteByName: 'first' | 'every';
  /** §3.1: legacy document rows have `suffix` from 0.20 on. */
  suffixColumn: boolean;
}

export interface Profile {
  readonly name: ProfileName;
  /** The RAGFlow tag this profile follows. */
  readonly version: string;
  /** The legacy /v1/api endpoints, or null when the version no longer has them (≥0.22.1). */
  readonly legacy: LegacySwitches | null;
  /** §4.1: 'regex' keeps the directory part (≤0.19.0); 'purepath' drops it (≥0.19.1). */
  readonly duplicateName: 'regex' | 'purepath';
  /** §2.3: Flask (≤0.22.0: every HTTP error is a code-100 envelope with HTTP 200) or Quart (≥0.22.1). */
  readonly server: 'flask' | 'quart';
  /** §2.4: token_required (HTTP 200 + code 109) or login_required (HTTP 401). */
  readonly v1Auth: 'token-required' | 'login-required';
  /** §5: which code base the v1 document endpoints come from: sdk/doc.py (≤0.24) or restful_apis (≥0.25). */
  readonly v1Style: 'sdk' | 'restful';
  /** §5.1: code for "dataset name not found / lacks permission". */
  readonly datasetLookupCode: 102 | 108;
  /** §5.1: list datasets answers `total_datasets` (0.21+). */
  readonly totalDatasets: boolean;
  /** §4.3: longest accepted v1 name in UTF-8 bytes, and the messages. */
  readonly nameLimit: { readonly maxBytes: number; readonly upload: string; readonly rename: string };
  /** §5.3: PUT and PATCH on /datasets/{id}/documents/{doc}. */
  readonly updateMethods: { readonly put: boolean; readonly patch: boolean };
  /** §5.5: 'empty-deletes-all' (≤0.24) or 'ids-required' (0.25.1+: ids or delete_all, all-or-nothing). */
  readonly deleteDocuments: 'empty-deletes-all' | 'ids-required';
  /** §5.2/§8: documents carry content_hash (xxh128) from 0.25 on. */
  readonly contentHash: boolean;
  /** §5.4/§7: page_size above this is rejected (0.26+), null = no limit. */
  readonly maxPageSize: number | null;
  /** §5.6: POST /datasets/{id}/documents/parse and /documents/stop exist (0.25.x+). */
  readonly documentsParseRoute: boolean;
  /** §5.2: partial upload success carries `data` (0.26.4+). */
  readonly partialUploadData: boolean;
  /** §4.4: which filename_type() extension table applies. */
  readonly fileTypes: FileTypeTable;
  /** §2.5: Document columns that vary by version. */
  readonly columns: {
    readonly processDuration: 'process_duation' | 'process_duration';
    readonly suffix: boolean;
    readonly pipelineId: boolean;
    /** 'column' (0.16–0.23, in every row) or 'computed' (0.24+, only added by the v1 list). */
    readonly metaFields: 'column' | 'computed';
  };
  /** §3.6: GET /v1/document/get/<id> (web blueprint, no auth) exists (≤0.24). */
  readonly webDocumentGet: boolean;
  /** Which get_parser_config() defaults apply (new datasets, chunk-method changes). */
  readonly parserConfigs: ParserConfigTable;
}

const NAME_LIMIT_128 = {
  maxBytes: 127,
  upload: 'File name should be less than 128 bytes.',
  rename: 'The name should be less than 128 bytes.',
} as const;
const NAME_LIMIT_255 = {
  maxBytes: 255,
  upload: 'File name must be 255 bytes or less.',
  rename: 'File name must be 255 bytes or less.',
} as const;

export const PROFILE_TABLE: Readonly<Record<ProfileName, Profile>> = {
  'legacy-0.19': {
    name: 'legacy-0.19',
    version: '0.19.0',
    fileTypes: '0.19',
    parserConfigs: '0.24',
    columns: { processDuration: 'process_duation', suffix: false, pipelineId: false, metaFields: 'column' },
    webDocumentGet: true,
    legacy: { listKbDocs: 'works', deleteByName: 'every', suffixColumn: false },
    duplicateName: 'regex',
    server: 'flask',
    v1Auth: 'token-required',
    v1Style: 'sdk',
    datasetLookupCode: 108,
    totalDatasets: false,
    nameLimit: NAME_LIMIT_128,
    updateMethods: { put: true, patch: false },
    deleteDocuments: 'empty-deletes-all',
    contentHash: false,
    maxPageSize: null,
    documentsParseRoute: false,
    partialUploadData: false,
  },
  'legacy-0.21': {
    name: 'legacy-0.21',
    version: '0.21.0',
    fileTypes: '0.21',
    parserConfigs: '0.24',
    columns: { processDuration: 'process_duration', suffix: true, pipelineId: true, metaFields: 'column' },
    webDocumentGet: true,
    legacy: { listKbDocs: 'type-error', deleteByName: 'every', suffixColumn: true },
    duplicateName: 'purepath',
    server: 'flask',
    v1Auth: 'token-required',
    v1Style: 'sdk',
    datasetLookupCode: 108,
    totalDatasets: true,
    nameLimit: NAME_LIMIT_255,
    updateMethods: { put: true, patch: false },
    deleteDocuments: 'empty-deletes-all',
    contentHash: false,
    maxPageSize: null,
    documentsParseRoute: false,
    partialUploadData: false,
  },
  'v1-0.24': {
    name: 'v1-0.24',
    version: '0.24.0',
    fileTypes: '0.24',
    parserConfigs: '0.24',
    columns: { processDuration: 'process_duration', suffix: true, pipelineId: true, metaFields: 'computed' },
    webDocumentGet: true,
    legacy: null,
    duplicateName: 'purepath',
    server: 'quart',
    v1Auth: 'token-required',
    v1Style: 'sdk',
    datasetLookupCode: 108,
    totalDatasets: true,
    nameLimit: NAME_LIMIT_255,
    updateMethods: { put: true, patch: false },
    deleteDocuments: 'empty-deletes-all',
    contentHash: false,
    maxPageSize: null,
    documentsParseRoute: false,
    partialUploadData: false,
  },
  'v1-0.27': {
    name: 'v1-0.27',
    version: '0.27.0',
    fileTypes: '0.27',
    parserConfigs: '0.27',
    columns: { processDuration: 'process_duration', suffix: true, pipelineId: true, metaFields: 'computed' },
    webDocumentGet: false,
    legacy: null,
    duplicateName: 'purepath',
    server: 'quart',
    v1Auth: 'login-required',
    v1Style: 'restful',
    datasetLookupCode: 102,
    totalDatasets: true,
    nameLimit: NAME_LIMIT_255,
    updateMethods: { put: true, patch: true },
    deleteDocuments: 'ids-required',
    contentHash: true,
    maxPageSize: 100,
    documentsParseRoute: true,
    partialUploadData: true,
  },
};

export const PROFILES: readonly ProfileName[] = Object.keys(PROFILE_TABLE) as ProfileName[];

export function profileOf(name: ProfileName): Profile {
  return PROFILE_TABLE[name];
}

export function isProfileName(value: string): value is ProfileName {
  return Object.hasOwn(PROFILE_TABLE, value);
}
