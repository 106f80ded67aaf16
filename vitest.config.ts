import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files run in parallel, each in a child process of its own (pool: 'forks'). Nothing
    // orders the two browser files after the unit suites: each launches its own Chromium
    // (test/support/chromium.ts). On a busy machine run them apart: `npx vitest run test/browser`,
    // and the rest with `--exclude 'test/browser/**'`.
    fileParallelism: true,
  },
});
