// The --sync progress line without a terminal: what it says per phase, and that it stays silent where it must.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressDisplay, describeProgress, formatBytes, measure, progressWanted } from '../../src/cli/progress.js';
import type { SyncProgress } from '../../src/sync/folder-syncer.js';

const base: SyncProgress = { folder: '/srv/docs', phase: 'scanning', filesScanned: 0, bytesToHash: 0, bytesHashed: 0, actionsPlanned: 0, actionsDone: 0, requests: 0 };

/** A pipe that claims (or not) to be a terminal, collecting what is written. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const pass = new PassThrough();
  let out = '';
  pass.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const stream = Object.assign(pass, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

describe('progress', () => {
  it('measures bytes while hashing and changes while syncing', () => {
    expect(measure({ ...base, phase: 'hashing', bytesToHash: 2048, bytesHashed: 1024 })).toEqual({ value: 1024, total: 2048 });
    expect(measure({ ...base, phase: 'syncing', actionsPlanned: 10, actionsDone: 3 })).toEqual({ value: 3, total: 10 });
    expect(measure({ ...base, phase: 'hashing' })).toEqual({ value: 0, total: 1 }); // nothing to hash: no division by zero
    expect(measure({ ...base, phase: 'scanning' })).toEqual({ value: 0, total: 1 });
  });

  it('describes files scanned, bytes hashed, changes and requests', () => {
    const text = describeProgress({ ...base, phase: 'syncing', filesScanned: 120, bytesToHash: 3 * 1024 * 1024, bytesHashed: 3 * 1024 * 1024, actionsPlanned: 40, actionsDone: 12, requests: 17 });
    expect(text).toBe('120 files scanned · 3.0 MiB of 3.0 MiB hashed · changes 12/40 · requests 17');
    expect(describeProgress({ ...base, filesScanned: 5 })).toBe('5 files scanned · 0 B hashed · requests 0');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(20 * 1024 ** 3)).toBe('20 GiB');
  });

  it('is shown on a terminal or when forced, never with --quiet', () => {
    expect(progressWanted(fakeStream(true).stream, false, {})).toBe(true);
    expect(progressWanted(fakeStream(false).stream, false, {})).toBe(false);
    expect(progressWanted(fakeStream(false).stream, false, { RAGFLOW_SYNC_FORCE_TTY: '1' })).toBe(true);
    expect(progressWanted(fakeStream(true).stream, true, { RAGFLOW_SYNC_FORCE_TTY: '1' })).toBe(false);
  });

  it('when inactive, prints text as it is and draws nothing', () => {
    const out = fakeStream(false);
    const display = createProgressDisplay({ stream: out.stream, quiet: false, env: {} });
    display.update({ ...base, phase: 'syncing', actionsPlanned: 2, actionsDone: 1 });
    display.print('hello');
    display.stop();
    expect(display.active).toBe(false);
    expect(display.logDestination).toBeUndefined();
    expect(out.text()).toBe('hello\n');
  });

  it('when forced, draws the bar and prints log lines above it, readable', () => {
    const out = fakeStream(false);
    const display = createProgressDisplay({ stream: out.stream, quiet: false, env: { RAGFLOW_SYNC_FORCE_TTY: '1' } });
    display.update({ ...base, phase: 'hashing', filesScanned: 3, bytesToHash: 100, bytesHashed: 50 });
    display.logDestination?.write(`${JSON.stringify({ level: 40, time: 0, msg: 'a warning for people' })}\n`);
    display.update({ ...base, phase: 'syncing', filesScanned: 3, bytesToHash: 100, bytesHashed: 100, actionsPlanned: 4, actionsDone: 4, requests: 6 });
    display.stop();
    display.print('sync finished: …');
    const text = out.text();
    expect(text).toContain('a warning for people');
    expect(text).not.toContain('"msg"'); // pretty, not JSON
    expect(text).toMatch(/docs syncing +\[=+\] 100% · 3 files scanned · 100 B of 100 B hashed · changes 4\/4 · requests 6 · ETA/);
    expect(text.indexOf('a warning for people')).toBeLessThan(text.lastIndexOf('changes 4/4'));
    expect(text.trimEnd().endsWith('sync finished: …')).toBe(true);
  });
});
