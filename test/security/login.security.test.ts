// Issue 12, findings 1, 5 (X-Forwarded-For) and 6 (login), replayed against a running
// platform over HTTP, as a hostile local user would try them.
import net from 'node:net';
import { Agent, request } from 'undici';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startConsolePlatform, type ConsolePlatform } from './console-platform.js';

const PW = 'Mật khẩu kiểm tra 77';

interface Res { status: number; body: any; cookie: string }

describe('login attacks on a running platform', () => {
  let cp: ConsolePlatform;
  const agents = new Map<string, Agent>();
  /** A client whose connections come from `from` (any 127.x address reaches the loopback listener). */
  const from = (addr: string) => {
    let a = agents.get(addr);
    // undici's own connector ignores localAddress: connect the socket ourselves.
    if (!a) {
      agents.set(addr, (a = new Agent({
        connect: (o, cb) => {
          const socket = net.connect({ host: o.hostname, port: Number(o.port), localAddress: addr });
          socket.once('connect', () => cb(null, socket)).once('error', (e) => cb(e, null));
        },
      })));
    }
    return a;
  };
  async function call(method: string, path: string, o: { body?: unknown; cookie?: string; csrf?: string; bearer?: string; addr?: string; headers?: Record<string, string> } = {}): Promise<Res> {
    const r = await request(cp.url + '/api/v1' + path, {
      method: method as 'POST', dispatcher: from(o.addr ?? '127.0.0.1'),
      headers: {
        ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(o.cookie ? { cookie: o.cookie } : {}),
        ...(o.csrf ? { 'x-csrf-token': o.csrf } : {}), ...(o.bearer ? { authorization: `Bearer ${o.bearer}` } : {}), ...o.headers,
      },
      body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    });
    const text = await r.body.text();
    const set = r.headers['set-cookie'];
    const cookie = (Array.isArray(set) ? set : set ? [set] : []).map((c) => c.split(';')[0]).join('; ');
    return { status: r.statusCode, body: text ? JSON.parse(text) : null, cookie };
  }
  const login = (username: string, password: string, addr?: string, headers?: Record<string, string>) => call('POST', '/auth/login', { body: { username, password }, addr, headers });
  const admin = async (method: string, path: string, body?: unknown) => {
    const r = await call(method, path, { body, bearer: cp.adminToken });
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  /** Checked tries allowed to a sequential guesser in `seconds`: the free ones, then one per back-off window (1 s, 2 s, 4 s …). */
  const sequentialBound = (free: number, seconds: number) => free + Math.floor(Math.log2(seconds + 1)) + 1;

  beforeAll(async () => { cp = await startConsolePlatform(); }, 120_000);
  afterAll(async () => {
    await cp?.stop();
    for (const a of agents.values()) await a.close();
  });

  it('finding 1: 40 parallel logins, 39 wrong and the right one last, get no more checks than one after another', async () => {
    await admin('POST', '/users', { username: 'victim', role: 'auditor', password: PW });
    const t0 = Date.now();
    const tries = await Promise.all(Array.from({ length: 40 }, (_, i) => login('victim', i === 39 ? PW : `wrong guess ${i}`, '127.0.0.2')));
    const seconds = (Date.now() - t0) / 1000;
    const checked = tries.filter((t) => t.status !== 429).length;
    expect(checked).toBeLessThanOrEqual(sequentialBound(3, seconds));
    expect(tries.filter((t) => t.status === 429).every((t) => t.body.code === 'RATE_LIMITED')).toBe(true);
    // Every wrong one that was checked is counted; the right one, if it got through a window, reset it.
    const u = await admin('GET', '/users/victim');
    expect(u.failedLogins).toBe(tries[39].status === 200 ? 0 : tries.filter((t) => t.status === 401).length);
  });

  it('finding 1: a burst of 30 wrong passwords has at most the free ones checked', async () => {
    await admin('POST', '/users', { username: 'burst', role: 'auditor', password: PW });
    const t0 = Date.now();
    const tries = await Promise.all(Array.from({ length: 30 }, () => login('burst', 'not it at all', '127.0.0.3')));
    const seconds = (Date.now() - t0) / 1000;
    expect(tries.filter((t) => t.status === 401).length).toBeLessThanOrEqual(sequentialBound(3, seconds));
    expect((await admin('GET', '/users/burst')).failedLogins).toBe(tries.filter((t) => t.status === 401).length);
  });

  it('finding 6: one address guessing across many names is slowed, another address is not, and X-Forwarded-For does not help', async () => {
    await admin('POST', '/users', { username: 'bystander', role: 'auditor', password: PW });
    const t0 = Date.now();
    // 60 names, each guessed once, from one address that claims to be someone else each time.
    const tries = await Promise.all(Array.from({ length: 60 }, (_, i) => login(`spray-${i}`, 'Summer2026!', '127.0.0.4', { 'x-forwarded-for': `203.0.113.${i}` })));
    const seconds = (Date.now() - t0) / 1000;
    const checked = tries.filter((t) => t.status === 401).length;
    expect(checked).toBeLessThanOrEqual(sequentialBound(30, seconds));
    expect(tries.filter((t) => t.status === 429).map((t) => t.body.detail)).toContainEqual(expect.stringMatching(/from your address/));
    // While the address waits, even the right password from it waits; from elsewhere it works.
    const blocked = await login('bystander', PW, '127.0.0.4');
    if (blocked.status === 429) expect(blocked.body.detail).toMatch(/from your address/);
    else expect(Date.now() - t0).toBeGreaterThan(1000); // only once a back-off window has passed
    expect((await login('bystander', PW, '127.0.0.5')).status).toBe(200);
  });

  it('finding 5: a local client cannot set the admin trail\'s address through X-Forwarded-For under the default trust setting', async () => {
    await admin('POST', '/users', { username: 'trailed', role: 'auditor', password: PW });
    // A login and a registry change, each claiming another address than the connection's.
    expect((await login('trailed', PW, '127.0.0.6', { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    const added = await call('POST', '/members', {
      bearer: cp.adminToken, addr: '127.0.0.6', headers: { 'x-forwarded-for': '198.51.100.2, 10.0.0.1' },
      body: { memberClass: 'GOV', memberCode: '000.00.00.X05', name: 'Cơ quan giả địa chỉ' },
    });
    expect(added.status).toBe(201);
    const trail = (await admin('GET', '/admin-trail?limit=20')).items;
    const mine = trail.filter((e: any) => (e.action === 'auth.login' && e.target === 'user:trailed') || e.target === 'GOV/000.00.00.X05');
    expect(mine.map((e: any) => e.action)).toEqual([expect.stringMatching(/^member\./), 'auth.login']);
    // The connection's address, never the claimed one.
    expect(mine.map((e: any) => e.address)).toEqual(['127.0.0.6', '127.0.0.6']);
  });

  it('finding 6: the first admin\'s one-time password expires after 24 hours', async () => {
    const { username, oneTimePassword } = cp.firstAdmin;
    // A day passes (the store's clock is the wall clock: age the password instead).
    await cp.platform.store.db.updateTable('users' as never).set({ password_expires_at: new Date(Date.now() - 1000).toISOString() } as never)
      .where('username' as never, '=', username as never).execute();
    const r = await login(username, oneTimePassword, '127.0.0.7');
    expect([r.status, r.body.code, r.body.reason]).toEqual([401, 'UNAUTHENTICATED', 'one_time_password_expired']);
    expect(r.body.detail).toMatch(/expired: ask an administrator for a new one/);
    const fresh = await admin('POST', `/users/${username}/reset-password`, {});
    expect(Date.parse(fresh.user.oneTimePasswordExpiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect((await login(username, fresh.oneTimePassword, '127.0.0.7')).body.stage).toBe('totp_enrol');
  });

  it('finding 6: personal API tokens end when the user changes their own password', async () => {
    await admin('POST', '/users', { username: 'changer', role: 'auditor', password: PW });
    const s = await login('changer', PW, '127.0.0.8');
    const tok = await call('POST', '/tokens', { cookie: s.cookie, csrf: s.body.csrfToken, body: { label: 'ci' }, addr: '127.0.0.8' });
    expect(tok.status).toBe(201);
    expect((await call('GET', '/auth/me', { bearer: tok.body.token })).status).toBe(200);
    const changed = await call('POST', '/auth/password', { cookie: s.cookie, csrf: s.body.csrfToken, body: { currentPassword: PW, newPassword: 'Mật khẩu mới hẳn 88' }, addr: '127.0.0.8' });
    expect(changed.status).toBe(200);
    expect((await call('GET', '/auth/me', { bearer: tok.body.token })).status).toBe(401);
  });
});
