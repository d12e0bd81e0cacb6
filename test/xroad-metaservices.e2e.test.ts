// X-Road's metaservices and the fault format of every error path under /r1, rule by rule,
// against a running platform and a real backend on real ports. Each test names the section of
// X-Road's own documents it checks (nordic-institute/X-Road, doc/Protocols/):
// PR-META 2.16 (pr-meta_x-road_service_metadata_protocol.md), PR-MREST 0.8
// (pr-mrest_x-road_service_metadata_protocol_for_rest.md), PR-REST 1.0.4 (pr-rest_x-road_message_protocol_for_rest.md).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { request } from 'undici';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { registerPair } from './helpers/registry.js';

const P = 'GOV/000.00.00.M01/provider';
const C = 'GOV/000.00.00.M02/consumer'; // a right on the whole of `echo`
const E = 'GOV/000.00.00.M02/endpoint'; // a right on one endpoint of `pets`
const X = 'COM/0312345678/outsider'; // no right at all
const SERVER_CODE = 'SS+1'; // "+" travels as %2B in X-Road-Security-Server (PR-REST §4.3, §4.8)
const XROAD_NS = 'http://x-road.eu/xsd/xroad.xsd';
const ID_NS = 'http://x-road.eu/xsd/identifiers';

const PETS = {
  openapi: '3.0.3',
  info: { title: 'pets', version: '1' },
  servers: [
    { url: 'http://10.20.30.40:8080/api/v1', description: 'production' },
    { url: 'https://{host}:{port}/v2/{stage}', variables: { host: { default: 'pets.backend.internal' }, port: { default: '8443' }, stage: { default: 'live' } } },
  ],
  paths: {
    '/pets': { get: { operationId: 'list' }, post: {} },
    '/pets/{petId}': { get: {}, delete: {}, servers: [{ url: 'https://pets-a.backend.internal/api' }] },
    '/pets/{petId}/photos/{photoId}': { get: { servers: [{ url: '//cdn.backend.internal/img?x=1' }] } },
    '/files/{name}.{ext}': { get: {} },
  },
};

/** One XML element with its namespace resolved (fast-xml-parser keeps prefixes; scopes are resolved here). */
interface El { ns: string | undefined; name: string; attrs: Record<string, string>; children: El[]; text: string }

function parseXml(xml: string): El {
  expect(XMLValidator.validate(xml)).toBe(true);
  const nodes = new XMLParser({ preserveOrder: true, ignoreAttributes: false, parseTagValue: false, trimValues: true }).parse(xml) as Record<string, unknown>[];
  const build = (node: Record<string, unknown>, scope: Record<string, string>): El | null => {
    const tag = Object.keys(node).find((k) => k !== ':@');
    if (!tag || tag === '#text' || tag.startsWith('?')) return null;
    const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
    const inner = { ...scope };
    for (const [k, v] of Object.entries(rawAttrs)) {
      if (k === '@_xmlns') inner[''] = v;
      else if (k.startsWith('@_xmlns:')) inner[k.slice(8)] = v;
    }
    const qualify = (q: string, dflt: boolean) => {
      const [prefix, local] = q.includes(':') ? q.split(':') : [dflt ? '' : undefined, q];
      return { ns: prefix === undefined ? undefined : inner[prefix], name: local };
    };
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(rawAttrs)) {
      if (k === '@_xmlns' || k.startsWith('@_xmlns:')) continue;
      const q = qualify(k.slice(2), false);
      attrs[q.ns ? `{${q.ns}}${q.name}` : q.name] = v;
    }
    const kids = node[tag] as Record<string, unknown>[];
    const children = kids.map((k) => build(k, inner)).filter((e): e is El => e !== null);
    const text = kids.filter((k) => '#text' in k).map((k) => String(k['#text'])).join('');
    return { ...qualify(tag, true), attrs, children, text };
  };
  const roots = nodes.map((n) => build(n, {})).filter((e): e is El => e !== null);
  expect(roots).toHaveLength(1);
  return roots[0];
}
const qname = (e: El) => `{${e.ns}}${e.name}`;

