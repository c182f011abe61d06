// Validates the `data` of a successful envelope against what the client depends on (style §10):
// a wrong shape becomes a 'protocol' error naming the call and the first bad field.

import type { z } from 'zod';
import type { Result } from '../sync/ports.js';
import { ok, remoteError } from './remote-error.js';

export function dataOf<S extends z.ZodType>(schema: S, data: unknown, what: string): Result<z.infer<S>> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? 'data' : `data.${issue.path.join('.')}`;
  return remoteError('protocol', `${what}: unexpected answer, ${field}: ${issue?.message ?? 'invalid'}`);
}

/** Distinct non-empty ids in their first order (RAGFlow v0.25.1+ rejects duplicate ids with 101;
 *  an empty id is never a document, and a list of only those must count as empty). */
export function uniqueIds(ids: readonly string[]): string[] {
  return [...new Set(ids.filter((id) => id !== ''))];
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
