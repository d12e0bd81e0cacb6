// A SOAP national database republished through the province (issue 16), against a stand-in
// written here: a real HTTP server on port 0 answering the WSDL of test/fixtures/congdan.wsdl
// and checking the population database's signed scheme (reference national-platforms.md,
// "National databases": a Timestamp header and HTTP Basic whose password is SHA-256 over URL,
// user, timestamp and secret). Rules: SOAP 1.1 section 6.1.1 (SOAPAction header, quoted), 6.2
// and SOAP 1.2 part 2, 7.5.1 (a fault comes with HTTP 500), WSDL 1.1 section 3.4 (document/
// literal: the Body's element is the operation's input element).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto from 'node:crypto';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { searchMessages } from '../src/audit/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WSDL_FILE = path.join(here, 'fixtures/congdan.wsdl');
const NS = 'urn:vn:gov:dancu:congdan:1.0';
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const OP = 'GOV/000.00.00.H80/lgsp';
const A1 = 'GOV/000.00.00.H81/motcua';
const A2 = 'GOV/000.00.00.H82/congan';
const SVC = `${OP}/congdan`;
const USER = 'lgsp-tayninh';
const SECRET = 'c06-shared-secret-2026';

interface Seen { headers: http.IncomingHttpHeaders; body: string; signatureOk: boolean }

