import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'node-schemas/**/*.test.ts',
      'engine/**/*.test.ts',
      'web/src/**/*.test.ts',
      'web/e2e/**/*.test.ts',
      'pipelines/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', 'workspace/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real git, redis, docker and chromium processes; on 2 cores, keep it sane.
    maxWorkers: 2,
    fileParallelism: true,
    expect: {
      // A test that runs no expect fails: a green must have checked something.
      requireAssertions: true,
      // expect.poll waits, it does not time: a generous default for any poll that names none.
      poll: { timeout: 20_000 },
    },
  },
});
