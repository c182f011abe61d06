// Configuration mistakes name the field, what is expected and what was found; keys resolve by precedence.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ragflow-sync-config-'));
});

async function write(config: unknown, name = 'config.json'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

const minimal = { server: { url: 'http://127.0.0.1:9380', apiKey: 'ragflow-abc' }, folders: [{ path: 'docs', kb: 'handbook' }] };

describe('loadConfig', () => {
  it('fills the documented defaults and resolves paths against the config folder', async () => {
    const config = loadConfig(await write(minimal), { env: {} });
    expect(config.server.api).toBe('auto');
    expect(config.rateLimit).toEqual({ requestsPerSecond: 5, concurrency: 2 });
    expect(config.stateFile).toBe(path.join(dir, 'state.json'));
    expect(config.folders[0]).toMatchObject({ path: path.join(dir, 'docs'), kb: 'handbook', parserId: 'naive', include: ['**/*'], exclude: [] });
  });

  it.each([
    [{ ...minimal, folders: [{ path: 'docs', kb: 42 }] }, /folders\[0\]\.kb: expected string, found 42/],
    [{ ...minimal, folders: [{ path: 'docs', kb: 'x', parserid: 'naive' }] }, /folders\[0\]: unknown key "parserid".*known keys: path, kb, parserId/],
    [{ ...minimal, server: { url: 'ftp://x', apiKey: 'k' } }, /server\.url: expected an http\(s\) URL/],
    [{ ...minimal, rateLimit: { concurrency: 0 } }, /rateLimit\.concurrency: expected at least 1, found 0/],
    [{ ...minimal, folders: [] }, /folders: expected at least one folder/],
    [{ server: minimal.server }, /folders: expected array, found nothing/],
  ])('names the field and the fix: %j', async (config, pattern) => {
    const file = await write(config);
    expect(problemsOf(() => loadConfig(file, { env: {} })).join('\n')).toMatch(pattern);
  });

  it('reports bad JSON and a missing file plainly', async () => {
    const bad = await write('{ "server": ');
    expect(problemsOf(() => loadConfig(bad, { env: {} }))[0]).toMatch(/not valid JSON/);
    expect(problemsOf(() => loadConfig(path.join(dir, 'nope.json'), { env: {} }))[0]).toMatch(/cannot read the configuration file \(ENOENT\)/);
  });

  it('takes the key from the environment first, then the config, then a key file, then a systemd credential', async () => {
    const keyFile = path.join(dir, 'key');
    await writeFile(keyFile, 'ragflow-from-file\n');
    const withFile = await write({ ...minimal, server: { url: minimal.server.url, apiKeyFile: 'key' } }, 'c2.json');
    expect(loadConfig(await write(minimal), { env: { RAGFLOW_API_KEY: 'ragflow-env' } }).server.apiKey).toBe('ragflow-env');
    expect(loadConfig(await write(minimal), { env: {} }).server.apiKey).toBe('ragflow-abc');
    expect(loadConfig(withFile, { env: {} }).server.apiKey).toBe('ragflow-from-file');
    const credDir = await mkdtemp(path.join(tmpdir(), 'creds-'));
    await writeFile(path.join(credDir, 'ragflow-api-key'), 'ragflow-credential');
    const noKey = await write({ ...minimal, server: { url: minimal.server.url } }, 'c3.json');
    expect(loadConfig(noKey, { env: { CREDENTIALS_DIRECTORY: credDir } }).server.apiKey).toBe('ragflow-credential');
    expect(problemsOf(() => loadConfig(noKey, { env: {} })).join('\n')).toMatch(/server\.apiKey: expected an API key/);
  });

  it('puts the state in $STATE_DIRECTORY when the config does not say where', async () => {
    expect(loadConfig(await write(minimal), { env: { STATE_DIRECTORY: '/var/lib/ragflow-sync' } }).stateFile).toBe('/var/lib/ragflow-sync/state.json');
    const explicit = await write({ ...minimal, stateFile: 'mine.json' }, 'c4.json');
    expect(loadConfig(explicit, { env: { STATE_DIRECTORY: '/var/lib/x' } }).stateFile).toBe(path.join(dir, 'mine.json'));
  });

  it('never echoes a key pasted into server.apiKeyFile', async () => {
    const key = 'ragflow-AbCdEf0123456789AbCdEf0123456789';
    const file = await write({ ...minimal, server: { url: minimal.server.url, apiKeyFile: key } }, 'c5.json');
    const text = problemsOf(() => loadConfig(file, { env: {} })).join('\n');
    expect(text).toMatch(/server\.apiKeyFile: expected a path to a file holding the API key; cannot read the file it names \(ENOENT\)/);
    expect(text).not.toContain(key);
  });

  it('rejects the same folder twice', async () => {
    const file = await write({ ...minimal, folders: [{ path: 'docs', kb: 'a' }, { path: './docs/', kb: 'b' }] });
    expect(problemsOf(() => loadConfig(file, { env: {} })).join('\n')).toMatch(/folders\[1\]\.path: expected each folder once/);
  });
});
