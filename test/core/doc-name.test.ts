import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { docNameFor, extensionOf, MAX_DOC_NAME_BYTES } from '../../src/core/doc-name.js';

const bytesOf = (text: string): number => Buffer.byteLength(text, 'utf8');
/** Lone surrogates (a character cut in half in JS terms) do not survive a UTF-8 round trip. */
const isWellFormed = (text: string): boolean => Buffer.from(text, 'utf8').toString('utf8') === text;
const hash8 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);

describe('docNameFor: short paths are kept as they are', () => {
  it.each([
    'install.md',
    'guides/install.md',
    'a b/c d.PDF',
    'Über/Größe résumé.docx',
    '日本語/資料.pdf',
    'emoji/😀 notes.md',
    'Makefile',
    'x'.repeat(255),
    'é'.repeat(127) + 'x', // 255 bytes exactly
  ])('%j', (path) => {
    expect(docNameFor(path)).toBe(path);
  });
});

describe('docNameFor: long paths', () => {
  it.each([
    ['ASCII with extension', 'deep/'.repeat(60) + 'file.md', '.md'],
    ['ASCII without extension', 'n'.repeat(300), ''],
    ['2-byte characters', 'é'.repeat(200) + '.pdf', '.pdf'],
    ['3-byte characters', '資'.repeat(100) + '.docx', '.docx'],
    ['4-byte characters (surrogate pairs in JS)', '😀'.repeat(80) + '.txt', '.txt'],
    ['mixed widths', ('aé資😀').repeat(30) + '.Markdown', '.Markdown'],
    ['extension case is kept', 'x'.repeat(300) + '.PDF', '.PDF'],
    ['an over-long "extension" is not kept', 'x'.repeat(100) + '.' + 'y'.repeat(200), ''],
    ['a dotted folder is not an extension', 'a.b/'.repeat(80) + 'README', ''],
  ])('%s', (_label, path, extension) => {
    const name = docNameFor(path);
    expect(bytesOf(name)).toBeLessThanOrEqual(MAX_DOC_NAME_BYTES);
    expect(name.endsWith('~' + hash8(path) + extension)).toBe(true);
    // The cut never splits a character: re-encoding gives the same text (no U+FFFD, no lone surrogate).
    expect(name).not.toContain('\uFFFD');
    expect(isWellFormed(name)).toBe(true);
    // The kept part is a prefix of the original path.
    const stem = name.slice(0, name.length - (9 + extension.length));
    expect(path.startsWith(stem)).toBe(true);
    // It uses the room it has: at most 3 bytes are lost to a character boundary.
    expect(bytesOf(name)).toBeGreaterThan(MAX_DOC_NAME_BYTES - 4);
    expect(docNameFor(path)).toBe(name); // deterministic
  });

  it('keeps two long paths that differ only at the end apart', () => {
    const prefix = 'archive/'.repeat(40);
    const first = docNameFor(prefix + 'report-2023.pdf');
    const second = docNameFor(prefix + 'report-2024.pdf');
    expect(first).not.toBe(second);
    expect(extensionOf(first)).toBe('.pdf');
    expect(extensionOf(second)).toBe('.pdf');
  });

  it('cuts before a multi-byte character that straddles the limit', () => {
    // 'a' shifts every 3-byte character by one byte so the budget boundary falls mid-character.
    for (const lead of ['', 'a', 'aa']) {
      const path = lead + '資'.repeat(120) + '.md';
      const name = docNameFor(path);
      expect(bytesOf(name)).toBeLessThanOrEqual(MAX_DOC_NAME_BYTES);
      expect(isWellFormed(name)).toBe(true);
      expect(name).not.toContain('\uFFFD');
    }
  });
});

describe('extensionOf', () => {
  it.each([
    ['a.md', '.md'],
    ['A.PDF', '.pdf'],
    ['dir/a.Docx', '.docx'],
    ['archive.tar.gz', '.gz'],
    ['Makefile', ''],
    ['.bashrc', ''],
    ['dir/.bashrc', ''],
    ['trailing.', ''],
    ['dir.d/file', ''],
    ['', ''],
    ['資料.PDF', '.pdf'],
  ])('%j → %j', (name, expected) => {
    expect(extensionOf(name)).toBe(expected);
  });

  it('sees an extension change even when the name is shortened', () => {
    const long = 'x'.repeat(300);
    expect(extensionOf(docNameFor(long + '.md'))).not.toBe(extensionOf(docNameFor(long + '.pdf')));
  });
});

describe('docNameFor: characters a multipart filename cannot carry unchanged', () => {
  it.each([
    ['a double quote', 'say "hi".md', 'say _hi_', '.md'],
    ['a newline', 'two\nlines.txt', 'two_lines', '.txt'],
    ['a carriage return', 'cr\r.txt', 'cr_', '.txt'],
    ['a tab and other control characters', 'tab\there\u0001\u007f.md', 'tab_here__', '.md'],
    ['backslashes', 'back\\slash\\\\twice.txt', 'back_slash__twice', '.txt'],
    ['a trailing backslash (no extension)', 'ends\\', 'ends_', ''],
    ['a literal %22 (Werkzeug would decode it)', '100%22 sure.pdf', '100_ sure', '.pdf'],
    ['unsafe characters in a folder name', 'q"uoted/dir/file.md', 'q_uoted/dir/file', '.md'],
  ])('%s', (_label, path, stem, extension) => {
    const name = docNameFor(path);
    expect(name).toBe(`${stem}~${hash8(path)}${extension}`);
    expect(name).not.toMatch(/["\\\r\n\t]|%22/);
  });

  it('keeps `%` not followed by 22, `#`, quotes and spaces as they are', () => {
    for (const path of ["100% sure.md", '%41.txt', '#1 idea.md', "it's here.txt", 'semi;colon=x.txt', '(paren) [bracket] {brace}.md']) {
      expect(docNameFor(path)).toBe(path);
    }
  });

  it('keeps two paths apart that differ only in an unsafe character', () => {
    expect(docNameFor('a"b.md')).not.toBe(docNameFor('a\nb.md'));
    expect(docNameFor('a"b.md')).not.toBe('a_b.md');
  });

  it('shortens a long path with unsafe characters within the limit', () => {
    const path = 'deep "quoted"/'.repeat(30) + 'file.md';
    const name = docNameFor(path);
    expect(bytesOf(name)).toBeLessThanOrEqual(MAX_DOC_NAME_BYTES);
    expect(name.endsWith(`~${hash8(path)}.md`)).toBe(true);
    expect(name).not.toContain('"');
  });
});
