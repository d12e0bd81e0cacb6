import { describe, it, expect, beforeAll, beforeEach, afterAll } from 'vitest';
import { VamcoError } from '../core/errors.js';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { accessRequestsContext, approveRequest, createRequest, getRequest, listRequests, rejectRequest, withdrawRequest, type AccessRequestsCtx, type GrantInput } from './index.js';
// Not part of the module's face: the rules of one request, tested here beside it.
import { describeRequest } from './requests.js';

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

describe('an access request as asked (describeRequest)', () => {
  const ask = (over: Record<string, unknown>) => describeRequest({ service: 'GOV/B/sys/svc', client: 'GOV/A/sys', reason: 'need it please', ...over } as never);
  const refusal = (over: Record<string, unknown>) => { try { ask(over); } catch (e) { return e as VamcoError; } throw new Error('accepted'); };

  it('takes a reason of 5 to 2000 characters after trimming, NFC-normalised, and says why a short one is refused', () => {
    expect(ask({ reason: '  abcde  ' }).reason).toBe('abcde');
    expect(ask({ reason: 'x'.repeat(2000) }).reason).toHaveLength(2000);
    // "u" + combining horn + combining acute is one "ứ" once NFC-normalised.
    expect(ask({ reason: 'Tra cu\u031B\u0301u hồ sơ' }).reason).toBe('Tra cứu hồ sơ'.normalize('NFC'));
    const short = refusal({ reason: '  abcd   ' });
    expect(short).toMatchObject({ code: 'VALIDATION_FAILED', extra: { reason: 'request_reason_short' } });
    expect(refusal({ reason: undefined }).code).toBe('VALIDATION_FAILED');
    const long = refusal({ reason: 'x'.repeat(2001) });
    expect(long.code).toBe('VALIDATION_FAILED');
    expect(long.message).toMatch(/at most 2000/);
  });

  it('reads an endpoint as an upper-case method of 3 to 7 letters and a path from "/"; none is the whole service', () => {
    expect(ask({})).toEqual({ service: 'GOV/B/sys/svc', providerMember: 'GOV/B', client: 'GOV/A/sys', clientMember: 'GOV/A', reason: 'need it please', endpoint: null });
    expect(ask({ endpoint: null }).endpoint).toBeNull();
    expect(ask({ endpoint: { method: 'get', path: '/' } }).endpoint).toEqual({ method: 'GET', path: '/' });
    expect(ask({ endpoint: { method: 'OPTIONS', path: '/a' } }).endpoint).toEqual({ method: 'OPTIONS', path: '/a' });
    for (const endpoint of [{ method: 'GE', path: '/a' }, { method: 'OPTIONSX', path: '/a' }, { method: 'G1T', path: '/a' }, { method: 'GET', path: 'a/' }, { method: 'GET' }, { path: '/a' }, { method: ' GET', path: '/a' }]) {
      const e = refusal({ endpoint });
      expect(e.code, JSON.stringify(endpoint)).toBe('VALIDATION_FAILED');
      expect(e.message).toMatch(/method and a path/);
    }
  });
});

