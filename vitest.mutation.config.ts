// The tests Stryker runs against each mutant (npm run mutation, docs/testing.md): the unit tests
// beside the code, plus the end-to-end files named in VAMCO_MUTATION_E2E (comma-separated). Each
// mutant reruns every file whose tests cover it, set-up included; a platform-starting file costs
// tens of seconds per mutant on two cores, so they are opted in per run, never all at once.
import { defineConfig } from 'vitest/config';

const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const e2e = list(process.env.VAMCO_MUTATION_E2E);
// VAMCO_MUTATION_UNIT narrows the unit tests to some folders (e.g. src/gateway) or test files
// (e.g. src/accounts/totp.test.ts): a module's score by its own tests, and a dry run of seconds
// instead of minutes on a busy machine.
const unit = list(process.env.VAMCO_MUTATION_UNIT)
  .map((entry) => (entry.endsWith('.test.ts') ? entry : `${entry.replace(/\/$/, '')}/**/*.test.ts`));

export default defineConfig({
  test: {
    include: [...(unit.length ? unit : ['src/**/*.test.ts']), ...e2e],
    // Outside the mutated modules (and ~14,000 seeded rows per store).
    exclude: ['**/node_modules/**', 'src/publicadmin/**'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
