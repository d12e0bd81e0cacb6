// The login flow end to end on a small fastify app wired like the admin server: authenticators
// in a hook, routes under /api/v1, errors as problem+json.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { toProblem, VamcoError } from '../core/errors.js';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import type { Authenticator } from '../admin/principal.js';
import { accountsContext, accountsRoutes, apiTokenAuthenticator, ensureFirstAdmin, sessionAuthenticator, cliResetPassword, base32Decode, totp, type AccountsCtx, type TrailEntry } from './index.js';

interface Client { cookie: string; csrf: string }

async function buildApp(ctx: AccountsCtx): Promise<FastifyInstance> {
  const app = Fastify();
  const auths: Authenticator[] = [sessionAuthenticator(ctx), apiTokenAuthenticator(ctx)];
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (req) => {
    for (const a of auths) {
      const p = await a(req);
      if (p) { req.principal = p; break; }
    }
  });
  app.setErrorHandler((err, _req, reply) => {
    const e = err instanceof VamcoError ? err : (err as { validation?: unknown }).validation ? new VamcoError('VALIDATION_FAILED', (err as Error).message) : err;
    const p = toProblem(e);
    if (e instanceof VamcoError && e.headers) reply.headers(e.headers);
    reply.code(p.status).type('application/problem+json').send(p);
  });
  await app.register(accountsRoutes, { prefix: '/api/v1', ctx });
  return app;
}

