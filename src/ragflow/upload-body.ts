// The multipart body of an upload. Large files are streamed from disk: undici FormData + fs.openAsBlob,
// which undici.request() sends with backpressure (dependency-notes §4.1); never read whole. Small files
// are read into one Buffer when their request starts (multipart-body.ts): a file-backed Blob and the
// FormData stream cost more CPU than the upload itself, which made syncs of many small files CPU-bound.

import { closeSync, fstatSync, openAsBlob, openSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { FormData } from 'undici';
import type { Result, UploadSpec } from '../sync/ports.js';
import { encodeMultipart, type EncodedBody } from './multipart-body.js';
import { ok, remoteError } from './remote-error.js';

/**
 * Up to this size a file is read whole, synchronously: five system calls on a file this small take less
 * time than handing each of them to libuv's thread pool and back (measured 10× on a 2-core machine), and
 * memory stays bounded by the few requests in flight.
 */
export const SMALL_UPLOAD_BYTES = 64 * 1024;

export type UploadBody = FormData | EncodedBody;

function fsCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown error';
}

/**
 * Checks the file before a request is scheduled: a regular, readable file of the expected size. A small
 * file of known size is checked when it is read, in its request's slot (the same answers: not a regular
 * file or unreadable → 'file-unreadable', another size → 'file-changed'; nothing is sent either way).
 */
export async function checkUploadFile(spec: UploadSpec): Promise<Result<{ size: number }>> {
  if (spec.size !== undefined && spec.size <= SMALL_UPLOAD_BYTES) return ok({ size: spec.size });
  const where = `upload ${spec.name}`;
  try {
    const info = await stat(spec.path);
    if (!info.isFile()) return remoteError('file-unreadable', `${where}: ${spec.path} is not a regular file`);
    if (spec.size !== undefined && info.size !== spec.size) {
      return remoteError('file-changed', `${where}: ${spec.path} is ${info.size} bytes, expected ${spec.size}`);
    }
    // openAsBlob only stats; opening once surfaces EACCES here instead of as a blob read error
    // (which would look like a file change). A small file is opened when it is read.
    if (info.size > SMALL_UPLOAD_BYTES) {
      const handle = await open(spec.path, 'r');
      await handle.close();
    }
    return ok({ size: info.size });
  } catch (error) {
    return remoteError('file-unreadable', `${where}: cannot read ${spec.path} (${fsCode(error)})`);
  }
}

/** Builds the body; called inside the scheduler slot so the file is read (or its blob taken) when the
 *  request starts. Fields go first: legacy reads `kb_name` before the file (validate_request). */
export async function buildUploadForm(
  spec: UploadSpec,
  expectedSize: number,
  fields: Readonly<Record<string, string>>,
): Promise<Result<UploadBody>> {
  if (expectedSize <= SMALL_UPLOAD_BYTES) {
    const bytes = readSmallFile(spec, expectedSize);
    return bytes.ok ? ok(encodeMultipart(fields, 'file', { name: spec.name, bytes: bytes.value })) : bytes;
  }
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
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', blob, spec.name);
  return ok(form);
}

/**
 * The whole file, read through one descriptor. Another size than the expected one, or a size or mtime
 * that moves while it is read, is 'file-changed' (what a file-backed Blob reports for a change mid-send).
 */
function readSmallFile(spec: UploadSpec, expectedSize: number): Result<Buffer> {
  const where = `upload ${spec.name}`;
  let fd: number | undefined;
  try {
    fd = openSync(spec.path, 'r');
    const before = fstatSync(fd);
    if (!before.isFile()) return remoteError('file-unreadable', `${where}: ${spec.path} is not a regular file`);
    if (before.size !== expectedSize) return remoteError('file-changed', `${where}: ${spec.path} is ${before.size} bytes, expected ${expectedSize}`);
    const bytes = Buffer.allocUnsafe(expectedSize);
    let filled = 0;
    while (filled < expectedSize) {
      const read = readSync(fd, bytes, filled, expectedSize - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    const after = fstatSync(fd);
    if (filled !== expectedSize || after.size !== expectedSize || after.mtimeMs !== before.mtimeMs) {
      return remoteError('file-changed', `${where}: ${spec.path} changed while it was read`);
    }
    return ok(bytes);
  } catch (error) {
    return remoteError('file-unreadable', `${where}: cannot read ${spec.path} (${fsCode(error)})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Uploads may take long: allow the normal deadline plus the time to send at a slow 256 KiB/s. */
export function uploadDeadlineMs(requestTimeoutMs: number, size: number): number {
  return requestTimeoutMs + Math.ceil(size / (256 * 1024)) * 1000;
}
