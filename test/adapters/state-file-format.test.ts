import { describe, expect, it } from 'vitest';
import type { TrackedFile } from '../../src/core/model.js';
import { trackedFile } from './state-fixtures.js';
import {
  emptyState,
  parseStateText,
  StateFileCorruptError,
  StateFileVersionError,
  stringifyState,
  type StateData,
} from '../../src/adapters/state-file-format.js';

const OWNER = '3b7c2f3b-c199-41db-84ef-5dcc76b000f9';

function stateWith(files: TrackedFile[]): StateData {
  const state = emptyState(OWNER);
  state.folders.set('docs', { meta: { kbName: 'Docs', kbId: 'kb-1', rootDev: 2049, rootIno: 77, lastReconcileAt: 5 }, files: new Map(files.map((file) => [file.relPath, file])) });
  state.folders.set('no-meta-yet', { files: new Map() });
  state.folders.set('__proto__', { files: new Map([['x', trackedFile('x')]]) });
  return state;
}

function corruptError(text: string): StateFileCorruptError {
  try {
    parseStateText(text);
  } catch (error) {
    expect(error).toBeInstanceOf(StateFileCorruptError);
    return error as StateFileCorruptError;
  }
  throw new Error(`accepted: ${text.slice(0, 80)}`);
}

describe('state file format', () => {
  it('round-trips every field, and names that are special in JavaScript objects', () => {
    const files = [
      trackedFile('guides/install.md', { docId: 'd1', docName: 'guides/install.md' }),
      trackedFile('__proto__', { docId: 'd2' }),
      trackedFile('constructor'),
      trackedFile('hasOwnProperty/toString.md'),
      trackedFile('Über/日本語 😀.pdf', { status: 'failed', lastError: 'too large', permanent: true, failedSha256: 'c'.repeat(64), failures: 3 }),
      trackedFile('pending.md', { status: 'pending', intent: { kind: 'upload', name: 'pending.md', sha256: 'b'.repeat(64), startedAt: 9 } }),
      trackedFile('deleting.md', { intent: { kind: 'delete', docIds: ['x', 'y'], startedAt: 10 }, obsoleteDocIds: ['old-1'] }),
      trackedFile('old-mtime.md', { mtimeMs: -86_400_000 }), // files can predate 1970
    ];
    const state = stateWith(files);
    const text = stringifyState(state);
    expect(text).not.toContain('\n'); // compact
    expect(text.startsWith(`{"version":2,"ownerId":"${OWNER}"`)).toBe(true);
    const loaded = parseStateText(text);
    expect(loaded.ownerId).toBe(OWNER);
    expect([...loaded.folders.keys()]).toEqual(['docs', 'no-meta-yet', '__proto__']);
    expect(loaded.folders.get('__proto__')?.files.get('x')).toEqual(trackedFile('x'));
    expect(loaded.folders.get('docs')?.meta).toEqual(state.folders.get('docs')?.meta);
    expect(loaded.folders.get('no-meta-yet')?.meta).toBeUndefined();
    expect([...(loaded.folders.get('docs')?.files.values() ?? [])]).toEqual(files);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype); // nothing was polluted
    expect(JSON.parse(stringifyState(loaded))).toEqual(JSON.parse(text)); // key order may differ
  });

  it.each([
    ['an empty file', '', 'empty'],
    ['truncated JSON', `{"version":1,"ownerId":"${OWNER}","folders":{"docs":{"files":{"a":{"rel`, 'not JSON'],
    ['NUL bytes (a power cut on some file systems)', '\0'.repeat(4096), 'not JSON'],
    ['null', 'null', 'top level'],
    ['an array', '[]', 'top level'],
    ['an empty object', '{}', 'version'],
    ['a string', '"state"', 'top level'],
    ['binary garbage', '\uFFFD\u0001PK\u0003\u0004', 'not JSON'],
    ['version 0', `{"version":0,"ownerId":"${OWNER}","folders":{}}`, 'version'],
    ['version as text', `{"version":"1","ownerId":"${OWNER}","folders":{}}`, 'version'],
    ['a missing owner id', '{"version":1,"folders":{}}', 'ownerId'],
    ['folders as an array', `{"version":1,"ownerId":"${OWNER}","folders":[]}`, 'folders'],
    ['a folder without files', `{"version":1,"ownerId":"${OWNER}","folders":{"docs":{}}}`, 'folders["docs"].files'],
    ['a wrong-typed size', `{"version":1,"ownerId":"${OWNER}","folders":{"docs":{"files":{"a":${JSON.stringify({ ...trackedFile('a'), size: '12' })}}}}}`, '.size'],
    ['an unknown status', `{"version":1,"ownerId":"${OWNER}","folders":{"docs":{"files":{"a":${JSON.stringify({ ...trackedFile('a'), status: 'maybe' })}}}}}`, '.status'],
    ['an entry filed under another path', `{"version":1,"ownerId":"${OWNER}","folders":{"docs":{"files":{"b":${JSON.stringify(trackedFile('a'))}}}}}`, 'relPath'],
    ['a bad intent', `{"version":1,"ownerId":"${OWNER}","folders":{"docs":{"files":{"a":${JSON.stringify({ ...trackedFile('a'), intent: { kind: 'rename' } })}}}}}`, 'intent'],
  ])('refuses %s', (_label, text, reasonPart) => {
    expect(corruptError(text).reason).toContain(reasonPart);
  });

  it('salvages the owner id from a damaged file so our documents stay recognisable', () => {
    expect(corruptError(`{"version":1,"ownerId":"${OWNER}","folders":{"docs":{"fi`).salvagedOwnerId).toBe(OWNER);
    expect(corruptError('\0\0\0').salvagedOwnerId).toBeUndefined();
    expect(corruptError('{"ownerId":"not-a-uuid"').salvagedOwnerId).toBeUndefined();
  });

  it('refuses a newer format version distinctly (it is not corrupt and must not be moved aside)', () => {
    expect(() => parseStateText(`{"version":3,"ownerId":"${OWNER}","folders":{},"newThing":1}`)).toThrow(StateFileVersionError);
  });
  it('writes columns (version 2): the common docName is not repeated, rare fields go to `more`', () => {
    const files = [
      trackedFile('a.md', { docId: 'd1', docName: 'a.md' }),
      trackedFile('b.md', { docId: 'd2', docName: 'b(1).md', failures: 2, lastError: 'x' }),
      trackedFile('c.md'),
    ];
    const written = JSON.parse(stringifyState(stateWith(files))) as { folders: { docs: { files: Record<string, unknown> } } };
    const columns = written.folders.docs.files;
    expect(columns['relPath']).toEqual(['a.md', 'b.md', 'c.md']);
    expect(columns['docId']).toEqual(['d1', 'd2', null]);
    expect(columns['docName']).toEqual([true, 'b(1).md', null]);
    expect(columns['more']).toEqual({ 1: { lastError: 'x', failures: 2 } });
  });

  it('reads a version 1 file (one object per path) and gives the same state', () => {
    const files = [trackedFile('a.md', { docId: 'd1', docName: 'a.md' }), trackedFile('b.md', { intent: { kind: 'delete', docIds: ['x'], startedAt: 1 } })];
    const v1 = JSON.stringify({ version: 1, ownerId: OWNER, folders: { docs: { meta: { kbName: 'Docs' }, files: Object.fromEntries(files.map((f) => [f.relPath, f])) } } });
    const loaded = parseStateText(v1);
    expect(loaded.version).toBe(2);
    expect([...(loaded.folders.get('docs')?.files.values() ?? [])]).toEqual(files);
  });

  const v2 = (files: Record<string, unknown>) => JSON.stringify({ version: 2, ownerId: OWNER, folders: { docs: { files } } });
  const oneRow = { relPath: ['a'], size: [1], mtimeMs: [1], ctimeMs: [1], ino: [1], docId: [null], docName: [null], sha256: ['a'.repeat(64)], status: ['synced'], updatedAt: [1] };
  it.each([
    ['a missing column', (({ sha256: _gone, ...rest }) => rest)(oneRow), 'files.sha256: expected an array of 1'],
    ['a short column', { ...oneRow, size: [] }, 'files.size: expected an array of 1'],
    ['a wrong-typed cell', { ...oneRow, mtimeMs: ['1'] }, 'files.mtimeMs[0]: expected a number'],
    ['an unknown status', { ...oneRow, status: ['maybe'] }, 'files.status[0]'],
    ['a path listed twice', { ...oneRow, relPath: ['a', 'a'], size: [1, 1], mtimeMs: [1, 1], ctimeMs: [1, 1], ino: [1, 1], docId: [null, null], docName: [null, null], sha256: ['x', 'x'], status: ['synced', 'synced'], updatedAt: [1, 1] }, 'listed twice'],
    ['`more` for a row that does not exist', { ...oneRow, more: { 5: { failures: 1 } } }, 'not a row number'],
    ['a bad intent in `more`', { ...oneRow, more: { 0: { intent: { kind: 'rename' } } } }, 'more["0"].intent'],
  ])('refuses a version 2 file with %s', (_label, files, reasonPart) => {
    expect(corruptError(v2(files)).reason).toContain(reasonPart);
  });
});
