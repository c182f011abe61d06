// Runs one filesystem adapter call in a child process, as an unprivileged user when the tests run as
// root (root bypasses file permissions, so EACCES paths could not be exercised otherwise).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface ChildOutcome<T> {
  readonly ok: boolean;
  readonly result?: T;
  readonly name?: string;
  readonly code?: string;
  readonly errno?: string;
}

const script = fileURLToPath(new URL('./fixtures/fs-in-child.ts', import.meta.url));
const isRoot = process.getuid?.() === 0;

export async function runAsUnprivileged<T>(command: 'scan' | 'stat' | 'hash', ...args: string[]): Promise<ChildOutcome<T>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, command, ...args], {
    ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
    cwd: process.cwd(),
  });
  return JSON.parse(stdout) as ChildOutcome<T>;
}
