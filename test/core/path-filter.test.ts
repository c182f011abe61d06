import { describe, expect, it } from 'vitest';
import { createPathFilter, DEFAULT_IGNORES, InvalidGlobError, type PathFilterOptions } from '../../src/core/path-filter.js';

describe('createPathFilter: built-in ignores', () => {
  const filter = createPathFilter();
  it.each([
    ['guides/install.md', true],
    ['README', true],
    ['a b/ü ñ 日本.pdf', true],
    ['notes~draft.md', true], // a tilde inside a name is fine
    ['report.tmp.md', true], // only the final extension counts
    ['.env', false],
    ['.DS_Store', false],
    ['docs/.hidden.md', false],
    ['.git/config', false],
    ['a/.obsidian/workspace.json', false],
    ['~$report.docx', false],
    ['sub/~$report.docx', false],
    ['~WRL0001.tmp', false],
    ['.~lock.report.docx#', false],
    ['sub/.~lock.report.docx#', false],
    ['notes.md.swp', false],
    ['notes.md.swx', false],
    ['notes.md~', false],
    ['.#notes.md', false],
    ['big.iso.part', false],
    ['video.mp4.crdownload', false],
    ['lu12345.tmp', false],
    ['SETUP.TMP', false], // case-insensitive for temp names
    ['dir.tmp/real.md', true], // temp-name rules apply to file names, not folders
    ['', false],
  ])('%j → %s', (path, expected) => {
    expect(filter.includesFile(path)).toBe(expected);
  });

  it.each([
    ['', true],
    ['docs', true],
    ['.git', false],
    ['a/.cache', false],
    ['a/.cache/deep', false],
    ['dir.tmp', true],
  ])('mayContain(%j) → %s', (dir, expected) => {
    expect(filter.mayContain(dir)).toBe(expected);
  });

  it('exports every default rule with a reason, for the README', () => {
    expect(DEFAULT_IGNORES.map((rule) => rule.glob)).toEqual([
      '.*', '~$*', '~WRL*.tmp', '.~lock.*#', '*.swp', '*.swx', '*~', '.#*', '*.part', '*.crdownload', '*.tmp',
    ]);
    for (const rule of DEFAULT_IGNORES) expect(rule.why.length).toBeGreaterThan(5);
  });
});

interface Case {
  readonly options: PathFilterOptions;
  readonly files: Record<string, boolean>;
  readonly dirs?: Record<string, boolean>;
}

