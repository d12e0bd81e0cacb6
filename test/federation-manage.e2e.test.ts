// Managing a federation from either side (issue 17): two real platforms, A and B, peered through
// the real CLI, on SQLite and on PostgreSQL. B withdraws and gives back trust in A with
// `vamco peer withdraw|trust`; B's admin API lists the rights its providers gave A's clients
// (typed foreign) with the local ones and revokes them, audited; A's catalogue shows B's
// services, marked foreign with B's instance, from B's signed directory, never a backend address.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { peerWith } from './helpers/federation.js';
import { tempDir, testEngines } from '../src/store/testing.js';
import { until } from './helpers/wait.js';

const PROV = 'GOV/000.00.00.B01/hotich';
const OWN = 'GOV/000.00.00.B01/noibo';
const APP = 'GOV/000.00.00.A01/motcua';
// In B's OpenAPI description: A's catalogue may show the path, never this host.
const DOC_HOST = 'hotich-noibo.tinh-b.gov.vn';

describe.each(testEngines())('federation managed from either side (%s)', (engine) => {
  let a: TestPlatform;
  let b: TestPlatform;
  let backend: TestBackend;
  let key: string;
  const dir = tempDir();
  const apiB = (m: string, u: string, body?: unknown) => b.admin(m, '/api/v1' + u, body);

  beforeAll(async () => {
    backend = await startBackend();
    [a, b] = await Promise.all([
      startTestPlatform({ engine, env: { VAMCO_INSTANCE: 'VN-A', VAMCO_DEFAULT_TIMEOUT: '20s', VAMCO_DIRECTORY_FETCH_INTERVAL: '300ms' } }),
      startTestPlatform({ engine, env: { VAMCO_INSTANCE: 'VN-B', VAMCO_DIRECTORY_PUBLISH: '1' } }),
    ]);
    await Promise.all([peerWith(a, b, dir), peerWith(b, a, dir)]);
    expect((await apiB('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.B01', name: 'Sở Tư pháp tỉnh B' })).status).toBe(201);
    for (const s of [PROV, OWN]) expect((await apiB('POST', '/subsystems', { id: s, name: s === PROV ? 'Hộ tịch tỉnh B' : undefined })).status).toBe(201);
    const openapi = { openapi: '3.0.3', info: { title: 'Tra cứu hộ tịch', version: '1', description: 'Tra cứu hồ sơ hộ tịch của tỉnh B.' }, servers: [{ url: `https://${DOC_HOST}:9443/v1` }], paths: { '/open': { get: {} }, '/secret': { get: {} } } };
    expect((await apiB('POST', '/services', { id: `${PROV}/records`, url: `${backend.url}/records`, openapi })).status).toBe(201);
    expect((await apiB('POST', '/services', { id: `${PROV}/births`, url: `${backend.url}/births` })).status).toBe(201);
    const apiA = (m: string, u: string, body?: unknown) => a.admin(m, '/api/v1' + u, body);
    expect((await apiA('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.A01', name: 'Tỉnh A' })).status).toBe(201);
    expect((await apiA('POST', '/subsystems', { id: APP })).status).toBe(201);
    key = (await apiA('POST', '/keys', { subsystem: APP })).body.key;
    for (const s of ['records', 'births']) await a.cli(['outbound', 'allow', `VN-B/${PROV}/${s}`, APP]);
    await Promise.all([a.snapshots.poll(), b.snapshots.poll()]);
  }, 400_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await backend?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (service: string, sub = 'open') => {
    const res = await request(`${a.gatewayUrl}/r1/VN-B/${PROV}/${service}/${sub}`, {
      headers: { 'x-road-client': `VN-A/${APP}`, 'x-api-key': key, 'x-road-id': `msg-${crypto.randomUUID()}` },
    });
    const text = await res.body.text();
    return { status: res.statusCode, error: res.headers['x-road-error'], text };
  };
  const trail = async (p: TestPlatform, q: string) => (await p.admin('GET', `/api/v1/admin-trail?q=${encodeURIComponent(q)}`)).body.items as Array<{ action: string; actor: string; target: string }>;

  it('B\'s admin API lists the rights its providers gave A\'s clients, typed foreign, and revokes them by id, audited', async () => {
    // B grants A's client the whole of "records" and one endpoint of "births"; a local client one right too.
    const whole = await apiB('POST', '/access-rights', { service: `${PROV}/records`, client: `VN-A/${APP}` });
    expect(whole.status, JSON.stringify(whole.body)).toBe(201);
    expect(whole.body).toMatchObject({ kind: 'foreign', instance: 'VN-A', clientId: `VN-A/${APP}`, endpoint: null });
    expect((await apiB('POST', `/services/${PROV.replace(/\//g, ':')}:births/endpoints`, { method: 'GET', path: '/open' })).status).toBe(201);
    const one = await apiB('POST', '/access-rights', { service: `${PROV}/births`, client: `VN-A/${APP}`, endpoint: { method: 'GET', path: '/open' } });
    expect(one.status, JSON.stringify(one.body)).toBe(201);
    const local = await apiB('POST', '/access-rights', { service: `${PROV}/records`, client: OWN });
    expect(local.body).toMatchObject({ kind: 'local', clientId: OWN });
    await b.snapshots.poll();
    expect((await call('records')).status).toBe(200);
    expect((await call('births')).status).toBe(200);

    // The listing holds both kinds, each typed; a foreign right names its instance.
    const all = await apiB('GET', '/access-rights');
    expect(all.status).toBe(200);
    const shape = (r: { kind: string; id: number; serviceId: string; clientId: string; endpoint: { method: string; path: string } | null; instance?: string }) =>
      `${r.kind} ${r.instance ?? '-'} ${r.serviceId}${r.endpoint ? ` ${r.endpoint.method} ${r.endpoint.path}` : ''} <- ${r.clientId}`;
    expect(all.body.items.map(shape).sort()).toEqual([
      `foreign VN-A ${PROV}/births GET /open <- VN-A/${APP}`,
      `foreign VN-A ${PROV}/records <- VN-A/${APP}`,
      `local - ${PROV}/records <- ${OWN}`,
    ]);
    expect(all.body.total).toBe(3);
    // Filtered by the foreign client (written with its instance), and by service.
    expect((await apiB('GET', `/access-rights?client=${encodeURIComponent(`VN-A/${APP}`)}`)).body.items.map(shape).sort()).toEqual([
      `foreign VN-A ${PROV}/births GET /open <- VN-A/${APP}`, `foreign VN-A ${PROV}/records <- VN-A/${APP}`,
    ]);
    expect((await apiB('GET', `/access-rights?client=${OWN.replace(/\//g, ':')}`)).body.items.map(shape)).toEqual([`local - ${PROV}/records <- ${OWN}`]);
    expect((await apiB('GET', `/access-rights?service=${PROV.replace(/\//g, ':')}:births`)).body.items.map(shape)).toEqual([`foreign VN-A ${PROV}/births GET /open <- VN-A/${APP}`]);
    // Both filters: the service is read as the local list reads it (padded, or malformed and refused).
    expect((await apiB('GET', `/access-rights?client=${encodeURIComponent(`VN-A/${APP}`)}&service=${encodeURIComponent(` ${PROV}/births `)}`)).body.items.map(shape)).toEqual([`foreign VN-A ${PROV}/births GET /open <- VN-A/${APP}`]);
    const malformed = await apiB('GET', `/access-rights?client=${encodeURIComponent(`VN-A/${APP}`)}&service=${encodeURIComponent(`${PROV}`)}`);
    expect([malformed.status, malformed.body.code]).toEqual([400, 'INVALID_IDENTIFIER']);

    // Revoked by its id: gone from the listing, in the admin trail, and B refuses A's client from its next snapshot.
    const r = await apiB('DELETE', `/access-rights/foreign/${one.body.id}`);
    expect(r.status, JSON.stringify(r.body)).toBe(204);
    expect((await apiB('GET', '/access-rights')).body.items.map(shape).sort()).toEqual([
      `foreign VN-A ${PROV}/records <- VN-A/${APP}`, `local - ${PROV}/records <- ${OWN}`,
    ]);
    expect((await trail(b, 'births')).map((t) => `${t.action} ${t.target}`)).toContain(`access.revoke ${PROV}/births GET /open -> VN-A/${APP}`);
    const refused = await until('B to refuse the revoked right', async () => { const x = await call('births'); return x.status !== 200 ? x : undefined; });
    expect([refused.status, refused.error]).toEqual([500, 'Server.ServerProxy.AccessDenied']);
    expect((await call('records')).status).toBe(200);

    // An unknown foreign right: problem+json with a stable code; ids are not shared with local rights.
    const again = await apiB('DELETE', `/access-rights/foreign/${one.body.id}`);
    expect([again.status, again.body.code]).toEqual([404, 'NOT_FOUND']);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body.detail).toContain(`Foreign access right ${one.body.id}`);
    const bad = await apiB('DELETE', '/access-rights/foreign/abc');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    // A local right's id names no foreign right: the foreign revoke never deletes a local right.
    // Both kinds number from 1, so the local right may share the live foreign right's id: then a
    // second local right gives an id that is only a local one, and the check always runs.
    const localId: number = local.body.id !== whole.body.id ? local.body.id
      : (await apiB('POST', '/access-rights', { service: `${PROV}/births`, client: OWN })).body.id;
    expect(localId).not.toBe(whole.body.id);
    expect((await apiB('DELETE', `/access-rights/foreign/${localId}`)).status).toBe(404);
    expect((await apiB('GET', `/access-rights?client=${OWN.replace(/\//g, ':')}`)).body.items.map((x: { id: number }) => x.id)).toEqual(expect.arrayContaining([local.body.id, localId]));
  });

  it('A\'s catalogue shows B\'s services marked foreign with B\'s instance, from B\'s directory, without backend addresses', async () => {
    const listed = await until('B\'s services in A\'s catalogue', async () => {
      const r = await a.admin('GET', '/api/v1/foreign-services');
      expect(r.status).toBe(200);
      return r.body.items.length >= 2 ? r.body : undefined;
    });
    expect(listed.items.map((s: { id: string }) => s.id).sort()).toEqual([`VN-B/${PROV}/births`, `VN-B/${PROV}/records`]);
    expect(listed.items.find((s: { id: string }) => s.id === `VN-B/${PROV}/records`)).toEqual({
      kind: 'foreign', instance: 'VN-B', id: `VN-B/${PROV}/records`, memberId: 'VN-B/GOV/000.00.00.B01', memberName: 'Sở Tư pháp tỉnh B',
      subsystemId: `VN-B/${PROV}`, subsystemName: 'Hộ tịch tỉnh B', serviceCode: 'records', type: 'OPENAPI', title: 'Tra cứu hộ tịch', description: 'Tra cứu hồ sơ hộ tịch của tỉnh B.',
      endpoints: [{ method: 'GET', path: '/open' }, { method: 'GET', path: '/secret' }], generatedAt: expect.any(String),
    });
    const text = JSON.stringify(listed);
    expect(text).not.toContain(backend.url.replace(/^http:\/\//, ''));
    expect(text).not.toContain(DOC_HOST);
    // The local catalogue is unchanged: B's services are no local service of A.
    expect((await a.admin('GET', '/api/v1/services')).body.items).toEqual([]);
  });

  it('`vamco peer withdraw` at B refuses A\'s calls from B\'s next snapshot; `vamco peer trust` gives it back; both audited, unknown peers named', async () => {
    expect((await call('records')).status).toBe(200);
    const w = await b.cli(['peer', 'withdraw', 'VN-A']);
    expect(w.stdout).toMatch(/^withdrawn\tVN-A\tsince \d{4}-\d\d-\d\dT/);
    const refused = await until('B to refuse A', async () => { const x = await call('records'); return x.status !== 200 ? x : undefined; });
    expect([refused.status, refused.error]).toEqual([400, 'Client.InvalidCredentials']);
    // Kept, shown as withdrawn (by the CLI and the API), and in the admin trail as the CLI's act.
    expect((await b.cli(['peer', 'list'])).stdout).toMatch(/^VN-A\t.*\twithdrawn since \d{4}-/m);
    expect((await apiB('GET', '/peers')).body.items.find((p: { instance: string }) => p.instance === 'VN-A')).toMatchObject({ trusted: false });
    expect((await trail(b, 'VN-A')).find((t) => t.action === 'peer.withdraw')?.actor).toMatch(/^cli:/);
    // Withdrawing again changes nothing and says so the same way.
    expect((await b.cli(['peer', 'withdraw', 'VN-A'])).stdout).toMatch(/^withdrawn\tVN-A/);

    const t = await b.cli(['peer', 'trust', 'VN-A']);
    expect(t.stdout).toBe('trusted\tVN-A\n');
    await until('B to take A\'s calls again', async () => ((await call('records')).status === 200 ? true : undefined));
    expect((await b.cli(['peer', 'list'])).stdout).toMatch(/^VN-A\t.*\ttrusted$/m);
    expect((await trail(b, 'VN-A')).map((x) => x.action)).toEqual(expect.arrayContaining(['peer.withdraw', 'peer.trust']));

    // Not a peer: a clear refusal, non-zero exit, nothing changed.
    const unknown = await b.cli(['peer', 'withdraw', 'VN-Q'], { allowFail: true });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: VN-Q is not a peer of this platform (NOT_FOUND)\n');
    // The help names both commands and what they do.
    const help = await b.cli(['peer', '--help']);
    expect(help.stdout).toMatch(/withdraw <instance>\s+withdraw trust in a peer/);
    expect(help.stdout).toMatch(/trust <instance>\s+give back trust/);
  });

  it('a peer whose trust A withdrew leaves A\'s catalogue', async () => {
    await a.cli(['peer', 'withdraw', 'VN-B']);
    expect((await a.admin('GET', '/api/v1/foreign-services')).body.items).toEqual([]);
    await a.cli(['peer', 'trust', 'VN-B']);
    await until('B\'s services back in A\'s catalogue', async () => ((await a.admin('GET', '/api/v1/foreign-services')).body.items.length === 2 ? true : undefined));
  });
});
