// An X-Road security server as a peer (issue 17, item 6), against the stand-in of
// test/helpers/xroad-ss.ts written from the Message Protocol for REST (PR-REST 1.0.4, X-Road's
// doc/Protocols; the § numbers below are that document's). Platform A (VN-A) has the security
// server of instance NAT as an xroad peer: a client of A calls NAT's services through A's gateway,
// A calls the security server as one of its information systems (mutual TLS, X-Road-Client of A's
// client there); the server's faults come back as A's faults with their type kept; a server that
// hangs or is down gives a 500 fault within A's timeout. The other way, the security server calls
// A's services as their provider information system, recognised by its pinned certificate.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { makeCa, type Pem } from './helpers/tls.js';
import { startXroadStandIn, type XroadStandIn, type Arrival, type XroadClientEntry, type XroadServiceEntry } from './helpers/xroad-ss.js';
import { expectedRequestHash } from './helpers/xroad.js';
import { tempDir } from '../src/store/testing.js';

const APP = 'GOV/000.00.00.A01/motcua';
const LOCAL = 'GOV/000.00.00.A01/hotich';
const NAT = 'NAT/GOV/MIN/dancu';
/** A's client at the security server: each local client's subsystem code under A's member there. */
const AS_MEMBER = 'NAT/GOV/PROVA';
const TIMEOUT_MS = 4_000;
const NAT_CLIENTS: XroadClientEntry[] = [
  { id: { object_type: 'MEMBER', xroad_instance: 'NAT', member_class: 'GOV', member_code: 'MIN' }, name: 'Bộ X' },
  { id: { object_type: 'SUBSYSTEM', xroad_instance: 'NAT', member_class: 'GOV', member_code: 'MIN', subsystem_code: 'dancu' }, name: 'Bộ X', subsystem_name: 'Dân cư' },
  { id: { object_type: 'MEMBER', xroad_instance: 'FED', member_class: 'COM', member_code: '77' }, name: 'Federated elsewhere' },
];
const natService = (code: string): XroadServiceEntry => ({
  xroad_instance: 'NAT', member_class: 'GOV', member_code: 'MIN', subsystem_code: 'dancu', service_code: code, service_type: 'OPENAPI', object_type: 'SERVICE',
  endpoint_list: [{ method: 'GET', path: `/${code}/*` }],
});

