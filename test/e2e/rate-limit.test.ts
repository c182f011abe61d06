// The rate limit, end to end: no sliding second holds more request starts than requestsPerSecond, counted
// where the client starts them (its trace log) and where the server sees them arrive (the emulator's log).
// `npm test` runs this file on its own after the rest: a machine loaded by other test processes stalls the
// emulator's event loop, which bunches arrivals together whatever the client did.
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileName } from '../emulator/index.js';
import { expectedMirror, makeSandbox, maxPerSlidingSecond, mirrorOf, runCli, writeTree, type Sandbox } from './harness.js';

const PROFILES: ProfileName[] = ['legacy-0.19', 'v1-0.27'];

for (const profile of PROFILES) {
  describe(`rate limit against ${profile}`, () => {
    let box: Sandbox;
    beforeEach(async () => {
      box = await makeSandbox({ profile });
    });
    afterEach(async () => box.cleanup());

    it('keeps every sliding second within requestsPerSecond, at the client and at the server', async () => {
      const config = JSON.parse(await readFile(box.configFile, 'utf8'));
      config.rateLimit = { requestsPerSecond: 4, concurrency: 2 };
      await writeFile(box.configFile, JSON.stringify(config));
      await writeTree(box.docs, Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`bulk/f${i}.md`, `file ${i}\n`])));
      box.emulator.clearRequests();
      const result = await runCli(['--config', box.configFile, '--sync', '--log-level', 'trace']);
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      const starts = result.stdout
        .split('\n')
        .filter((line) => line.includes('"msg":"request start"'))
        .map((line) => ({ time: (JSON.parse(line) as { requestStartMs: number }).requestStartMs }));
      expect(starts.length).toBe(box.emulator.requests.length);
      expect(box.emulator.requests.length).toBeGreaterThan(12);
      expect(maxPerSlidingSecond(starts as never)).toBeLessThanOrEqual(4);
      expect(maxPerSlidingSecond(box.emulator.requests)).toBeLessThanOrEqual(4);
      expect(await mirrorOf(box)).toEqual(await expectedMirror(box.docs));
    });
  });
}
