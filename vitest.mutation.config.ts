// The tests Stryker runs against each mutant (npm run mutation, docs/testing.md): the unit tests
// beside the code, plus the end-to-end files named in VAMCO_MUTATION_E2E (comma-separated). Each
// mutant reruns every file whose tests cover it, set-up included; a platform-starting file costs
// tens of seconds per mutant on two cores, so they are opted in per run, never all at once.
import { defineConfig } from 'vitest/config';

const e2e = (process.env.VAMCO_MUTATION_E2E ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', ...e2e],
    // Outside the mutated modules (and ~14,000 seeded rows per store).
    exclude: ['**/node_modules/**', 'src/publicadmin/**'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
