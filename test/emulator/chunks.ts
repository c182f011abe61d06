// Fake chunking: deterministic chunks derived from a document's first bytes, so parse results
// (chunk_count, token_count, list_chunks) depend on the content like RAGFlow's do, at no cost.
import { closeSync, openSync, readSync } from 'node:fs';

/** Only the head of a document is chunked: a 1 GB upload must not be read into memory. */
const HEAD_BYTES = 32 * 1024;
const CHUNK_CHARS = 512;

export interface FakeChunk {
  readonly index: number;
  readonly content: string;
  readonly tokens: number;
}

export function readHead(filePath: string, limit = HEAD_BYTES): Buffer {
  const fd = openSync(filePath, 'r');
  try {
    const buf = Buffer.alloc(limit);
    const n = readSync(fd, buf, 0, limit, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Paragraphs (split on blank lines), long ones cut into CHUNK_CHARS pieces; blank pieces dropped. */
export function chunkText(text: string): FakeChunk[] {
  const pieces: string[] = [];
  for (const para of text.split(/\n\s*\n/u)) {
    const trimmed = para.trim();
    for (let i = 0; i < trimmed.length; i += CHUNK_CHARS) pieces.push(trimmed.slice(i, i + CHUNK_CHARS));
  }
  return pieces
    .filter((p) => p.trim() !== '')
    .map((content, index) => ({ index, content, tokens: content.split(/\s+/u).filter(Boolean).length }));
}

export function chunksOfFile(filePath: string): FakeChunk[] {
  return chunkText(readHead(filePath).toString('utf8'));
}
