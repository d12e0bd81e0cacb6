import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { traffic } from './traffic.js';
import type { Store } from '../store/index.js';

const NOW = Date.parse('2026-03-01T08:30:30Z');

function row(i: number, at: number, client: string, service: string, status: number, duration: number) {
  return {
    node_id: 'n1', seq: i, message_id: `m${i}`, request_id: `r${i}`, at: new Date(at).toISOString(), client, service,
    method: 'GET', path: '/', status, duration_ms: duration, request_size: 0, response_size: 0, request_digest: null, response_digest: null,
    user_id: null, issue: null, error_code: null, request_body: null, response_body: null, prev_hash: 'x', hash: 'y',
  };
}

/**
 * Registers "CLASS/MEMBER/SUB" subsystems and "CLASS/MEMBER/SUB/CODE" services (and their members)
 * straight in the tables: the dashboard's rows list registered ids only.
 */
async function register(store: Store, ids: string[]): Promise<void> {
  const at = new Date(NOW).toISOString();
  for (const id of ids) {
    const [cls, code, sub, svc] = id.split('/');
    const member = await store.db.selectFrom('members').select('id').where('member_class', '=', cls).where('member_code', '=', code).executeTakeFirst()
      ?? await store.db.insertInto('members').values({ member_class: cls, member_code: code, name: code, created_at: at }).returning('id').executeTakeFirstOrThrow();
    const subsystem = await store.db.selectFrom('subsystems').select('id').where('member_id', '=', member.id).where('subsystem_code', '=', sub).executeTakeFirst()
      ?? await store.db.insertInto('subsystems').values({ member_id: member.id, subsystem_code: sub, name: null, created_at: at, backend_cert: null, backend_auth: null }).returning('id').executeTakeFirstOrThrow();
    if (svc) {
      await store.db.insertInto('services').values({
        subsystem_id: subsystem.id, service_code: svc, service_type: 'REST', url: 'http://127.0.0.1:1', timeout_ms: null, connect_timeout_ms: null, rate_limit: null,
        openapi: null, wsdl: null, log_bodies: 0, backend_auth: null, backend_ca: null, created_at: at, updated_at: at,
      }).execute();
    }
  }
}

