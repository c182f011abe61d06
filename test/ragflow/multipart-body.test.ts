// The in-memory multipart body must be byte for byte what undici's FormData sends (boundary aside), so
// small and large uploads look the same to the server.
import { FormData, Response } from 'undici';
import { describe, expect, it } from 'vitest';
import { encodeMultipart } from '../../src/ragflow/multipart-body.js';

async function undiciBody(fields: Record<string, string>, name: string, bytes: Buffer): Promise<{ text: string; boundary: string }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append('file', new Blob([bytes]), name);
  const response = new Response(form);
  const boundary = /boundary=(.+)$/.exec(response.headers.get('content-type') ?? '')?.[1] ?? '';
  return { text: Buffer.from(await response.arrayBuffer()).toString('latin1'), boundary };
}

function ours(fields: Record<string, string>, name: string, bytes: Buffer): { text: string; boundary: string } {
  const body = encodeMultipart(fields, 'file', { name, bytes });
  const boundary = /boundary=(.+)$/.exec(body.contentType)?.[1] ?? '';
  return { text: body.bytes.toString('latin1'), boundary };
}

describe('encodeMultipart', () => {
  const cases: [string, Record<string, string>, string, Buffer][] = [
    ['a plain v1 upload', {}, 'dept-0/team-1/note 7.md', Buffer.from('# note\n\nbody\n')],
    ['legacy fields first, line breaks in a value', { kb_name: 'docs', parser_id: 'naive', note: 'a\nb\rc\r\nd' }, 'a.txt', Buffer.from('x')],
    ['quotes, CR and LF in the file name; UTF-8', {}, 'we"ird\r\nname – ü.md', Buffer.from('ü', 'utf8')],
    ['binary and empty content', {}, 'blob.bin', Buffer.from([0, 13, 10, 45, 45, 255])],
    ['an empty file', {}, 'empty.txt', Buffer.alloc(0)],
  ];
  for (const [what, fields, name, bytes] of cases) {
    it(`matches undici's FormData: ${what}`, async () => {
      const theirs = await undiciBody(fields, name, bytes);
      const mine = ours(fields, name, bytes);
      expect(mine.boundary).not.toBe('');
      expect(mine.text.split(mine.boundary).join('B')).toBe(theirs.text.split(theirs.boundary).join('B'));
    });
  }

  it('uses a fresh boundary each time', () => {
    const a = encodeMultipart({}, 'file', { name: 'a', bytes: Buffer.from('a') });
    const b = encodeMultipart({}, 'file', { name: 'a', bytes: Buffer.from('a') });
    expect(a.contentType).not.toBe(b.contentType);
    expect(a.contentType).toMatch(/^multipart\/form-data; boundary=-{4}[\w-]+$/);
  });
});