const cases: Record<string, Case> = {
  'exclude a folder with /**': {
    options: { exclude: ['drafts/**'] },
    files: { 'drafts/a.md': false, 'drafts/x/y.md': false, 'drafts.md': true, 'a/drafts/b.md': true },
    dirs: { drafts: false, 'drafts/x': false, a: true, 'a/drafts': true },
  },
  'exclude a folder by name with a trailing slash': {
    options: { exclude: ['build/'] },
    files: { 'build/out.pdf': false, 'build/x/y.pdf': false, 'src/build.md': true },
    dirs: { build: false, 'build/x': false, src: true },
  },
  'exclude a folder by its bare name (inherited like .gitignore)': {
    options: { exclude: ['archive'] },
    files: { 'archive/old.md': false, 'archive/2020/old.md': false, 'archived.md': true },
    dirs: { archive: false, archived: true },
  },
  'exclude a folder at any depth': {
    options: { exclude: ['**/node_modules/**'] },
    files: { 'node_modules/x.js': false, 'a/b/node_modules/x/y.js': false, 'a/b/c.js': true },
    dirs: { node_modules: false, 'a/node_modules': false, 'a/b': true },
  },
  'exclude by extension anywhere': {
    options: { exclude: ['**/*.log'] },
    files: { 'x.log': false, 'a/b/x.log': false, 'a/b/x.md': true },
    dirs: { a: true, 'a/b': true },
  },
  'globs are anchored at the folder root (no basename matching)': {
    options: { exclude: ['*.log'] },
    files: { 'x.log': false, 'a/x.log': true },
  },
  'leading ./ and / are the folder root': {
    options: { exclude: ['./private/**', '/secret.md'] },
    files: { 'private/a.md': false, 'secret.md': false, 'a/secret.md': true },
    dirs: { private: false },
  },
  'include by extension': {
    options: { include: ['**/*.md', '**/*.pdf'] },
    files: { 'a.md': true, 'x/y/z.pdf': true, 'a.txt': false, 'x/y.docx': false },
    dirs: { x: true, 'x/y': true },
  },
  'include below one folder prunes other folders': {
    options: { include: ['docs/**/*.md'] },
    files: { 'docs/a.md': true, 'docs/x/b.md': true, 'other/a.md': false, 'docs/a.txt': false },
    dirs: { docs: true, 'docs/x': true, other: false, doc: false, 'docs-old': false },
  },
  'include a literal path keeps its ancestors walkable': {
    options: { include: ['a/b/c.md'] },
    files: { 'a/b/c.md': true, 'a/b/d.md': false },
    dirs: { a: true, 'a/b': true, 'a/x': false, b: false },
  },
  'include with braces cannot prune (conservative)': {
    options: { include: ['{docs,guides}/*.md'] },
    files: { 'docs/a.md': true, 'guides/b.md': true, 'other/c.md': false },
    dirs: { other: true },
  },
  'exclude wins over include': {
    options: { include: ['**/*.md'], exclude: ['docs/private/**'] },
    files: { 'docs/a.md': true, 'docs/private/a.md': false },
    dirs: { 'docs/private': false },
  },
  'user globs cannot bring back dotfiles': {
    options: { include: ['**/.*', '.github/**'] },
    files: { '.env': false, '.github/README.md': false },
    dirs: { '.github': false },
  },
  'dot: true lets a user exclude match dot-named parts of a longer name': {
    options: { exclude: ['**/*.bak'] },
    files: { 'a/x.bak': false, 'a/x.md': true },
  },
  'globs match case-sensitively': {
    options: { exclude: ['Drafts/**'] },
    files: { 'Drafts/a.md': false, 'drafts/a.md': true },
  },
};

describe.each(Object.entries(cases))('createPathFilter: %s', (_name, { options, files, dirs }) => {
  const filter = createPathFilter(options);
  it.each(Object.entries(files))('includesFile(%j) → %s', (path, expected) => {
    expect(filter.includesFile(path)).toBe(expected);
  });
  if (dirs) {
    it.each(Object.entries(dirs))('mayContain(%j) → %s', (dir, expected) => {
      expect(filter.mayContain(dir)).toBe(expected);
    });
  }
});

describe('createPathFilter: consistency', () => {
  // The walker skips folders where mayContain is false; the watcher asks includesFile per path.
  // They must agree: no file under a pruned folder may be included.
  it('never includes a file under a folder it says it cannot contain', () => {
    const options: PathFilterOptions[] = [
      { exclude: ['drafts/**', '**/tmp/**', 'build/'] },
      { include: ['docs/**/*.md', 'a/b/c.md'] },
      { include: ['**/*.md'], exclude: ['x/**'] },
    ];
    const segments = ['docs', 'drafts', 'tmp', 'build', 'a', 'b', 'x', '.hid', 'c.md'];
    const paths: string[] = [];
    for (const s1 of segments) for (const s2 of segments) for (const s3 of segments) paths.push(`${s1}/${s2}/${s3}`);
    for (const option of options) {
      const filter = createPathFilter(option);
      for (const path of paths) {
        const parts = path.split('/');
        for (let depth = 1; depth < parts.length; depth++) {
          const dir = parts.slice(0, depth).join('/');
          if (!filter.mayContain(dir)) expect(filter.includesFile(path), `${path} under pruned ${dir}`).toBe(false);
        }
      }
    }
  });
});

describe('createPathFilter: invalid globs', () => {
  it.each([
    [{ exclude: ['!docs/**'] }, 'exclude', 'negated'],
    [{ include: [''] }, 'include', 'empty'],
    [{ include: ['/'] }, 'include', 'empty'],
    [{ exclude: ['docs\\*.md'] }, 'exclude', 'separator'],
  ] as const)('%j is refused with a typed error', (options, option, reason) => {
    let caught: unknown;
    try {
      createPathFilter(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidGlobError);
    const error = caught as InvalidGlobError;
    expect(error.code).toBe('invalid-glob');
    expect(error.option).toBe(option);
    expect(error.message).toContain(reason);
  });
});