describe('an X-Road security server as a peer', () => {
  let a: TestPlatform;
  let ss: XroadStandIn;
  let backend: TestBackend;
  let key: string;
  let ssClient: Pem;
  let aCa: string;
  let presented: string;
  const dir = tempDir();
  const sha = (pem: string) => new crypto.X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
  const ssRoot = makeCa('NAT security server root');
  /** The stand-in's registrations: client subsystem → SHA-256 of its information system's TLS certificate. */
  const registered = new Map<string, string>();

  beforeAll(async () => {
    backend = await startBackend();
    a = await startTestPlatform({ env: { VAMCO_INSTANCE: 'VN-A', VAMCO_DEFAULT_TIMEOUT: `${TIMEOUT_MS}ms` } });
    ssClient = ssRoot.issue('ss.nat.example', { client: true });
    ss = await startXroadStandIn({
      tls: ssRoot.issue('ss.nat.example', { ip: ['127.0.0.1'] }), clientTls: ssClient, clients: registered,
      services: new Map([[`${NAT}/citizens`, `${backend.url}/citizens`]]),
      faults: new Map([
        [`${NAT}/closed`, { type: 'Server.ServerProxy.AccessDenied', message: 'Request is not allowed: Service NAT/GOV/MIN/dancu/closed' }],
        [`${NAT}/badly`, { type: 'Client.BadRequest', message: 'Error parsing the client\'s REST request' }],
      ]),
      // NAT's global configuration (with a member of another, federated instance) and the services of NAT/GOV/MIN/dancu.
      clientList: NAT_CLIENTS,
      methods: new Map([[NAT, ['citizens', 'closed', 'hidden'].map((code) => natService(code))]]),
      // What X-Road lets A's client there call: citizens (A allows it too) and hidden (A has no outbound rule for it).
      allowed: new Map([[`${AS_MEMBER}/motcua`, new Set([`${NAT}/citizens`, `${NAT}/hidden`])]]),
    });
    const rootFile = path.join(dir, 'ss-root.pem');
    fs.writeFileSync(rootFile, ssRoot.cert);
    const added = await a.cli(['peer', 'add', 'NAT', '--type', 'xroad', '--url', ss.url, '--ca', rootFile, '--fingerprint', sha(ssClient.cert), '--client', AS_MEMBER]);
    expect(added.stdout).toContain(`added\tNAT\t${ss.url}\txroad as ${AS_MEMBER}`);
    // The certificate A presents as an information system (issued by A's CA), registered at the
    // security server for A's client subsystem there, as an operator does in its UI.
    presented = /^presents\t.*\tSHA-256 ([0-9A-F:]{95})$/m.exec(added.stdout)![1].replace(/:/g, '').toLowerCase();
    registered.set(`${AS_MEMBER}/motcua`, presented);
    aCa = (await a.cli(['ca', 'export'])).stdout;
    const api = (m: string, u: string, body?: unknown) => a.admin(m, '/api/v1' + u, body);
    expect((await api('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.A01', name: 'Tỉnh A' })).status).toBe(201);
    for (const id of [APP, LOCAL]) expect((await api('POST', '/subsystems', { id })).status).toBe(201);
    for (const s of ['records', 'closed']) expect((await api('POST', '/services', { id: `${LOCAL}/${s}`, url: `${backend.url}/${s}` })).status).toBe(201);
    key = (await api('POST', '/keys', { subsystem: APP })).body.key;
    for (const s of ['citizens', 'closed', 'badly']) await a.cli(['outbound', 'allow', `${NAT}/${s}`, APP]);
    // A's provider grants the client of instance NAT like any foreign client.
    await a.cli(['access', 'grant', `${LOCAL}/records`, NAT]);
    await a.snapshots.poll();
  }, 180_000);

  afterAll(async () => {
    await a?.stop();
    await ss?.close().catch(() => {});
    await backend?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (service: string, sub: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}) => {
    const messageId = `msg-${crypto.randomUUID()}`;
    const t = Date.now();
    const res = await request(`${a.gatewayUrl}/r1/${NAT}/${service}/${sub}`, {
      method: (init.method ?? 'GET') as 'GET', body: init.body,
      headers: { 'x-road-client': `VN-A/${APP}`, 'x-api-key': key, 'x-road-id': messageId, ...init.headers },
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    const text = body.toString('utf8');
    return { status: res.statusCode, headers: res.headers, body, text, ms: Date.now() - t, json: (() => { try { return JSON.parse(text); } catch { return null; } })(), messageId };
  };
  const logged = async (messageId: string) => {
    await a.messageLog.flush();
    return a.store.db.selectFrom('message_log').selectAll().where('message_id', '=', messageId).orderBy('seq').execute();
  };
  const arrivalOf = (messageId: string): Arrival => ss.arrived.find((x) => x.headers.some(([n, v]) => n.toLowerCase() === 'x-road-id' && v === messageId))!;
  const headerValues = (x: Arrival, name: string) => x.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);

  it('is added with its type and listed with it', async () => {
    expect((await a.cli(['peer', 'list'])).stdout).toBe(`NAT\t${ss.url}\tca CN=NAT security server root (SHA-256 ${new crypto.X509Certificate(ssRoot.cert).fingerprint256}), pinned ${sha(ssClient.cert)}\txroad as ${AS_MEMBER}\ttrusted\n`);
    const peers = await a.admin('GET', '/api/v1/peers');
    expect(peers.body.items).toEqual([expect.objectContaining({ instance: 'NAT', type: 'xroad', xroadClient: AS_MEMBER, fingerprint: sha(ssClient.cert) })]);
    // Refused: no client id there, or one of another instance.
    const rootFile = path.join(dir, 'ss-root.pem');
    const noClient = await a.cli(['peer', 'add', 'NAT2', '--type', 'xroad', '--url', ss.url, '--ca', rootFile], { allowFail: true });
    expect(noClient.code).not.toBe(0);
    expect(noClient.stderr).toContain('--client');
    const other = await a.cli(['peer', 'add', 'NAT2', '--type', 'xroad', '--url', ss.url, '--ca', rootFile, '--client', 'NAT/GOV/PROVA'], { allowFail: true });
    expect(other.stderr).toContain('the client is named in the peer\'s instance, NAT2/');
  });

  it('a call of A\'s client arrives at the security server as PR-REST says an information system\'s call does', async () => {
    const r = await call('citizens', 'by-id/001?x=1', { headers: { 'x-road-userid': 'VN001122334455', 'x-road-issue': 'HS-2026-7', 'x-custom': 'kept as is', accept: 'application/json' } });
    expect(r.status, r.text).toBe(200);
    const got = arrivalOf(r.messageId);
    // §4.1: /{protocol-version}/{serviceId}[/path][?query], protocol version r1.
    expect(got.method).toBe('GET');
    expect(got.target).toBe(`/r1/${NAT}/citizens/by-id/001?x=1`);
    // §4.3 mandatory header: X-Road-Client, exactly once ("MUST NOT generate multiple"), A's client in NAT's naming.
    expect(headerValues(got, 'x-road-client')).toEqual([`${AS_MEMBER}/motcua`]);
    // §4.3 optional headers: X-Road-Id (A's message id, so both logs hold the one id), X-Road-UserId, X-Road-Issue.
    expect(headerValues(got, 'x-road-id')).toEqual([r.messageId]);
    expect(headerValues(got, 'x-road-userid')).toEqual(['VN001122334455']);
    expect(headerValues(got, 'x-road-issue')).toEqual(['HS-2026-7']);
    // §4.3: X-Road-Service and X-Road-Request-Id are set by the security servers in responses; the
    // request SHOULD NOT contain the request hash. Vamco's receipt request and A's API key are A's.
    for (const h of ['x-road-service', 'x-road-request-id', 'x-road-request-hash', 'x-vamco-receipt', 'x-api-key']) expect(headerValues(got, h), h).toEqual([]);
    // §4.3 "User defined headers" and "Accept header": passed unmodified.
    expect(headerValues(got, 'x-custom')).toEqual(['kept as is']);
    expect(headerValues(got, 'accept')).toEqual(['application/json']);
    // §4.7: mutual TLS, with the certificate registered for the client (the one A printed).
    expect(got.clientCert).toBe(presented);
    // The provider information system got the call through X-Road as NAT's client of A.
    expect(r.json).toMatchObject({ url: '/citizens/by-id/001?x=1', client: `${AS_MEMBER}/motcua` });
    // A's client gets A's X-Road headers, A's own request hash (over the request it sent, not the security server's).
    expect(r.headers['x-road-id']).toBe(r.messageId);
    expect(r.headers['x-road-client']).toBe(`VN-A/${APP}`);
    const ssRequestId = backend.seen.find((s) => s.headers['x-road-id'] === r.messageId)!.headers['x-road-request-id'] as string;
    const ssHash = expectedRequestHash({ method: got.method, target: got.target, headers: got.headers, requestId: ssRequestId, body: got.body });
    expect(r.headers['x-road-request-hash']).not.toBe(ssHash);
    // A's record marks the peer type ('xroad') and keeps the security server's request id and hash (§4.3).
    const rows = await logged(r.messageId);
    expect(rows.map((x) => [x.status, x.client, x.service])).toEqual([[0, `VN-A/${APP}`, `${NAT}/citizens`], [200, `VN-A/${APP}`, `${NAT}/citizens`]]);
    expect(JSON.parse(rows[1].upstream!)).toMatchObject({ scheme: 'xroad', status: 200, tokenId: `xroad request ${ssRequestId} hash ${ssHash}` });
  });

  const ask = async (target: string, headers: Record<string, string> = {}) => {
    const res = await request(`${a.gatewayUrl}${target}`, { headers });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: (() => { try { return JSON.parse(text); } catch { return null; } })() };
  };

  it('listClients?xRoadInstance=NAT is asked of the security server as PR-META §2 says, and answered in the format the client asks for', async () => {
    const before = ss.arrived.length;
    const r = await ask('/listClients?xRoadInstance=NAT', { accept: 'application/json' });
    expect(r.status, r.text).toBe(200);
    // NAT's members and subsystems, nothing of another instance.
    expect(r.json).toEqual({ member: NAT_CLIENTS.slice(0, 2) });
    const got = ss.arrived.slice(before);
    expect(got.length).toBe(1);
    // PR-META §2: a plain HTTP GET of /listClients?xRoadInstance=… on the security server (https
    // when the information system is connected so: with the certificate registered for A); the
    // format asked for with Accept (JSON: PR-META Annex B); no X-Road-Client, it is not an r1 call.
    expect([got[0].method, got[0].target]).toEqual(['GET', '/listClients?xRoadInstance=NAT']);
    expect(headerValues(got[0], 'accept')).toEqual(['application/json']);
    expect(headerValues(got[0], 'x-road-client')).toEqual([]);
    expect(got[0].clientCert).toBe(presented);
    // Without Accept: XML (PR-META §2, the clientList element of Annex A), made by A from what the server listed.
    const x = await ask('/listClients?xRoadInstance=NAT');
    expect(x.status).toBe(200);
    expect(x.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(x.text).toContain('<ns2:id ns1:objectType="SUBSYSTEM"><ns1:xRoadInstance>NAT</ns1:xRoadInstance><ns1:memberClass>GOV</ns1:memberClass><ns1:memberCode>MIN</ns1:memberCode><ns1:subsystemCode>dancu</ns1:subsystemCode></ns2:id><ns2:name>Bộ X</ns2:name><ns2:subsystemName>Dân cư</ns2:subsystemName>');
    expect(x.text).not.toContain('FED');
  });

  it('listMethods and allowedMethods of a NAT subsystem are asked of the security server as regular r1 calls of A\'s client there (PR-MREST §4)', async () => {
    const messageId = `meta-${crypto.randomUUID()}`;
    const headers = { 'x-road-client': `VN-A/${APP}`, 'x-api-key': key, 'x-road-id': messageId, 'x-road-userid': 'VN001' };
    const r = await ask(`/r1/${NAT}/listMethods`, headers);
    expect(r.status, r.text).toBe(200);
    // PR-MREST §4 / Annex B.1: every REST service of the provider with its endpoints.
    expect(r.json).toEqual({ service: ['citizens', 'closed', 'hidden'].map(natService) });
    const got = arrivalOf(messageId);
    // PR-MREST §4: "GET /r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/listMethods" with X-Road-Client, as PR-REST §4.3 says (once, A's client in NAT's naming).
    expect([got.method, got.target]).toEqual(['GET', `/r1/${NAT}/listMethods`]);
    expect(headerValues(got, 'x-road-client')).toEqual([`${AS_MEMBER}/motcua`]);
    expect(headerValues(got, 'x-road-userid')).toEqual(['VN001']);
    expect(headerValues(got, 'x-api-key')).toEqual([]);
    expect(got.clientCert).toBe(presented);
    // Logged at A as an exchange through the security server, its request id and hash kept.
    const rows = await logged(messageId);
    expect(rows.map((x) => [x.status, x.client])).toEqual([[200, `VN-A/${APP}`]]);
    expect(JSON.parse(rows[0].upstream!)).toMatchObject({ scheme: 'xroad', status: 200, tokenId: expect.stringMatching(/^xroad request [0-9a-f-]{36} hash \S+$/) });

    // allowedMethods: what X-Road lets A's client call (citizens, hidden) that A's outbound rules
    // let the local client call too (citizens, closed, badly): citizens only.
    const allowed = await ask(`/r1/${NAT}/allowedMethods`, { ...headers, 'x-road-id': `meta-${crypto.randomUUID()}` });
    expect(allowed.status, allowed.text).toBe(200);
    expect(allowed.json).toEqual({ service: [natService('citizens')] });

    // The security server's fault for it comes back with its type (a provider it does not know).
    const unknown = await ask(`/r1/NAT/GOV/MIN/other/listMethods`, { ...headers, 'x-road-id': `meta-${crypto.randomUUID()}` });
    expect([unknown.status, unknown.headers['x-road-error'], unknown.json?.code]).toEqual([500, 'Server.ServerProxy.UnknownService', 'XROAD_FAULT']);
    // A client without a credential is refused at A; the security server never sees it.
    const n = ss.arrived.length;
    const anon = await ask(`/r1/${NAT}/listMethods`, { 'x-road-client': `VN-A/${APP}` });
    expect([anon.status, anon.json?.code]).toEqual([400, 'UNAUTHENTICATED']);
    expect(ss.arrived.length).toBe(n);
  });

  it('bodies stream both ways as for a local service, logged with their size and digest', async () => {
    const upload = crypto.randomBytes(3 * 1024 * 1024 + 7);
    const r = await call('citizens', 'upload', { method: 'POST', body: upload, headers: { 'content-type': 'application/octet-stream' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ size: upload.length, sha256: crypto.createHash('sha256').update(upload).digest('hex') });
    const big = await call('citizens', 'big/3145728');
    expect(big.status).toBe(200);
    expect(big.body.length).toBe(3145728);
    const rows = await logged(big.messageId);
    expect([rows[1].status, rows[1].response_size, rows[1].response_digest]).toEqual([200, 3145728, crypto.createHash('sha256').update(big.body).digest('hex')]);
  });

  it('the security server\'s fault becomes A\'s fault with its type and status kept, in JSON or XML', async () => {
    const r = await call('closed', 'x');
    // §4.6: the server's own error (X-Road-Error set), 500 for a Server.* type.
    expect(r.status).toBe(500);
    expect(r.headers['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.json).toMatchObject({ type: 'Server.ServerProxy.AccessDenied', code: 'XROAD_FAULT', detail: r.headers['x-road-request-id'] });
    expect(r.json.message).toContain('Request is not allowed: Service NAT/GOV/MIN/dancu/closed');
    expect(r.json.message).toMatch(/its detail: [0-9a-f-]{36}/);
    expect((await logged(r.messageId)).map((x) => [x.status, x.error_code])).toEqual([[0, null], [500, 'XROAD_FAULT']]);
    // Asked for XML: A passes Accept on (§4.3), the server answers XML (§4.6), A reads it and answers XML too.
    const x = await call('closed', 'x', { headers: { accept: 'text/xml' } });
    expect(headerValues(arrivalOf(x.messageId), 'accept')).toEqual(['text/xml']);
    expect(x.status).toBe(500);
    expect(x.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(x.text).toContain('<type>Server.ServerProxy.AccessDenied</type>');
    expect(x.text).toContain('Request is not allowed: Service NAT/GOV/MIN/dancu/closed');
    // A Client.* fault keeps its 400 (§4.6 category 3).
    const c = await call('badly', 'x');
    expect([c.status, c.headers['x-road-error'], c.json.type]).toEqual([400, 'Client.BadRequest', 'Client.BadRequest']);
  });

  it('a client of A without an outbound rule is refused at A; the security server never sees the call', async () => {
    const before = ss.arrived.length;
    const res = await request(`${a.gatewayUrl}/r1/${NAT}/other/x`, { headers: { 'x-road-client': `VN-A/${APP}`, 'x-api-key': key } });
    const body = (await res.body.json()) as { code: string; message: string };
    expect([res.statusCode, body.code]).toEqual([500, 'ACCESS_DENIED']);
    expect(body.message).toContain('no outbound rule');
    expect(ss.arrived.length).toBe(before);
  });

  it('the security server calls A\'s service as its provider information system: answered and logged', async () => {
    const messageId = `ss-${crypto.randomUUID()}`;
    const r = await ss.deliver({ url: `${a.gatewayTlsUrl}/r1/VN-A/${LOCAL}/records/items/9?y=2`, ca: aCa, client: NAT, service: `${AS_MEMBER}/hotich/records`, messageId, userId: 'VN009' });
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ url: '/records/items/9?y=2', client: NAT });
    expect(r.headers['x-road-id']).toBe(messageId);
    const seen = backend.seen.find((s) => s.headers['x-road-id'] === messageId)!;
    expect([seen.headers['x-road-client'], seen.headers['x-road-userid']]).toEqual([NAT, 'VN009']);
    const rows = await logged(messageId);
    expect(rows.map((x) => [x.status, x.client, x.service, x.credential])).toEqual([
      [0, NAT, `VN-A/${LOCAL}/records`, 'xroad'], [200, NAT, `VN-A/${LOCAL}/records`, 'xroad'],
    ]);
    // Without A's grant for that service: A's access-denied fault.
    const denied = await ss.deliver({ url: `${a.gatewayTlsUrl}/r1/VN-A/${LOCAL}/closed/x`, ca: aCa, client: NAT, service: `${AS_MEMBER}/hotich/closed` });
    expect([denied.status, denied.headers['x-road-error']]).toEqual([500, 'Server.ServerProxy.AccessDenied']);
  });

  it('a caller naming a client of NAT with another certificate than the pinned one is refused', async () => {
    const messageId = `ss-${crypto.randomUUID()}`;
    // Issued by the same root as the security server's: only the pinned certificate counts.
    const r = await ss.deliver({ url: `${a.gatewayTlsUrl}/r1/VN-A/${LOCAL}/records/x`, ca: aCa, client: NAT, service: `${AS_MEMBER}/hotich/records`, messageId, cert: ssRoot.issue('ss.nat.example', { client: true }) });
    expect([r.status, r.headers['x-road-error']]).toEqual([500, 'Server.ClientProxy.SslAuthenticationFailed']);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'CLIENT_CERT_UNTRUSTED' });
    expect(JSON.parse(r.body).message).toContain('X-Road security server configured for it');
    expect(backend.seen.some((s) => s.headers['x-road-id'] === messageId)).toBe(false);
    expect((await logged(messageId)).map((x) => [x.status, x.error_code])).toEqual([[500, 'CLIENT_CERT_UNTRUSTED']]);
  });

  it('a security server that does not answer: a 500 timeout fault within A\'s timeout', async () => {
    ss.hang = true;
    try {
      const r = await call('citizens', 'slow');
      expect(r.status).toBe(500);
      expect(r.json).toMatchObject({ type: 'Server.ServerProxy.Timeout', code: 'UPSTREAM_TIMEOUT' });
      expect(r.json.message).toContain('X-Road security server peer NAT');
      // Not before the timeout; well within a generous bound after it.
      expect(r.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(r.ms).toBeLessThan(TIMEOUT_MS + 30_000);
    } finally {
      ss.hang = false;
    }
  });

  it('the security server down: a 500 network fault', async () => {
    await ss.close();
    const r = await call('citizens', 'x');
    expect(r.status).toBe(500);
    expect(r.json).toMatchObject({ type: 'Server.ServerProxy.NetworkError', code: 'UPSTREAM_UNREACHABLE' });
    expect(r.json.message).toContain(`X-Road security server peer NAT (${ss.url})`);
    expect(r.ms).toBeLessThan(TIMEOUT_MS + 30_000);
    // listMethods cannot be asked either: the same fault.
    const m = await ask(`/r1/${NAT}/listMethods`, { 'x-road-client': `VN-A/${APP}`, 'x-api-key': key });
    expect([m.status, m.json?.code, m.json?.type]).toEqual([500, 'UPSTREAM_UNREACHABLE', 'Server.ServerProxy.NetworkError']);
    // listClients keeps answering the last list the server gave.
    const l = await ask('/listClients?xRoadInstance=NAT', { accept: 'application/json' });
    expect([l.status, l.json]).toEqual([200, { member: NAT_CLIENTS.slice(0, 2) }]);
  });
});
