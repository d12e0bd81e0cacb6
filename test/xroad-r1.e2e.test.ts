// X-Road's REST protocol r1, rule by rule, against a running platform and a real backend on
// real ports. Each test names the section of X-Road's own documents it checks:
// PR-REST 1.0.4 (doc/Protocols/pr-rest_x-road_message_protocol_for_rest.md, nordic-institute/X-Road).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';

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
function rawHttp(base: string, text: string): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.end(text));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (c: string) => { out += c; });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}
export const headerOf = (raw: string, name: string): string | undefined =>
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
