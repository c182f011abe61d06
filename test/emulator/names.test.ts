import { describe, expect, it } from 'vitest';
import { duplicateName, filenameType, pathStem, pathSuffix } from './names.js';
import { pyRepr } from './pyrepr.js';

const takenBy = (names: string[]) => (n: string) => names.includes(n);

describe('§4.1 duplicate_name, regex version (≤0.19.0)', () => {
  it.each([
    ['a.txt', ['a.txt'], 'a(1).txt'],
    ['a.txt', ['a.txt', 'a(1).txt'], 'a(2).txt'],
    ['a(1).txt', ['a(1).txt'], 'a(2).txt'],
    ['dir/a.txt', ['dir/a.txt'], 'dir/a(1).txt'],
    ['README', ['README'], 'README(1)'],
    ['x.tar.gz', ['x.tar.gz'], 'x.tar(1).gz'],
    ['free.txt', ['other.txt'], 'free.txt'],
  ])('%s with %j taken → %s', (name, taken, want) => {
    expect(duplicateName(name, takenBy(taken), 'regex')).toBe(want);
  });
});

describe('§4.1 duplicate_name, PurePath version (≥0.19.1)', () => {
  it.each([
    ['a.txt', ['a.txt'], 'a(1).txt'],
    ['dir/sub/a.txt', ['dir/sub/a.txt'], 'a(1).txt'],
    ['a (3).txt', ['a (3).txt'], 'a(4).txt'],
    ['x.tar.gz', ['x.tar.gz'], 'x.tar(1).gz'],
    ['README', ['README'], 'README(1)'],
    ['duplicate.txt', ['duplicate.txt', 'duplicate(1).txt', 'duplicate(2).txt'], 'duplicate(3).txt'],
  ])('%s with %j taken → %s', (name, taken, want) => {
    expect(duplicateName(name, takenBy(taken), 'purepath')).toBe(want);
  });

  it('gives up after 1000 tries like RAGFlow (RuntimeError)', () => {
    expect(() => duplicateName('a.txt', () => true, 'purepath')).toThrow(/1000 attempts/);
  });
});

describe('§4.4 filename_type', () => {
  it.each([
    ['a.pdf', 'pdf'],
    ['A.PDF', 'pdf'],
    ['notes.md', 'doc'],
    ['dir/x.txt', 'doc'],
    ['song.mp3', 'aural'],
    ['p.png', 'visual'],
    ['p.wmf', 'other'],
    ['tool.exe', 'other'],
    ['README', 'other'],
  ] as const)('%s → %s (0.27)', (name, type) => {
    expect(filenameType(name, '0.27')).toBe(type);
  });

  it('follows the version tables: .mdx is a doc from 0.24, .epub and .bmp from 0.27', () => {
    expect(filenameType('a.mdx', '0.21')).toBe('other');
    expect(filenameType('a.mdx', '0.24')).toBe('doc');
    expect(filenameType('a.epub', '0.24')).toBe('other');
    expect(filenameType('a.epub', '0.27')).toBe('doc');
    expect(filenameType('a.bmp', '0.27')).toBe('visual');
  });
});

describe('Python helpers the messages rely on', () => {
  it('PurePath suffix and stem', () => {
    expect(pathSuffix('dir/a.b.txt')).toBe('.txt');
    expect(pathSuffix('.bashrc')).toBe('');
    expect(pathStem('dir/a.b.txt')).toBe('a.b');
  });
  it('repr() of lists and strings', () => {
    expect(pyRepr(['x', "it's"])).toBe(`['x', "it's"]`);
    expect(pyRepr({ a: null, b: true })).toBe(`{'a': None, 'b': True}`);
  });
});
