// The threaded scanner must give exactly what the in-thread scanner gives (files with their fingerprints,
// skipped entries, root identity, root errors), only computed in a worker thread.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPathFilter } from '../../src/core/path-filter.js';
import { scanFolder, ScanRootError, type ScanResult } from '../../src/adapters/fs-scanner.js';
import { guessFirstRequest, prestartScanWorker, requestKey, scanInWorker } from '../../src/adapters/threaded-scanner.js';
import { makeTempDir } from './temp-dir.js';

const sorted = (result: ScanResult) => ({
  files: [...result.files].sort((a, b) => a.relPath.localeCompare(b.relPath)),
  skipped: [...result.skipped].sort((a, b) => a.relPath.localeCompare(b.relPath)),
  root: result.root,
});

describe('scanInWorker', () => {
  it('gives the same files, fingerprints, skips and root as scanFolder, with the same filter', async () => {
    const root = makeTempDir();
    const files: Record<string, string> = {
      'a.md': 'a',
      'deep/er/b.pdf': 'bb',
      'Über/日本語 😀.md': 'unicode',
      'with\nnewline.md': 'n',
      'skip/me.md': 'excluded',
      '.hidden.md': 'dot file',
      'notes.tmp': 'ignored by default',
    };
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), content);
    }
    for (let index = 0; index < 300; index++) writeFileSync(path.join(root, 'deep', `many-${index}.txt`), String(index));
    symlinkSync(path.join(root, 'a.md'), path.join(root, 'link.md'));
    execFileSync('mkfifo', [path.join(root, 'pipe.md')]);
    const options = { include: ['**/*'], exclude: ['skip/**'] };

    const threaded = await scanInWorker(root, options);
    const inThread = await scanFolder(root, createPathFilter(options));
    expect(sorted(threaded)).toEqual(sorted(inThread));
    expect(threaded.files).toHaveLength(304);
    expect(threaded.files.find((f) => f.relPath === 'with\nnewline.md')?.absPath).toBe(path.join(root, 'with\nnewline.md'));
    expect(threaded.skipped.map((s) => s.reason).sort()).toEqual(['not-regular', 'symlink']);
  });

  it('rejects with the same ScanRootError for a missing root or a file as root', async () => {
    const root = makeTempDir();
    writeFileSync(path.join(root, 'file'), 'x');
    for (const [target, code] of [
      [path.join(root, 'missing'), 'root-missing'],
      [path.join(root, 'file'), 'root-not-directory'],
    ] as const) {
      const error: unknown = await scanInWorker(target, {}).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ScanRootError);
      expect((error as ScanRootError).code).toBe(code);
    }
  });

  it('stops the thread when the signal aborts', async () => {
    const root = makeTempDir();
    const abort = new AbortController();
    const scan = scanInWorker(root, {}, abort.signal);
    abort.abort(new Error('stop'));
    await expect(scan).rejects.toThrow('stop');
  });
});

describe('the early scan of --sync (a guess from the config file)', () => {
  it('guesses the first folder with the schema defaults, exactly as loadConfig resolves it', async () => {
    const dir = makeTempDir();
    const configFile = path.join(dir, 'config.json');
    const folders = [{ path: 'docs', kb: 'a' }, { path: '/elsewhere', kb: 'b', include: ['**/*.md'] }];
    writeFileSync(configFile, JSON.stringify({ server: { url: 'http://127.0.0.1:9', apiKey: 'k' }, folders }));
    const { loadConfig } = await import('../../src/config/load-config.js');
    const loaded = loadConfig(configFile).folders[0]!;
    const guessed = guessFirstRequest(configFile);
    expect(guessed).toEqual({ root: loaded.path, filter: { include: loaded.include, exclude: loaded.exclude } });
    expect(requestKey(guessed!)).toBe(requestKey({ root: loaded.path, filter: createPathFilter({ include: loaded.include, exclude: loaded.exclude }).options }));
  });

  it.each([
    ['a missing file', undefined],
    ['not JSON', '{'],
    ['no folders', '{"folders":[]}'],
    ['a wrong-typed include', '{"folders":[{"path":"x","include":"*.md"}]}'],
  ])('makes no guess from %s', (_label, text) => {
    const dir = makeTempDir();
    const configFile = path.join(dir, 'config.json');
    if (text !== undefined) writeFileSync(configFile, text);
    expect(guessFirstRequest(configFile)).toBeUndefined();
  });

  it('answers the real request with the guessed walk when it is the same, and walks as asked when not', async () => {
    const dir = makeTempDir();
    mkdirSync(path.join(dir, 'docs', 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'docs', 'a.md'), 'a');
    writeFileSync(path.join(dir, 'docs', 'sub', 'b.txt'), 'b');
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ folders: [{ path: 'docs', kb: 'k' }] }));

    // Same request: the guessed walk is the answer; it ran before the file below was added.
    prestartScanWorker(configFile);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the guessed walk is done by now
    writeFileSync(path.join(dir, 'docs', 'late.md'), 'added after the guessed walk');
    const same = await scanInWorker(path.join(dir, 'docs'), { include: ['**/*'], exclude: [] });
    expect(same.files.map((f) => f.relPath).sort()).toEqual(['a.md', 'sub/b.txt']);

    // A different filter than the config says: walked as asked.
    prestartScanWorker(configFile);
    const other = await scanInWorker(path.join(dir, 'docs'), { include: ['**/*.md'], exclude: [] });
    expect(other.files.map((f) => f.relPath).sort()).toEqual(['a.md', 'late.md']);
  });
});