/** Sends exactly these bytes; resolves with everything answered until the server closes. */
function raw(base: string, bytes: string, opts: { keepOpenMs?: number } = {}): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.write(bytes));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (c: string) => { out += c; });
    s.on('close', () => resolve(out));
    s.on('error', (e) => (out ? resolve(out) : reject(e)));
    if (!opts.keepOpenMs) return;
    setTimeout(() => { s.destroy(); }, opts.keepOpenMs);
  });
}
const statusOf = (rawAnswer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(rawAnswer)?.[1]);
const headerOf = (rawAnswer: string, name: string) => new RegExp(`^${name}: *(.*)$`, 'im').exec(rawAnswer.split('\r\n\r\n')[0])?.[1]?.trim();
const bodyOf = (rawAnswer: string) => rawAnswer.slice(rawAnswer.indexOf('\r\n\r\n') + 4);

/** PR-REST §4.6: the fault body is {type, message, detail}, type = X-Road-Error; Content-Type names its charset. */
function expectFault(status: number, headers: Record<string, unknown>, body: string, want: { status: number; type: string }) {
  const b = JSON.parse(body) as Record<string, unknown>;
  expect({ status, error: headers['x-road-error'], contentType: headers['content-type'] })
    .toEqual({ status: want.status, error: want.type, contentType: 'application/json; charset=utf-8' });
  expect(b.type).toBe(want.type);
  expect(typeof b.message).toBe('string');
  expect(b.detail).toMatch(/^[0-9a-f-]{36}$/);
  expect(b).not.toHaveProperty('title'); // not problem+json
}

