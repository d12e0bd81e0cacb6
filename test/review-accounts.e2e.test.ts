// Second reading of the console's access management (accounts, sessions, lock-out, TOTP, access
// requests, the publicadmin admin routes). Every test here fails against the code under review
// because of a defect in it; each names the file and line at fault.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createWorld, type World } from './security/world.js';
import { totpNow } from './security/console-platform.js';
import { testEngines } from '../src/store/testing.js';
import { startBackend } from './helpers/backend.js';
import { startSecondNode } from './helpers/vamco-process.js';
import { holdWrites } from './helpers/faults.js';
import { loginOverApi } from './helpers/two-step.js';

const PW = 'Mật khẩu kiểm tra 9';

interface Raw { status: number; body: any; headers: Headers }

/** A request to the world's admin API, or to another node's (`opts.node`, its base URL). */
async function raw(w: World, method: string, path: string, opts: { body?: unknown; cookie?: string; csrf?: string; bearer?: string; headers?: Record<string, string>; node?: string } = {}): Promise<Raw> {
  const res = await fetch((opts.node ?? w.cp.url) + '/api/v1' + path, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(opts.csrf ? { 'x-csrf-token': opts.csrf } : {}),
      ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {}),
      ...opts.headers,
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let body: unknown = text;
  try { body = text ? JSON.parse(text) : null; } catch { /* keep text */ }
  return { status: res.status, body, headers: res.headers };
}

async function login(w: World, username: string, password: string, headers: Record<string, string> = {}) {
  const r = await raw(w, 'POST', '/auth/login', { body: { username, password }, headers });
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { ...r, cookie, csrf: r.body?.csrfToken as string | undefined };
}

