// The standalone runner (npm run emulator): prints its URL on one line, serves, exits 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';

describe('standalone emulator (test/emulator/main.ts)', () => {
  it('prints "RAGFlow emulator (<profile>) listening on <url>", serves datasets, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/emulator/main.ts', '--profile', 'v1-0.24', '--port', '0', '--api-key', 'KEY', '--kb', 'docs'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, 'line')) as [string];
      const m = /^RAGFlow emulator \(v1-0\.24\) listening on (http:\/\/127\.0\.0\.1:\d+)$/u.exec(first);
      expect(m).not.toBeNull();
      const res = await request(`${m?.[1]}/api/v1/datasets?name=docs`, { headers: { authorization: 'Bearer KEY' } });
      expect(((await res.body.json()) as { data: Array<{ name: string }> }).data[0]?.name).toBe('docs');
      // datasetAdmin is on in standalone mode.
      const created = await request(`${m?.[1]}/api/v1/datasets`, {
        method: 'POST',
        headers: { authorization: 'Bearer KEY', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'fresh' }),
      });
      expect(((await created.body.json()) as { code: number }).code).toBe(0);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
