// peek-config reads a config file as plain JSON, before loadConfig, for the early work of src/cli.ts and
// the settled shortcut. Its guesses must agree with loadConfig wherever the shortcut relies on them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { configSourceDigest, peekConfig, peekFolderRoots, peekStateFile } from '../../src/config/peek-config.js';

const KEY = 'ragflow-peek-test-key-0123456789abcdef';

function configFile(body: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'peek-config-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ server: { url: 'http://127.0.0.1:9', apiKey: KEY }, folders: [{ path: 'docs', kb: 'handbook' }], ...body }));
  return file;
}

const ENVS: Array<[string, NodeJS.ProcessEnv]> = [
  ['no environment', {}],
  ['systemd StateDirectory', { STATE_DIRECTORY: '/var/lib/ragflow-sync:/var/lib/other' }],
];
const BODIES: Array<[string, Record<string, unknown>]> = [
  ['default state file', {}],
  ['relative state file', { stateFile: 'run/state.json' }],
  ['absolute state file', { stateFile: '/srv/state/ragflow.json' }],
  ['two folders, one absolute', { folders: [{ path: 'docs', kb: 'handbook' }, { path: '/srv/finance', kb: 'finance' }] }],
];

describe('peek-config agrees with loadConfig', () => {
  for (const [bodyName, body] of BODIES) {
    for (const [envName, env] of ENVS) {
      it(`${bodyName}, ${envName}: the same state file and folder roots`, () => {
        const file = configFile(body);
        const loaded = loadConfig(file, { env });
        const peeked = peekConfig(file);
        expect(peeked).toBeDefined();
        if (peeked === undefined) return;
        expect(peekStateFile(peeked, env)).toBe(loaded.stateFile);
        expect(peekFolderRoots(peeked)).toEqual(loaded.folders.map((f) => f.path));
        expect(configSourceDigest(peeked.file, peeked.text, env)).toBe(loaded.sourceDigest);
      });
    }
  }
});

describe('configSourceDigest', () => {
  it('moves with the file text, its path and STATE_DIRECTORY, not with the API key in the environment', () => {
    const file = configFile({});
    const peeked = peekConfig(file);
    if (peeked === undefined) throw new Error('unreadable');
    const base = configSourceDigest(peeked.file, peeked.text, {});
    expect(configSourceDigest(peeked.file, `${peeked.text} `, {})).not.toBe(base);
    expect(configSourceDigest(`${peeked.file}.copy`, peeked.text, {})).not.toBe(base);
    expect(configSourceDigest(peeked.file, peeked.text, { STATE_DIRECTORY: '/var/lib/x' })).not.toBe(base);
    expect(configSourceDigest(peeked.file, peeked.text, { RAGFLOW_API_KEY: 'another-key', CREDENTIALS_DIRECTORY: '/run/creds' })).toBe(base);
  });
});

describe('peekConfig', () => {
  it('gives undefined for a missing file or one that is not JSON, and no roots then', () => {
    expect(peekConfig('/nonexistent/config.json')).toBeUndefined();
    const dir = mkdtempSync(path.join(tmpdir(), 'peek-config-'));
    writeFileSync(path.join(dir, 'bad.json'), '{ not json');
    expect(peekConfig(path.join(dir, 'bad.json'))).toBeUndefined();
    expect(peekFolderRoots(undefined)).toEqual([]);
  });

  it('a stateFile that is not a non-empty string gives no state file (loadConfig would refuse it)', () => {
    for (const stateFile of ['', 42, null]) {
      const peeked = peekConfig(configFile({ stateFile }));
      if (peeked === undefined) throw new Error('unreadable');
      expect(peekStateFile(peeked, {})).toBeUndefined();
      expect(() => loadConfig(peeked.file, { env: {} })).toThrow();
    }
  });
});
