// Turns a RAGFlow error envelope into our RemoteErrorKind. RAGFlow reuses codes for unrelated
// failures (102 is "not found", "duplicate name" and "busy"; 100 is every uncaught exception), so
// at this one edge its message text has to be read. The patterns live here and nowhere else.

import type { RemoteError, RemoteErrorKind } from '../sync/ports.js';
import type { Envelope } from './envelope.js';
import { remoteError } from './remote-error.js';

/** What a "not found" answer means for the call that got it, when the message names neither. */
export interface AnswerContext {
  readonly notFound: 'kb-not-found' | 'doc-not-found';
}

// Code 100 is `repr(exception)` from the global handler (§2.1); these exception names are transient
// infrastructure trouble (DB, MinIO, Elasticsearch, Redis), so a retry can help.
const TRANSIENT_EXCEPTION = /ConnectionError|OperationalError|InterfaceError|Timeout|ConnectionRefused|MaxRetryError|ServiceUnavailable|BrokenPipe|ConnectionReset|temporarily unavailable/i;
const METHOD_NOT_ALLOWED = /MethodNotAllowed|405: Method Not Allowed/;
const ROUTE_NOT_FOUND = /<NotFound '404/;
const TOO_LARGE = /RequestEntityTooLarge|413: Request Entity Too Large/;
const MISSING_AUTH_HEADER = /'NoneType' object has no attribute 'split'|IndexError\(|unauthorized|'401/i;
const V1_AUTH_REFUSAL = /authorization/i; // code 0 + data:false: "`Authorization` can't be empty" / "check your authorization format"
const DATASET_LOOKUP_ERROR = /LookupError\(.*dataset/; // v1 upload ≤ v0.24 on a missing dataset
const UNSUPPORTED_TYPE = /has not been supported yet/;
const NAME_TOO_LONG = /255 bytes or less|less than 128 bytes|maximum length of file name/i;
const NOT_FOUND = /not found|can't find|cannot find|don't own|doesn't own|not own|lacks permission|do not belong/i;
const MENTIONS_DOCUMENT = /document/i;
const MENTIONS_KB = /dataset|knowledgebase|knowledge base/i;

function notFoundKind(message: string, context: AnswerContext): RemoteErrorKind {
  // "The dataset doesn't own the document" names both: the document is what is missing.
  if (MENTIONS_DOCUMENT.test(message)) return 'doc-not-found';
  if (MENTIONS_KB.test(message)) return 'kb-not-found';
  return context.notFound;
}

export function classifyKind(envelope: Envelope, context: AnswerContext): RemoteErrorKind {
  const { code, message } = envelope;
  switch (code) {
    case 0:
      return V1_AUTH_REFUSAL.test(message) ? 'auth' : 'rejected';
    case 109:
    case 401:
      return 'auth';
    case 100:
      if (METHOD_NOT_ALLOWED.test(message) || ROUTE_NOT_FOUND.test(message)) return 'unsupported';
      if (TOO_LARGE.test(message)) return 'too-large';
      if (DATASET_LOOKUP_ERROR.test(message)) return 'kb-not-found';
      if (MISSING_AUTH_HEADER.test(message)) return 'auth';
      if (TRANSIENT_EXCEPTION.test(message)) return 'server';
      return 'rejected';
    case 101:
      return NAME_TOO_LONG.test(message) ? 'name-too-long' : 'rejected';
    case 102:
    case 108:
      if (UNSUPPORTED_TYPE.test(message)) return 'unsupported-type';
      return NOT_FOUND.test(message) ? notFoundKind(message, context) : 'rejected';
    case 404:
      return 'unsupported';
    case 413:
      return 'too-large';
    case 500:
      // v1 upload collects per-file errors as "<name>: <message>" under code 500 (§5.2).
      if (UNSUPPORTED_TYPE.test(message)) return 'unsupported-type';
      if (NAME_TOO_LONG.test(message)) return 'name-too-long';
      return 'rejected';
    default:
      return 'rejected';
  }
}

/** A RemoteError for an envelope that is not a success. `describe` names the call for the message. */
export function classifyEnvelope(envelope: Envelope, context: AnswerContext, httpStatus: number, describe: string): RemoteError {
  const kind = classifyKind(envelope, context);
  const text = envelope.message === '' ? `code ${envelope.code}` : envelope.message;
  return remoteError(kind, `${describe}: ${text}`, { code: envelope.code, httpStatus });
}

// Answers that are not failures for the caller, recognised here so the message patterns stay in one file.

/** Legacy `list_kb_docs` on v0.20–v0.22: `TypeError(… get_by_kb_id() missing … 'suffix')` (§3.2). */
export function isBrokenLegacyListing(envelope: Envelope): boolean {
  return envelope.code === 100 && /TypeError|get_by_kb_id/.test(envelope.message);
}

/** v1 parse request for a document already being parsed (§5.6): what we asked for is happening. */
export function isAlreadyParsing(envelope: Envelope): boolean {
  return envelope.code === 102 && /currently being processed/i.test(envelope.message);
}

/** v1 download of a zero-byte document answers "This file is empty." (§5.8) instead of no bytes. */
export function isEmptyFileAnswer(envelope: Envelope): boolean {
  return envelope.code === 102 && /file is empty/i.test(envelope.message);
}