describe.each(testEngines())('access request rules on %s', (engine) => {
  let t: TestStore;
  let ctx: AccessRequestsCtx;
  let grants: GrantInput[];
  let revoked: number[];
  let trail: Array<{ actor: string; action: string; target: string; address: string | null; before?: unknown; after?: unknown }>;
  let grantHook: (input: GrantInput) => Promise<{ id: number }>;
  const NOW = Date.parse('2026-03-04T05:06:07.000Z');
  const asker = { actor: 'user:a-admin', address: '10.0.0.1' };
  const provider = { actor: 'user:b-admin' };
  const ask = (over: Record<string, unknown> = {}) => createRequest(ctx, { service: 'GOV/B/sys/svc', client: 'GOV/A/sys', reason: 'need it please', ...over } as never, asker);

  beforeAll(async () => {
    t = await createTestStore(engine);
    const at = new Date().toISOString();
    const db = t.store.db;
    for (const code of ['A', 'B', 'C']) {
      const m = await db.insertInto('members').values({ member_class: 'GOV', member_code: code, name: code, created_at: at }).returning('id').executeTakeFirstOrThrow();
      const s = await db.insertInto('subsystems').values({ member_id: m.id, subsystem_code: 'sys', name: null, created_at: at }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('services').values({ subsystem_id: s.id, service_code: 'svc', service_type: 'REST', url: 'http://x', timeout_ms: null, connect_timeout_ms: null, rate_limit: null, openapi: null, log_bodies: 0, backend_auth: null, created_at: at, updated_at: at }).execute();
    }
    ctx = accessRequestsContext(t.store, {
      trail: async (_db, e) => { trail.push(e as never); },
      grant: (input) => grantHook(input),
      revoke: async (id) => { revoked.push(id); },
      now: () => NOW,
    });
  });
  beforeEach(async () => {
    grants = []; revoked = []; trail = [];
    grantHook = async (input) => { grants.push(input); return { id: 100 + grants.length }; };
    await t.store.db.deleteFrom('access_requests' as never).execute();
  });
  afterAll(async () => { await t?.cleanup(); });

  it('records who asked, when and from where, and trails the new request with its content', async () => {
    const r = await ask({ endpoint: { method: 'post', path: '/x' } });
    expect(r).toEqual({
      id: r.id, service: 'GOV/B/sys/svc', providerMember: 'GOV/B', client: 'GOV/A/sys', clientMember: 'GOV/A', endpoint: { method: 'POST', path: '/x' },
      reason: 'need it please', state: 'pending', requestedBy: 'user:a-admin', requestedAt: '2026-03-04T05:06:07.000Z',
      decidedBy: null, decidedAt: null, decisionNote: null, grantId: null,
    });
    expect(await getRequest(ctx, r.id)).toEqual(r);
    expect(trail).toEqual([{ actor: 'user:a-admin', action: 'access_request.create', target: `access-request:${r.id}`, address: '10.0.0.1', after: r }]);
  });

  it('refuses an unknown client subsystem, an own-agency service with its reason, and an unknown request id', async () => {
    await expect(ask({ client: 'GOV/A/nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/Subsystem GOV\/A\/nope/) });
    await expect(ask({ service: 'GOV/B/sys/nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/Service GOV\/B\/sys\/nope/) });
    // Same member code in another class, subsystem or service code: not the registered one.
    await expect(ask({ service: 'COM/B/sys/svc' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ask({ service: 'GOV/B/other/svc' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ask({ client: 'COM/A/sys' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ask({ client: 'GOV/A/other' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ask({ service: 'GOV/A/sys/svc' })).rejects.toMatchObject({ code: 'CONFLICT', extra: { reason: 'request_own_agency' } });
    await expect(getRequest(ctx, 999_999)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Access request 999999 does not exist' });
    expect(trail).toEqual([]);
  });

  it('refuses a second pending request for the same access only, naming the first', async () => {
    const whole = await ask();
    const ep = await ask({ endpoint: { method: 'GET', path: '/x' } });
    await ask({ endpoint: { method: 'POST', path: '/x' } });
    await ask({ endpoint: { method: 'GET', path: '/y' } });
    await ask({ client: 'GOV/C/sys' });
    await expect(ask()).rejects.toMatchObject({ code: 'ALREADY_EXISTS', message: `Request ${whole.id} for the same access is already pending`, extra: { requestId: whole.id, reason: 'request_pending', params: { id: whole.id } } });
    await expect(ask({ endpoint: { method: 'get', path: '/x' } })).rejects.toMatchObject({ code: 'ALREADY_EXISTS', extra: { requestId: ep.id } });
    // Once decided, the same access may be asked again.
    await rejectRequest(ctx, whole.id, null, provider);
    expect((await ask()).state).toBe('pending');
  });

  it('approves into a grant for the endpoint asked, trailing the decision with its note and grant', async () => {
    const r = await ask({ endpoint: { method: 'GET', path: '/x/{id}' } });
    trail = [];
    const ok = await approveRequest(ctx, r.id, '  Đồng ý  ', provider);
    expect(grants).toEqual([{ service: 'GOV/B/sys/svc', client: 'GOV/A/sys', endpoint: { method: 'GET', path: '/x/{id}' } }]);
    expect(ok).toEqual({ ...r, state: 'approved', decidedBy: 'user:b-admin', decidedAt: '2026-03-04T05:06:07.000Z', decisionNote: 'Đồng ý', grantId: 101 });
    expect(await getRequest(ctx, r.id)).toEqual(ok);
    expect(trail).toEqual([{ actor: 'user:b-admin', action: 'access_request.approve', target: `access-request:${r.id}`, address: null, before: { state: 'pending' }, after: { state: 'approved', note: 'Đồng ý', grantId: 101 } }]);
    // The English detail says it too, for API clients that do not read the reason.
    const notPending = { code: 'CONFLICT', message: `Access request ${r.id} is approved, not pending`, extra: { reason: 'request_not_pending', params: { id: r.id, state: 'approved' } } };
    await expect(approveRequest(ctx, r.id, null, provider)).rejects.toMatchObject(notPending);
    await expect(withdrawRequest(ctx, r.id, asker)).rejects.toMatchObject(notPending);
    await expect(rejectRequest(ctx, r.id, null, provider)).rejects.toMatchObject(notPending);
    expect(grants).toHaveLength(1);
  });

  it('leaves the request pending when the grant fails for another reason than an existing right', async () => {
    const r = await ask();
    grantHook = async () => { throw new VamcoError('VALIDATION_FAILED', 'no such endpoint'); };
    await expect(approveRequest(ctx, r.id, null, provider)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await getRequest(ctx, r.id)).state).toBe('pending');
    grantHook = async () => { throw new Error('store away'); };
    await expect(approveRequest(ctx, r.id, null, provider)).rejects.toThrow('store away');
    expect((await getRequest(ctx, r.id)).state).toBe('pending');
  });

  it('takes back the grant of an approval that lost the race to a withdrawal', async () => {
    const r = await ask();
    // The withdrawal lands while the grant is being made.
    grantHook = async () => { await withdrawRequest(ctx, r.id, asker); return { id: 77 }; };
    await expect(approveRequest(ctx, r.id, null, provider)).rejects.toMatchObject({ code: 'CONFLICT', message: `Access request ${r.id} is no longer pending` });
    expect(revoked).toEqual([77]);
    expect((await getRequest(ctx, r.id)).state).toBe('withdrawn');
    // A right that existed before the approval is not this approval's to take back.
    const again = await ask();
    grantHook = async () => { await withdrawRequest(ctx, again.id, asker); throw new VamcoError('ALREADY_EXISTS'); };
    await expect(approveRequest(ctx, again.id, null, provider)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(revoked).toEqual([77]);
  });

  it('rejects with a cleaned note and withdraws without one, each trailed as what it is', async () => {
    const a = await ask();
    const b = await ask({ client: 'GOV/C/sys' });
    const c = await ask({ endpoint: { method: 'GET', path: '/c' } });
    trail = [];
    expect(await rejectRequest(ctx, a.id, '   ', provider)).toMatchObject({ state: 'rejected', decisionNote: null, grantId: null, decidedBy: 'user:b-admin', decidedAt: '2026-03-04T05:06:07.000Z' });
    expect(await rejectRequest(ctx, b.id, 42, provider)).toMatchObject({ state: 'rejected', decisionNote: null });
    await expect(rejectRequest(ctx, c.id, 'x'.repeat(2001), provider)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/at most 2000/) });
    expect((await rejectRequest(ctx, c.id, 'x'.repeat(2000), provider)).decisionNote).toHaveLength(2000);
    expect(trail.map((e) => [e.action, e.target, e.after])).toEqual([
      ['access_request.reject', `access-request:${a.id}`, { state: 'rejected', note: null, grantId: null }],
      ['access_request.reject', `access-request:${b.id}`, { state: 'rejected', note: null, grantId: null }],
      ['access_request.reject', `access-request:${c.id}`, { state: 'rejected', note: 'x'.repeat(2000), grantId: null }],
    ]);
    const d = await ask();
    trail = [];
    expect(await withdrawRequest(ctx, d.id, asker)).toMatchObject({ state: 'withdrawn', decidedBy: 'user:a-admin', decisionNote: null, grantId: null });
    expect(trail).toEqual([{ actor: 'user:a-admin', action: 'access_request.withdraw', target: `access-request:${d.id}`, address: '10.0.0.1', before: { state: 'pending' }, after: { state: 'withdrawn', note: null, grantId: null } }]);
    await expect(rejectRequest(ctx, d.id, null, provider)).rejects.toMatchObject({ code: 'CONFLICT', extra: { reason: 'request_not_pending', params: { id: d.id, state: 'withdrawn' } } });
    expect(grants).toEqual([]);
  });

  it('lists by member and direction, state, service and client, newest first', async () => {
    const ab = await ask();
    const cb = await ask({ client: 'GOV/C/sys' });
    const ba = await createRequest(ctx, { service: 'GOV/A/sys/svc', client: 'GOV/B/sys', reason: 'other direction' }, provider);
    await rejectRequest(ctx, cb.id, null, provider);
    const ids = async (f: Parameters<typeof listRequests>[1]) => (await listRequests(ctx, f)).map((r) => r.id);
    expect(await ids({})).toEqual([ba.id, cb.id, ab.id]);
    expect(await ids(undefined)).toEqual([ba.id, cb.id, ab.id]);
    expect(await ids({ member: 'GOV/A' })).toEqual([ba.id, ab.id]);
    expect(await ids({ member: 'GOV/A', direction: 'outgoing' })).toEqual([ab.id]);
    expect(await ids({ member: 'GOV/A', direction: 'incoming' })).toEqual([ba.id]);
    expect(await ids({ member: 'GOV/B', direction: 'incoming' })).toEqual([cb.id, ab.id]);
    expect(await ids({ member: 'GOV/C' })).toEqual([cb.id]);
    expect(await ids({ state: 'rejected' })).toEqual([cb.id]);
    expect(await ids({ state: 'pending' })).toEqual([ba.id, ab.id]);
    expect(await ids({ service: 'GOV:A:sys:svc' })).toEqual([ba.id]);
    expect(await ids({ client: 'GOV:C:sys' })).toEqual([cb.id]);
    expect(await ids({ member: 'GOV/B', state: 'pending', client: 'GOV/A/sys' })).toEqual([ab.id]);
  });
});