// Races run on both engines: the racing requests go to two more processes serving the admin
// API on the platform's store (test/helpers/admin-node.ts), because SQLite's synchronous driver
// serialises whatever one process does, and one process would hide the race.
describe.each(testEngines())('review: accounts, sessions and access requests on %s', (engine) => {
  let w: World;
  type Node = Awaited<ReturnType<typeof startSecondNode>>;
  let others: Promise<Node[]> | undefined;
  /** Two more processes serving the admin API on the world's store, started on first use. */
  const otherNodes = () => (others ??= Promise.all([startSecondNode(w.cp.platform.env), startSecondNode(w.cp.platform.env)]));
  beforeAll(async () => { w = await createWorld({ engine }); });
  afterAll(async () => {
    for (const n of (await others?.catch(() => [])) ?? []) await n.stop();
    await w?.cp.stop();
  });

  it('ends personal API tokens when an administrator resets the password, and tokens cannot mint tokens', async () => {
    await w.admin('POST', '/users', { username: 'tok-owner', role: 'auditor', password: PW });
    const s = await login(w, 'tok-owner', PW);
    const made = await raw(w, 'POST', '/tokens', { cookie: s.cookie, csrf: s.csrf, body: { label: 'ci' } });
    expect(made.status).toBe(201);
    const token = made.body.token as string;
    expect((await raw(w, 'GET', '/auth/me', { bearer: token })).status).toBe(200);
    const minted = await raw(w, 'POST', '/tokens', { bearer: token, body: { label: 'child' } });
    expect([minted.status, minted.body.code]).toEqual([403, 'FORBIDDEN']);
    await w.admin('POST', '/users/tok-owner/reset-password', {});
    expect((await raw(w, 'GET', '/auth/me', { bearer: token })).status).toBe(401);
  });

  it('ends a user\'s sessions when an administrator changes the role or the agency, or resets the password', async () => {
    const me = (s: { cookie: string }) => raw(w, 'GET', '/auth/me', { cookie: s.cookie });
    const users = ['sess-role', 'sess-agency', 'sess-reset', 'sess-name'];
    const sessions: Record<string, { cookie: string }> = {};
    for (const username of users) {
      await w.admin('POST', '/users', { username, role: 'agency_admin', memberId: 'GOV/A', password: PW });
      // Agency admins set up two-step verification at their first login (issue 14).
      const s = await loginOverApi(w.cp.url, username, PW);
      expect([username, s.body.stage]).toEqual([username, 'full']);
      expect((await me(s)).status).toBe(200);
      sessions[username] = s;
    }
    await w.admin('PATCH', '/users/sess-role', { role: 'auditor', memberId: null });
    await w.admin('PATCH', '/users/sess-agency', { memberId: 'GOV/B' });
    await w.admin('POST', '/users/sess-reset/reset-password', {});
    await w.admin('PATCH', '/users/sess-name', { displayName: 'Tên mới' });
    const after: Record<string, number> = {};
    for (const username of users) after[username] = (await me(sessions[username])).status;
    // A new name changes no power: that session goes on.
    expect(after).toEqual({ 'sess-role': 401, 'sess-agency': 401, 'sess-reset': 401, 'sess-name': 200 });
  });

  it('lets the client call the service through the gateway once the provider approves its access request', async () => {
    const backend = await startBackend();
    try {
      const service = `GOV/A/app/${w.fresh('req-svc')}`;
      const client = `GOV/B/${w.fresh('req-client')}`;
      await w.admin('POST', '/services', { id: service, url: backend.url });
      await w.admin('POST', '/subsystems', { id: client });
      const key = (await w.admin('POST', '/keys', { subsystem: client })).key as string;
      const inst = w.cp.platform.instance;
      const callIt = async () => {
        await w.cp.platform.snapshots.poll();
        const r = await fetch(`${w.cp.gatewayUrl}/r1/${inst}/${service}/records/1`, { headers: { 'x-road-client': `${inst}/${client}`, 'x-api-key': key } });
        const body = await r.json() as { code?: string; url?: string };
        return { status: r.status, code: body.code ?? null, url: body.url ?? null };
      };
      // X-Road answers access denied with 500 Server.ServerProxy.AccessDenied (PR-REST 4.6).
      expect(await callIt()).toMatchObject({ status: 500, code: 'ACCESS_DENIED' });
      const req = await raw(w, 'POST', '/access-requests', { bearer: w.bearer.agencyB!, body: { service, client, reason: 'tra cứu hồ sơ' } });
      expect(req.status).toBe(201);
      const approved = await raw(w, 'POST', `/access-requests/${req.body.id}/approve`, { bearer: w.bearer.agencyA!, body: {} });
      expect([approved.status, approved.body.state]).toEqual([200, 'approved']);
      // The grant the approval made is the one the gateway applies: the call reaches the backend.
      expect(await callIt()).toEqual({ status: 200, code: null, url: '/records/1' });
      expect(backend.seen.map((s) => s.headers['x-road-client'])).toEqual([`${inst}/${client}`]);
    } finally {
      await backend.close();
    }
  });

  // src/accounts/login.ts:47-52 (recordFailure writes `user.failed_logins + 1` from the row read
  // before the slow scrypt check) and :75 (refuseIfLocked on that stale row): parallel guesses
  // all read failed_logins = 0 and all write 1, so the back-off and the ten-failure lock never start.
  // Since issue 12 an attempt is counted before its password is checked (src/accounts/throttle.ts):
  // a burst gets no more checks than the three free failures, and the right password sent last
  // in it is refused unchecked.
  it('checks no more parallel guesses than sequential ones would get in the same time', async () => {
    await w.admin('POST', '/users', { username: 'race-lock', role: 'agency_admin', memberId: 'GOV/A', password: PW });
    const t0 = Date.now();
    const tries = await Promise.all(Array.from({ length: 24 }, (_, i) => login(w, 'race-lock', i === 23 ? PW : 'wrong password 123')));
    const seconds = (Date.now() - t0) / 1000;
    // Any other answer is named with its body, so a failure says which refusal went wrong.
    expect(tries.filter((t) => ![401, 429, 200].includes(t.status)).map((t) => [t.status, t.body])).toEqual([]);
    const u = await w.admin('GET', '/users/race-lock');
    const checked = tries.filter((t) => t.status !== 429).length;
    // Three free tries, then one per back-off window (1 s, 2 s, 4 s …) that the burst lasted.
    const windows = Math.floor(Math.log2(seconds + 1)) + 1;
    expect(checked).toBeLessThanOrEqual(3 + windows);
    expect(u.failedLogins).toBe(tries[23].status === 200 ? 0 : tries.filter((t) => t.status === 401).length);
  });

  // src/accounts/login.ts:97-111 (checkCode compares with totp_last_step as read when the
  // session was looked up, then writes it unconditionally): requests carrying the same code at
  // the same moment all pass the replay check. docs/console.md: "a code is accepted once".
  // Two nodes get the same code at once, and the store's write lock is held until both have
  // read the account and wait at their first write: both saw the step unused, so only the
  // claim itself can refuse one (on SQLite too, whose driver serialises one process's requests).
  it('accepts a TOTP code once, even when it is sent several times at the same moment', async () => {
    const [b, c] = await otherNodes();
    await w.admin('POST', '/users', { username: 'race-totp', role: 'platform_admin', password: PW });
    const first = await login(w, 'race-totp', PW);
    expect(first.body.stage).toBe('totp_enrol');
    const enrol = await raw(w, 'POST', '/auth/totp/enrol', { cookie: first.cookie, csrf: first.csrf });
    expect(enrol.status).toBe(200);
    const secret = enrol.body.secret as string;
    const confirm = await raw(w, 'POST', '/auth/totp/confirm', { cookie: first.cookie, csrf: first.csrf, body: { code: totpNow(secret) } });
    expect(confirm.body.stage).toBe('full');
    // Two logins waiting for the code; the next step's code (inside the ±1 window) sent to both.
    const waiting = [await login(w, 'race-totp', PW), await login(w, 'race-totp', PW)];
    expect(waiting.map((s) => s.body.stage)).toEqual(['totp', 'totp']);
    const code = totpNow(secret, Date.now() + 30_000);
    const hold = await holdWrites(w.cp.platform, ['users', 'user_sessions', 'login_throttle', 'admin_audit']);
    let sent: Promise<Raw>[] = [];
    try {
      sent = [b, c].map((n, i) => raw(w, 'POST', '/auth/totp/verify', { cookie: waiting[i].cookie, csrf: waiting[i].csrf, body: { code }, node: n.adminUrl }));
      await hold.untilWaiting([b.child.pid!, c.child.pid!]);
    } finally {
      await hold.release();
    }
    const answers = await Promise.all(sent);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  // src/accounts/login.ts:70-75: an unknown username always answers 401 "Wrong username or
  // password", an existing one answers 429 from the fourth failure on (and without the scrypt
  // cost): anyone can tell which usernames exist. passwords.ts:30 says there must be no such oracle.
  it('answers wrong passwords for an unknown user exactly like for an existing one', async () => {
    await w.admin('POST', '/users', { username: 'enum-me', role: 'auditor', password: PW });
    // Side by side, so both names meet the same clock (the back-off is a matter of seconds, and
    // a busy machine can stretch one series past a window the other stayed within).
    const existing: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [a, b] = await Promise.all([login(w, 'enum-me', 'not the password 1'), login(w, 'enum-nobody', 'not the password 1')]);
      existing.push(a.status);
      unknown.push(b.status);
    }
    expect(existing).toEqual(unknown);
  });

  // src/accounts/login.ts:80: the disabled check comes after the password check and has its own
  // message, so a disabled account confirms whether a guessed (or leaked) password is right.
  it('does not tell whether the password of a disabled account is right', async () => {
    await w.admin('POST', '/users', { username: 'gone-user', role: 'auditor', password: PW });
    await w.admin('PATCH', '/users/gone-user', { disabled: true });
    const right = await login(w, 'gone-user', PW);
    const wrong = await login(w, 'gone-user', 'not the password 2');
    expect({ status: right.status, detail: right.body.detail }).toEqual({ status: wrong.status, detail: wrong.body.detail });
  });

  // src/accounts/routes.ts:294-296 + src/admin/server.ts:25-34: `secureCookies` is 'auto' and
  // keyed on req.protocol, but the admin server only speaks HTTP, has no trustProxy and no
  // setting reaches AccountsPolicy.secureCookies, so behind the TLS proxy that any HTTPS
  // deployment needs, the session cookie is never Secure (docs/console.md: "Secure over HTTPS").
  it('marks the session cookie Secure when a local TLS proxy forwards an HTTPS login', async () => {
    await w.admin('POST', '/users', { username: 'tls-user', role: 'auditor', password: PW });
    const r = await raw(w, 'POST', '/auth/login', { body: { username: 'tls-user', password: PW }, headers: { 'x-forwarded-proto': 'https' } });
    expect(r.status).toBe(200);
    const session = r.headers.getSetCookie().find((c) => c.startsWith('vamco_session='))!;
    expect(session).toMatch(/;\s*Secure/i);
  });

  // src/access-requests/requests.ts:157-168: approval creates the grant first and closes the
  // request in a separate transaction; a withdrawal that lands in between wins the
  // `state = 'pending'` update, the approver gets 409, and the grant stays: the client has
  // access although the request reads "withdrawn" and nobody approved anything successfully.
  // Approval and withdrawal go to two other nodes, so the two race on SQLite as well.
  it('never leaves a grant behind for a request that ends up withdrawn', async () => {
    const [b, c] = await otherNodes();
    const leaks: unknown[] = [];
    for (let i = 0; i < 16 && leaks.length === 0; i++) {
      const client = `GOV/B/${w.fresh('race')}`;
      await w.admin('POST', '/subsystems', { id: client });
      const req = await raw(w, 'POST', '/access-requests', { bearer: w.bearer.agencyB!, body: { service: 'GOV/A/app/svc', client, reason: 'tra cứu hồ sơ' } });
      expect(req.status).toBe(201);
      const id = req.body.id;
      await Promise.all([
        raw(w, 'POST', `/access-requests/${id}/approve`, { bearer: w.bearer.agencyA!, body: {}, node: b.adminUrl }),
        new Promise((r) => setTimeout(r, i % 8)).then(() => raw(w, 'POST', `/access-requests/${id}/withdraw`, { bearer: w.bearer.agencyB!, node: c.adminUrl })),
      ]);
      const final = await w.admin('GET', `/access-requests/${id}`);
      const rights = await w.admin('GET', `/access-rights?client=${encodeURIComponent(client)}`);
      if (final.state !== 'approved' && rights.items.length > 0) leaks.push({ state: final.state, rights: rights.items });
    }
    expect(leaks).toEqual([]);
  });
});

describe('review: publicadmin admin routes', () => {
  let w: World;
  beforeAll(async () => { w = await createWorld({ env: { VAMCO_PUBLICADMIN: '1' } }); });
  afterAll(async () => { await w?.cp.stop(); });

  // src/platform/publicadmin-admin.ts:17 and :27: the role hook and the trail hook match the raw
  // req.url, but fastify's router decodes percent-escapes, so "/api/v1/%70ublicadmin/..." reaches
  // the same routes with neither hook: an auditor (or agency admin) writes agencies and holiday
  // rules, and the change is not in the admin trail.
  it('refuses publicadmin writes from an auditor whatever the spelling of the path, and trails them', async () => {
    const code = '000.00.77.H91';
    const r = await w.call('auditor', 'POST', '/%70ublicadmin/agencies', { code, name: 'Cơ quan do kiểm toán viên tạo' });
    const trail = await w.admin('GET', '/admin-trail?limit=20');
    const trailed = trail.items.some((e: { target?: string }) => String(e.target ?? '').includes(code));
    expect({ status: r.status, createdUntrailed: r.status < 400 && !trailed }).toEqual({ status: 403, createdUntrailed: false });
  });

  // src/platform/publicadmin-admin.ts:20: same raw-URL match: an agency admin reads the dossier
  // read log (who read whose personal data) via "/publicadmin/%64ossier-reads".
  it('keeps the dossier read log from agency admins whatever the spelling of the path', async () => {
    const plain = await w.call('agencyA', 'GET', '/publicadmin/dossier-reads');
    expect(plain.status).toBe(403);
    const encoded = await w.call('agencyA', 'GET', '/publicadmin/%64ossier-reads');
    expect(encoded.status).toBe(403);
  });

  // src/platform/publicadmin-admin.ts:18-23: only 'GET' counts as a read, so a HEAD on a read
  // route (fastify answers HEAD for every GET route) is authorised as a platform-admin write.
  it('lets an auditor HEAD a read route it may GET', async () => {
    const get = await w.call('auditor', 'GET', '/publicadmin/agencies');
    const head = await w.call('auditor', 'HEAD', '/publicadmin/agencies');
    expect(head.status).toBe(get.status);
  });
});
