// Federation of three instances (issue 17, "Done when"): province A, province B and the national
// platform N, real platforms each with its own data dir and CA, peered through the real CLI. A
// client of A calls services of B and N through A's gateway; A forwards as platform A (its
// certificate from A's CA), the peer authenticates the instance by that certificate and applies
// its own access rights, answers with its signed receipt, which A checks and keeps. Refusals: no
// outbound rule at A, no grant at B, trust withdrawn, B down. A lists B's and N's clients from
// their signed directories, fetched over mutual TLS, and still lists B's while B is down.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { tempDir } from '../src/store/testing.js';
import { findReceipts, verifyReceipt } from '../src/federation/index.js';
import { until } from './helpers/wait.js';

const PROV = 'GOV/000.00.00.B01/hotich';
const APP = 'GOV/000.00.00.A01/motcua';
const NAT = 'GOV/000.00.00.N01/dancu';


describe('three instances exchanging over mutual TLS', () => {
  let a: TestPlatform;
  let b: TestPlatform;
  let n: TestPlatform;
  let backend: TestBackend;
  let key: string;
  const dir = tempDir();

  /** `x` trusts `y`: y's CA as `vamco ca export` prints it there, y's HTTPS gateway URL. */
  async function peer(x: TestPlatform, y: TestPlatform): Promise<void> {
    const caFile = path.join(dir, `${y.instance}-ca.pem`);
    fs.writeFileSync(caFile, (await y.cli(['ca', 'export'])).stdout);
    // The key y's directory is signed with (its node key's public part, as `openssl pkey -pubout` prints it).
    const keyFile = path.join(dir, `${y.instance}-node.pub`);
    fs.writeFileSync(keyFile, y.nodeKey.publicKeyPem);
    const r = await x.cli(['peer', 'add', y.instance, '--url', y.gatewayTlsUrl!, '--ca', caFile, '--directory-key', keyFile]);
    expect(r.stdout).toContain(`added\t${y.instance}`);
    // What x presents to y names x's instance and comes from x's CA.
    expect(r.stdout).toMatch(new RegExp(`presents\\t.*CN=${x.instance}`));
  }

  beforeAll(async () => {
    backend = await startBackend();
    [a, b, n] = await Promise.all([
      startTestPlatform({ env: { VAMCO_INSTANCE: 'VN-A', VAMCO_DEFAULT_TIMEOUT: '20s', VAMCO_DIRECTORY_FETCH_INTERVAL: '300ms', VAMCO_DIRECTORY_PUBLISH: '1' } }),
      startTestPlatform({ env: { VAMCO_INSTANCE: 'VN-B', VAMCO_DIRECTORY_PUBLISH: '1' } }),
      startTestPlatform({ env: { VAMCO_INSTANCE: 'VN-N', VAMCO_DIRECTORY_PUBLISH: '1' } }),
    ]);
    expect(a.gatewayTlsUrl && b.gatewayTlsUrl && n.gatewayTlsUrl).toBeTruthy();
    // Each pair trusts the other's CA (the CLI runs are independent: in parallel).
    await Promise.all([peer(a, b), peer(b, a), peer(a, n), peer(n, a), peer(b, n), peer(n, b)]);
    const apiN = (m: string, u: string, body?: unknown) => n.admin(m, '/api/v1' + u, body);
    expect((await apiN('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.N01', name: 'Bộ Công an' })).status).toBe(201);
    expect((await apiN('POST', '/subsystems', { id: NAT })).status).toBe(201);
    expect((await apiN('POST', '/services', { id: `${NAT}/citizens`, url: `${backend.url}/citizens` })).status).toBe(201);
    const apiB = (m: string, u: string, body?: unknown) => b.admin(m, '/api/v1' + u, body);
    expect((await apiB('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.B01', name: 'Tỉnh B' })).status).toBe(201);
    expect((await apiB('POST', '/subsystems', { id: PROV })).status).toBe(201);
    for (const s of ['records', 'closed']) expect((await apiB('POST', '/services', { id: `${PROV}/${s}`, url: `${backend.url}/${s}` })).status).toBe(201);
    const apiA = (m: string, u: string, body?: unknown) => a.admin(m, '/api/v1' + u, body);
    expect((await apiA('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.A01', name: 'Tỉnh A' })).status).toBe(201);
    expect((await apiA('POST', '/subsystems', { id: APP })).status).toBe(201);
    key = (await apiA('POST', '/keys', { subsystem: APP })).body.key;
    // A lets its client out to both of B's services; B grants it only "records".
    for (const s of [`VN-B/${PROV}/records`, `VN-B/${PROV}/closed`, `VN-N/${NAT}/citizens`]) await a.cli(['outbound', 'allow', s, APP]);
    await Promise.all([b.cli(['access', 'grant', `${PROV}/records`, `VN-A/${APP}`]), n.cli(['access', 'grant', `${NAT}/citizens`, `VN-A/${APP}`])]);
    await Promise.all([a.snapshots.poll(), b.snapshots.poll(), n.snapshots.poll()]);
  }, 400_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), n?.stop()]);
    await backend?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (service: string, sub = 'items/7?x=1', extra: Record<string, string> = {}, provider = `VN-B/${PROV}`) => {
    const messageId = `msg-${crypto.randomUUID()}`;
    const res = await request(`${a.gatewayUrl}/r1/${provider}/${service}/${sub}`, {
      headers: { 'x-road-client': `VN-A/${APP}`, 'x-api-key': key, 'x-road-id': messageId, ...extra },
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: (() => { try { return JSON.parse(text); } catch { return null; } })(), messageId };
  };
  const listMethods = async () => {
    const res = await request(`${a.gatewayUrl}/r1/VN-B/${PROV}/listMethods`, { headers: { 'x-road-client': `VN-A/${APP}`, 'x-api-key': key } });
    const body = (await res.body.json()) as { service?: Array<{ xroad_instance: string; service_code: string }> };
    return { status: res.statusCode, services: (body.service ?? []).map((s) => `${s.xroad_instance}/${s.service_code}`).sort() };
  };
  const meta = async (name: string, query = '') => {
    const res = await request(`${a.gatewayUrl}/r1/VN-B/${PROV}/${name}${query}`, { headers: { 'x-road-client': `VN-A/${APP}`, 'x-api-key': key } });
    const text = await res.body.text();
    return { status: res.statusCode, text, json: JSON.parse(text) };
  };
  const logged = async (p: TestPlatform, messageId: string) => {
    await p.messageLog.flush();
    return p.store.db.selectFrom('message_log').selectAll().where('message_id', '=', messageId).orderBy('seq').execute();
  };

  it('the peers and outbound rules are listed by the CLI and the admin API', async () => {
    expect((await a.cli(['peer', 'list'])).stdout).toMatch(new RegExp(`^VN-B\\t${b.gatewayTlsUrl!.replace(/[.]/g, '\\.')}\\tca `, 'm'));
    const peers = await a.admin('GET', '/api/v1/peers');
    expect(peers.status).toBe(200);
    expect(peers.body.items.map((p: { instance: string }) => p.instance)).toEqual(['VN-B', 'VN-N']);
    expect(peers.body.items.slice(0, 1)).toEqual([expect.objectContaining({ instance: 'VN-B', url: b.gatewayTlsUrl, fingerprint: null, ca: expect.objectContaining({ sha256: expect.any(String) }), clientCert: expect.objectContaining({ subject: expect.stringContaining('CN=VN-A') }) })]);
    // Never the key of the platform's certificate.
    expect(JSON.stringify(peers.body)).not.toContain('PRIVATE KEY');
    expect((await a.admin('GET', '/api/v1/outbound-rules')).body.items.map((r: { serviceId: string; clientId: string }) => `${r.serviceId} ${r.clientId}`))
      .toEqual([`VN-B/${PROV}/records ${APP}`, `VN-B/${PROV}/closed ${APP}`, `VN-N/${NAT}/citizens ${APP}`]);
    expect((await b.cli(['access', 'list', '--service', `${PROV}/records`])).stdout).toContain(`${PROV}/records\tVN-A/${APP}`);
    // Filtered by the foreign client (written with its instance): its rights only, no local list asked for it.
    const byClient = await b.cli(['access', 'list', '--client', `VN-A/${APP}`]);
    expect([byClient.code, byClient.stdout]).toEqual([0, expect.stringContaining(`${PROV}/records\tVN-A/${APP}`)]);
  });

  it('A\'s client calls B\'s service: B\'s provider answers, both logs hold the exchange, A keeps B\'s verified receipt', async () => {
    const r = await call('records');
    expect(r.status, r.text).toBe(200);
    // B's provider saw the client of A as A named it, and the one X-Road-Id.
    expect(r.json).toMatchObject({ url: '/records/items/7?x=1', client: `VN-A/${APP}` });
    const seen = backend.seen.find((s) => s.headers['x-road-id'] === r.messageId)!;
    expect(seen.headers['x-road-client']).toBe(`VN-A/${APP}`);
    expect(seen.headers['x-api-key']).toBeUndefined();
    const [ra, rb] = await Promise.all([logged(a, r.messageId), logged(b, r.messageId)]);
    expect(ra.map((x) => x.status)).toEqual([0, 200]);
    expect(rb.map((x) => x.status)).toEqual([0, 200]);
    for (const x of [...ra, ...rb]) expect([x.client, x.service]).toEqual([`VN-A/${APP}`, `VN-B/${PROV}/records`]);
    // The receipt: signed by B's node over B's outcome record; A's record names it (hashed into A's chain).
    const kept = await until('A to keep the receipt', async () => (await findReceipts(a.store, r.messageId)).find((x) => x.role === 'received'));
    const receipt = verifyReceipt(kept.receipt, 'kept', crypto.createPublicKey(b.nodeKey.publicKeyPem));
    expect(receipt).toMatchObject({ instance: 'VN-B', nodeId: b.nodeKey.nodeId, logSeq: Number(rb[1].seq), logHash: rb[1].hash, status: 200, responseDigest: ra[1].response_digest });
    expect(JSON.parse(ra[1].upstream!)).toMatchObject({ scheme: 'peer', status: 200, tokenId: `receipt VN-B ${b.nodeKey.nodeId} ${rb[1].seq} ${rb[1].hash}` });
    // Exported from A, it verifies offline; one byte changed, it does not.
    const file = path.join(dir, 'receipt.json');
    expect((await a.cli(['audit', 'receipt', r.messageId, '--out', file])).stdout).toContain('signed by');
    expect((await a.cli(['audit', 'verify-receipt', file])).stdout).toMatch(/^OK: VN-B/);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace(`"status": 200`, `"status": 201`));
    expect((await a.cli(['audit', 'verify-receipt', file], { allowFail: true })).code).not.toBe(0);
  });

  it('A\'s client calls the national platform\'s service the same way, with N\'s receipt', async () => {
    const r = await call('citizens', 'by-id/001', {}, `VN-N/${NAT}`);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ url: '/citizens/by-id/001', client: `VN-A/${APP}` });
    const kept = await until('A to keep N\'s receipt', async () => (await findReceipts(a.store, r.messageId)).find((x) => x.role === 'received'));
    expect(verifyReceipt(kept.receipt, 'kept', crypto.createPublicKey(n.nodeKey.publicKeyPem))).toMatchObject({ instance: 'VN-N', status: 200 });
    expect((await logged(n, r.messageId)).map((x) => x.status)).toEqual([0, 200]);
  });

  it('A lists B\'s and N\'s clients from their signed directories, kept on disk', async () => {
    const clients = async (instance: string) => {
      const res = await request(`${a.gatewayUrl}/listClients?xRoadInstance=${instance}`, { headers: { accept: 'application/json' } });
      expect(res.statusCode).toBe(200);
      return ((await res.body.json()) as { member: Array<{ id: { xroad_instance: string; subsystem_code?: string } }> }).member;
    };
    const subsystems = (list: Awaited<ReturnType<typeof clients>>) => list.filter((m) => m.id.subsystem_code).map((m) => `${m.id.xroad_instance}/${m.id.subsystem_code}`);
    expect(subsystems(await until('B\'s directory at A', async () => { const l = await clients('VN-B'); return l.length > 0 ? l : undefined; }))).toEqual(['VN-B/hotich']);
    expect(subsystems(await until('N\'s directory at A', async () => { const l = await clients('VN-N'); return l.length > 0 ? l : undefined; }))).toEqual(['VN-N/dancu']);
    expect(fs.existsSync(path.join(a.dataDir, 'federation', 'directories', 'VN-B.json'))).toBe(true);
    // Not a peer: nothing.
    expect(await clients('VN-X')).toEqual([]);
    // listMethods of B's subsystem, answered by A from B's directory.
    const lm = await listMethods();
    expect(lm.status).toBe(200);
    expect(lm.services).toEqual(['VN-B/closed', 'VN-B/records']);
  });

  it('peers and outbound rules are written through the admin API; B grants A\'s client one endpoint of a service', async () => {
    // B's provider: a service with two endpoints, A's client granted GET /open only (as a local client's right).
    const apiB = (m: string, u: string, body?: unknown) => b.admin(m, '/api/v1' + u, body);
    // Its OpenAPI description names a backend server; what peers get has only its path.
    const openapi = { openapi: '3.0.3', info: { title: 'split', version: '1' }, servers: [{ url: 'http://backend.internal:9000/v1' }], paths: { '/open': { get: {} }, '/secret': { get: {} } } };
    expect((await apiB('POST', '/services', { id: `${PROV}/split`, url: `${backend.url}/split`, openapi })).status).toBe(201);
    const g = await apiB('POST', '/access-rights', { service: `${PROV}/split`, client: `VN-A/${APP}`, endpoint: { method: 'GET', path: '/open' } });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    expect(g.body).toMatchObject({ clientId: `VN-A/${APP}`, endpoint: { method: 'GET', path: '/open' } });
    expect((await b.cli(['access', 'list', '--service', `${PROV}/split`])).stdout).toContain(`${PROV}/split GET /open\tVN-A/${APP}`);
    // A's outbound rule, through the API.
    const rule = await a.admin('POST', '/api/v1/outbound-rules', { service: `VN-B/${PROV}/split`, client: APP });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    expect(rule.body).toMatchObject({ serviceId: `VN-B/${PROV}/split`, clientId: APP });
    await Promise.all([a.snapshots.poll(), b.snapshots.poll()]);
    // allowedMethods and getOpenAPI of B's subsystem, answered by A from B's directory: what A's
    // outbound rules let this client call, and the description B published.
    const allowed = await until('B\'s new service in A\'s copy of its directory', async () => {
      const m = await meta('allowedMethods');
      return m.json.service?.some((x: { service_code: string }) => x.service_code === 'split') ? m : undefined;
    });
    expect(allowed.status).toBe(200);
    expect(allowed.json.service.map((x: { xroad_instance: string; service_code: string }) => `${x.xroad_instance}/${x.service_code}`).sort()).toEqual(['VN-B/closed', 'VN-B/records', 'VN-B/split']);
    expect(allowed.json.service.find((x: { service_code: string }) => x.service_code === 'split').endpoint_list).toEqual([{ method: 'GET', path: '/open' }, { method: 'GET', path: '/secret' }]);
    const doc = await meta('getOpenAPI', '?serviceCode=split');
    expect(doc.status, doc.text).toBe(200);
    expect(Object.keys(doc.json.paths)).toEqual(['/open', '/secret']);
    expect(doc.json.servers).toEqual([{ url: '/v1' }]);
    expect(doc.text).not.toContain('backend.internal');
    expect((await meta('getOpenAPI', '?serviceCode=records')).json.code).toBe('SERVICE_DESCRIPTION_UNAVAILABLE');
    const open = await call('split', 'open');
    expect(open.status, open.text).toBe(200);
    const secret = await call('split', 'secret');
    expect(secret.status).toBe(500);
    expect(secret.headers['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
    expect((await logged(b, secret.messageId)).map((x) => [x.status, x.error_code])).toEqual([[500, 'ACCESS_DENIED']]);
    // The rule removed through the API: refused at A.
    expect((await a.admin('DELETE', `/api/v1/outbound-rules/${rule.body.id}`)).status).toBe(204);
    await a.snapshots.poll();
    const gone = await call('split', 'open');
    expect(gone.status).toBe(500);
    expect(gone.json.message).toContain('no outbound rule');
    expect(await logged(b, gone.messageId)).toEqual([]);
    expect((await meta('allowedMethods')).json.service.map((x: { service_code: string }) => x.service_code).sort()).toEqual(['closed', 'records']);
    expect((await meta('getOpenAPI', '?serviceCode=split')).json.code).toBe('ACCESS_DENIED');
    // A peer added and removed through the API, pinned by fingerprint; malformed input named.
    const fp = 'ab'.repeat(32);
    const added = await a.admin('POST', '/api/v1/peers', { instance: 'VN-X', url: 'https://127.0.0.1:9', fingerprint: fp, directoryKeyOnFirstUse: true });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ instance: 'VN-X', fingerprint: fp, ca: null, trusted: true, directoryKeys: [], directoryKeyOnFirstUse: true, clientCert: expect.objectContaining({ subject: expect.stringContaining('CN=VN-A') }) });
    const both = await a.admin('POST', '/api/v1/peers', { instance: 'VN-Y', url: 'https://127.0.0.1:9' });
    expect([both.status, both.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await a.admin('POST', '/api/v1/peers', { instance: 'VN-Z', url: 'http://127.0.0.1:9', fingerprint: fp })).body.detail).toContain('mutual TLS');
    expect((await a.admin('DELETE', '/api/v1/peers/VN-X')).status).toBe(204);
    expect((await a.admin('GET', '/api/v1/peers')).body.items.map((p: { instance: string }) => p.instance)).toEqual(['VN-B', 'VN-N']);
    const trail = (await a.admin('GET', '/api/v1/admin-trail')).body.items.map((t: { action: string }) => t.action);
    expect(trail).toEqual(expect.arrayContaining(['outbound.allow', 'outbound.deny', 'peer.add', 'peer.remove']));
  });

  it('without B\'s grant the call fails with B\'s access-denied fault, passed through to A\'s client', async () => {
    const r = await call('closed');
    expect(r.status).toBe(500);
    expect(r.headers['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
    expect(r.json).toMatchObject({ type: 'Server.ServerProxy.AccessDenied', code: 'ACCESS_DENIED' });
    expect(r.json.message).toContain(`VN-A/${APP} has no access`);
    // B refused it (its record says so), and A logged B's answer.
    expect((await logged(b, r.messageId)).map((x) => [x.status, x.error_code])).toEqual([[500, 'ACCESS_DENIED']]);
    expect((await logged(a, r.messageId)).map((x) => x.status)).toEqual([0, 500]);
  });

  it('without an outbound rule at A the call is refused at A, and B never sees it', async () => {
    await a.cli(['outbound', 'deny', `VN-B/${PROV}/closed`, APP]);
    await a.snapshots.poll();
    const r = await call('closed');
    expect(r.status).toBe(500);
    expect(r.headers['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
    expect(r.json.message).toContain('no outbound rule');
    expect((await logged(a, r.messageId)).map((x) => [x.status, x.error_code])).toEqual([[500, 'ACCESS_DENIED']]);
    expect(await logged(b, r.messageId)).toEqual([]);
  });

  it('a client of A cannot reach B directly, without A\'s platform certificate', async () => {
    // Over B's HTTPS listener with no client certificate: B refuses to take the call as A's.
    const res = await request(`${b.gatewayTlsUrl}/r1/VN-B/${PROV}/records/x`, {
      headers: { 'x-road-client': `VN-A/${APP}` },
      dispatcher: new Agent({ connect: { ca: (await b.cli(['ca', 'export'])).stdout } }),
    });
    const body = await res.body.json() as { code: string };
    expect(res.statusCode).toBe(500);
    expect(body.code).toBe('CLIENT_CERT_UNTRUSTED');
  });

  it('trust in A withdrawn at B through the admin API: refused from B\'s next snapshot, given back, then removed', async () => {
    expect((await call('records')).status).toBe(200);
    const refused = async () => {
      const r = await until('B to refuse A', async () => { const x = await call('records'); return x.status !== 200 ? x : undefined; });
      // B's fault, passed through: the client's instance is unknown there (X-Road's Client.InvalidCredentials).
      expect(r.status).toBe(400);
      expect(r.headers['x-road-error']).toBe('Client.InvalidCredentials');
      expect(r.json.code).toBe('UNAUTHENTICATED');
      expect(r.json.message).toContain('nor one of its peers');
    };
    const w = await b.admin('PATCH', '/api/v1/peers/VN-A', { trusted: false });
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ instance: 'VN-A', trusted: false, trustWithdrawnAt: expect.any(String) });
    await refused();
    // The entry stays, shown as withdrawn; the admin trail names the action.
    expect((await b.admin('GET', '/api/v1/peers')).body.items.find((p: { instance: string }) => p.instance === 'VN-A')).toMatchObject({ trusted: false });
    const trail = (await b.admin('GET', '/api/v1/admin-trail?q=VN-A')).body.items.map((t: { action: string }) => t.action);
    expect(trail).toContain('peer.withdraw');
    expect((await b.admin('PATCH', '/api/v1/peers/VN-A', { trusted: true })).body.trusted).toBe(true);
    await until('B to take A\'s calls again', async () => ((await call('records')).status === 200 ? true : undefined));
    expect((await b.admin('DELETE', '/api/v1/peers/VN-A')).status).toBe(204);
    await refused();
    expect((await b.admin('GET', '/api/v1/admin-trail?q=VN-A')).body.items.map((t: { action: string }) => t.action)).toEqual(expect.arrayContaining(['peer.trust', 'peer.remove']));
  });

  it('B stopped: A answers a 500 fault within the timeout', async () => {
    await b.stop();
    const r = await call('records');
    expect(r.status).toBe(500);
    expect(r.json).toMatchObject({ code: 'UPSTREAM_UNREACHABLE', type: 'Server.ServerProxy.NetworkError' });
    expect(r.json.message).toContain('peer VN-B');
    // B's directory stays known from the last good copy, through fetches that fail.
    const before = fs.statSync(path.join(a.dataDir, 'federation', 'directories', 'VN-B.json')).mtimeMs;
    await a.directories.tick();
    const res = await request(`${a.gatewayUrl}/listClients?xRoadInstance=VN-B`, { headers: { accept: 'application/json' } });
    const list = (await res.body.json()) as { member: Array<{ id: { subsystem_code?: string } }> };
    expect(list.member.filter((m) => m.id.subsystem_code).map((m) => m.id.subsystem_code)).toEqual(['hotich']);
    expect(fs.statSync(path.join(a.dataDir, 'federation', 'directories', 'VN-B.json')).mtimeMs).toBe(before);
    expect(await listMethods()).toEqual({ status: 200, services: ['VN-B/closed', 'VN-B/records', 'VN-B/split'] });
  });
});
