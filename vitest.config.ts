import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Deadlines, not measurements: generous enough for a two-core machine shared by several
    // test runs (a set-up that spawns the CLI a dozen times takes over a minute there).
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // End-to-end tests start real servers; two cores cannot run many at once without flaking.
    maxWorkers: 2,
  },
});
