// The path filter's shortcuts (issue 6) must not change an answer: `**/*` as include behaves exactly as no
// include, and remembered folder verdicts answer as the full check does, in any order of asking.
import { describe, expect, it } from 'vitest';
import { createPathFilter } from '../../src/core/path-filter.js';

const PATHS = [
  'a.md',
  '.hidden.md',
  'docs/guide.md',
  'docs/.git/config',
  '.git/HEAD',
  'drafts/wip.md',
  'drafts/deep/x.md',
  'notes/~$report.docx',
  'notes/file.md.swp',
  'Ünïcode/naïve café.txt',
  'a/b/c/d/e.md',
];

describe('path filter shortcuts', () => {
  it.each([['**/*'], ['**'], ['./**/*'], ['**/*', 'docs/**']])('include %s answers as no include at all', (...include) => {
    const plain = createPathFilter({ exclude: ['drafts/**'] });
    const universal = createPathFilter({ include, exclude: ['drafts/**'] });
    for (const p of PATHS) expect([p, universal.includesFile(p)]).toEqual([p, plain.includesFile(p)]);
    for (const d of ['docs', 'drafts', 'drafts/deep', '.git', 'a/b']) expect([d, universal.mayContain(d)]).toEqual([d, plain.mayContain(d)]);
  });

  it('a narrower include still narrows', () => {
    const filter = createPathFilter({ include: ['docs/**'] });
    expect(filter.includesFile('docs/guide.md')).toBe(true);
    expect(filter.includesFile('a.md')).toBe(false);
  });

  it('remembered folder verdicts match a fresh filter, whatever was asked before', () => {
    const options = { exclude: ['drafts/**', '**/tmp/**'] };
    const reused = createPathFilter(options);
    const order = [...PATHS, 'x/tmp/y.md', 'x/y.md', ...PATHS.slice().reverse(), 'drafts/ok.md', 'x/tmp/z.md'];
    for (const p of order) expect([p, reused.includesFile(p)]).toEqual([p, createPathFilter(options).includesFile(p)]);
  });
});
