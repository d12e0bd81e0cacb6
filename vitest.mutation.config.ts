// The suite as Stryker runs it against each mutant (npm run mutation, docs/testing.md). Left
// out: the browser tests and the tests that drive a `vamco` child process built from dist/,
// which a mutant of src/ never reaches (and which cost minutes per run), and the
// public-administration wing's tests (outside the mutated modules; they seed ~14,000 rows).
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(base, defineConfig({
  test: {
    exclude: ['**/node_modules/**', 'test/**/*.browser.test.ts', 'test/durability.test.ts', 'test/workers.test.ts', 'test/start.e2e.test.ts',
      'test/publicadmin*.test.ts', 'test/security/publicadmin.security.test.ts', 'src/publicadmin/**'],
  },
}));