describe('X-Road metaservices (PR-META 2.16, PR-MREST 0.8) and X-Road-Security-Server (PR-REST 1.0.4)', () => {
  let p: TestPlatform;
  let backend: TestBackend;
  const keys: Record<string, string> = {};
  const api = (method: string, url: string, body?: unknown) => p.admin(method, '/api/v1' + url, body);
  const meta = (name: string, as: string, headers: Record<string, string> = {}) =>
    request(`${p.gatewayUrl}/r1/${p.instance}/${P}/${name}`, { headers: { 'x-road-client': `${p.instance}/${as}`, 'x-api-key': keys[as], ...headers } });

  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform({ env: { VAMCO_SERVER_CODE: SERVER_CODE } });
    for (const [cls, code, name] of [['GOV', '000.00.00.M01', 'Sở Tư pháp & Hộ tịch <tỉnh>'], ['GOV', '000.00.00.M02', 'UBND xã Bình Tâm'], ['COM', '0312345678', 'Công ty "A"']]) {
      expect((await api('POST', '/members', { memberClass: cls, memberCode: code, name })).status).toBe(201);
    }
    for (const [id, name] of [[P, 'Hệ thống hộ tịch'], [C, 'Một cửa'], [E, null], [X, null]]) {
      expect((await api('POST', '/subsystems', name ? { id, name } : { id })).status).toBe(201);
    }
    expect((await api('POST', '/services', { id: `${P}/echo`, url: `${backend.url}/base` })).status).toBe(201);
    expect((await api('POST', '/services', { id: `${P}/pets`, url: `${backend.url}/pets-api`, openapi: PETS })).status).toBe(201);
    expect((await api('POST', '/access-rights', { service: `${P}/echo`, client: C })).status).toBe(201);
    expect((await api('POST', '/access-rights', { service: `${P}/pets`, client: E, endpoint: { method: 'GET', path: '/pets/{petId}' } })).status).toBe(201);
    for (const s of [P, C, E, X]) keys[s] = (await api('POST', '/keys', { subsystem: s })).body.key;
    await p.snapshots.poll();
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
  });

  it('PR-META §2, Annex A: listClients answers text/xml by default, a clientList in the xroad.xsd namespace with identifiers in theirs, in the schema\'s order', async () => {
    const r = await request(`${p.gatewayUrl}/listClients`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/xml; charset=utf-8');
    const root = parseXml(await r.body.text());
    expect(qname(root)).toBe(`{${XROAD_NS}}clientList`);
    expect(root.children.length).toBe(3 + 4); // three members, four subsystems
    for (const m of root.children) {
      expect(qname(m)).toBe(`{${XROAD_NS}}member`);
      const [id] = m.children;
      expect(qname(id)).toBe(`{${XROAD_NS}}id`);
      const type = id.attrs[`{${ID_NS}}objectType`];
      expect(['MEMBER', 'SUBSYSTEM']).toContain(type);
      const parts = ['xRoadInstance', 'memberClass', 'memberCode', ...(type === 'SUBSYSTEM' ? ['subsystemCode'] : [])];
      expect(id.children.map(qname)).toEqual(parts.map((n) => `{${ID_NS}}${n}`));
      // ClientType's sequence: id, name, subsystemName (each optional after id).
      const order = m.children.map((c) => c.name);
      expect(['id,name', 'id,name,subsystemName']).toContain(order.join(','));
      expect(m.children.every((c) => c.ns === XROAD_NS)).toBe(true);
    }
    const byCode = (code: string, sub?: string) => root.children.find((m) => {
      const t = Object.fromEntries(m.children[0].children.map((c) => [c.name, c.text]));
      return t.memberCode === code && t.subsystemCode === sub;
    })!;
    // Text is escaped and read back exactly, Vietnamese included.
    const provider = byCode('000.00.00.M01', 'provider');
    expect(provider.children.map((c) => c.text).slice(1)).toEqual(['Sở Tư pháp & Hộ tịch <tỉnh>', 'Hệ thống hộ tịch']);
    expect(provider.children[0].children.map((c) => c.text)).toEqual([p.instance, 'GOV', '000.00.00.M01', 'provider']);
    expect(byCode('0312345678').children.map((c) => c.text).slice(1)).toEqual(['Công ty "A"']);
    expect(byCode('0312345678', 'outsider').children.map((c) => c.name)).toEqual(['id', 'name']); // no subsystem name: none written
  });

  it('PR-META §2, Annex B/C.1: listClients answers JSON when Accept names application/json; any other Accept gets XML', async () => {
    for (const accept of ['application/json', 'text/html, application/json;q=0.5']) {
      const r = await request(`${p.gatewayUrl}/listClients`, { headers: { accept } });
      expect([accept, r.headers['content-type']]).toEqual([accept, 'application/json; charset=utf-8']);
      const list = await r.body.json() as { member: { id: Record<string, string>; name?: string; subsystem_name?: string }[] };
      expect(list.member).toContainEqual({ id: { object_type: 'MEMBER', xroad_instance: p.instance, member_class: 'COM', member_code: '0312345678' }, name: 'Công ty "A"' });
      expect(list.member).toContainEqual({
        id: { object_type: 'SUBSYSTEM', xroad_instance: p.instance, member_class: 'GOV', member_code: '000.00.00.M01', subsystem_code: 'provider' },
        name: 'Sở Tư pháp & Hộ tịch <tỉnh>', subsystem_name: 'Hệ thống hộ tịch',
      });
    }
    for (const accept of ['application/xml', '*/*', 'text/plain']) {
      const r = await request(`${p.gatewayUrl}/listClients`, { headers: { accept } });
      expect([accept, r.headers['content-type']]).toEqual([accept, 'text/xml; charset=utf-8']);
      expect(qname(parseXml(await r.body.text()))).toBe(`{${XROAD_NS}}clientList`);
    }
    // Another instance's clients (xRoadInstance): this platform knows none.
    const other = await request(`${p.gatewayUrl}/listClients?xRoadInstance=OTHER`);
    expect(parseXml(await other.body.text()).children).toEqual([]);
  });

  it('PR-MREST §3, Annex B.1: listMethods entries carry object_type SERVICE and every identifier field; path parameters are "*"; no metaservice is listed', async () => {
    const r = await meta('listMethods', X);
    expect(r.statusCode).toBe(200);
    const body = await r.body.json() as { service: Record<string, unknown>[] };
    expect(body.service.map((s) => s.service_code).sort()).toEqual(['echo', 'pets']);
    const pets = body.service.find((s) => s.service_code === 'pets')!;
    expect(pets).toEqual({
      xroad_instance: p.instance, member_class: 'GOV', member_code: '000.00.00.M01', subsystem_code: 'provider',
      service_code: 'pets', service_type: 'OPENAPI', object_type: 'SERVICE', endpoint_list: expect.any(Array),
    });
    expect((pets.endpoint_list as { method: string; path: string }[]).map((e) => `${e.method} ${e.path}`).sort())
      .toEqual(['DELETE /pets/*', 'GET /files/*', 'GET /pets', 'GET /pets/*', 'GET /pets/*/photos/*', 'POST /pets']);
    expect(body.service.find((s) => s.service_code === 'echo')).toMatchObject({ service_type: 'REST', object_type: 'SERVICE', endpoint_list: [] });
  });

  it('PR-MREST §3, Annex B.2: allowedMethods lists only what the client may call, in the same shape, "*" for parameters', async () => {
    const forE = await (await meta('allowedMethods', E)).body.json() as { service: Record<string, unknown>[] };
    expect(forE.service).toEqual([{
      xroad_instance: p.instance, member_class: 'GOV', member_code: '000.00.00.M01', subsystem_code: 'provider',
      service_code: 'pets', service_type: 'OPENAPI', object_type: 'SERVICE', endpoint_list: [{ method: 'GET', path: '/pets/*' }],
    }]);
    const forC = await (await meta('allowedMethods', C)).body.json() as { service: Record<string, unknown>[] };
    expect(forC.service.map((s) => [s.service_code, s.object_type])).toEqual([['echo', 'SERVICE']]);
    const forX = await (await meta('allowedMethods', X)).body.json() as { service: unknown[] };
    expect(forX.service).toEqual([]);
  });

  it('PR-MREST §4: getOpenAPI never exposes the backend\'s address: every servers[].url keeps only its path', async () => {
    const r = await meta('getOpenAPI?serviceCode=pets', E);
    expect(r.statusCode).toBe(200);
    const text = await r.body.text();
    for (const leak of ['10.20.30.40', 'backend.internal', '8443', new URL(backend.url).host]) expect([leak, text.includes(leak)]).toEqual([leak, false]);
    const doc = JSON.parse(text) as typeof PETS & { servers: { url: string; variables?: object; description?: string }[] };
    expect(doc.servers).toEqual([{ url: '/api/v1', description: 'production' }, { url: '/v2/{stage}', variables: { stage: { default: 'live' } } }]);
    expect(doc.paths['/pets/{petId}'].servers).toEqual([{ url: '/api' }]);
    expect(doc.paths['/pets/{petId}/photos/{photoId}'].get.servers).toEqual([{ url: '/img' }]);
    // The rest of the document is the provider's, unchanged.
    expect(Object.keys(doc.paths)).toEqual(Object.keys(PETS.paths));
    expect(doc.paths['/pets'].get).toEqual({ operationId: 'list' });
  });

  it('PR-MREST §4: getOpenAPI answers any client holding a right on the service (one endpoint is enough), and the provider itself; nobody else', async () => {
    const ok = await meta('getOpenAPI?serviceCode=pets', E);
    expect([ok.statusCode, ((await ok.body.json()) as { info: { title: string } }).info.title]).toEqual([200, 'pets']);
    const own = await meta('getOpenAPI?serviceCode=pets', P);
    expect([own.statusCode, ((await own.body.json()) as { info: { title: string } }).info.title]).toEqual([200, 'pets']);
    for (const who of [C, X]) { // C holds a right on echo only
      const denied = await meta('getOpenAPI?serviceCode=pets', who);
      expectFault(denied.statusCode, denied.headers, await denied.body.text(), { status: 500, type: 'Server.ServerProxy.AccessDenied' });
    }
  });

  // PR-MREST §5 and Annex A: getOpenAPI answers 400 "Error in request" or 500 "Internal error".
  // X-Road's reference security server (RestMetadataServiceHandlerImpl) raises InvalidRequest for a
  // missing serviceCode, and InternalError for a service code it does not know or whose service
  // has no OpenAPI description ("Invalid service type"): the fault a client sees is
  // Server.ServerProxy.InternalError with 500 (PR-REST §4.6: the server side failed).
  it('PR-MREST §5, Annex A: getOpenAPI without serviceCode is 400; for a service without an OpenAPI description, or an unknown one, 500 Server.ServerProxy.InternalError', async () => {
    const none = await meta('getOpenAPI', C);
    expectFault(none.statusCode, none.headers, await none.body.text(), { status: 400, type: 'Client.BadRequest' });
    const empty = await meta('getOpenAPI?serviceCode=', C);
    expectFault(empty.statusCode, empty.headers, await empty.body.text(), { status: 400, type: 'Client.BadRequest' });
    // C holds a right on `echo`, a REST service registered without a description.
    const noDoc = await meta('getOpenAPI?serviceCode=echo', C);
    const noDocBody = await noDoc.body.text();
    expectFault(noDoc.statusCode, noDoc.headers, noDocBody, { status: 500, type: 'Server.ServerProxy.InternalError' });
    expect(JSON.parse(noDocBody)).toMatchObject({ code: 'SERVICE_DESCRIPTION_UNAVAILABLE', message: expect.stringMatching(/no OpenAPI description/) });
    const unknown = await meta('getOpenAPI?serviceCode=nope', C);
    const unknownBody = await unknown.body.text();
    expectFault(unknown.statusCode, unknown.headers, unknownBody, { status: 500, type: 'Server.ServerProxy.InternalError' });
    expect(JSON.parse(unknownBody).message).toMatch(/Service not found/);
    // The rights come first: a client without one learns nothing about the description.
    const outsider = await meta('getOpenAPI?serviceCode=echo', X);
    expectFault(outsider.statusCode, outsider.headers, await outsider.body.text(), { status: 500, type: 'Server.ServerProxy.AccessDenied' });
  });

  it('PR-REST §4.3: X-Road-Security-Server naming this platform (parts percent-decoded) is honoured; the request is served', async () => {
    const self = `${p.instance}/GOV/LGSP/${encodeURIComponent(SERVER_CODE)}`;
    expect(self).toContain('%2B');
    // Percent-decoding is per path segment: "+" stays "+", so the unencoded form names it too.
    for (const named of [self, `${p.instance}/GOV/LGSP/${SERVER_CODE}`]) {
      const before = backend.seen.length;
      const r = await request(`${p.gatewayUrl}/r1/${p.instance}/${P}/echo/x`, { headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': keys[C], 'x-road-security-server': named } });
      await r.body.dump();
      expect([named, r.statusCode]).toEqual([named, 200]);
      expect(backend.seen.length).toBe(before + 1);
    }
    const lm = await meta('listMethods', C, { 'x-road-security-server': self });
    await lm.body.dump();
    expect(lm.statusCode).toBe(200);
  });

  it('PR-REST §4.3: X-Road-Security-Server naming another security server gets X-Road\'s client-proxy fault, 500 Server.ClientProxy.InvalidSecurityServer, and no backend call', async () => {
    for (const other of [`${p.instance}/GOV/LGSP/SS2`, `${p.instance}/GOV/000.00.00.M01/${encodeURIComponent(SERVER_CODE)}`, `OTHER/GOV/LGSP/${encodeURIComponent(SERVER_CODE)}`]) {
      const before = backend.seen.length;
      const r = await request(`${p.gatewayUrl}/r1/${p.instance}/${P}/echo/x`, { headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': keys[C], 'x-road-security-server': other } });
      const text = await r.body.text();
      expectFault(r.statusCode, r.headers, text, { status: 500, type: 'Server.ClientProxy.InvalidSecurityServer' });
      expect(backend.seen.length).toBe(before);
    }
    const m = await meta('getOpenAPI?serviceCode=pets', E, { 'x-road-security-server': `${p.instance}/GOV/LGSP/SS2` });
    expectFault(m.statusCode, m.headers, await m.body.text(), { status: 500, type: 'Server.ClientProxy.InvalidSecurityServer' });
  });

  it('PR-REST §4.3, §4.8: a malformed X-Road-Security-Server (not four parts, characters outside X-Road\'s, bad percent-encoding) is a 400 Client.BadRequest', async () => {
    for (const bad of [`${p.instance}/GOV/LGSP`, `${p.instance}/GOV/LGSP/SS1/extra`, `${p.instance}/GOV/LGSP/S*S`, `${p.instance}/GOV/LGSP/%zz`, `${p.instance}//LGSP/SS1`, `${p.instance}/GOV/LGSP/%2F`]) {
      const before = backend.seen.length;
      const r = await request(`${p.gatewayUrl}/r1/${p.instance}/${P}/echo/x`, { headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': keys[C], 'x-road-security-server': bad } });
      const text = await r.body.text();
      expect([bad, r.statusCode]).toEqual([bad, 400]);
      expectFault(r.statusCode, r.headers, text, { status: 400, type: 'Client.BadRequest' });
      expect(backend.seen.length).toBe(before);
    }
  });
});

describe('every platform error under /r1 is an X-Road fault (PR-REST 1.0.4 §4.6)', () => {
  let p: TestPlatform;
  let backend: TestBackend;
  let key = '';
  const target = () => `/r1/${p.instance}/${P}/echo/x`;

  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform({ env: { VAMCO_MAX_BODY_BYTES: '1024', VAMCO_HEADERS_TIMEOUT: '2s', VAMCO_REQUEST_TIMEOUT: '3s' } });
    key = await registerPair(p, { provider: P, client: C, service: 'echo', url: backend.url });
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
  });

  it('§4.6 category 3: a request Node cannot parse (bad header line) is a 400 Client.BadRequest fault, not a problem', async () => {
    const out = await raw(p.gatewayUrl, `GET ${target()} HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n`);
    expectFault(statusOf(out), { 'x-road-error': headerOf(out, 'x-road-error'), 'content-type': headerOf(out, 'content-type') }, bodyOf(out), { status: 400, type: 'Client.BadRequest' });
  });

  it('§4.6: the fault of an unparsable request follows its Accept when it could be read (XML for text/xml)', async () => {
    const out = await raw(p.gatewayUrl, `GET ${target()} HTTP/1.1\r\nHost: x\r\nAccept: text/xml\r\ncontent-length: x\r\n\r\n`);
    expect([statusOf(out), headerOf(out, 'content-type'), headerOf(out, 'x-road-error')]).toEqual([400, 'text/xml; charset=utf-8', 'Client.BadRequest']);
    const root = parseXml(bodyOf(out));
    expect([root.name, root.children.map((c) => c.name), root.children[0].text]).toEqual(['error', ['type', 'message', 'detail'], 'Client.BadRequest']);
  });

  it('§4.6 category 3: request headers over the limit are a 400 Client.BadRequest fault (not a bare 431)', async () => {
    const out = await raw(p.gatewayUrl, `GET ${target()} HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    expectFault(statusOf(out), { 'x-road-error': headerOf(out, 'x-road-error'), 'content-type': headerOf(out, 'content-type') }, bodyOf(out), { status: 400, type: 'Client.BadRequest' });
  });

  it('§4.6 category 3: headers that never finish arriving get a 400 Client.BadRequest fault when the platform gives up (not a bare 408)', async () => {
    // The connection stays open (no end of headers) until the platform answers and closes it.
    const out = await raw(p.gatewayUrl, `GET ${target()} HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${p.instance}/${C}\r\n`, { keepOpenMs: 60_000 });
    expectFault(statusOf(out), { 'x-road-error': headerOf(out, 'x-road-error'), 'content-type': headerOf(out, 'content-type') }, bodyOf(out), { status: 400, type: 'Client.BadRequest' });
    expect(JSON.parse(bodyOf(out)).message).toMatch(/not received in time/);
  }, 60_000);

  it('§4.6 with Vamco\'s extension: a body over the limit keeps 413 and is a fault (type = X-Road-Error = Client.PayloadTooLarge)', async () => {
    const before = backend.seen.length;
    const r = await request(`${p.gatewayUrl}${target()}`, { method: 'POST', body: Buffer.alloc(4096, 0x61), headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': key, 'content-type': 'text/plain' } });
    expectFault(r.statusCode, r.headers, await r.body.text(), { status: 413, type: 'Client.PayloadTooLarge' });
    expect(backend.seen.length).toBe(before);
  });

  it('§4.6 category 3: malformed or unknown targets under /r1 are 400 faults (InvalidPath, NotFound), never problem+json', async () => {
    const cases: [string, string][] = [
      [`/r1/${p.instance}/GOV`, 'Client.InvalidPath'],
      [`/r1/${p.instance}/GOV/%zz/provider/echo/x`, 'Client.InvalidPath'],
      [`/r1/${p.instance}/${P}/echo/a/../../b`, 'Client.InvalidPath'],
      ['/r1', 'Client.NotFound'],
      ['/r1?x=1', 'Client.NotFound'],
    ];
    for (const [path, type] of cases) {
      const out = await raw(p.gatewayUrl, `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${p.instance}/${C}\r\nX-API-Key: ${key}\r\nConnection: close\r\n\r\n`);
      expect([path, headerOf(out, 'x-road-error')]).toEqual([path, type]);
      expectFault(statusOf(out), { 'x-road-error': headerOf(out, 'x-road-error'), 'content-type': headerOf(out, 'content-type') }, bodyOf(out), { status: 400, type });
    }
  });

  it('§4.3 (Expect), §4.6: an expectation other than 100-continue is a 400 Client.BadRequest fault, not Node\'s bare 417', async () => {
    const out = await raw(p.gatewayUrl, `GET ${target()} HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${p.instance}/${C}\r\nX-API-Key: ${key}\r\nExpect: 200-ok\r\n\r\n`);
    expectFault(statusOf(out), { 'x-road-error': headerOf(out, 'x-road-error'), 'content-type': headerOf(out, 'content-type') }, bodyOf(out), { status: 400, type: 'Client.BadRequest' });
  });

  it('/token is OAuth2, not X-Road: its unparsable requests keep problem+json', async () => {
    const out = await raw(p.gatewayUrl, 'POST /token HTTP/1.1\r\nHost: x\r\ncontent-length: x\r\n\r\n');
    expect([statusOf(out), headerOf(out, 'content-type'), headerOf(out, 'x-road-error')]).toEqual([400, 'application/problem+json', undefined]);
    expect(JSON.parse(bodyOf(out)).code).toBe('BAD_REQUEST');
  });
});

describe('the pre-authentication limit on /r1 answers X-Road faults (PR-REST 1.0.4 §4.6)', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ env: { VAMCO_PREAUTH_FAILURES: '3', VAMCO_PREAUTH_WINDOW: '60s' } });
  }, 120_000);
  afterAll(async () => { await p?.stop(); });

  it('§4.6 with Vamco\'s extension: an address refused unheard gets 429 + Retry-After and a fault (type = X-Road-Error = Server.ServerProxy.RateLimited)', async () => {
    const call = () => request(`${p.gatewayUrl}/r1/${p.instance}/${P}/echo/x`, { headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': 'vmk_wrong' } });
    for (let i = 0; i < 3; i++) {
      const r = await call();
      expectFault(r.statusCode, r.headers, await r.body.text(), { status: 400, type: 'Client.InvalidCredentials' });
    }
    const refused = await call();
    expectFault(refused.statusCode, refused.headers, await refused.body.text(), { status: 429, type: 'Server.ServerProxy.RateLimited' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });
});
