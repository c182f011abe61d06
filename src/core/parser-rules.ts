// Which parser (chunk method) a file gets: the first of the folder's rules whose glob matches, else the
// folder's parserId. Globs are picomatch globs with dotfiles matched, like the include/exclude filters.
import picomatch from 'picomatch';
import type { RelPath } from './model.js';

export interface ParserRule {
  readonly match: string;
  readonly parserId: string;
}

export type ParserChooser = (relPath: RelPath) => string;

export function createParserChooser(rules: readonly ParserRule[] | undefined, fallback: string): ParserChooser {
  if (rules === undefined || rules.length === 0) return () => fallback;
  const compiled = rules.map((rule) => ({ test: picomatch(rule.match, { dot: true }), parserId: rule.parserId }));
  return (relPath) => compiled.find((rule) => rule.test(relPath))?.parserId ?? fallback;
}
