// "Every route × role": the routes come from the running admin server's own OpenAPI document
// (with the publicadmin wing, so its routes are there too), and every one must have a cell in
// one of the role matrices. A new route without a cell fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type Case, type World } from './world.js';
import { registryCases } from './registry.cases.js';
import { consoleCases } from './console.cases.js';
import { PUBLICADMIN, publicadminCases } from './publicadmin.cases.js';
import { edocCases } from './edoc.cases.js';

// The login flow is open to anyone by design: what a caller may do there depends on the stage of
// its own session, which src/accounts/accounts.test.ts and test/review-accounts.e2e.test.ts
// walk through. Every other route needs a cell.
const LOGIN_FLOW = ['POST /auth/login', 'POST /auth/logout', 'POST /auth/password', 'POST /auth/totp/enrol', 'POST /auth/totp/confirm', 'POST /auth/totp/verify', 'POST /auth/totp/disable', 'POST /auth/totp/redo', 'POST /auth/recovery-codes'];

/** "GET /members/{id} (own)" → "GET /members/{id}"; a query or a note after the path is dropped. */
const routeOf = (c: Case) => {
  const [method, path] = c.name.split(' ');
  return `${method} ${path.split('?')[0]}`;
};

describe('role matrices cover the admin server\'s routes', () => {
  let w: World;
  beforeAll(async () => { w = await createWorld(PUBLICADMIN); });
  afterAll(async () => { await w?.cp.stop(); });

  it('has a matrix cell for every route the admin API serves', async () => {
    const doc = await (await fetch(`${w.cp.url}/api/v1/openapi.json`)).json() as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => `${m.toUpperCase()} ${path.replace(/^\/api\/v1/, '').replace(/:(\w+)/g, '{$1}')}`));
    expect(served.length).toBeGreaterThan(40);
    const covered = new Set([...registryCases, ...consoleCases, ...publicadminCases, ...edocCases].map(routeOf).concat(LOGIN_FLOW));
    const missing = served.filter((r) => !covered.has(r)).sort();
    expect(missing, `routes without a matrix cell:\n${missing.join("\n")}`).toEqual([]);
  });
});
