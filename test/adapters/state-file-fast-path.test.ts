// Version 1 entries (one object per path, read on the upgrade to format 2) are accepted and refused as the
// zod schema says, with zod's wording.
import { describe, expect, it } from 'vitest';
import { parseStateText, StateFileCorruptError } from '../../src/adapters/state-file-format.js';
import { trackedFile } from './state-fixtures.js';

const OWNER = '3b7c2f3b-c199-41db-84ef-5dcc76b000f9';
const fileText = (entry: unknown, key = 'a') => JSON.stringify({ version: 1, ownerId: OWNER, folders: { docs: { files: { [key]: entry } } } });
const load = (entry: unknown, key = 'a') => parseStateText(fileText(entry, key)).folders.get('docs')?.files.get(key);

describe('state file fast path', () => {
  it('keeps every optional plain field and drops an unknown key, as zod would', () => {
    const full = trackedFile('a', { docId: 'd', docName: 'a', lastError: 'x', permanent: true, failedSha256: 'b'.repeat(64), failures: 2, status: 'failed' });
    expect(load(full)).toEqual(full);
    expect(load({ ...trackedFile('a'), surprise: 1 })).toEqual(trackedFile('a'));
  });

  it.each([
    ['a missing required field', (() => { const { sha256: _gone, ...rest } = trackedFile('a'); return rest; })(), 'sha256'],
    ['a wrong-typed optional field', { ...trackedFile('a'), permanent: 'yes' }, 'permanent'],
    ['null for an optional field', { ...trackedFile('a'), docId: null }, 'docId'],
    ['a number as the status', { ...trackedFile('a'), status: 1 }, 'status'],
    ['an array as the entry', [1, 2], 'files'],
  ])('refuses %s with zod’s wording', (_label, entry, where) => {
    let error: unknown;
    try {
      load(entry);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StateFileCorruptError);
    expect((error as StateFileCorruptError).reason).toContain(where);
  });

  it('treats `__proto__` and `constructor` inside an entry as unknown keys, not as fields', () => {
    const text = fileText(trackedFile('a')).replace('"relPath":"a"', '"__proto__":{"size":"x"},"constructor":1,"relPath":"a"');
    expect(parseStateText(text).folders.get('docs')?.files.get('a')).toEqual(trackedFile('a'));
  });

  it('loads intents and obsolete ids through the full schema', () => {
    const pending = trackedFile('a', { status: 'pending', intent: { kind: 'upload', name: 'a', sha256: 'c'.repeat(64), startedAt: 1 }, obsoleteDocIds: ['o'] });
    expect(load(pending)).toEqual(pending);
  });
});
