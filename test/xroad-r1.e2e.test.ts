// X-Road's REST protocol r1, rule by rule, against a running platform and a real backend on
// real ports. Each test names the section of X-Road's own documents it checks:
// PR-REST 1.0.4 (doc/Protocols/pr-rest_x-road_message_protocol_for_rest.md, nordic-institute/X-Road).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { expectedRequestHash } from './helpers/xroad.js';

const P = 'GOV/000.00.00.R01/provider';
const C = 'GOV/000.00.00.R02/consumer';
const PLUS = 'COM/A+B/is';

interface Seen { url: string; headers: http.IncomingHttpHeaders }

/** A backend that records what reached it and answers with headers X-Road must filter or keep. */
async function startBackend() {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ url: req.url!, headers: req.headers });
      res.writeHead(200, {
        'content-type': 'application/json',
        server: 'backend-host.internal/1.0',
        'x-road-foo': 'provider-extension', // the provider's own X-Road-* header: passes
        'x-road-id': 'forged-by-provider', // one the platform sets: replaced
        'x-road-error': 'Forged.ByProvider',
      });
      res.end(JSON.stringify({ url: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** Sends exactly these bytes and returns the raw answer (the tests need headers as written). */
function rawHttp(base: string, text: string, body?: Buffer): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.write(body ? Buffer.concat([Buffer.from(text, 'latin1'), body]) : text)); // Connection: close ends it
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (c: string) => { out += c; });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}
const headerOf = (raw: string, name: string): string | undefined =>
  new RegExp(`^${name}: *(.*)$`, 'im').exec(raw.split('\r\n\r\n')[0])?.[1]?.trim();

