// The admin API as an operator's automation uses it: bearer token, JSON in, problem+json out.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';

describe('admin API', () => {
  let p: TestPlatform;
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform({ env: { VAMCO_HEADERS_TIMEOUT: '1s' } });
  });
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
  });

  // Each test makes the members, services and keys it needs (names of its own), so none relies
  // on what an earlier one left behind: the file passes in any order (--sequence.shuffle).
  let n = 0;
  const ok = async (method: string, url: string, body?: unknown) => {
    const r = await p.admin(method, url, body);
    if (r.status >= 400) throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  /** A provider member with a subsystem (`GOV/{code}/app`), by a code of its own. */
  async function member(): Promise<string> {
    const code = `000.00.00.T${String(++n).padStart(2, '0')}`;
    await ok('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name: `Cơ quan ${code}` });
    await ok('POST', '/api/v1/subsystems', { id: `GOV/${code}/app` });
    return code;
  }
  /** A service on the test backend, a client granted to it and the client's key. */
  async function published(): Promise<{ service: string; client: string; key: string; keyId: number }> {
    const service = `GOV/${await member()}/app/svc`;
    const client = `GOV/${await member()}/app`;
    await ok('POST', '/api/v1/services', { id: service, url: backend.url });
    await ok('POST', '/api/v1/access-rights', { service, client });
    const key = await ok('POST', '/api/v1/keys', { subsystem: client, label: 'test' });
    await p.snapshots.poll();
    return { service, client, key: key.key, keyId: key.id };
  }

  it('stores the admin token with mode 0600 and refuses requests without it', async () => {
    expect(fs.statSync(path.join(p.dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    const none = await fetch(`${p.adminUrl}/api/v1/members`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(((await none.json()) as any).code).toBe('UNAUTHENTICATED');
    expect((await p.admin('GET', '/api/v1/members', undefined, 'vat_wrong')).status).toBe(401);
  });

  it('publishes a service, grants it and issues a key; the gateway serves it', async () => {
    expect((await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' })).status).toBe(201);
    expect((await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H60', name: 'Văn phòng' })).status).toBe(201);
    expect((await p.admin('POST', '/api/v1/subsystems', { id: 'GOV/000.00.00.H59/hotich' })).status).toBe(201);
    expect((await p.admin('POST', '/api/v1/subsystems', { id: 'GOV:000.00.00.H60:motcua' })).status).toBe(201);
    const svc = await p.admin('POST', '/api/v1/services', { id: 'GOV/000.00.00.H59/hotich/khaisinh', url: backend.url, rateLimit: '100/s' });
    expect(svc.status).toBe(201);
    expect(svc.body).toMatchObject({ id: 'GOV/000.00.00.H59/hotich/khaisinh', rateLimit: '100/s', endpoints: [] });
    const grant = await p.admin('POST', '/api/v1/access-rights', { service: 'GOV/000.00.00.H59/hotich/khaisinh', client: 'GOV/000.00.00.H60/motcua' });
    expect(grant.status).toBe(201);
    const key = await p.admin('POST', '/api/v1/keys', { subsystem: 'GOV/000.00.00.H60/motcua', label: 'ci' });
    expect(key.status).toBe(201);
    expect(key.headers.get('cache-control')).toBe('no-store');
    const listed = await p.admin('GET', '/api/v1/keys');
    expect(JSON.stringify(listed.body)).not.toContain(key.body.key);
    await p.snapshots.poll();
    const res = await fetch(`${p.gatewayUrl}/r1/DEV/GOV/000.00.00.H59/hotich/khaisinh/hello`, { headers: { 'x-road-client': 'DEV/GOV/000.00.00.H60/motcua', 'x-api-key': key.body.key } });
    expect(res.status).toBe(200);
    expect((await p.admin('GET', '/api/v1/services/GOV:000.00.00.H59:hotich:khaisinh')).body.id).toBe('GOV/000.00.00.H59/hotich/khaisinh');
    const patched = await p.admin('PATCH', '/api/v1/services/GOV%2F000.00.00.H59%2Fhotich%2Fkhaisinh', { rateLimit: null, timeout: '5s' });
    expect(patched.body).toMatchObject({ rateLimit: null, timeoutMs: 5000 });
    // Revoking the key stops it at the gateway.
    expect((await p.admin('DELETE', `/api/v1/keys/${key.body.id}`)).body.revokedAt).toBeTruthy();
    await p.snapshots.poll();
    const after = await fetch(`${p.gatewayUrl}/r1/DEV/GOV/000.00.00.H59/hotich/khaisinh/hello`, { headers: { 'x-road-client': 'DEV/GOV/000.00.00.H60/motcua', 'x-api-key': key.body.key } });
    expect(after.status).toBe(400); // Client.InvalidCredentials (PR-REST §4.6 category 3)
  });

  it('answers bad input with precise problems', async () => {
    const m = await member();
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/api/v1/members', { memberClass: 'GOV', memberCode: m, name: 'dup' }, 409, 'ALREADY_EXISTS'],
      ['POST', '/api/v1/members', { memberClass: 'GOV', memberCode: 'a/b', name: 'x' }, 400, 'INVALID_IDENTIFIER'],
      ['POST', '/api/v1/members', { memberClass: 'GOV' }, 400, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/subsystems', { id: 'GOV/000.00.00.H99/x' }, 404, 'NOT_FOUND'],
      ['GET', `/api/v1/services/GOV:${m}:app:nosuch`, undefined, 404, 'NOT_FOUND'],
      ['POST', '/api/v1/services', { id: `GOV/${m}/app/x`, url: 'http://127.2:9/' }, 400, 'BACKEND_URL_REFUSED'],
      ['POST', '/api/v1/services', { id: `GOV/${m}/app/x`, url: 'http://0x7f000002/' }, 400, 'BACKEND_URL_REFUSED'],
      ['POST', '/api/v1/services', { id: `GOV/${m}/app/x`, url: `http://127.0.0.1:${new URL(p.gatewayUrl).port}/` }, 400, 'BACKEND_URL_REFUSED'],
      ['POST', '/api/v1/services', { id: `GOV/${m}/app/x`, url: 'http://169.254.169.254/' }, 400, 'BACKEND_URL_REFUSED'],
      ['POST', '/api/v1/services', { id: `GOV/${m}/app/x`, url: 'file:///etc/passwd' }, 400, 'BACKEND_URL_REFUSED'],
      ['POST', '/api/v1/services', { id: `GOV/${m}/app/x`, url: 'http://10.0.0.1', openapi: { swagger: '2.0' } }, 400, 'VALIDATION_FAILED'],
      ['POST', '/api/v1/services', { id: `GOV/${m}/app/x`, url: 'http://10.0.0.1', timeout: 'soon' }, 400, 'VALIDATION_FAILED'],
      ['DELETE', '/api/v1/keys/abc', undefined, 400, 'VALIDATION_FAILED'],
      ['GET', '/api/v1/nothing-here', undefined, 404, 'NOT_FOUND'],
    ];
    for (const [method, url, body, status, code] of cases) {
      const r = await p.admin(method, url, body);
      expect([method, url, r.status, r.body?.code]).toEqual([method, url, status, code]);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    const bad = await fetch(`${p.adminUrl}/api/v1/members`, { method: 'POST', headers: { authorization: `Bearer ${p.adminToken}`, 'content-type': 'application/json' }, body: '{"memberClass":' });
    expect([bad.status, ((await bad.json()) as any).code]).toEqual([400, 'BAD_REQUEST']);
    const huge = await fetch(`${p.adminUrl}/api/v1/members`, { method: 'POST', headers: { authorization: `Bearer ${p.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(6 * 1024 * 1024) }) });
    expect([huge.status, ((await huge.json()) as any).code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('records every change in the admin trail with the actor', async () => {
    const { service, keyId } = await published();
    await ok('PATCH', `/api/v1/services/${encodeURIComponent(service)}`, { timeout: '5s' });
    await ok('DELETE', `/api/v1/keys/${keyId}`);
    const trail = await p.admin('GET', '/api/v1/admin-trail?limit=100');
    const actions = trail.body.items.map((i: { action: string; actor: string }) => `${i.actor} ${i.action}`);
    expect(actions).toEqual(expect.arrayContaining(['admin-token member.add', 'admin-token service.add', 'admin-token access.grant', 'admin-token key.create', 'admin-token key.revoke', 'admin-token service.update']));
    expect(JSON.stringify(trail.body)).not.toMatch(/vmk_[A-Za-z0-9_-]{43}/);
    const v = await p.admin('POST', '/api/v1/audit/verify');
    expect(v.body).toMatchObject({ ok: true });
    expect(v.body.adminRecords).toBeGreaterThanOrEqual(8);
  });

  it('searches the message log', async () => {
    const { service, client, key } = await published();
    const res = await fetch(`${p.gatewayUrl}/r1/DEV/${service}/hello`, { headers: { 'x-road-client': `DEV/${client}`, 'x-api-key': key } });
    expect(res.status).toBe(200);
    await p.messageLog.flush();
    const r = await p.admin('GET', `/api/v1/messages?service=DEV/${service}&status=2xx`);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBe(1);
    expect(r.body.items[0]).toMatchObject({ client: `DEV/${client}`, status: 200, method: 'GET' });
    const d = await p.admin('GET', `/api/v1/messages/${r.body.items[0].nodeId}/${r.body.items[0].seq}`);
    expect(d.body.hash).toBe(r.body.items[0].hash);
  });

  it('serves its OpenAPI description', async () => {
    const doc = await (await fetch(`${p.adminUrl}/api/v1/openapi.json`)).json() as any;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/services', '/api/v1/access-rights', '/api/v1/keys', '/api/v1/messages']));
  });

  it('drops slow clients that never finish their headers (both ports)', async () => {
    for (const base of [p.gatewayUrl, p.adminUrl]) {
      const u = new URL(base);
      // Closed by the server well before Node's own 60 s headers timeout would: VAMCO_HEADERS_TIMEOUT
      // (1 s here) applies. A generous deadline, not a measurement.
      const out = await new Promise<string>((resolve) => {
        const s = net.connect(Number(u.port), u.hostname, () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '));
        let data = '';
        s.on('data', (c) => { data += c; });
        s.on('close', () => resolve(data));
        setTimeout(() => { s.destroy(); resolve('still open'); }, 30_000);
      });
      expect(out).not.toBe('still open');
    }
  });
});
