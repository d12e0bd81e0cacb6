// Issue 12, finding 6: "no per-address login limit; unauthenticated requests can grow the log
// without limit". A flood of unauthenticated calls from one address, replayed against a
// running platform: past the limit the address is refused unheard (429 ADDRESS_RATE_LIMITED,
// Retry-After) before any key lookup or password hash, the message log stops growing, and a
// real client from another address is served throughout.
import net from 'node:net';
import { Agent, request } from 'undici';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';
import { accountsDb } from '../../src/accounts/schema.js';

const P = 'GOV/000.00.00.A01/provider';
const C = 'GOV/000.00.00.A02/consumer';
const SVC = `${P}/svc`;
const LIMIT = 20;

describe('pre-authentication limit per address', () => {
  let p: TestPlatform;
  let backend: TestBackend;
  let key = '';
  const agents = new Map<string, Agent>();
  // Any 127.x address reaches the loopback listener: each test floods from its own.
  const from = (addr: string) => {
    let a = agents.get(addr);
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
  async function call(base: string, method: string, path: string, addr: string, headers: Record<string, string> = {}, body?: string) {
    const r = await request(base + path, { method: method as 'GET', dispatcher: from(addr), headers, body });
    const text = await r.body.text();
    return { status: r.statusCode, headers: r.headers, body: text ? JSON.parse(text) : null };
  }
  const gw = (addr: string, apiKey: string) => call(p.gatewayUrl, 'GET', `/r1/${p.instance}/${SVC}/x`, addr, { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': apiKey });
  const logCount = async () => {
    await p.messageLog.flush();
    return Number((await p.store.db.selectFrom('message_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  };
  const metric = async (name: string, server: string) => {
    const r = await request(p.adminUrl + '/metrics');
    const m = new RegExp(`^${name}\\{server="${server}"[^}]*\\} (\\d+)`, 'm').exec(await r.body.text());
    return m ? Number(m[1]) : 0;
  };

  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform({ env: { VAMCO_PREAUTH_FAILURES: String(LIMIT), VAMCO_PREAUTH_WINDOW: '60s' } });
    const api = (m: string, u: string, b?: unknown) => p.admin(m, '/api/v1' + u, b);
    for (const code of ['000.00.00.A01', '000.00.00.A02']) expect((await api('POST', '/members', { memberClass: 'GOV', memberCode: code, name: 'Cơ quan thử' })).status).toBe(201);
    expect((await api('POST', '/subsystems', { id: P })).status).toBe(201);
    expect((await api('POST', '/subsystems', { id: C })).status).toBe(201);
    expect((await api('POST', '/services', { id: SVC, url: backend.url })).status).toBe(201);
    expect((await api('POST', '/access-rights', { service: SVC, client: C })).status).toBe(201);
    key = (await api('POST', '/keys', { subsystem: C })).body.key;
    await p.snapshots.poll();
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
    for (const a of agents.values()) await a.close();
  });

  it('gateway: a flood of wrong keys is refused unheard past the limit and stops growing the log; other addresses are served', async () => {
    const flooder = '127.0.0.21';
    expect((await gw(flooder, key)).status).toBe(200); // a right key never counts
    const before = await logCount();
    // X-Road answers a bad credential with 400 Client.InvalidCredentials (PR-REST 1.0.4 §4.6).
    for (let i = 0; i < LIMIT; i++) expect((await gw(flooder, 'wrong-key-' + i)).body.code).toBe('UNAUTHENTICATED');
    expect(await logCount()).toBe(before + LIMIT);
    // 200 more in parallel: every one refused before identify, none logged.
    const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => gw(flooder, 'wrong-again-' + i)));
    expect(new Set(flood.map((r) => r.status))).toEqual(new Set([429]));
    const r = flood[0];
    expect(r.body).toMatchObject({ code: 'ADDRESS_RATE_LIMITED', type: 'Server.ServerProxy.RateLimited' });
    expect(r.headers['x-road-error']).toBe('Server.ServerProxy.RateLimited');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Refused before the key is looked at: the right key from that address waits too.
    expect((await gw(flooder, key)).status).toBe(429);
    // /token on the same gateway: refused before the secret is hashed.
    const tok = await call(p.gatewayUrl, 'POST', '/token', flooder, { 'content-type': 'application/x-www-form-urlencoded' }, `grant_type=client_credentials&client_id=${encodeURIComponent(`${p.instance}/${C}`)}&client_secret=${encodeURIComponent(key)}`);
    expect([tok.status, tok.body.code]).toEqual([429, 'ADDRESS_RATE_LIMITED']);
    expect(await logCount()).toBe(before + LIMIT);
    expect(await metric('vamco_preauth_refused_total', 'gateway')).toBeGreaterThanOrEqual(202);
    expect(await metric('vamco_preauth_blocked_total', 'gateway')).toBe(1);
    // A real client elsewhere is served, and its exchange logged.
    expect((await gw('127.0.0.22', key)).status).toBe(200);
    // Two records: the request's, durable before the provider saw it, and its outcome.
    expect(await logCount()).toBe(before + LIMIT + 2);
  });

  it('gateway: wrong client secrets at /token count too', async () => {
    const addr = '127.0.0.23';
    const body = `grant_type=client_credentials&client_id=${encodeURIComponent(`${p.instance}/${C}`)}&client_secret=nope`;
    for (let i = 0; i < LIMIT; i++) {
      expect((await call(p.gatewayUrl, 'POST', '/token', addr, { 'content-type': 'application/x-www-form-urlencoded' }, body)).status).toBe(401);
    }
    expect((await gw(addr, key)).status).toBe(429);
  });

  it('admin API: wrong tokens and passwords past the limit are refused before any password is hashed', async () => {
    const addr = '127.0.0.31';
    const admin = (path: string, bearer: string) => call(p.adminUrl, 'GET', '/api/v1' + path, addr, { authorization: `Bearer ${bearer}` });
    const login = () => call(p.adminUrl, 'POST', '/api/v1/auth/login', addr, { 'content-type': 'application/json' }, JSON.stringify({ username: 'target', password: 'sai mật khẩu' }));
    const failedLogins = async () => (await accountsDb(p.store.db).selectFrom('users').select('failed_logins').where('username', '=', 'target').executeTakeFirstOrThrow()).failed_logins;
    expect((await p.admin('POST', '/api/v1/users', { username: 'target', role: 'auditor', password: 'Mật khẩu đủ dài 42' })).status).toBe(201);
    for (let i = 0; i < LIMIT - 1; i++) expect((await admin('/members', 'wrong-' + i)).status).toBe(401);
    // The last failure allowed is a wrong password: it is checked and counted on the account.
    expect((await login()).status).toBe(401);
    expect(Number(await failedLogins())).toBe(1);
    const refused = await admin('/members', p.adminToken);
    expect([refused.status, refused.body.code]).toEqual([429, 'ADDRESS_RATE_LIMITED']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Refused before the login ran: the account's counter did not move, no hash was computed.
    const blocked = await login();
    expect([blocked.status, blocked.body.code]).toEqual([429, 'ADDRESS_RATE_LIMITED']);
    expect(Number(await failedLogins())).toBe(1);
    expect(await metric('vamco_preauth_blocked_total', 'admin')).toBe(1);
    // The platform admin from another address is served.
    expect((await call(p.adminUrl, 'GET', '/api/v1/members', '127.0.0.32', { authorization: `Bearer ${p.adminToken}` })).status).toBe(200);
  });
});
