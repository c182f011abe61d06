// Maps a file's folder-relative path to the RAGFlow document name, within the server's 255-byte limit.
import { createHash } from 'node:crypto';
import type { RelPath } from './model.js';

/** RAGFlow ≥ 0.19.1 refuses names over 255 UTF-8 bytes (the column is varchar(255)). */
export const MAX_DOC_NAME_BYTES = 255;
/** Longer "extensions" are not real ones (`notes.2024-01-01 meeting with the team`); they are not kept. */
export const MAX_KEPT_EXTENSION_BYTES = 16;
/** Hex digits of SHA-256(relPath) that keep two shortened names apart (32 bits). */
const HASH_HEX_DIGITS = 8;

/**
 * What does not survive the trip as a multipart filename: undici (like browsers, per the HTML standard)
 * sends `"`, CR and LF as `%22`, `%0D`, `%0A`; RAGFlow's Werkzeug decodes `%22` back to `"` (so a literal
 * `%22` in a name changes too) but not the others, reads `\\` as one backslash and a trailing `\` as
 * escaping the closing quote (the filename is then lost). Other control characters may split the part
 * headers. Measured against the emulator (busboy, no decoding): `a"b.txt` arrived as `a%22b.txt`.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this must find
const UNSAFE_IN_FILENAME = /["\\\u0000-\u001f\u007f]|%22/g;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The document name for a file: its path relative to the folder (`guides/install.md`), so files with
 * the same base name in different folders stay distinct on the server. Names over 255 bytes are cut
 * (at a character boundary) and get `~` plus 8 hex digits of SHA-256 of the full path, then the
 * extension, so RAGFlow still picks the parser by extension and distinct long paths stay distinct.
 * Characters a multipart filename cannot carry unchanged (see UNSAFE_IN_FILENAME) become `_`, and such a
 * name gets the same `~hash` suffix: the server then stores exactly the name we asked for, which crash
 * recovery and state rebuilds rely on to find our documents by name.
 */
export function docNameFor(relPath: RelPath): string {
  const safe = relPath.replace(UNSAFE_IN_FILENAME, '_');
  const bytes = utf8.encode(safe);
  if (safe === relPath && bytes.length <= MAX_DOC_NAME_BYTES) return relPath;

  const extension = keptExtension(safe);
  const suffix = '~' + createHash('sha256').update(relPath, 'utf8').digest('hex').slice(0, HASH_HEX_DIGITS) + extension;
  const budget = MAX_DOC_NAME_BYTES - utf8.encode(suffix).length;
  const stemBytes = bytes.subarray(0, bytes.length - utf8.encode(extension).length);
  return truncateUtf8(stemBytes, budget) + suffix;
}

/** The extension of a name, lower-case with its dot (`.md`); '' for none, a dotfile or a trailing dot. */
export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return '';
  return base.slice(dot).toLowerCase();
}

/** The extension as written (case kept), or '' when there is none or it is too long to be a real one. */
function keptExtension(relPath: string): string {
  const extensionLength = extensionOf(relPath).length;
  if (extensionLength === 0) return '';
  const extension = relPath.slice(relPath.length - extensionLength);
  return utf8.encode(extension).length <= MAX_KEPT_EXTENSION_BYTES ? extension : '';
}

/** The longest prefix of these UTF-8 bytes within maxBytes that ends on a character boundary. */
function truncateUtf8(bytes: Uint8Array, maxBytes: number): string {
  let end = Math.min(maxBytes, bytes.length);
  // Continuation bytes look like 10xxxxxx: back up until the cut falls before a character's first byte.
  while (end > 0 && end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return utf8Decoder.decode(bytes.subarray(0, end));
}
