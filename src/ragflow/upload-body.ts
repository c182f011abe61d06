// The multipart body of an upload, streamed from disk: undici FormData + fs.openAsBlob, which
// undici.request() sends with backpressure (dependency-notes §4.1). Never read the file whole.

import { openAsBlob } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { FormData } from 'undici';
import type { Result, UploadSpec } from '../sync/ports.js';
import { ok, remoteError } from './remote-error.js';

function fsCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown error';
}

/** Checks the file before a request is scheduled: a regular, readable file of the expected size. */
export async function checkUploadFile(spec: UploadSpec): Promise<Result<{ size: number }>> {
  const where = `upload ${spec.name}`;
  try {
    const info = await stat(spec.path);
    if (!info.isFile()) return remoteError('file-unreadable', `${where}: ${spec.path} is not a regular file`);
    if (spec.size !== undefined && info.size !== spec.size) {
      return remoteError('file-changed', `${where}: ${spec.path} is ${info.size} bytes, expected ${spec.size}`);
    }
    // openAsBlob only stats; opening once surfaces EACCES here instead of as a blob read error
    // (which would look like a file change).
    const handle = await open(spec.path, 'r');
    await handle.close();
    return ok({ size: info.size });
  } catch (error) {
    return remoteError('file-unreadable', `${where}: cannot read ${spec.path} (${fsCode(error)})`);
  }
}

/** Builds the form; called inside the scheduler slot so the blob is taken when the request starts. */
export async function buildUploadForm(
  spec: UploadSpec,
  expectedSize: number,
  fields: Readonly<Record<string, string>>,
): Promise<Result<FormData>> {
  let blob: Blob;
  try {
    blob = await openAsBlob(spec.path);
  } catch (error) {
    return remoteError('file-unreadable', `upload ${spec.name}: cannot read ${spec.path} (${fsCode(error)})`);
  }
  if (blob.size !== expectedSize) {
    return remoteError('file-changed', `upload ${spec.name}: ${spec.path} changed size before sending`);
  }
  const form = new FormData();
  // Legacy reads `kb_name` before the file (validate_request), so fields go first.
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', blob, spec.name);
  return ok(form);
}

/** Uploads may take long: allow the normal deadline plus the time to send at a slow 256 KiB/s. */
export function uploadDeadlineMs(requestTimeoutMs: number, size: number): number {
  return requestTimeoutMs + Math.ceil(size / (256 * 1024)) * 1000;
}
