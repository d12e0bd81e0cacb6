import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseWsdl, findOperation } from './wsdl.js';
import { scanEnvelopeHead, requestAction, SOAP11, SOAP12 } from './envelope.js';
import { mediatedRequest, mediatedAnswer } from './mediation.js';
import { parseXml, assertNoDtd } from './xml.js';
import { jsonToXml, xmlToJson } from './mapping.js';
import { VamcoError } from '../core/errors.js';

const WSDL = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/congdan.wsdl'), 'utf8');
const NS = 'urn:vn:gov:dancu:congdan:1.0';
const model = parseWsdl(WSDL);
const op = (n: string) => model.operations.find((o) => o.name === n)!;
const err = (f: () => unknown) => { try { f(); return 'accepted'; } catch (e) { return `${(e as VamcoError).code}: ${(e as Error).message}`; } };

const env11 = (body: string, header = '') => `<?xml version="1.0"?><s:Envelope xmlns:s="${SOAP11}">${header}<s:Body>${body}</s:Body></s:Envelope>`;

describe('WSDL 1.1', () => {
  it('reads operations, actions, body elements, the binding version and the address', () => {
    expect(model.version).toBe('1.1');
    expect(model.address).toBe('http://csdldc.example.gov.vn/ws/CongDan');
    expect(model.operations.map((o) => [o.name, o.soapAction, o.input?.local, o.output?.local, o.noMediation])).toEqual([
      ['TraCuuCongDan', `${NS}/TraCuuCongDan`, 'TraCuuCongDan', 'TraCuuCongDanResponse', null],
      ['XacThucCongDan', `${NS}/XacThucCongDan`, 'XacThucCongDan', 'XacThucCongDanResponse', null],
    ]);
    const req = op('TraCuuCongDan').request!;
    expect(req.type.kind === 'complex' && req.type.children.map((c) => [c.name, c.ns, c.min])).toEqual([['soDinhDanh', NS, 1], ['maTinh', NS, 1], ['lyDo', NS, 0]]);
  });

  it('refuses a WSDL with a DTD, WSDL 2.0, and one whose schema lives elsewhere keeps pass-through only', () => {
    expect(err(() => parseWsdl('<!DOCTYPE d [<!ENTITY x SYSTEM "http://evil/">]>' + WSDL.replace(/^<\?xml[^>]*>/, '')))).toMatch(/^VALIDATION_FAILED: .*DTD/);
    expect(err(() => parseWsdl('<description xmlns="http://www.w3.org/ns/wsdl"/>'))).toMatch(/WSDL 2.0 is not supported/);
    const external = WSDL.replace(/<wsdl:types>[\s\S]*<\/wsdl:types>/, '<wsdl:types><xs:schema><xs:import namespace="urn:x" schemaLocation="http://elsewhere/cd.xsd"/></xs:schema></wsdl:types>');
    const m = parseWsdl(external);
    expect(m.operations[0].noMediation).toMatch(/never fetched: http:\/\/elsewhere\/cd.xsd/);
    expect(m.operations[0].input).toEqual({ ns: NS, local: 'TraCuuCongDan' });
  });
});