describe.each(testEngines())('dashboard traffic on %s', (engine) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(engine);
    const rows = [];
    // 100 calls A→B over the last hour: latency 1..100 ms, every 10th a 500.
    for (let i = 0; i < 100; i++) rows.push(row(i, NOW - i * 30_000, 'DEV/GOV/A/app', 'DEV/GOV/B/api/svc', i % 10 === 0 ? 500 : 200, i + 1));
    // 20 calls C→C, 403s, and one old record outside the week.
    for (let i = 0; i < 20; i++) rows.push(row(100 + i, NOW - i * 60_000, 'DEV/GOV/C/x', 'DEV/GOV/C/y/z', 403, 2));
    rows.push(row(200, NOW - 8 * 86_400_000, 'DEV/GOV/A/app', 'DEV/GOV/B/api/svc', 200, 1));
    await t.store.db.insertInto('message_log').values(rows).execute();
    await register(t.store, [
      'GOV/A/app', 'GOV/B/api/svc', 'GOV/C/x', 'GOV/C/y/z', 'GOV/R/x', 'GOV/R/y/z',
      ...[0, 1, 2, 3, 4, 5, 6].map((i) => `GOV/M${i}/c`), ...[0, 1, 2, 3, 4].map((i) => `GOV/P${i}/s/v`),
    ]);
  });
  afterAll(async () => { await t?.cleanup(); });

  it('aggregates per bucket, service and client with percentiles from the histogram', async () => {
    const r = await traffic(t.store, { range: 'hour', instance: 'DEV', now: NOW });
    expect(r.buckets).toHaveLength(60);
    expect(r.bucketSeconds).toBe(60);
    const total = r.buckets.reduce((s, b) => s + b.requests, 0);
    expect(total).toBe(r.totals.requests);
    // The last hour: records from now back to 59.5 minutes, minus what falls before the first bucket.
    expect(r.totals.requests).toBeGreaterThan(100);
    const svc = r.services.find((s) => s.key === 'DEV/GOV/B/api/svc')!;
    expect(svc.serverErrors).toBe(10);
    // The exact median of 1..100 ms is 50.5; the histogram is within one bin (25%).
    expect(svc.p50!).toBeGreaterThan(40);
    expect(svc.p50!).toBeLessThan(63);
    expect(svc.p95!).toBeGreaterThan(76);
    expect(svc.p95!).toBeLessThan(119);
    expect(r.clients.find((c) => c.key === 'DEV/GOV/C/x')!.clientErrors).toBe(20);
  });

  it('scopes to one agency as client or provider', async () => {
    const a = await traffic(t.store, { range: 'week', instance: 'DEV', member: 'GOV/A', now: NOW });
    expect(a.services.map((s) => s.key)).toEqual(['DEV/GOV/B/api/svc']);
    expect(a.totals.requests).toBe(100);
    const b = await traffic(t.store, { range: 'day', instance: 'DEV', member: 'GOV/B', now: NOW });
    expect(b.totals.requests).toBe(100);
    expect(b.buckets).toHaveLength(144);
    const lower = await traffic(t.store, { range: 'week', instance: 'DEV', member: 'GOV/a', now: NOW });
    expect(lower.totals.requests).toBe(0);
    expect(lower.totals.p50).toBeNull();
  });

  it('splits the gateway\'s refusals from the backend\'s failures, whatever status X-Road gives them', async () => {
    const svc = 'DEV/GOV/R/y/z';
    const coded: [number, string | null][] = [
      [500, 'ACCESS_DENIED'], [429, 'RATE_LIMITED'], [400, 'UNAUTHENTICATED'], [400, 'API_KEY_EXPIRED'],
      [504, 'UPSTREAM_TIMEOUT'], [503, 'CIRCUIT_OPEN'], [502, null], [500, 'INTERNAL'], [404, null], [200, null],
    ];
    const rows = coded.map(([status, code], i) => ({ ...row(500_000 + i, NOW - i * 1000, 'DEV/GOV/R/x', svc, status, 1), error_code: code }));
    await t.store.db.insertInto('message_log').values(rows).execute();
    try {
      const r = await traffic(t.store, { range: 'hour', instance: 'DEV', service: svc, now: NOW });
      // ACCESS_DENIED is a 500 in X-Road (Server.ServerProxy.AccessDenied) yet the gateway's refusal.
      expect(r.totals).toMatchObject({ requests: 10, refusals: 4, refusalRate: 0.4, backendFailures: 3, backendFailureRate: 0.3 });
      // The backend's own 404 and the platform's INTERNAL are neither.
      expect(r.services).toEqual([expect.objectContaining({ key: svc, refusals: 4, backendFailures: 3 })]);
      expect(r.buckets.reduce((n, b) => n + b.refusals, 0)).toBe(4);
      expect(r.buckets.reduce((n, b) => n + b.backendFailures, 0)).toBe(3);
    } finally {
      await t.store.db.deleteFrom('message_log').where('node_id', '=', 'n1').where('seq', '>=', 500_000).where('seq', '<', 500_100).execute();
    }
  });

  it('lists registered services and clients only: metaservices, unregistered and missing ids are counted apart', async () => {
    const at = NOW - 5000;
    const rows = [
      // A metaservice of a registered subsystem, by a registered client: the client's row has it, no service row does.
      row(600_000, at, 'DEV/GOV/R/x', 'DEV/GOV/R/y/listMethods', 200, 1),
      row(600_001, at, 'DEV/GOV/R/x', 'DEV/GOV/R/y/getOpenAPI', 200, 1),
      // A service nobody registered, and a request too broken to name one.
      { ...row(600_002, at, 'DEV/GOV/R/x', 'DEV/GOV/R/y/nope', 404, 1), error_code: 'SERVICE_NOT_FOUND' },
      { ...row(600_003, at, 'DEV/GOV/R/x', null as unknown as string, 400, 1), error_code: 'BAD_REQUEST' },
      // A made-up client, and none at all, calling a registered service.
      { ...row(600_004, at, 'DEV/GOV/FAKE/x', 'DEV/GOV/R/y/z', 401, 1), error_code: 'UNAUTHENTICATED' },
      { ...row(600_005, at, null as unknown as string, 'DEV/GOV/R/y/z', 400, 1), error_code: 'MISSING_CLIENT' },
      // A peer instance's client: the peer vouches for it, so it has a row.
      row(600_006, at, 'PEER/GOV/Q/app', 'DEV/GOV/R/y/z', 200, 1),
    ];
    await t.store.db.insertInto('message_log').values(rows).execute();
    const peer = await t.store.db.insertInto('federation_peers').values({ instance: 'PEER', url: 'https://peer.invalid', peer_ca: null, fingerprint: null, client_cert: '{}', created_at: new Date(NOW).toISOString(), type: 'vamco', xroad_client: null, trust_withdrawn_at: null, directory_key: null }).returning('id').executeTakeFirstOrThrow();
    try {
      const r = await traffic(t.store, { range: 'hour', instance: 'DEV', member: 'GOV/R', now: NOW });
      expect(r.totals.requests).toBe(7);
      expect(r.services.map((s) => [s.key, s.requests])).toEqual([['DEV/GOV/R/y/z', 3]]);
      // The peer's client is the peer's to register: it keeps its row.
      expect(r.clients.map((c) => [c.key, c.requests])).toEqual([['DEV/GOV/R/x', 4], ['PEER/GOV/Q/app', 1]]);
      expect(r.setApart).toEqual({ metaservices: 2, unregisteredServices: 2, unregisteredClients: 2 });
      // One service's clients: the made-up and the missing one are counted, not listed.
      const one = await traffic(t.store, { range: 'hour', instance: 'DEV', service: 'DEV/GOV/R/y/z', now: NOW });
      expect(one.clients.map((c) => c.key)).toEqual(['PEER/GOV/Q/app']);
      expect(one.setApart).toEqual({ metaservices: 0, unregisteredServices: 0, unregisteredClients: 2 });
    } finally {
      await t.store.db.deleteFrom('federation_peers').where('id', '=', peer.id).execute();
      await t.store.db.deleteFrom('message_log').where('node_id', '=', 'n1').where('seq', '>=', 600_000).where('seq', '<', 600_100).execute();
    }
  });

  // Its time is printed, not asserted: speed is measured by the bench, not a timed test.
  it('adds up a busy week of 100,000 records consistently (time printed)', async () => {
    const rows = [];
    for (let i = 0; i < 100_000; i++) rows.push(row(1000 + i, NOW - (i % 10080) * 60_000, `DEV/GOV/M${i % 7}/c`, `DEV/GOV/P${i % 5}/s/v`, i % 50 ? 200 : 502, (i % 997) / 3));
    for (let i = 0; i < rows.length; i += 1000) await t.store.db.insertInto('message_log').values(rows.slice(i, i + 1000)).execute();
    const t0 = performance.now();
    const r = await traffic(t.store, { range: 'week', instance: 'DEV', now: NOW });
    const ms = performance.now() - t0;
    console.log(`dashboard week over ${r.totals.requests} records on ${engine}: ${ms.toFixed(0)} ms`);
    expect(r.totals.requests).toBeGreaterThan(99_000);
    const sum = (xs: { requests: number }[]) => xs.reduce((n, x) => n + x.requests, 0);
    expect(sum(r.buckets)).toBe(r.totals.requests);
    expect(sum(r.services.filter((x) => x.key.startsWith('DEV/GOV/P')))).toBe(r.totals.requests - 120);
    expect(sum(r.clients.filter((x) => x.key.startsWith('DEV/GOV/M')))).toBe(r.totals.requests - 120);
    // Every 50th of the new rows is a 502 (a few fall before the first bucket); the first set adds ten 500s.
    const errors = r.services.filter((x) => x.key.startsWith('DEV/GOV/P')).reduce((n, x) => n + x.serverErrors, 0);
    expect(errors).toBe(r.totals.serverErrors - 10);
    expect(errors).toBeGreaterThan(1980);
  });
});