describe('X-Road r1 rule by rule (PR-REST 1.0.4)', () => {
  let p: TestPlatform;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let key: string;
  let plusKey: string;
  const api = (method: string, url: string, body?: unknown) => p.admin(method, '/api/v1' + url, body);
  const url = (svcPath: string) => `${p.gatewayUrl}/r1/${p.instance}/${P}/${svcPath}`;
  const call = (svcPath: string, headers: Record<string, string | string[]> = {}) =>
    request(url(svcPath), { headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': key, ...headers } });

  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform();
    for (const [cls, code] of [['GOV', '000.00.00.R01'], ['GOV', '000.00.00.R02'], ['COM', 'A+B']]) {
      expect((await api('POST', '/members', { memberClass: cls, memberCode: code, name: 'Cơ quan thử' })).status).toBe(201);
    }
    for (const id of [P, C, PLUS]) expect((await api('POST', '/subsystems', { id })).status).toBe(201);
    expect((await api('POST', '/services', { id: `${P}/echo`, url: `${backend.url}/base` })).status).toBe(201);
    expect((await api('POST', '/access-rights', { service: `${P}/echo`, client: C })).status).toBe(201);
    expect((await api('POST', '/access-rights', { service: `${P}/echo`, client: PLUS })).status).toBe(201);
    key = (await api('POST', '/keys', { subsystem: C })).body.key;
    plusKey = (await api('POST', '/keys', { subsystem: PLUS })).body.key;
    await p.snapshots.poll();
  });
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
  });

  it('§4.3 X-Road-Client: parts are percent-decoded ("+" in a member code arrives as %2B)', async () => {
    const r = await call('echo/x', { 'x-road-client': `${p.instance}/COM/A%2BB/is`, 'x-api-key': plusKey });
    await r.body.dump();
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-road-client']).toBe(`${p.instance}/COM/A+B/is`);
    expect(backend.seen.at(-1)!.headers['x-road-client']).toBe(`${p.instance}/COM/A+B/is`);
  });

  it('§4.3 X-Road-Client: of two headers the last one names the client', async () => {
    const last = await call('echo/x', { 'x-road-client': [`${p.instance}/${PLUS}`, `${p.instance}/${C}`] });
    await last.body.dump();
    expect([last.statusCode, last.headers['x-road-client']]).toEqual([200, `${p.instance}/${C}`]);
    // The other order names the other subsystem, whose credential this key is not.
    const first = await call('echo/x', { 'x-road-client': [`${p.instance}/${C}`, `${p.instance}/${PLUS}`] });
    expect([first.statusCode, first.headers['x-road-error']]).toEqual([400, 'Client.InvalidCredentials']);
    await first.body.dump();
  });

  it('§4.1 X-Road-Client: a member-level client is well-formed, then refused by authorisation', async () => {
    const r = await call('echo/x', { 'x-road-client': `${p.instance}/GOV/000.00.00.R02` });
    const body = await r.body.json() as { type: string; code: string };
    expect([r.statusCode, r.headers['x-road-error'], body.type, body.code]).toEqual([500, 'Server.ServerProxy.AccessDenied', 'Server.ServerProxy.AccessDenied', 'ACCESS_DENIED']);
  });

  it('§4.6 faults: {type, message, detail}, type = X-Road-Error, Content-Type with charset, status by category', async () => {
    const denied = await request(url('echo/x'), { headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': 'vmk_wrong' } });
    const b = await denied.body.json() as Record<string, string>;
    expect(denied.statusCode).toBe(400); // category 3: the client's request
    expect(denied.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(b.type).toBe(denied.headers['x-road-error']);
    expect(typeof b.message).toBe('string');
    expect(b.detail).toBe(b.requestId);
    const unknown = await call('nosuch/x');
    const u = await unknown.body.json() as Record<string, string>;
    expect([unknown.statusCode, u.type]).toEqual([500, 'Server.ServerProxy.UnknownService']); // category 4
  });

  it('§4.6 faults follow Accept: XML for text/xml and application/xml, problem+json when asked', async () => {
    const xml = await call('nosuch/x', { accept: 'text/xml' });
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(await xml.body.text()).toMatch(/^<\?xml[^>]*\?><error><type>Server\.ServerProxy\.UnknownService<\/type><message>[^<]+<\/message><detail>[0-9a-f-]{36}<\/detail><\/error>$/);
    const appXml = await call('nosuch/x', { accept: 'application/xml' });
    expect(appXml.headers['content-type']).toBe('application/xml; charset=utf-8');
    await appXml.body.dump();
    const problem = await call('nosuch/x', { accept: 'application/problem+json' });
    expect(problem.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(((await problem.body.json()) as { code: string }).code).toBe('SERVICE_NOT_FOUND');
  });
});

describe('X-Road r1 headers, path, ids and request hash (PR-REST 1.0.4)', () => {
  let p: TestPlatform;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let key: string;
  const api = (method: string, url: string, body?: unknown) => p.admin(method, '/api/v1' + url, body);
  const client = () => `${p.instance}/${C}`;
  const call = (svcPath: string, headers: Record<string, string> = {}) =>
    request(`${p.gatewayUrl}/r1/${p.instance}/${P}/${svcPath}`, { headers: { 'x-road-client': client(), 'x-api-key': key, ...headers } });

  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform();
    for (const code of ['000.00.00.R01', '000.00.00.R02']) expect((await api('POST', '/members', { memberClass: 'GOV', memberCode: code, name: 'Cơ quan thử' })).status).toBe(201);
    for (const id of [P, C]) expect((await api('POST', '/subsystems', { id })).status).toBe(201);
    expect((await api('POST', '/services', { id: `${P}/echo`, url: `${backend.url}/base` })).status).toBe(201);
    expect((await api('POST', '/access-rights', { service: `${P}/echo`, client: C })).status).toBe(201);
    key = (await api('POST', '/keys', { subsystem: C })).body.key;
    await p.snapshots.poll();
  });
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
  });

  it('§4.3 filtered headers: User-Agent never reaches the provider, the provider\'s Server never reaches the consumer', async () => {
    const r = await call('echo/ua', { 'user-agent': 'consumer-host/9.9' });
    await r.body.dump();
    expect(r.statusCode).toBe(200);
    expect(backend.seen.at(-1)!.headers['user-agent']).toBeUndefined();
    expect(r.headers.server).toBeUndefined();
  });

  it('§4.3 the provider\'s own X-Road-* headers pass back; those the platform sets are replaced', async () => {
    const r = await call('echo/ext', { 'x-road-id': 'ext-1' });
    await r.body.dump();
    expect(r.headers['x-road-foo']).toBe('provider-extension');
    expect(r.headers['x-road-id']).toBe('ext-1');
    expect(r.headers['x-road-error']).toBeUndefined(); // the answer came from the provider, not the platform
  });

  it('§4.7 Authorization reaches the provider unmodified unless it was the credential the platform consumed', async () => {
    const jwt = 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjaXRpemVuIn0.c2ln';
    const r = await call('echo/authz', { authorization: jwt });
    await r.body.dump();
    expect(r.statusCode).toBe(200);
    expect(backend.seen.at(-1)!.headers.authorization).toBe(jwt);
    expect(backend.seen.at(-1)!.headers['x-api-key']).toBeUndefined();
    // A bearer token from POST /token is the platform's credential: it stops here.
    const t = await request(`${p.gatewayUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client(), client_secret: key }).toString() });
    const token = ((await t.body.json()) as { access_token: string }).access_token;
    const viaToken = await request(`${p.gatewayUrl}/r1/${p.instance}/${P}/echo/authz2`, { headers: { 'x-road-client': client(), authorization: `Bearer ${token}` } });
    await viaToken.body.dump();
    expect(viaToken.statusCode).toBe(200);
    expect(backend.seen.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('§4.3 X-Road-Request-Id reaches the provider; a generated X-Road-Id is {instance}-{uuid} and differs from it', async () => {
    const r = await call('echo/ids');
    await r.body.dump();
    const seen = backend.seen.at(-1)!.headers;
    expect(r.headers['x-road-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen['x-road-request-id']).toBe(r.headers['x-road-request-id']);
    expect(r.headers['x-road-id']).toMatch(new RegExp(`^${p.instance}-[0-9a-f-]{36}$`));
    expect(seen['x-road-id']).toBe(r.headers['x-road-id']);
    expect(r.headers['x-road-id']).not.toBe(`${p.instance}-${r.headers['x-road-request-id']}`);
  });

  it('§4.3 an optional X-Road header too long or not ASCII is a 400 fault, never dropped', async () => {
    for (const [name, value] of [['x-road-userid', 'U'.repeat(256)], ['x-road-issue', 'I'.repeat(1025)], ['x-road-userid', 'VN\u00e9'], ['x-road-represented-party', 'GOV/a b']]) {
      const before = backend.seen.length;
      const r = await call('echo/opt', { [name]: value });
      const b = await r.body.json() as { type: string; code: string; message: string };
      expect([name, r.statusCode, b.type, b.code]).toEqual([name, 400, 'Client.BadRequest', 'BAD_REQUEST']);
      expect(backend.seen.length).toBe(before);
    }
    const ok = await call('echo/opt', { 'x-road-userid': 'VN079203000001', 'x-road-represented-party': 'COM/A%2BB' });
    await ok.body.dump();
    expect(ok.statusCode).toBe(200);
    expect(backend.seen.at(-1)!.headers['x-road-represented-party']).toBe('COM/A%2BB');
  });

  it('§4.1/§4.2 the path reaches the provider with its original encoding once validated', async () => {
    const r = await call('echo/a%3Bb/%7euser/x;y?q=a%20b&r=%3B');
    await r.body.dump();
    expect(r.statusCode).toBe(200);
    expect(backend.seen.at(-1)!.url).toBe('/base/a%3Bb/%7euser/x;y?q=a%20b&r=%3B');
  });

  it('§4.3 X-Road-Request-Hash: SHA-512 over the request line and headers, then with the body\'s SHA-512, as a client recomputes it', async () => {
    const target = `/r1/${p.instance}/${P}/echo/records/1?year=2026`;
    const headers: [string, string][] = [['Host', 'vamco.local'], ['X-Road-Client', client()], ['X-API-Key', key], ['Accept', 'application/json'], ['User-Agent', 'curl/8']];
    const get = await rawHttp(p.gatewayUrl, `GET ${target} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\nConnection: close\r\n\r\n`);
    expect(get).toMatch(/^HTTP\/1\.1 200/);
    const generatedId = headerOf(get, 'x-road-id')!;
    expect(headerOf(get, 'x-road-request-hash')).toBe(expectedRequestHash({ method: 'GET', target, headers, requestId: headerOf(get, 'x-road-request-id')!, generatedId }));

    const body = Buffer.from('{"name":"Nguyễn Văn A"}');
    const postHeaders: [string, string][] = [['Host', 'vamco.local'], ['X-Road-Client', client()], ['X-API-Key', key], ['X-Road-Id', 'hash-post'], ['Content-Type', 'application/json; charset=utf-8'], ['Content-Length', String(body.length)]];
    const post = await rawHttp(p.gatewayUrl, `POST ${target} HTTP/1.1\r\n${postHeaders.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\nConnection: close\r\n\r\n`, body);
    expect(post).toMatch(/^HTTP\/1\.1 200/);
    const requestId = headerOf(post, 'x-road-request-id')!;
    expect(headerOf(post, 'x-road-request-hash')).toBe(expectedRequestHash({ method: 'POST', target, headers: postHeaders, requestId, body }));
    // The body is bound: without it the hash differs.
    expect(headerOf(post, 'x-road-request-hash')).not.toBe(expectedRequestHash({ method: 'POST', target, headers: postHeaders, requestId }));
  });
});
