import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most test files spend their time waiting on child processes, sockets and timers, not on the CPU:
    // on a 2-core machine vitest's default (cores - 1 = one file at a time) leaves the machine idle.
    maxWorkers: 3,
  },
});
