import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableDataFile, isTempNameOf, writeFileDurably } from '../../src/adapters/durable-json-file.js';
import { recordingOps } from './recording-ops.js';
import { makeTempDir } from './temp-dir.js';

describe('writeFileDurably', () => {
  it('writes a unique temp file, fsyncs it, renames it over the target, then fsyncs the folder', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'state.json');
    const log: string[] = [];
    await writeFileDurably(file, '{"a":1}', recordingOps(log));
    await writeFileDurably(file, '{"a":2}', recordingOps(log));
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}');
    const temps = log.filter((line) => line.startsWith('open .state.json.')).map((line) => line.slice(5));
    expect(temps).toHaveLength(2);
    expect(new Set(temps).size).toBe(2);
    for (const temp of temps) expect(temp).toMatch(new RegExp(`^\\.state\\.json\\.${process.pid}\\.\\d+\\.tmp$`));
    expect(log.slice(0, 5)).toEqual([
      `open ${temps[0]}`,
      `fsync ${temps[0]}`,
      `rename ${temps[0]} -> state.json`,
      `open ${path.basename(dir)}`,
      `fsync ${path.basename(dir)}`,
    ]);
    expect(readdirSync(dir)).toEqual(['state.json']); // no temp file left behind
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('leaves the old file intact and removes its temp file when the rename fails', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'state.json');
    writeFileSync(file, 'old');
    const log: string[] = [];
    const failing = recordingOps(log, {
      rename: () => Promise.reject(Object.assign(new Error('disk on fire'), { code: 'EIO' })),
    });
    await expect(writeFileDurably(file, 'new', failing)).rejects.toMatchObject({ code: 'EIO' });
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('lets concurrent writers of one file each use their own temp file (steno shares one and loses writes)', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'state.json');
    const texts = Array.from({ length: 40 }, (_, index) => JSON.stringify({ writer: index, padding: 'x'.repeat(10_000) }));
    await Promise.all(texts.map((text) => writeFileDurably(file, text)));
    expect(texts).toContain(readFileSync(file, 'utf8'));
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('recognises its own temp names and nothing else', () => {
    const file = '/var/lib/ragflow-sync/state.json';
    expect(isTempNameOf(file, '.state.json.1234.7.tmp')).toBe(true);
    for (const name of ['state.json', '.state.json.tmp', '.state.json.x.1.tmp', '.other.json.1.1.tmp', '.state.json.1.1.tmp.bak']) {
      expect(isTempNameOf(file, name), name).toBe(false);
    }
  });
});

describe('DurableDataFile', () => {
  const format = {
    parse: (text: string) => JSON.parse(text) as { n: number },
    stringify: (data: { n: number }) => JSON.stringify(data),
  };

  it('reads null for a missing file, then what it wrote', async () => {
    const dir = makeTempDir();
    const adapter = new DurableDataFile(path.join(dir, 'data.json'), format);
    expect(await adapter.read()).toBeNull();
    await adapter.write({ n: 5 });
    expect(await adapter.read()).toEqual({ n: 5 });
  });

  it('lets parse errors through (the store decides what corrupt means)', async () => {
    const dir = makeTempDir();
    writeFileSync(path.join(dir, 'data.json'), '{');
    await expect(new DurableDataFile(path.join(dir, 'data.json'), format).read()).rejects.toBeInstanceOf(SyntaxError);
  });
});