describe.each(testEngines())('accounts on %s', (engine) => {
  let t: TestStore;
  let app: FastifyInstance;
  let ctx: AccountsCtx;
  let clock = Date.parse('2026-03-01T08:00:00Z');
  const trail: TrailEntry[] = [];
  let adminPassword = '';
  let totpSecret = '';
  let adminRecovery: string[] = [];
  let baoSecret = '';

  beforeAll(async () => {
    t = await createTestStore(engine);
    ctx = accountsContext(t.store, { now: () => clock, trail: async (_db, e) => { trail.push(e); } });
    app = await buildApp(ctx);
    await t.store.db.insertInto('members').values({ member_class: 'GOV', member_code: 'H59', name: 'Sở Tư pháp', created_at: new Date().toISOString() }).execute();
  });
  afterAll(async () => { await app?.close(); await t?.cleanup(); });

  const call = (method: string, url: string, c?: Client | null, payload?: unknown, extra: Record<string, string> = {}) =>
    app.inject({ method: method as 'GET', url: '/api/v1' + url, payload: payload as object,
      headers: { ...(c ? { cookie: c.cookie, 'x-csrf-token': c.csrf } : {}), ...extra } });

  function clientFrom(res: { headers: Record<string, unknown>; json(): any }): Client {
    const set = ([] as string[]).concat(res.headers['set-cookie'] as string[]);
    const cookie = set.map((s) => s.split(';')[0]).join('; ');
    return { cookie, csrf: res.json().csrfToken };
  }
  const code = (secret: string) => totp(base32Decode(secret), clock);

  it('creates the first admin once, with a one-time password', async () => {
    const first = await ensureFirstAdmin(t.store);
    expect(first?.username).toBe('admin');
    expect(first?.oneTimePassword).toHaveLength(16);
    adminPassword = first!.oneTimePassword;
    expect(await ensureFirstAdmin(t.store)).toBeNull();
  });

  it('refuses a wrong password with a stable reason the console translates', async () => {
    const r = await call('POST', '/auth/login', null, { username: 'admin', password: 'not the password' });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'wrong_credentials', detail: 'Wrong username or password' });
  });

  it('walks the first login: password → TOTP enrolment → new password → full session', async () => {
    const r1 = await call('POST', '/auth/login', null, { username: 'admin', password: adminPassword });
    expect(r1.statusCode).toBe(200);
    expect(r1.json().stage).toBe('totp_enrol');
    const setCookie = String(r1.headers['set-cookie']);
    expect(setCookie).toMatch(/vamco_session=[^;]+; Path=\/; SameSite=Strict; Max-Age=\d+; HttpOnly/);
    const c = clientFrom(r1);
    // Not yet a principal: admin routes refuse.
    expect((await call('GET', '/users', c)).statusCode).toBe(401);
    const enrol = await call('POST', '/auth/totp/enrol', c);
    expect(enrol.statusCode).toBe(200);
    totpSecret = enrol.json().secret;
    expect(enrol.json().otpauthUri).toMatch(/^otpauth:\/\/totp\/Vamco%3Aadmin\?secret=/);
    // A reload asks again: the same pending secret, so the app already set up keeps working.
    const again = await call('POST', '/auth/totp/enrol', c);
    expect(again.json().secret).toBe(totpSecret);
    const wrong = await call('POST', '/auth/totp/confirm', c, { code: '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().reason).toBe('wrong_code');
    const conf = await call('POST', '/auth/totp/confirm', c, { code: code(totpSecret) });
    expect(conf.json().stage).toBe('password_change');
    // Recovery codes, shown this once: ten, distinct, stored only as hashes bound to the user.
    adminRecovery = conf.json().recoveryCodes;
    expect(adminRecovery).toHaveLength(10);
    expect(new Set(adminRecovery).size).toBe(10);
    for (const rc of adminRecovery) expect(rc).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    const stored = await ctx.db.selectFrom('user_recovery_codes').selectAll().execute();
    expect(stored).toHaveLength(10);
    const dump = JSON.stringify(stored).toLowerCase();
    for (const rc of adminRecovery) { expect(dump).not.toContain(rc); expect(dump).not.toContain(rc.replace('-', '')); }
    expect((await call('POST', '/auth/password', c, { newPassword: 'short' })).json()).toMatchObject({ code: 'VALIDATION_FAILED', reason: 'password_short', params: { min: 10 } });
    const pw = await call('POST', '/auth/password', c, { newPassword: 'Một mật khẩu mới 2026' });
    expect(pw.json().stage).toBe('full');
    adminPassword = 'Một mật khẩu mới 2026';
    const me = await call('GET', '/auth/me', c);
    expect(me.json()).toMatchObject({ stage: 'full', user: { username: 'admin', role: 'platform_admin', totpEnabled: true, mustChangePassword: false, recoveryCodesLeft: 10 } });
    expect((await call('GET', '/users', c)).json().total).toBe(1);
    // Failed attempts too (issue 14): the wrong password of the test before, the wrong code here
    // (the count of consecutive failures goes on: a right password alone does not reset it).
    expect(trail.map((e) => e.action)).toEqual(['auth.failed', 'auth.failed', 'user.totp_enable', 'user.change_password', 'auth.login']);
    expect(trail.slice(0, 2).map((e) => e.after)).toEqual([{ reason: 'password', failures: 1 }, { reason: 'totp', failures: 2 }]);
    expect(trail.every((e) => e.actor === 'user:admin')).toBe(true);
    expect(trail[2].after).toEqual({ recoveryCodes: 10 });
  });

  it('asks platform admins for the code at every later login and refuses a replayed code', async () => {
    clock += 60_000;
    const r1 = await call('POST', '/auth/login', null, { username: 'ADMIN', password: adminPassword });
    expect(r1.json().stage).toBe('totp');
    const c = clientFrom(r1);
    const good = code(totpSecret);
    expect((await call('POST', '/auth/totp/verify', c, { code: good })).json().stage).toBe('full');
    const r2 = await call('POST', '/auth/login', null, { username: 'admin', password: adminPassword });
    const replay = await call('POST', '/auth/totp/verify', clientFrom(r2), { code: good });
    expect(replay.statusCode).toBe(401);
    clock += 30_000;
    expect((await call('POST', '/auth/totp/verify', clientFrom(r2), { code: code(totpSecret) })).json().stage).toBe('full');
  });

  /** Bao (agency admin) logged in with password and code. */
  async function baoClient(password = 'Mật khẩu của Bảo 1'): Promise<Client> {
    clock += 30_000;
    const r = await call('POST', '/auth/login', null, { username: 'bao', password });
    expect(r.json().stage).toBe('totp');
    const c = clientFrom(r);
    expect((await call('POST', '/auth/totp/verify', c, { code: code(baoSecret) })).json().stage).toBe('full');
    return c;
  }

  async function adminClient(): Promise<Client> {
    clock += 30_000;
    const r = await call('POST', '/auth/login', null, { username: 'admin', password: adminPassword });
    const c = clientFrom(r);
    await call('POST', '/auth/totp/verify', c, { code: code(totpSecret) });
    return c;
  }

  it('requires the CSRF header on cookie-authenticated writes', async () => {
    const c = await adminClient();
    const noCsrf = await call('POST', '/users', { cookie: c.cookie, csrf: '' }, { username: 'ana', role: 'auditor' });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().reason).toBe('csrf');
    const wrong = await call('POST', '/users', { cookie: c.cookie, csrf: 'x'.repeat(c.csrf.length) }, { username: 'ana', role: 'auditor' });
    expect(wrong.statusCode).toBe(403);
    const ok = await call('POST', '/users', c, { username: 'ana', displayName: 'Nguyễn Thị An', role: 'auditor' });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().oneTimePassword).toHaveLength(16);
  });

  it('manages users: agency needs a registered member, the last admin stays, reset gives a one-time password', async () => {
    const c = await adminClient();
    expect((await call('POST', '/users', c, { username: 'bao', role: 'agency_admin' })).json().code).toBe('VALIDATION_FAILED');
    expect((await call('POST', '/users', c, { username: 'bao', role: 'agency_admin', memberId: 'GOV/NOPE' })).statusCode).toBe(404);
    const bao = await call('POST', '/users', c, { username: 'bao', role: 'agency_admin', memberId: 'GOV:H59', password: 'Mật khẩu của Bảo 1' });
    expect(bao.json().user).toMatchObject({ role: 'agency_admin', memberId: 'GOV/H59', mustChangePassword: false });
    expect((await call('POST', '/users', c, { username: 'bao', role: 'auditor' })).statusCode).toBe(409);
    expect((await call('PATCH', '/users/admin', c, { disabled: true })).statusCode).toBe(409);
    const reset = await call('POST', '/users/ana/reset-password', c);
    expect(reset.json().oneTimePassword).toHaveLength(16);
    expect(reset.json().user.mustChangePassword).toBe(true);
  });

  it('asks agency admins to set up two-step verification at their first login, as platform admins are', async () => {
    const r = await call('POST', '/auth/login', null, { username: 'bao', password: 'Mật khẩu của Bảo 1' });
    expect(r.json().stage).toBe('totp_enrol');
    const c = clientFrom(r);
    // Not past the login yet: no admin API.
    expect((await call('GET', '/tokens', c)).statusCode).toBe(401);
    expect((await call('GET', '/auth/me', c)).json().principal).toBeNull();
    baoSecret = (await call('POST', '/auth/totp/enrol', c)).json().secret;
    const conf = await call('POST', '/auth/totp/confirm', c, { code: code(baoSecret) });
    expect(conf.json()).toMatchObject({ stage: 'full', recoveryCodes: expect.any(Array) });
    // Agency admins may not turn it off, as platform admins may not.
    const off = await call('POST', '/auth/totp/disable', c, { code: code(baoSecret) });
    expect(off.json()).toMatchObject({ code: 'FORBIDDEN', reason: 'two_step_required' });
    expect((await call('GET', '/users', c)).statusCode).toBe(403);
    expect((await call('GET', '/auth/me', c)).json().principal).toMatchObject({ actor: 'user:bao', role: 'agency_admin', memberId: 'GOV/H59' });
  });

  it('backs off, then locks after repeated failures; an admin unlocks', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call('POST', '/auth/login', null, { username: 'bao', password: 'wrong password' });
      codes.push(r.statusCode);
    }
    // Three free failures start a back-off: the fourth try is refused unchecked, even with the right password.
    expect(codes).toEqual([401, 401, 401, 429]);
    const refused = await call('POST', '/auth/login', null, { username: 'bao', password: 'Mật khẩu của Bảo 1' });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 0; i < 7; i++) {
      clock += 20 * 60_000;
      await call('POST', '/auth/login', null, { username: 'bao', password: 'wrong password' });
    }
    const locked = await call('POST', '/auth/login', null, { username: 'bao', password: 'Mật khẩu của Bảo 1' });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().detail).toMatch(/locked/);
    expect(trail.some((e) => e.action === 'auth.locked' && e.target === 'user:bao')).toBe(true);
    // Each counted failure is in the trail; the refused ones (429) are not.
    expect(trail.filter((e) => e.action === 'auth.failed' && e.target === 'user:bao').length).toBe(codes.filter((c) => c === 401).length + 7);
    // A name that is no account: recorded without it (it may be a password typed in the wrong field).
    await call('POST', '/auth/login', null, { username: 'Mật khẩu của Bảo 1', password: 'x' });
    expect(trail.at(-1)).toMatchObject({ actor: 'anonymous', action: 'auth.failed', target: 'user:(unknown)', after: { reason: 'password' } });
    expect(JSON.stringify(trail)).not.toContain('Mật khẩu của Bảo 1');
    const c = await adminClient();
    expect((await call('POST', '/users/bao/unlock', c)).json().lockedUntil).toBeNull();
    expect((await call('POST', '/auth/login', null, { username: 'bao', password: 'Mật khẩu của Bảo 1' })).json().stage).toBe('totp');
  });

  it('ends sessions after the idle time and after the absolute lifetime', async () => {
    const c = await baoClient();
    clock += 29 * 60_000;
    expect((await call('GET', '/auth/me', c)).statusCode).toBe(200);
    clock += 31 * 60_000;
    expect((await call('GET', '/auth/me', c)).statusCode).toBe(401);
    const c2 = await baoClient();
    for (let i = 0; i < 25; i++) {
      clock += 29 * 60_000;
      await call('GET', '/auth/me', c2);
    }
    expect((await call('GET', '/auth/me', c2)).statusCode).toBe(401);
  });

  it('logs out, and a disabled user loses sessions and tokens at once', async () => {
    const c = await baoClient();
    const tok = await call('POST', '/tokens', c, { label: 'CI' });
    expect(tok.statusCode).toBe(201);
    const token = tok.json().token as string;
    expect(token).toMatch(/^vut_/);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await call('GET', '/auth/me', null, undefined, bearer)).json().principal).toMatchObject({ kind: 'api-token', actor: 'user:bao' });
    expect((await call('GET', '/tokens', null, undefined, bearer)).json().items[0]).toMatchObject({ label: 'CI', revokedAt: null });
    const admin = await adminClient();
    expect((await call('PATCH', '/users/bao', admin, { disabled: true })).json().disabled).toBe(true);
    expect((await call('GET', '/auth/me', c)).statusCode).toBe(401);
    expect((await call('GET', '/tokens', null, undefined, bearer)).statusCode).toBe(401);
    await call('PATCH', '/users/bao', admin, { disabled: false });
    const again = await call('GET', '/tokens', null, undefined, bearer);
    expect(again.statusCode).toBe(200);
    expect((await call('DELETE', `/tokens/${tok.json().id}`, admin)).statusCode).toBe(204);
    expect((await call('GET', '/tokens', null, undefined, bearer)).statusCode).toBe(401);
    expect((await call('POST', '/auth/logout', admin)).statusCode).toBe(204);
    expect((await call('GET', '/auth/me', admin)).statusCode).toBe(401);
  });

  it('takes a recovery code once in place of the authentication code, without its value in the trail', async () => {
    clock += 30_000;
    const r = await call('POST', '/auth/login', null, { username: 'admin', password: adminPassword });
    const c = clientFrom(r);
    const [first, second] = adminRecovery;
    const ok = await call('POST', '/auth/totp/verify', c, { recoveryCode: first });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ stage: 'full', user: { recoveryCodesLeft: 9 } });
    expect(trail.at(-2)).toMatchObject({ action: 'auth.recovery_code_used', target: 'user:admin', after: { left: 9 } });
    // The same code again: refused, and counted as a failure.
    const again = clientFrom(await call('POST', '/auth/login', null, { username: 'admin', password: adminPassword }));
    const replay = await call('POST', '/auth/totp/verify', again, { recoveryCode: first });
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'wrong_recovery_code' });
    expect(trail.at(-1)).toMatchObject({ action: 'auth.failed', after: { reason: 'recovery_code' } });
    // Case, spaces and the dash do not matter; another unused code works.
    expect((await call('POST', '/auth/totp/verify', again, { recoveryCode: ` ${second.replace('-', ' ').toUpperCase()} ` })).json().stage).toBe('full');
    expect(JSON.stringify(trail)).not.toContain(first);
    expect(JSON.stringify(trail).toLowerCase()).not.toContain(second.replace('-', ''));
  });

  it('regenerates recovery codes after the current code: the old ones end', async () => {
    const c = await adminClient();
    expect((await call('POST', '/auth/recovery-codes', c, { code: '000000' })).json().reason).toBe('wrong_code');
    clock += 30_000;
    const regen = await call('POST', '/auth/recovery-codes', c, { code: code(totpSecret) });
    expect(regen.statusCode).toBe(200);
    const fresh = regen.json().recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(regen.json().user.recoveryCodesLeft).toBe(10);
    expect(trail.at(-1)).toMatchObject({ action: 'user.recovery_codes_regenerate', actor: 'user:admin', after: { recoveryCodes: 10 } });
    const old = clientFrom(await call('POST', '/auth/login', null, { username: 'admin', password: adminPassword }));
    expect((await call('POST', '/auth/totp/verify', old, { recoveryCode: adminRecovery[5] })).statusCode).toBe(401);
    expect((await call('POST', '/auth/totp/verify', old, { recoveryCode: fresh[0] })).json().stage).toBe('full');
    adminRecovery = fresh.slice(1);
  });

  it('redoes the set-up after the password or the code; the old secret works until the new one is confirmed', async () => {
    const c = await adminClient();
    expect((await call('POST', '/auth/totp/redo', c, {})).json()).toMatchObject({ code: 'VALIDATION_FAILED', reason: 'code_or_password_required' });
    expect((await call('POST', '/auth/totp/redo', c, { password: 'not it' })).json()).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'wrong_current_password' });
    const redo = await call('POST', '/auth/totp/redo', c, { password: adminPassword });
    expect(redo.statusCode).toBe(200);
    const next = redo.json().secret as string;
    expect(next).not.toBe(totpSecret);
    expect(redo.json().otpauthUri).toContain(`secret=${next}`);
    // Asked again (a reload): the same pending secret.
    clock += 30_000;
    expect((await call('POST', '/auth/totp/redo', c, { code: code(totpSecret) })).json().secret).toBe(next);
    // Not confirmed yet: the old secret still logs in.
    await adminClient();
    clock += 30_000;
    const conf = await call('POST', '/auth/totp/confirm', c, { code: code(next) });
    expect(conf.json()).toMatchObject({ stage: 'full', user: { recoveryCodesLeft: 10 } });
    expect(trail.at(-1)).toMatchObject({ action: 'user.totp_redo', actor: 'user:admin', after: { recoveryCodes: 10 } });
    const stale = adminRecovery[0];
    const newRecovery = conf.json().recoveryCodes as string[];
    clock += 30_000;
    const r = clientFrom(await call('POST', '/auth/login', null, { username: 'admin', password: adminPassword }));
    expect((await call('POST', '/auth/totp/verify', r, { code: code(totpSecret) })).statusCode).toBe(401);
    expect((await call('POST', '/auth/totp/verify', r, { recoveryCode: stale })).statusCode).toBe(401);
    expect((await call('POST', '/auth/totp/verify', r, { code: code(next) })).json().stage).toBe('full');
    totpSecret = next;
    adminRecovery = newRecovery;
  });

  it('lets an administrator reset another user\'s two-step set-up: trailed, the user\'s sessions end, enrolment at the next login', async () => {
    const bao = await baoClient();
    const admin = await adminClient();
    const reset = await call('POST', '/users/bao/reset-totp', admin);
    expect(reset.json()).toMatchObject({ username: 'bao', totpEnabled: false });
    expect(trail.at(-1)).toMatchObject({ action: 'user.reset_totp', actor: 'user:admin', target: 'user:bao' });
    expect((await call('GET', '/auth/me', bao)).statusCode).toBe(401);
    const baoId = (await ctx.db.selectFrom('users').select('id').where('username', '=', 'bao').executeTakeFirstOrThrow()).id;
    expect(await ctx.db.selectFrom('user_recovery_codes').selectAll().where('user_id', '=', baoId).execute()).toEqual([]);
    const r = await call('POST', '/auth/login', null, { username: 'bao', password: 'Mật khẩu của Bảo 1' });
    expect(r.json().stage).toBe('totp_enrol');
    const c = clientFrom(r);
    baoSecret = (await call('POST', '/auth/totp/enrol', c)).json().secret;
    expect((await call('POST', '/auth/totp/confirm', c, { code: code(baoSecret) })).json().stage).toBe('full');
  });

  it('resets a password from the command line', async () => {
    const r = await cliResetPassword(t.store, 'bao', { actor: 'cli:root' });
    const login = await call('POST', '/auth/login', null, { username: 'bao', password: r.oneTimePassword });
    // The second factor stays: the code first, then the new password.
    expect(login.json().stage).toBe('totp');
    clock += 30_000;
    expect((await call('POST', '/auth/totp/verify', clientFrom(login), { code: code(baoSecret) })).json().stage).toBe('password_change');
    expect((await call('POST', '/auth/login', null, { username: 'nobody', password: 'whatever' })).statusCode).toBe(401);
  });
});
