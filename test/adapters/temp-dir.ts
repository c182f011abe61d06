// Real temporary folders for adapter tests, removed after each test.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

afterEach(() => {
  for (const dir of created.splice(0)) {
    restoreSearchable(dir); // a test may have removed permissions; rm needs them back
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh empty folder (mode 0755 so an unprivileged child process can enter it). */
export function makeTempDir(prefix = 'ragflow-sync-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  created.push(dir);
  return dir;
}

function restoreSearchable(dir: string): void {
  let stats;
  try {
    stats = statSync(dir, { throwIfNoEntry: false });
  } catch {
    return;
  }
  if (stats?.isDirectory() !== true) return;
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) restoreSearchable(path.join(dir, entry.name));
  }
}
