import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.git/**'],
    // Deadlines, not measurements: the suite must pass on a loaded two-core machine, where a
    // platform start or a load run can take minutes.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // End-to-end tests start real servers; two cores cannot run many at once without flaking.
    maxWorkers: 2,
  },
});
