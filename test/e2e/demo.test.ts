// `npm run demo` must keep working for newcomers: its --once mode mirrors the sample folder and exits 0.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';

describe('npm run demo', () => {
  it('mirrors demo/sample-docs into the emulator and lists the documents (--once)', () => {
    const result = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/demo.ts', '--once'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('knowledge base "demo-handbook": 5 document(s)');
    for (const name of ['README.md', 'policies/README.md', 'policies/leave.md', 'guides/install.md', 'guides/troubleshooting.txt']) {
      expect(result.stdout).toContain(name);
    }
  });
});
