import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { VamcoError } from '../core/errors.js';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { accessRequestsContext, approveRequest, createRequest, listRequests, rejectRequest, withdrawRequest, type AccessRequestsCtx, type GrantInput } from './index.js';

describe.each(testEngines())('access requests on %s', (engine) => {
  let t: TestStore;
  let ctx: AccessRequestsCtx;
  const grants: GrantInput[] = [];
  const trail: string[] = [];
  const asker = { actor: 'user:a-admin' };
  const provider = { actor: 'user:b-admin' };

  beforeAll(async () => {
    t = await createTestStore(engine);
    const at = new Date().toISOString();
    const db = t.store.db;
    for (const code of ['A', 'B']) {
      const m = await db.insertInto('members').values({ member_class: 'GOV', member_code: code, name: code, created_at: at }).returning('id').executeTakeFirstOrThrow();
      const s = await db.insertInto('subsystems').values({ member_id: m.id, subsystem_code: 'sys', name: null, created_at: at }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('services').values({ subsystem_id: s.id, service_code: 'svc', service_type: 'REST', url: 'http://x', timeout_ms: null, connect_timeout_ms: null, rate_limit: null, openapi: null, log_bodies: 0, backend_auth: null, created_at: at, updated_at: at }).execute();
    }
    ctx = accessRequestsContext(t.store, {
      trail: async (_db, e) => { trail.push(`${e.actor} ${e.action} ${e.target}`); },
      grant: async (input) => { grants.push(input); if (grants.length > 1 && input.service === grants[0].service && input.client === grants[0].client) throw new VamcoError('ALREADY_EXISTS'); return { id: 41 + grants.length }; },
    });
  });
  afterAll(async () => { await t?.cleanup(); });

  it('asks, refuses duplicates and own services, and the provider approves into a grant', async () => {
    await expect(createRequest(ctx, { service: 'GOV/B/sys/svc', client: 'GOV/A/sys', reason: 'x' }, asker)).rejects.toThrow(/few words/);
    await expect(createRequest(ctx, { service: 'GOV/A/sys/svc', client: 'GOV/A/sys', reason: 'need it please' }, asker)).rejects.toThrow(/own agency/);
    await expect(createRequest(ctx, { service: 'GOV/B/sys/nope', client: 'GOV/A/sys', reason: 'need it please' }, asker)).rejects.toThrow(/not registered/);
    const r = await createRequest(ctx, { service: 'GOV:B:sys:svc', client: 'GOV/A/sys', reason: '  Tra cứu hộ tịch cho hồ sơ một cửa  ' }, asker);
    expect(r).toMatchObject({ state: 'pending', service: 'GOV/B/sys/svc', providerMember: 'GOV/B', clientMember: 'GOV/A', reason: 'Tra cứu hộ tịch cho hồ sơ một cửa' });
    await expect(createRequest(ctx, { service: 'GOV/B/sys/svc', client: 'GOV/A/sys', reason: 'again please' }, asker)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const ok = await approveRequest(ctx, r.id, 'Đồng ý', provider);
    expect(ok).toMatchObject({ state: 'approved', decidedBy: 'user:b-admin', decisionNote: 'Đồng ý', grantId: 42 });
    expect(grants[0]).toEqual({ service: 'GOV/B/sys/svc', client: 'GOV/A/sys', endpoint: null });
    await expect(rejectRequest(ctx, r.id, null, provider)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(trail).toEqual([`user:a-admin access_request.create access-request:${r.id}`, `user:b-admin access_request.approve access-request:${r.id}`]);
  });

  it('approves a request whose access was granted meanwhile, rejects and withdraws; both sides list it', async () => {
    const again = await createRequest(ctx, { service: 'GOV/B/sys/svc', client: 'GOV/A/sys', reason: 'second time' }, asker);
    expect((await approveRequest(ctx, again.id, undefined, provider))).toMatchObject({ state: 'approved', grantId: null });
    const ep = await createRequest(ctx, { service: 'GOV/B/sys/svc', client: 'GOV/A/sys', endpoint: { method: 'get', path: '/x/{id}' }, reason: 'only one endpoint' }, asker);
    expect(ep.endpoint).toEqual({ method: 'GET', path: '/x/{id}' });
    expect((await rejectRequest(ctx, ep.id, 'Không cần thiết', provider)).state).toBe('rejected');
    const w = await createRequest(ctx, { service: 'GOV/A/sys/svc', client: 'GOV/B/sys', reason: 'other direction' }, provider);
    expect((await withdrawRequest(ctx, w.id, provider)).state).toBe('withdrawn');
    expect((await listRequests(ctx, { member: 'GOV/A', direction: 'outgoing' })).length).toBe(3);
    expect((await listRequests(ctx, { member: 'GOV/A', direction: 'incoming' })).length).toBe(1);
    expect((await listRequests(ctx, { member: 'GOV/B' })).length).toBe(4);
    expect((await listRequests(ctx, { state: 'rejected' })).map((r) => r.id)).toEqual([ep.id]);
  });
});
