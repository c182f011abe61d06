import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/sync/ports.js';
import { collectPages, type Page } from '../../src/ragflow/paged-listing.js';
import { ok, remoteError } from '../../src/ragflow/remote-error.js';

type Item = { id: string };
const items = (from: number, count: number): Item[] => Array.from({ length: count }, (_, index) => ({ id: `d${from + index}` }));

function pager(all: Item[], options: { total?: number; ignorePage?: boolean } = {}) {
  const asked: number[] = [];
  const fetch = (page: number, size: number): Promise<Result<Page<Item>>> => {
    asked.push(page);
    const start = options.ignorePage === true ? 0 : (page - 1) * size;
    return Promise.resolve(ok({ items: all.slice(start, start + size), total: options.total ?? all.length }));
  };
  return { fetch, asked };
}

describe('collectPages', () => {
  it('reads every page and stops on the total', async () => {
    const { fetch, asked } = pager(items(0, 250));
    const result = await collectPages(fetch, 'list', 100);
    expect(result.ok && result.value.length).toBe(250);
    expect(asked).toEqual([1, 2, 3]);
  });

  it('stops on the total without asking for an empty page when it divides evenly', async () => {
    const { fetch, asked } = pager(items(0, 200));
    await collectPages(fetch, 'list', 100);
    expect(asked).toEqual([1, 2]);
  });

  it('stops on a short page when the total is missing or wrong', async () => {
    const { fetch, asked } = pager(items(0, 150), { total: 10_000 });
    const result = await collectPages(fetch, 'list', 100);
    expect(result.ok && result.value.length).toBe(150);
    expect(asked).toEqual([1, 2]);
  });

  it('gives up with a protocol error when the server ignores the page number', async () => {
    const { fetch, asked } = pager(items(0, 300), { ignorePage: true, total: 300 });
    const result = await collectPages(fetch, 'list', 100);
    expect(result).toMatchObject({ ok: false, kind: 'protocol' });
    expect(asked).toEqual([1, 2]);
  });

  it('keeps each id once when rows shift between pages', async () => {
    const pages = [items(0, 100), items(99, 100), items(199, 10)];
    const result = await collectPages((page) => Promise.resolve(ok({ items: pages[page - 1] ?? [] })), 'list', 100);
    expect(result.ok && result.value.length).toBe(209);
  });

  it('returns the first failing page as the result, never a partial list', async () => {
    const result = await collectPages(
      (page) => Promise.resolve(page === 1 ? ok({ items: items(0, 100), total: 300 }) : remoteError('server', 'HTTP 503')),
      'list',
      100,
    );
    expect(result).toMatchObject({ ok: false, kind: 'server' });
  });
});
