import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/ragflow/retry-after.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['2', 2000],
    ['0', 0],
    [' 120 ', 120_000],
    ['Sun, 01 Mar 2026 12:00:30 GMT', 30_000],
    ['Sun, 01 Mar 2026 11:59:00 GMT', 0], // a date in the past means "now"
  ])('reads %j as %d ms', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });

  it.each([[undefined], [''], ['soon'], ['-5'], ['1.5'], ['12abc']])('ignores %j', (header) => {
    expect(parseRetryAfter(header, NOW)).toBeUndefined();
  });

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], NOW)).toBe(3000);
  });
});