/** The population database's stand-in: checks the signature, answers by operation. */
async function startPopulationDb() {
  const seen: Seen[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ts = String(req.headers.timestamp ?? '');
      const expected = crypto.createHash('sha256').update(`${base}${req.url}${USER}${ts}${SECRET}`).digest('hex');
      const signatureOk = req.headers.authorization === `Basic ${Buffer.from(`${USER}:${expected}`).toString('base64')}` && /^\d{14}$/.test(ts);
      seen.push({ headers: req.headers, body, signatureOk });
      const soap12 = body.includes(SOAP12);
      const env = soap12 ? SOAP12 : SOAP11;
      const send = (status: number, inner: string) => {
        const xml = `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${env}"><s:Body>${inner}</s:Body></s:Envelope>`;
        res.writeHead(status, { 'content-type': soap12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8' });
        res.end(xml);
      };
      if (!signatureOk) return send(500, `<s:Fault><faultcode>s:Client</faultcode><faultstring>Sai chữ ký</faultstring></s:Fault>`);
      const id = /soDinhDanh>([^<]*)</.exec(body)?.[1];
      if (/TraCuuCongDan[\s>]/.test(body)) {
        if (id === '000000000000') {
          return send(500, `<s:Fault><faultcode>s:Client</faultcode><faultstring>Không tìm thấy công dân</faultstring><detail><maLoi>04</maLoi></detail></s:Fault>`);
        }
        return send(200, `<r:TraCuuCongDanResponse xmlns:r="${NS}"><r:maKetQua>01</r:maKetQua><r:congDan><r:soDinhDanh>${id}</r:soDinhDanh><r:hoTen>Nguyễn Văn A</r:hoTen><r:ngaySinh>2003-02-01</r:ngaySinh><r:gioiTinh>01</r:gioiTinh><r:noiThuongTru><r:maTinh>01</r:maTinh><r:maXa>00004</r:maXa></r:noiThuongTru><r:soThanhVienHo>004</r:soThanhVienHo><r:daKetHon>false</r:daKetHon><r:giayTo>CCCD</r:giayTo></r:congDan></r:TraCuuCongDanResponse>`);
      }
      send(200, `<r:XacThucCongDanResponse xmlns:r="${NS}"><r:hopLe>true</r:hopLe><r:maKetQua>00</r:maKetQua></r:XacThucCongDanResponse>`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, seen, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const envelope11 = (inner: string, prolog = '') => `<?xml version="1.0" encoding="UTF-8"?>${prolog}<soapenv:Envelope xmlns:soapenv="${SOAP11}" xmlns:cd="${NS}"><soapenv:Header/><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
const traCuu = (id: string) => `<cd:TraCuuCongDan><cd:soDinhDanh>${id}</cd:soDinhDanh><cd:maTinh>80</cd:maTinh></cd:TraCuuCongDan>`;
const xacThuc = `<cd:XacThucCongDan><cd:soDinhDanh>079203000001</cd:soDinhDanh><cd:hoTen>Nguyễn Văn A</cd:hoTen><cd:ngaySinh>2003-02-01</cd:ngaySinh></cd:XacThucCongDan>`;

describe('a SOAP national service through the province: pass-through and JSON', () => {
  let p: TestPlatform;
  let db: Awaited<ReturnType<typeof startPopulationDb>>;
  const keys: Record<string, string> = {};

  const soap = (client: string, xml: string, headers: Record<string, string> = {}) =>
    request(`${p.gatewayUrl}/r1/${p.instance}/${SVC}`, {
      method: 'POST', body: xml,
      headers: { 'x-road-client': `${p.instance}/${client}`, 'x-api-key': keys[client], 'content-type': 'text/xml; charset=utf-8', ...headers },
    });
  const json = (client: string, operation: string, body: unknown) =>
    request(`${p.gatewayUrl}/r1/${p.instance}/${SVC}/${operation}`, {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'x-road-client': `${p.instance}/${client}`, 'x-api-key': keys[client], 'content-type': 'application/json' },
    });

  beforeAll(async () => {
    db = await startPopulationDb();
    p = await startTestPlatform();
    for (const [code, name] of [['000.00.00.H80', 'UBND tỉnh (LGSP)'], ['000.00.00.H81', 'Văn phòng UBND tỉnh'], ['000.00.00.H82', 'Công an tỉnh']]) {
      await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name });
    }
    for (const s of [OP, A1, A2]) expect((await p.admin('POST', '/api/v1/subsystems', { id: s })).status).toBe(201);
    const secretFile = path.join(p.dataDir, 'c06.secret');
    const templateFile = path.join(p.dataDir, 'c06-template.json');
    fs.writeFileSync(secretFile, SECRET + '\n', { mode: 0o600 });
    fs.writeFileSync(templateFile, JSON.stringify({
      algorithm: 'sha256', input: ['url', 'user', 'timestamp', 'secret'], separator: '', encoding: 'hex', timestamp: 'yyyyMMddHHmmss',
      headers: { Timestamp: '{timestamp}', Authorization: 'Basic {basic}' },
    }));
    await p.cli(['service', 'add', SVC, '--url', `${db.url}/ws/CongDan`, '--wsdl', WSDL_FILE,
      '--backend-auth', 'signed', '--user', USER, '--secret-file', secretFile, '--template', templateFile]);
    // Per operation: the one-stop shop may look citizens up, the police only authenticate them.
    await p.cli(['access', 'grant', SVC, A1, '--endpoint', 'POST /TraCuuCongDan']);
    await p.cli(['access', 'grant', SVC, A2, '--endpoint', 'POST /XacThucCongDan']);
    for (const a of [A1, A2]) keys[a] = (await p.admin('POST', '/api/v1/keys', { subsystem: a })).body.key;
    await p.snapshots.poll();
  });
  afterAll(async () => {
    await p?.stop();
    await db?.close();
  });

  it('registers the WSDL\'s operations as the service\'s endpoints', async () => {
    const svc = (await p.admin('GET', `/api/v1/services/${encodeURIComponent(SVC)}`)).body;
    // PR-MREST listMethods: service_type REST|OPENAPI|WSDL.
    expect(svc.type).toBe('WSDL');
    expect(svc.endpoints.map((e: { method: string; path: string }) => `${e.method} ${e.path}`)).toEqual(['POST /TraCuuCongDan', 'POST /XacThucCongDan']);
    expect(svc.backendAuth).toMatchObject({ scheme: 'signed', user: USER, secretSet: true });
    expect(JSON.stringify(svc)).not.toContain(SECRET);
    const lm = await request(`${p.gatewayUrl}/r1/${p.instance}/${OP}/listMethods`, { headers: { 'x-road-client': `${p.instance}/${A1}`, 'x-api-key': keys[A1] } });
    const listed = (await lm.body.json() as { service: { service_code: string; service_type: string; endpoint_list: unknown[] }[] }).service.find((x) => x.service_code === 'congdan');
    expect(listed).toMatchObject({ service_type: 'WSDL', endpoint_list: [{ method: 'POST', path: '/TraCuuCongDan' }, { method: 'POST', path: '/XacThucCongDan' }] });
  });

  it('passes a granted operation\'s envelope through, signed, and relays the answer as the backend sent it', async () => {
    const before = db.seen.length;
    const action = `"${NS}/TraCuuCongDan"`;
    const r = await soap(A1, envelope11(traCuu('079203000001')), { soapaction: action });
    const text = await r.body.text();
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(text).toContain('<r:maKetQua>01</r:maKetQua>');
    const got = db.seen[before];
    expect(got.signatureOk).toBe(true);
    expect(got.headers.soapaction).toBe(action);
    expect(got.body).toBe(envelope11(traCuu('079203000001')));
    expect(got.headers['x-road-client']).toBe(`${p.instance}/${A1}`);
    await p.messageLog.flush(); // records reach the store from the node's journal
    const rec = (await searchMessages(p.store, { messageId: r.headers['x-road-id'] as string })).items[0];
    expect(rec).toMatchObject({ status: 200, upstream: { scheme: 'signed', status: 200, attempts: 1, tokenId: null } });
    expect(rec.requestDigest).toBe(crypto.createHash('sha256').update(envelope11(traCuu('079203000001'))).digest('hex'));
  });

  it('refuses an operation the client was not granted, and a SOAPAction that names another operation than the body', async () => {
    const before = db.seen.length;
    const denied = await soap(A1, envelope11(xacThuc));
    // X-Road answers an access denial as a server fault (500, Server.ServerProxy.AccessDenied).
    expect(denied.statusCode).toBe(500);
    expect(await denied.body.json()).toMatchObject({ type: 'Server.ServerProxy.AccessDenied', code: 'ACCESS_DENIED', message: expect.stringContaining('operation XacThucCongDan') });
    // A2 may authenticate; a look-up body dressed with the authenticate action is refused.
    const disguised = await soap(A2, envelope11(traCuu('079203000001')), { soapaction: `"${NS}/XacThucCongDan"` });
    expect(disguised.statusCode).toBe(400);
    expect(await disguised.body.json()).toMatchObject({ code: 'BAD_REQUEST' });
    const ok = await soap(A2, envelope11(xacThuc));
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    expect(db.seen.length).toBe(before + 1);
    // The JSON endpoint of an operation not granted is refused the same way.
    const j = await json(A1, 'XacThucCongDan', { soDinhDanh: '079203000001', hoTen: 'A', ngaySinh: '2003-02-01' });
    expect(j.statusCode).toBe(500);
    expect(j.headers['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
    await j.body.dump();
    expect(db.seen.length).toBe(before + 1);
  });

  it('passes SOAP 1.2 through, the action in the media type', async () => {
    const xml = `<e:Envelope xmlns:e="${SOAP12}" xmlns:cd="${NS}"><e:Body>${xacThuc}</e:Body></e:Envelope>`;
    const r = await soap(A2, xml, { 'content-type': `application/soap+xml; charset=utf-8; action="${NS}/XacThucCongDan"` });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/soap+xml; charset=utf-8');
    expect(await r.body.text()).toContain('<r:hopLe>true</r:hopLe>');
  });

  it('relays a SOAP fault through pass-through as the backend sent it', async () => {
    const r = await soap(A1, envelope11(traCuu('000000000000')));
    expect(r.statusCode).toBe(500);
    expect(r.headers['x-road-error']).toBeUndefined();
    expect(await r.body.text()).toContain('<faultstring>Không tìm thấy công dân</faultstring>');
  });

  it('refuses XML with a DTD or an external entity before the backend sees it', async () => {
    const before = db.seen.length;
    for (const prolog of ['<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', '<!DOCTYPE soapenv:Envelope SYSTEM "http://127.0.0.1:9/evil.dtd">']) {
      const r = await soap(A1, envelope11(traCuu('&xxe;'), prolog));
      expect(r.statusCode).toBe(400);
      expect(await r.body.json()).toMatchObject({ code: 'INVALID_XML' });
    }
    expect(db.seen.length).toBe(before);
  });

  it('JSON in, JSON out: the operation\'s envelope is built from the WSDL, codes like "01" stay strings', async () => {
    const before = db.seen.length;
    const r = await json(A1, 'TraCuuCongDan', { soDinhDanh: '079203000001', maTinh: '01' });
    const body = await r.body.json();
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(body).toEqual({
      maKetQua: '01',
      congDan: {
        soDinhDanh: '079203000001', hoTen: 'Nguyễn Văn A', ngaySinh: '2003-02-01', gioiTinh: '01',
        noiThuongTru: { maTinh: '01', maXa: '00004' }, soThanhVienHo: 4, daKetHon: false, giayTo: ['CCCD'],
      },
    });
    const got = db.seen[before];
    expect(got.signatureOk).toBe(true);
    expect(got.headers.soapaction).toBe(`"${NS}/TraCuuCongDan"`);
    expect(got.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(got.body).toContain(`<ns0:soDinhDanh>079203000001</ns0:soDinhDanh><ns0:maTinh>01</ns0:maTinh>`);
    await p.messageLog.flush(); // records reach the store from the node's journal
    const rec = (await searchMessages(p.store, { messageId: r.headers['x-road-id'] as string })).items[0];
    expect(rec).toMatchObject({ status: 200, upstream: { scheme: 'signed', status: 200 } });
  });

  it('JSON calls: a SOAP fault becomes the platform\'s fault; a body off the schema is refused with the field named', async () => {
    const f = await json(A1, 'TraCuuCongDan', { soDinhDanh: '000000000000', maTinh: '01' });
    expect(f.statusCode).toBe(500);
    expect(f.headers['x-road-error']).toBe('Server.ServerProxy.ServiceFailed.Fault');
    expect(await f.body.json()).toMatchObject({
      type: 'Server.ServerProxy.ServiceFailed.Fault', code: 'UPSTREAM_FAULT', message: expect.stringContaining('Không tìm thấy công dân'),
      fault: { code: 's:Client', message: 'Không tìm thấy công dân', detail: { maLoi: '04' } },
    });
    const before = db.seen.length;
    const bad = await json(A1, 'TraCuuCongDan', { soDinhDanh: '079203000001', maTinh: 1 });
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^maTinh: must be a string/) });
    const notJson = await request(`${p.gatewayUrl}/r1/${p.instance}/${SVC}/TraCuuCongDan`, { method: 'POST', body: '<x/>', headers: { 'x-road-client': `${p.instance}/${A1}`, 'x-api-key': keys[A1] } });
    expect(notJson.statusCode).toBe(400);
    await notJson.body.dump();
    expect(db.seen.length).toBe(before);
  });
});
