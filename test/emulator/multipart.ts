// Streaming form parser: each uploaded file goes straight to a temp file while its SHA-256 and xxh128
// are computed, so a 1 GB upload costs no memory; a body of at most SMALL_BODY_BYTES (by its
// Content-Length) is kept in memory instead, which saves a file and its stream per small upload.
// Mirrors Werkzeug's view: a part with a filename (even an empty one) is a file, anything else a field;
// filenames keep their '/' (ragflow-api.md §4.2).
import busboy from 'busboy';
import { createWriteStream, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createSHA256, createXXHash128, type IHasher } from 'hash-wasm';

export interface UploadedFile {
  readonly field: string;
  readonly filename: string;
  readonly mimeType: string;
  /** The bytes: a temp file (move it away, with rename, to keep it; cleanup() removes the rest), or in
   *  memory for a small body. */
  readonly content: { readonly sourcePath: string } | { readonly bytes: Buffer };
  readonly size: number;
  readonly sha256: string;
  readonly xxh128: string;
}

export interface FormBody {
  readonly fields: Record<string, string[]>;
  readonly files: UploadedFile[];
  cleanup(): void;
}

/** Hashers are reused: making one instantiates a WebAssembly module, which cost more than hashing a
 *  small upload. One pair per file being received at once; up to MAX_IDLE idle pairs wait here. */
const idleHashers: [IHasher, IHasher][] = [];
const MAX_IDLE = 16;

/** Bodies up to this Content-Length are parsed in memory. */
const SMALL_BODY_BYTES = 1024 * 1024;

async function takeHashers(): Promise<[IHasher, IHasher]> {
  const pair = idleHashers.pop() ?? (await Promise.all([createSHA256(), createXXHash128()]));
  pair[0].init();
  pair[1].init();
  return pair;
}

export function isFormContentType(contentType: string | undefined): boolean {
  const ct = (contentType ?? '').toLowerCase();
  return ct.startsWith('multipart/form-data') || ct.startsWith('application/x-www-form-urlencoded');
}

/** Parses a multipart or urlencoded body; any other body is drained and gives an empty form. */
export async function readForm(req: IncomingMessage, tempPath: () => string): Promise<FormBody> {
  const fields: Record<string, string[]> = {};
  const files: UploadedFile[] = [];
  const temps: string[] = [];
  const cleanup = (): void => {
    for (const p of temps) rmSync(p, { force: true });
  };
  if (!isFormContentType(req.headers['content-type'])) {
    await drain(req);
    return { fields, files, cleanup };
  }
  const bb = busboy({
    headers: req.headers,
    preservePath: true,
    defParamCharset: 'utf8',
    limits: { fieldSize: 16 * 1024 * 1024 },
  });
  const writes: Promise<void>[] = [];
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  const inMemory = Number.isInteger(declared) && declared <= SMALL_BODY_BYTES;
  const order = new Map<UploadedFile, number>();
  bb.on('field', (name, value) => {
    (fields[name] ??= []).push(value);
  });
  bb.on('file', (field, stream, info) => {
    const index = writes.length; // file parts before this one
    writes.push(
      (async () => {
        const hashers = await takeHashers();
        const [sha, xxh] = hashers;
        let size = 0;
        try {
          let content: UploadedFile['content'];
          if (inMemory) {
            const chunks: Buffer[] = [];
            for await (const chunk of stream as AsyncIterable<Buffer>) {
              sha.update(chunk);
              xxh.update(chunk);
              size += chunk.length;
              chunks.push(chunk);
            }
            content = { bytes: Buffer.concat(chunks, size) };
          } else {
            const path = tempPath();
            temps.push(path);
            const hashing = new Transform({
              transform(chunk: Buffer, _enc, done) {
                sha.update(chunk);
                xxh.update(chunk);
                size += chunk.length;
                done(null, chunk);
              },
            });
            await pipeline(stream, hashing, createWriteStream(path));
            content = { sourcePath: path };
          }
          const file: UploadedFile = {
            field,
            filename: info.filename ?? '',
            mimeType: info.mimeType,
            content,
            size,
            sha256: sha.digest('hex'),
            xxh128: xxh.digest('hex'),
          };
          order.set(file, index);
          files.push(file);
        } finally {
          if (idleHashers.length < MAX_IDLE) idleHashers.push(hashers); // takeHashers() starts each use with init()
        }
      })(),
    );
  });
  try {
    await pipeline(req, bb);
    await Promise.all(writes);
  } catch (err) {
    await Promise.allSettled(writes);
    cleanup();
    throw err;
  }
  // Part order = the order the client sent them (writes may finish out of order).
  files.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return { fields, files, cleanup };
}

/** Reads a whole (small) body. */
export async function readRaw(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) parts.push(chunk);
  }
  return Buffer.concat(parts);
}

export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _chunk of req as AsyncIterable<Buffer>) {
    // discard
  }
}
