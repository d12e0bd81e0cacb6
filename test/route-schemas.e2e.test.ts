// The admin API and the publicadmin backend compile each route's request schema at the route's
// first request (src/core/lazy-validators.ts, issue 15: a faster start). A schema Ajv cannot
// compile would then only show as a 500 on that route: this test compiles every route of a
// whole platform (publicadmin on) and fails on the first that does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePendingValidators } from '../src/core/lazy-validators.js';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';

describe('route schemas', () => {
  let p: TestPlatform;
  beforeAll(async () => { p = await startTestPlatform({ env: { VAMCO_PUBLICADMIN: '1' } }); }, 180_000);
  afterAll(async () => { await p?.stop(); });

  it('every route of the admin API and the publicadmin backend compiles', () => {
    // Nothing requested yet: every validator with a schema is still pending (well over a hundred).
    expect(compilePendingValidators()).toBeGreaterThan(100);
    // Compiled once: nothing left.
    expect(compilePendingValidators()).toBe(0);
  });
});
