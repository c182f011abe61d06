// Hashes a downloaded document as it streams in (constant memory). RAGFlow answers a missing
// document on its download endpoints with a small JSON envelope, but a stored `.json` file is also
// served as application/json, so only a body that is exactly an error envelope counts as an error.

import { createHash } from 'node:crypto';
import type { RemoteError, Result } from '../sync/ports.js';
import { isEmptyFileAnswer } from './classify-answer.js';
import { parseEnvelope, type Envelope } from './envelope.js';
import type { ResponseData } from './http-transport.js';
import { ok, remoteError } from './remote-error.js';

const ENVELOPE_KEYS = new Set(['code', 'message', 'data', 'retcode', 'retmsg']);
/** Error envelopes are a few hundred bytes; anything bigger is content. */
const MAX_ENVELOPE_BYTES = 64 * 1024;
/** SHA-256 of zero bytes. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface DownloadHash {
  readonly sha256: string;
  readonly size: number;
}

/** The envelope when `bytes` is nothing but a RAGFlow error envelope. */
export function errorEnvelopeOf(bytes: Buffer): Envelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  if (!Object.keys(json).every((key) => ENVELOPE_KEYS.has(key))) return undefined;
  const envelope = parseEnvelope(json);
  return envelope !== undefined && envelope.code !== 0 ? envelope : undefined;
}

export async function hashDownload(
  response: ResponseData,
  where: string,
  onErrorEnvelope: (envelope: Envelope, httpStatus: number) => RemoteError,
): Promise<Result<DownloadHash>> {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (size < MAX_ENVELOPE_BYTES) head.push(chunk);
    size += chunk.length;
  }
  const type = String(response.headers['content-type'] ?? '');
  const small = size <= MAX_ENVELOPE_BYTES;
  const envelope = small && (type.includes('json') || response.statusCode !== 200) ? errorEnvelopeOf(Buffer.concat(head)) : undefined;
  // v1 answers a zero-byte document with "This file is empty." (§5.8) instead of no bytes.
  if (envelope !== undefined && isEmptyFileAnswer(envelope)) return ok({ sha256: EMPTY_SHA256, size: 0 });
  if (envelope !== undefined) return onErrorEnvelope(envelope, response.statusCode);
  if (response.statusCode < 200 || response.statusCode >= 300) {
    return remoteError('protocol', `${where}: HTTP ${response.statusCode} without a RAGFlow envelope`, { httpStatus: response.statusCode });
  }
  return ok({ sha256: hash.digest('hex'), size });
}
