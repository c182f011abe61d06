// metrics.listen: the accepted forms, what counts as loopback, and the config loader refusing a
// non-loopback address (exit 78) unless metrics.allowNonLoopback is set.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, listenUrl, parseListenAddress } from '../../src/config/listen-address.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';

describe('listen addresses', () => {
  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
  ])('parses %s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual({ ok: true, value: expected });
  });

  it.each(['127.0.0.1', ':9464', '127.0.0.1:', '127.0.0.1:70000', '[localhost]:80', '::1:80', 'http://127.0.0.1:80', '127.0.0.1:80/x', ' 127.0.0.1:80'])('refuses %j', (text) => {
    expect(parseListenAddress(text).ok).toBe(false);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['LOCALHOST', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['128.0.0.1', false],
    ['metrics.example.org', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it('writes IPv6 URLs with brackets', () => {
    expect(listenUrl('::1', 80)).toBe('http://[::1]:80');
    expect(listenUrl('127.0.0.1', 80)).toBe('http://127.0.0.1:80');
  });
});

describe('metrics in the configuration', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'metrics-config-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const load = async (metrics: unknown) => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ server: { url: 'http://127.0.0.1:9380', apiKey: 'ragflow-x' }, metrics, folders: [{ path: 'docs', kb: 'kb' }] }));
    return () => loadConfig(file, { env: {} });
  };
  const problemsOf = (run: () => unknown): readonly string[] => {
    try {
      run();
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('is off by default', async () => {
    expect((await load(undefined))().metrics).toEqual({ allowNonLoopback: false });
  });

  it('takes a loopback address', async () => {
    expect((await load({ listen: '127.0.0.1:9464' }))().metrics.listen).toBe('127.0.0.1:9464');
  });

  it('refuses a non-loopback address, naming the field and the override', async () => {
    const problems = problemsOf(await load({ listen: '0.0.0.0:9464' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('metrics.listen: expected a loopback address');
    expect(problems[0]).toContain('metrics.allowNonLoopback');
    expect(problems[0]).toContain('"0.0.0.0:9464"');
  });

  it('takes a non-loopback address with the explicit override', async () => {
    expect((await load({ listen: '0.0.0.0:9464', allowNonLoopback: true }))().metrics.listen).toBe('0.0.0.0:9464');
  });

  it('says what a malformed address should look like', async () => {
    expect(problemsOf(await load({ listen: '9464' }))[0]).toMatch(/metrics\.listen: expected "host:port", e\.g\. "127\.0\.0\.1:9464".*found "9464"/);
  });
});
