// A national API republished to the province's agencies (issue 16): the province's gateway is
// an OAuth2 client of a WSO2-style national gateway (reference: national-platforms.md, "How
// calls through NDXP and most provincial LGSPs look"), the stand-in a real HTTP server on port 0.
// Rules checked: RFC 6749 4.4 (client credentials grant; the stand-in only issues a token for
// grant_type=client_credentials with the key and secret as HTTP Basic, 2.3.1), RFC 6750 2.1
// (Bearer in Authorization) and 3.1 (a refused token answers 401: one new token, one retry).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startWso2, type Wso2StandIn } from './helpers/wso2.js';
import { testEngines } from '../src/store/testing.js';
import { searchMessages } from '../src/audit/index.js';
import { tokenId } from '../src/backend-auth/index.js';

const OP = 'GOV/000.00.00.H80/lgsp'; // the province's own member and its republishing subsystem
const A1 = 'GOV/000.00.00.H81/motcua';
const A2 = 'GOV/000.00.00.H82/thue';
const DKDN = `${OP}/dkdn`;
const SECRET = 'national-secret-2026';

const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.each(testEngines())('a national OAuth2 service republished through the province (%s)', (engine) => {
  let p: TestPlatform;
  let ws: Wso2StandIn;
  let shortLived: Wso2StandIn;
  const keys: Record<string, string> = {};

  const call = (client: string, svc: string, rest: string, o: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
    request(`${p.gatewayUrl}/r1/${p.instance}/${svc}/${rest}`, {
      method: (o.method ?? 'GET') as 'GET',
      headers: { 'x-road-client': `${p.instance}/${client}`, 'x-api-key': keys[client], ...(o.body ? { 'content-type': 'application/json' } : {}), ...o.headers },
      body: o.body,
    });
  const record = async (messageId: string) => {
    await p.messageLog.flush(); // records reach the store from the node's journal
    const r = await searchMessages(p.store, { messageId });
    expect(r.items).toHaveLength(1);
    return r.items[0];
  };

  beforeAll(async () => {
    ws = await startWso2();
    shortLived = await startWso2({ expiresIn: 2 });
    p = await startTestPlatform({ engine });
    for (const [code, name] of [['000.00.00.H80', 'UBND tỉnh (LGSP)'], ['000.00.00.H81', 'Văn phòng UBND tỉnh'], ['000.00.00.H82', 'Cục Thuế']]) {
      await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name });
    }
    for (const s of [OP, A1, A2]) expect((await p.admin('POST', '/api/v1/subsystems', { id: s })).status).toBe(201);
    // The operator registers the republished service with the CLI; the secret comes from a file.
    const secretFile = path.join(p.dataDir, 'ndxp-secret.txt');
    fs.writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    await p.cli(['service', 'add', DKDN, '--url', `${ws.url}/apiCSDLDKDN/1.0`,
      '--backend-auth', 'oauth2', '--token-url', `${ws.url}/token`, '--client-id', 'vamco-province-key', '--client-secret-file', secretFile]);
    fs.rmSync(secretFile);
    for (const a of [A1, A2]) {
      expect((await p.admin('POST', '/api/v1/access-rights', { service: DKDN, client: a })).status).toBe(201);
      keys[a] = (await p.admin('POST', '/api/v1/keys', { subsystem: a })).body.key;
    }
    await p.snapshots.poll();
  });
  afterAll(async () => {
    await p?.stop();
    await ws?.close();
    await shortLived?.close();
  });

  it('50 calls from two agencies: one token issued, each call a Bearer call, the agencies\' credentials never sent upstream', async () => {
    expect(keys[A1]).toMatch(/^vmk_/);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      call(i % 2 ? A1 : A2, DKDN, 'doanhnghiep/0312345678', { headers: { authorization: 'Bearer agency-own-token' } })
        .then(async (r) => ({ status: r.statusCode, body: await r.body.json() as Record<string, unknown>, id: r.headers['x-road-id'] as string }))));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    // Codes with leading zeros arrive as the national API sent them.
    expect(answers[0].body).toEqual({ maSoDoanhNghiep: '0312345678', tenDoanhNghiep: 'Công ty TNHH Một thành viên', tinhTrang: '01' });
    expect(ws.tokenRequests).toEqual([{ auth: 'basic', ok: true, scope: null, clientId: 'vamco-province-key' }]);
    expect(ws.issued).toHaveLength(1);
    const token = ws.issued[0].token;
    expect(ws.calls).toHaveLength(50);
    for (const c of ws.calls) {
      expect(c.headers.authorization).toBe(`Bearer ${token}`);
      expect(c.headers['x-api-key']).toBeUndefined();
      expect(c.path).toBe('/apiCSDLDKDN/1.0/doanhnghiep/0312345678');
    }
    // The record holds the upstream leg with the token's id, never the token.
    const rec = await record(answers[7].id);
    expect(rec.upstream).toMatchObject({ scheme: 'oauth2', status: 200, attempts: 1, tokenId: tokenId(token) });
    expect(JSON.stringify(rec)).not.toContain(token);
  });

  it('a token the upstream refuses (401) is replaced once and the call retried once, with its body', async () => {
    ws.revokeAll();
    const before = { issued: ws.issued.length, calls: ws.calls.length };
    const body = JSON.stringify({ maSoThue: '0100109106', ghiChu: 'tra cứu' });
    const r = await call(A1, DKDN, 'tracuu', { method: 'POST', body });
    const answer = await r.body.json() as { size: number; path: string };
    expect(r.statusCode).toBe(200);
    // The stand-in counts the characters it received: the whole body, the second time too.
    expect(answer).toMatchObject({ path: '/apiCSDLDKDN/1.0/tracuu', size: body.length });
    expect(ws.issued).toHaveLength(before.issued + 1);
    const calls = ws.calls.slice(before.calls);
    expect(calls.map((c) => [c.status, c.token])).toEqual([[401, ws.issued[before.issued - 1].token], [200, ws.issued[before.issued].token]]);
    const rec = await record(r.headers['x-road-id'] as string);
    expect(rec.upstream).toMatchObject({ scheme: 'oauth2', status: 200, attempts: 2, tokenId: tokenId(ws.issued[before.issued].token) });
    // The next call uses the new token at once.
    expect((await call(A2, DKDN, 'doanhnghiep/1')).statusCode).toBe(200);
    expect(ws.issued).toHaveLength(before.issued + 1);
  });

  it('an upstream that keeps refusing after the retry: its 401 is relayed, no third attempt', async () => {
    const svc = `${OP}/refusing`;
    // Registered through the admin API this time; the token endpoint issues tokens the API never accepts.
    const refusing = await startWso2();
    try {
      const api = await startWso2({ consumerKey: 'other' }); // its /token is never used: every Bearer call answers 401
      try {
        expect((await p.admin('POST', '/api/v1/services', { id: svc, url: `${api.url}/dmdc/1.0`, backendAuth: { scheme: 'oauth2', tokenUrl: `${refusing.url}/token`, clientId: 'vamco-province-key', clientSecret: SECRET } })).status).toBe(201);
        await p.admin('POST', '/api/v1/access-rights', { service: svc, client: A1 });
        await p.snapshots.poll();
        const r = await call(A1, svc, 'danhmuc/dantoc');
        expect(r.statusCode).toBe(401);
        expect(await r.body.json()).toMatchObject({ fault: { code: 900901 } });
        expect(api.calls).toHaveLength(2);
        expect(refusing.issued).toHaveLength(2);
        expect((await record(r.headers['x-road-id'] as string)).upstream).toMatchObject({ status: 401, attempts: 2 });
      } finally { await api.close(); }
    } finally { await refusing.close(); }
  });

  it('after the token expires, one refresh for the calls that follow', async () => {
    const svc = `${OP}/dmdc`;
    expect((await p.admin('POST', '/api/v1/services', { id: svc, url: `${shortLived.url}/dmdc/1.0`, backendAuth: { scheme: 'oauth2', tokenUrl: `${shortLived.url}/token`, clientId: 'vamco-province-key', clientSecret: SECRET } })).status).toBe(201);
    await p.admin('POST', '/api/v1/access-rights', { service: svc, client: A2 });
    await p.snapshots.poll();
    expect((await call(A2, svc, 'danhmuc/tinh')).statusCode).toBe(200);
    expect(shortLived.issued).toHaveLength(1);
    // Wait (by the clock, not a fixed sleep) until the 2-second token has expired.
    await until('the first token to expire', () => Date.now() > shortLived.issued[0].expiresAt + 50);
    const again = await Promise.all(Array.from({ length: 10 }, () => call(A2, svc, 'danhmuc/tinh').then((r) => { void r.body.dump(); return r.statusCode; })));
    expect(again).toEqual(Array(10).fill(200));
    expect(shortLived.issued).toHaveLength(2);
    // No call was sent with the expired token.
    expect(shortLived.calls.every((c) => c.status === 200)).toBe(true);
  });

  it('a wrong upstream secret: a clear 500 fault naming the upstream, recorded; the secret shown nowhere', async () => {
    const svc = `${OP}/wrongsecret`;
    expect((await p.admin('POST', '/api/v1/services', { id: svc, url: `${ws.url}/apiCSDLDKDN/1.0`, backendAuth: { scheme: 'oauth2', tokenUrl: `${ws.url}/token`, clientId: 'vamco-province-key', clientSecret: 'not-the-secret-x7' } })).status).toBe(201);
    await p.admin('POST', '/api/v1/access-rights', { service: svc, client: A1 });
    await p.snapshots.poll();
    const calls = ws.calls.length;
    const r = await call(A1, svc, 'doanhnghiep/1');
    const body = await r.body.json() as Record<string, string>;
    expect(r.statusCode).toBe(500);
    expect(r.headers['x-road-error']).toBe('Server.ServerProxy.UpstreamAuthentication');
    expect(body.code).toBe('UPSTREAM_AUTH_FAILED');
    // PR-REST 4.4: {type, message, detail}, type the X-Road-Error fault type.
    expect(body.type).toBe('Server.ServerProxy.UpstreamAuthentication');
    expect(body.message).toContain(`${ws.url}/token`);
    expect(body.message).toContain('invalid_client');
    expect(JSON.stringify(body)).not.toContain('not-the-secret');
    expect(ws.calls.length).toBe(calls); // the API itself was never called
    const rec = await record(r.headers['x-road-id'] as string);
    expect(rec).toMatchObject({ status: 500, errorCode: 'UPSTREAM_AUTH_FAILED', upstream: { scheme: 'oauth2', status: 0, attempts: 0, tokenId: null } });

    // The admin API and the CLI show the credential without its secret; the database holds it sealed.
    const view = await p.admin('GET', `/api/v1/services/${encodeURIComponent(svc)}`);
    expect(view.body.backendAuth).toEqual({ scheme: 'oauth2', tokenUrl: `${ws.url}/token`, clientId: 'vamco-province-key', scope: null, clientAuth: 'basic', secretSet: true, budget: null });
    const shown = (await p.cli(['service', 'show', DKDN])).stdout;
    expect(JSON.parse(shown).backendAuth).toMatchObject({ scheme: 'oauth2', secretSet: true });
    const rows = await p.store.db.selectFrom('services').select('backend_auth').execute();
    const trail = await p.admin('GET', '/api/v1/admin-trail?limit=1000');
    for (const text of [shown, JSON.stringify(view.body), JSON.stringify(rows), JSON.stringify(trail.body)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('not-the-secret');
    }

    // Fixing the secret (an update that names the scheme again) makes the next call work.
    expect((await p.admin('PATCH', `/api/v1/services/${encodeURIComponent(svc)}`, { backendAuth: { scheme: 'oauth2', tokenUrl: `${ws.url}/token`, clientId: 'vamco-province-key', clientSecret: SECRET } })).status).toBe(200);
    await p.snapshots.poll();
    expect((await call(A1, svc, 'doanhnghiep/1')).statusCode).toBe(200);
    // Changing only the scope keeps the stored secret.
    expect((await p.admin('PATCH', `/api/v1/services/${encodeURIComponent(svc)}`, { backendAuth: { scheme: 'oauth2', tokenUrl: `${ws.url}/token`, clientId: 'vamco-province-key', scope: 'csdl_dkdn' } })).status).toBe(200);
    await p.snapshots.poll();
    expect((await call(A1, svc, 'doanhnghiep/1')).statusCode).toBe(200);
    expect(ws.tokenRequests.at(-1)).toMatchObject({ ok: true, scope: 'csdl_dkdn' });
  });

  it('the shared upstream budget holds across agencies and services: the 4th call of a 3/h budget is refused, upstream never called', async () => {
    // Two national APIs under one credential (same key, token URL and scope): one budget.
    const cred = { scheme: 'oauth2', tokenUrl: `${ws.url}/token`, clientId: 'vamco-province-key', clientSecret: SECRET, scope: 'quota', budget: '3/h' };
    for (const s of ['quota1', 'quota2']) {
      expect((await p.admin('POST', '/api/v1/services', { id: `${OP}/${s}`, url: `${ws.url}/${s}/1.0`, backendAuth: cred })).status).toBe(201);
      for (const a of [A1, A2]) await p.admin('POST', '/api/v1/access-rights', { service: `${OP}/${s}`, client: a });
    }
    await p.snapshots.poll();
    const calls = ws.calls.length;
    const statuses = [];
    for (const [a, s] of [[A1, 'quota1'], [A2, 'quota2'], [A2, 'quota1']]) {
      const r = await call(a, `${OP}/${s}`, 'x');
      await r.body.dump();
      statuses.push(r.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await call(A1, `${OP}/quota2`, 'x');
    const body = await refused.body.json() as Record<string, unknown>;
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['x-road-error']).toBe('Server.ServerProxy.RateLimited');
    expect(body).toMatchObject({ type: 'Server.ServerProxy.RateLimited', code: 'UPSTREAM_BUDGET_EXHAUSTED', message: expect.stringContaining('3/h') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(ws.calls.length).toBe(calls + 3);
    const rec = await record(refused.headers['x-road-id'] as string);
    expect(rec).toMatchObject({ status: 429, errorCode: 'UPSTREAM_BUDGET_EXHAUSTED' });
  });

  it('refuses a backend credential with the field named (problem+json, stable code)', async () => {
    const bad = await p.admin('POST', '/api/v1/services', { id: `${OP}/bad`, url: `${ws.url}/x`, backendAuth: { scheme: 'oauth2', tokenUrl: `${ws.url}/token`, clientId: 'k' } });
    expect([bad.status, bad.body.code, bad.body.detail]).toEqual([400, 'VALIDATION_FAILED', 'clientSecret is required']);
    const cli = await p.cli(['service', 'add', `${OP}/bad`, '--url', `${ws.url}/x`, '--backend-auth', 'oauth2', '--token-url', `${ws.url}/token`, '--client-id', 'k', '--client-secret-file', '/nonexistent/file'], { allowFail: true });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('Cannot read /nonexistent/file');
  });
});
