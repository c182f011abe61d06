import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireStateLock, StateLockedError } from '../../src/adapters/state-lock.js';
import { openStateStore } from '../../src/adapters/state-store.js';
import { makeTempDir } from './temp-dir.js';

const holderScript = fileURLToPath(new URL('./fixtures/hold-state-lock.ts', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts a process that opens the store and holds it; resolves with its first output line. */
async function startHolder(file: string): Promise<{ child: ChildProcessWithoutNullStreams; line: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, file], { stdio: 'pipe' });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`holder exited (${code}) before answering`)));
  });
  return { child, line };
}

async function lockedError(promise: Promise<unknown>): Promise<StateLockedError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StateLockedError);
  return error as StateLockedError;
}

/** The pid of a process that has exited (and, for the moment, not been reused). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

const exited = (child: ChildProcessWithoutNullStreams): Promise<void> =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('state lock between processes', () => {
  it('refuses a second writer while the first lives, then takes over the lock it left by dying', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    const { child, line } = await startHolder(file);
    expect(line).toBe(`acquired ${child.pid}`);

    const error = await lockedError(openStateStore(file));
    expect(error.code).toBe('state-locked');
    expect(error.pid).toBe(child.pid);
    expect(error.message).not.toContain('undefined');

    child.kill('SIGKILL'); // no chance to release: the lock file stays, naming a dead pid
    await exited(child);
    expect(readFileSync(`${file}.lock`, 'utf8').split('\n')[0]).toBe(String(child.pid));
    const store = await openStateStore(file);
    expect(readFileSync(`${file}.lock`, 'utf8').split('\n')[0]).toBe(String(process.pid));
    expect(store.meta('child')).toEqual({ kbName: `written by ${child.pid}` }); // its data survived
    await store.close();
  });

  it.each(['no lock file', 'a stale lock file'])('lets exactly one of several processes starting at once win (%s)', async (start) => {
    const file = path.join(makeTempDir(), 'state.json');
    if (start === 'a stale lock file') writeFileSync(`${file}.lock`, `${await deadPid()}\n`);
    const outcomes = await Promise.all([startHolder(file), startHolder(file)]);
    const lines = outcomes.map((outcome) => outcome.line);
    expect(lines.filter((line) => line.startsWith('acquired '))).toHaveLength(1);
    const winner = outcomes.find((outcome) => outcome.line.startsWith('acquired '));
    for (const line of lines.filter((entry) => !entry.startsWith('acquired '))) expect(line).toBe(`locked ${winner?.child.pid}`);
    winner?.child.stdin.end(); // a clean close releases the lock
    if (winner) await exited(winner.child);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

describe('state lock within one process', () => {
  it('refuses a second store on the same file in the same process', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    const first = await openStateStore(file);
    expect((await lockedError(openStateStore(file))).pid).toBe(process.pid);
    await first.close();
    await (await openStateStore(file)).close();
  });

  it('takes over a lock naming our own pid that this process does not hold (a restarted container)', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    writeFileSync(`${file}.lock`, `${process.pid}\n`);
    const lock = await acquireStateLock(file);
    await lock.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('waits for a lock file still being written, then treats it as held', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    writeFileSync(`${file}.lock`, ''); // created a moment ago, pid not written yet
    const error = await lockedError(acquireStateLock(file));
    expect(error.pid).toBeUndefined();
    expect(error.message).toContain(`${file}.lock`);
  });

  it('takes over an old lock file without a pid (a crash between create and write)', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    writeFileSync(`${file}.lock`, 'garbage');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    const lock = await acquireStateLock(file);
    expect(readFileSync(`${file}.lock`, 'utf8').split('\n')[0]).toBe(String(process.pid));
    await lock.release();
  });

  it('releases only its own lock', async () => {
    const file = path.join(makeTempDir(), 'state.json');
    const lock = await acquireStateLock(file);
    // Someone removed our lock and another process created its own in the meantime.
    const { unlinkSync } = await import('node:fs');
    unlinkSync(`${file}.lock`);
    writeFileSync(`${file}.lock`, '1\n');
    await lock.release();
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe('1\n');
  });
});