describe('a passing SOAP message', () => {
  const body = `<c:TraCuuCongDan xmlns:c="${NS}"><c:soDinhDanh>079203000001</c:soDinhDanh><c:maTinh>01</c:maTinh></c:TraCuuCongDan>`;

  it('is recognised by its body element, through a header and at any cut of its bytes', () => {
    const text = env11(body, `<s:Header><h:Trace xmlns:h="urn:h"><h:id>1</h:id><h:Body/></h:Trace></s:Header>`);
    const want = { version: '1.1', body: { ns: NS, local: 'TraCuuCongDan' } };
    expect(scanEnvelopeHead(text, true)).toEqual(want);
    const at = text.indexOf('<c:TraCuuCongDan') + '<c:TraCuuCongDan xmlns:c="'.length + NS.length + 2;
    for (let cut = 0; cut < at; cut++) expect(scanEnvelopeHead(text.slice(0, cut), false)).toBeNull();
    expect(scanEnvelopeHead(text.slice(0, at), false)).toEqual(want);
    const v12 = `<e:Envelope xmlns:e="${SOAP12}" xmlns:c="${NS}"><e:Body><c:XacThucCongDan/></e:Body></e:Envelope>`;
    expect(scanEnvelopeHead(v12, true)).toEqual({ version: '1.2', body: { ns: NS, local: 'XacThucCongDan' } });
  });

  it('refuses a DTD, an external entity, a non-envelope and an empty body', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${env11(body).replace(/^<\?xml[^>]*>/, '')}`;
    expect(err(() => scanEnvelopeHead(xxe, false))).toMatch(/^INVALID_XML: .*never resolves external entities/);
    expect(err(() => scanEnvelopeHead(xxe.slice(0, 30), false))).toMatch(/^INVALID_XML/);
    expect(err(() => scanEnvelopeHead('<x/>', true))).toMatch(/Not a SOAP envelope/);
    expect(err(() => scanEnvelopeHead(env11(''), true))).toMatch(/Body is empty/);
    expect(err(() => scanEnvelopeHead(`<s:Envelope xmlns:s="${SOAP11}"><s:Body/></s:Envelope>`, true))).toMatch(/Body is empty/);
    expect(err(() => scanEnvelopeHead(env11(body).slice(0, 60), true))).toMatch(/ends before/);
    expect(err(() => parseXml('<a>&xxe;</a>'))).toMatch(/^INVALID_XML: XML uses an undefined entity &xxe;/);
    expect(err(() => assertNoDtd('<a><![CDATA[<!DOCTYPE is text here>]]><!-- <!ENTITY too --></a>'))).toBe('accepted');
  });

  it('names its operation; a SOAPAction naming another operation is refused', () => {
    const head = scanEnvelopeHead(env11(body), true)!;
    expect(findOperation(model, head, null, 'svc').name).toBe('TraCuuCongDan');
    expect(findOperation(model, head, `${NS}/TraCuuCongDan`, 'svc').name).toBe('TraCuuCongDan');
    expect(findOperation(model, head, 'urn:something-else', 'svc').name).toBe('TraCuuCongDan');
    expect(err(() => findOperation(model, head, `${NS}/XacThucCongDan`, 'svc'))).toMatch(/^BAD_REQUEST: SOAPAction .* names operation XacThucCongDan, but the body is the input of TraCuuCongDan/);
    expect(err(() => findOperation(model, { version: '1.1', body: { ns: NS, local: 'XoaCongDan' } }, null, 'svc'))).toMatch(/not the input of any operation of svc/);
    expect(requestAction({ soapaction: '"urn:a"' })).toBe('urn:a');
    expect(requestAction({ 'content-type': 'application/soap+xml; charset=utf-8; action="urn:b"' })).toBe('urn:b');
  });
});

describe('JSON mediation', () => {
  it('builds the request element in schema order with codes kept as strings', () => {
    const r = mediatedRequest(model, op('TraCuuCongDan'), { maTinh: '01', soDinhDanh: '079203000001' });
    const xml = r.body.toString();
    expect(r.headers).toEqual({ 'content-type': 'text/xml; charset=utf-8', soapaction: `"${NS}/TraCuuCongDan"` });
    expect(xml).toContain(`<ns0:TraCuuCongDan xmlns:ns0="${NS}"><ns0:soDinhDanh>079203000001</ns0:soDinhDanh><ns0:maTinh>01</ns0:maTinh></ns0:TraCuuCongDan>`);
    const back = parseXml(xml);
    expect(back.ns).toBe(SOAP11);
  });

  it('refuses a body that does not fit the schema, naming the field', () => {
    const req = (j: unknown) => err(() => mediatedRequest(model, op('TraCuuCongDan'), j));
    expect(req({ soDinhDanh: '1' })).toBe('VALIDATION_FAILED: maTinh: is required');
    expect(req({ soDinhDanh: '1', maTinh: 1 })).toMatch(/^VALIDATION_FAILED: maTinh: must be a string .*"01"/);
    expect(req({ soDinhDanh: '1', maTinh: '01', hoTen: 'x' })).toMatch(/^VALIDATION_FAILED: hoTen: is not part of this element \(expected: soDinhDanh, maTinh, lyDo\)/);
    expect(req([1])).toMatch(/must be a JSON object/);
  });

  it('maps the answer by its schema: "01" stays a string, int and boolean are typed, lists stay lists', () => {
    const answer = env11(`<r:TraCuuCongDanResponse xmlns:r="${NS}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><r:maKetQua>01</r:maKetQua><r:congDan>
      <r:soDinhDanh>079203000001</r:soDinhDanh><r:hoTen>Nguyễn Văn A &amp; B</r:hoTen><r:ngaySinh>2003-02-01</r:ngaySinh><r:gioiTinh>01</r:gioiTinh>
      <r:noiThuongTru><r:maTinh>01</r:maTinh><r:maXa>00004</r:maXa></r:noiThuongTru><r:soThanhVienHo>004</r:soThanhVienHo><r:daKetHon>false</r:daKetHon>
      <r:giayTo>CCCD</r:giayTo><r:ghiChu i:nil="true"/></r:congDan></r:TraCuuCongDanResponse>`);
    expect(mediatedAnswer(op('TraCuuCongDan'), answer, 'svc')).toEqual({
      maKetQua: '01',
      congDan: {
        soDinhDanh: '079203000001', hoTen: 'Nguyễn Văn A & B', ngaySinh: '2003-02-01', gioiTinh: '01',
        noiThuongTru: { maTinh: '01', maXa: '00004' }, soThanhVienHo: 4, daKetHon: false, giayTo: ['CCCD'], ghiChu: null,
      },
    });
  });

  it('turns SOAP 1.1 and 1.2 faults into the platform fault with code, reason and detail', () => {
    const f11 = env11('<s:Fault><faultcode>s:Client</faultcode><faultstring>Không tìm thấy công dân</faultstring><detail><maLoi>04</maLoi></detail></s:Fault>');
    let e = (() => { try { mediatedAnswer(op('TraCuuCongDan'), f11, 'GOV/LGSP/dancu/congdan'); } catch (x) { return x as VamcoError; } })()!;
    expect([e.code, e.status, e.message]).toEqual(['UPSTREAM_FAULT', 500, 'The backend of GOV/LGSP/dancu/congdan answered operation TraCuuCongDan with a SOAP fault (s:Client): Không tìm thấy công dân']);
    expect(e.extra).toEqual({ fault: { code: 's:Client', message: 'Không tìm thấy công dân', detail: { maLoi: '04' } } });
    const f12 = `<e:Envelope xmlns:e="${SOAP12}"><e:Body><e:Fault><e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>c:Locked</e:Value></e:Subcode></e:Code><e:Reason><e:Text xml:lang="vi">Tạm khóa</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>`;
    e = (() => { try { mediatedAnswer(op('TraCuuCongDan'), f12, 's'); } catch (x) { return x as VamcoError; } })()!;
    expect(e.extra).toEqual({ fault: { code: 'e:Sender / c:Locked', message: 'Tạm khóa', detail: null } });
    expect(err(() => mediatedAnswer(op('TraCuuCongDan'), '<!DOCTYPE x [<!ENTITY a "b">]><x/>', 's'))).toMatch(/^UPSTREAM_BAD_RESPONSE: .*DTD/);
  });

  it('round-trips any text, leading zeros and XML-special characters included', () => {
    const el = op('TraCuuCongDan').request!;
    // Any Unicode text XML can carry (no C0 controls but tab/newline, no lone surrogates).
    const xmlChar = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(s) && !s.includes('\r'));
    fc.assert(fc.property(xmlChar, fc.stringMatching(/^0[0-9]{1,4}$/), fc.option(xmlChar, { nil: undefined }), (id, code, reason) => {
      const input = { soDinhDanh: id, maTinh: code, ...(reason === undefined ? {} : { lyDo: reason }) };
      const node = parseXml(jsonToXml(el, input));
      expect(xmlToJson(el.type, node)).toEqual(input);
    }), { numRuns: 300 });
  });
});
