// Walks a paged listing to the end, with the guards a mirror needs: a listing that silently stops
// early would make the engine think documents are gone, one that never stops would hang it.

import type { Result } from '../sync/ports.js';
import { ok, remoteError } from './remote-error.js';

export interface Page<T> {
  readonly items: readonly T[];
  /** Matches in all pages, when the server says. */
  readonly total?: number | undefined;
}

/** RAGFlow v0.26+ rejects bigger pages (§5.4); older versions accept it, so use it everywhere. */
export const MAX_PAGE_SIZE = 100;
/** 10 million documents: far beyond any real KB, so hitting it means the server is looping. */
const MAX_PAGES = 100_000;

export async function collectPages<T extends { readonly id: string }>(
  fetchPage: (page: number, pageSize: number) => Promise<Result<Page<T>>>,
  what: string,
  pageSize: number = MAX_PAGE_SIZE,
): Promise<Result<T[]>> {
  const byId = new Map<string, T>();
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const answer = await fetchPage(page, pageSize);
    if (!answer.ok) return answer;
    const { items, total } = answer.value;
    const before = byId.size;
    // A document created or deleted while we page can shift rows by one: keep each id once.
    for (const item of items) byId.set(item.id, item);
    if (items.length < pageSize) return ok([...byId.values()]);
    if (total !== undefined && byId.size >= total) return ok([...byId.values()]);
    if (byId.size === before) {
      // A full page with nothing new: the server ignores `page` (or pages overlap completely).
      return remoteError('protocol', `${what}: page ${page} repeated earlier documents; the listing does not advance`);
    }
  }
  return remoteError('protocol', `${what}: more than ${MAX_PAGES} pages; giving up`);
}
