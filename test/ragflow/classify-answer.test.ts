import { describe, expect, it } from 'vitest';
import type { RemoteErrorKind } from '../../src/sync/ports.js';
import { classifyEnvelope, classifyKind, isAlreadyParsing, isBrokenLegacyListing, isEmptyFileAnswer } from '../../src/ragflow/classify-answer.js';

type Row = [code: number, message: string, notFound: 'kb-not-found' | 'doc-not-found', kind: RemoteErrorKind];

// Messages as ragflow-api.md quotes them for each version.
const ROWS: Row[] = [
  [109, 'Authentication error: API key is invalid!"', 'kb-not-found', 'auth'],
  [401, "<Unauthorized '401: Unauthorized'>", 'kb-not-found', 'auth'],
  [0, "`Authorization` can't be empty", 'kb-not-found', 'auth'],
  [0, 'Please check your authorization format.', 'kb-not-found', 'auth'],
  [0, "Can't find doc_names or doc_ids", 'doc-not-found', 'rejected'],
  [100, 'AttributeError("\'NoneType\' object has no attribute \'split\'")', 'kb-not-found', 'auth'],
  [100, "<MethodNotAllowed '405: Method Not Allowed'>", 'doc-not-found', 'unsupported'],
  [100, "<NotFound '404: Not Found'>", 'doc-not-found', 'unsupported'],
  [100, "<RequestEntityTooLarge '413: Request Entity Too Large'>", 'doc-not-found', 'too-large'],
  [100, 'LookupError("Can\'t find the dataset with ID abc!")', 'doc-not-found', 'kb-not-found'],
  [100, "OperationalError(2013, 'Lost connection to MySQL server during query')", 'doc-not-found', 'server'],
  [100, "ConnectionError('Connection refused')", 'doc-not-found', 'server'],
  [100, "KeyError('x')", 'doc-not-found', 'rejected'],
  [101, 'File name must be 255 bytes or less.', 'kb-not-found', 'name-too-long'],
  [101, 'File name should be less than 128 bytes.', 'kb-not-found', 'name-too-long'],
  [101, 'required argument are missing: kb_name; ', 'kb-not-found', 'rejected'],
  [102, "Can't find this knowledgebase!", 'doc-not-found', 'kb-not-found'],
  [102, "You don't own the dataset abc. ", 'doc-not-found', 'kb-not-found'],
  [108, "User 't1' lacks permission for dataset 'docs'", 'doc-not-found', 'kb-not-found'],
  [102, "User 't1' lacks permission for dataset 'docs'", 'doc-not-found', 'kb-not-found'],
  [102, 'Document not found!', 'kb-not-found', 'doc-not-found'],
  [102, "Documents not found: ['x']", 'kb-not-found', 'doc-not-found'],
  [102, "The dataset doesn't own the document.", 'kb-not-found', 'doc-not-found'],
  [102, 'These documents do not belong to dataset abc or Document not found: a', 'kb-not-found', 'doc-not-found'],
  [102, 'Duplicated document name in the same dataset.', 'doc-not-found', 'rejected'],
  [102, 'Exceed the maximum file number of a free user!', 'doc-not-found', 'rejected'],
  [500, 'ragflow_test.exe: This type of file has not been supported yet!', 'kb-not-found', 'unsupported-type'],
  [500, 'a.txt: Exceed the maximum length of file name!', 'kb-not-found', 'name-too-long'],
  [500, 'a.txt: storage failed', 'kb-not-found', 'rejected'],
  [404, 'Not Found: /api/v1/x', 'kb-not-found', 'unsupported'],
  [103, 'whatever', 'kb-not-found', 'rejected'],
];

describe('classifyKind', () => {
  it.each(ROWS)('code %i %j (%s) → %s', (code, message, notFound, kind) => {
    expect(classifyKind({ code, message, data: undefined }, { notFound })).toBe(kind);
  });

  it('uses the call context when a not-found message names neither KB nor document', () => {
    const envelope = { code: 102, message: 'not found', data: undefined };
    expect(classifyKind(envelope, { notFound: 'kb-not-found' })).toBe('kb-not-found');
    expect(classifyKind(envelope, { notFound: 'doc-not-found' })).toBe('doc-not-found');
  });
});

describe('classifyEnvelope', () => {
  it('keeps RAGFlow code, message and HTTP status; retryability follows the kind', () => {
    const error = classifyEnvelope({ code: 100, message: "OperationalError('db down')", data: null }, { notFound: 'kb-not-found' }, 200, 'upload');
    expect(error).toMatchObject({ ok: false, kind: 'server', retryable: true, code: 100, httpStatus: 200 });
    expect(error.message).toContain("OperationalError('db down')");
    const permanent = classifyEnvelope({ code: 102, message: 'Document not found!', data: undefined }, { notFound: 'doc-not-found' }, 200, 'x');
    expect(permanent.retryable).toBe(false);
  });
});

describe('answers that are not failures', () => {
  it('recognises the broken legacy listing of v0.20–v0.22', () => {
    const message = 'TypeError("DocumentService.get_by_kb_id() missing 1 required positional argument: \'suffix\'")';
    expect(isBrokenLegacyListing({ code: 100, message, data: null })).toBe(true);
    expect(isBrokenLegacyListing({ code: 100, message: "KeyError('x')", data: null })).toBe(false);
  });

  it('recognises "already parsing" and "empty file"', () => {
    expect(isAlreadyParsing({ code: 102, message: "Can't parse document that is currently being processed", data: undefined })).toBe(true);
    expect(isEmptyFileAnswer({ code: 102, message: 'This file is empty.', data: undefined })).toBe(true);
  });
});
