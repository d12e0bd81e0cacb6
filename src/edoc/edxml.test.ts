// edXML packages, rule by rule. Sources: QCVN 102:2016/BTTTT (package structure), Quyết định
// 20/2020/QĐ-TTg (agency codes), the reference's sections "Package" and "Status package".
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendTraceHeader, buildEdoc, buildStatus, EDXML_NS, EdocError, extractAttachment, parsePackage, type EdocPackage, type StatusPackage, type EdocSpec } from './index.js';

const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(3000), Buffer.from('\n%%EOF\n')]);
const spec = (over: Partial<EdocSpec> = {}): EdocSpec => ({
  from: { organId: '000.00.00.H59', organName: 'UBND tỉnh' },
  to: [{ organId: '000.00.13.H59', organName: 'Sở Nội vụ' }],
  codeNumber: '123', codeNotation: 'UBND-VP', promulgationDate: '2026/11/20', subject: 'Về việc thử nghiệm',
  attachments: [{ name: 'cv.pdf', contentType: 'application/pdf', bytes: pdf }],
  ...over,
});
const now = new Date('2026-11-29T12:00:00Z');
const parse = (xml: string, expect?: 'edoc' | 'status') => parsePackage(xml, { now, expect });
const refused = (xml: string, expect?: 'edoc' | 'status'): EdocError => {
  try {
    parse(xml, expect);
  } catch (e) {
    if (e instanceof EdocError) return e;
    throw e;
  }
  throw new Error('the package was accepted');
};

describe('edXML package (QCVN 102:2016)', () => {
  it('round-trips header fields, organisations and attachments (QCVN 102:2016 Package structure)', () => {
    const p = parse(buildEdoc(spec({ priority: 3, signer: { fullName: 'Nguyễn Văn A', position: 'Chủ tịch' } }))) as EdocPackage;
    expect(p.kind).toBe('edoc');
    expect(p.from).toEqual({ organId: '000.00.00.H59', organName: 'UBND tỉnh' });
    expect(p.to.map((t) => t.organId)).toEqual(['000.00.13.H59']);
    expect(p.documentId).toBe('000.00.00.H59,2026/11/20,123/UBND-VP');
    expect(p.code).toEqual({ codeNumber: '123', codeNotation: 'UBND-VP' });
    expect(p.priority).toBe(3);
    expect(p.signer?.fullName).toBe('Nguyễn Văn A');
    expect(p.business.docType).toBe(0);
    expect(p.attachments).toEqual([{ contentId: '1.cv.pdf', attachmentName: 'cv.pdf', contentType: 'application/pdf', size: pdf.length, sha256: crypto.createHash('sha256').update(pdf).digest('hex') }]);
    expect(extractAttachment(buildEdoc(spec()), 'cid:1.cv.pdf')!.equals(pdf)).toBe(true);
  });

  it('parses by namespace, not by prefix (reference, Package: "parse by namespace, never by prefix")', () => {
    const prefix = (xml: string, decl: string) => xml.replace(`<edXML xmlns="${EDXML_NS}">`, `<e:edXML ${decl}>`).replace('</edXML>', '</e:edXML>')
      .replace(/<(\/?)(edXMLEnvelope|edXMLHeader|MessageHeader)>/g, '<$1e:$2>');
    expect(parse(prefix(buildEdoc(spec()), `xmlns:e="${EDXML_NS}" xmlns="${EDXML_NS}"`)).kind).toBe('edoc');
    // Unprefixed children without the default namespace are in no namespace: not edXML's From.
    expect(refused(prefix(buildEdoc(spec()), `xmlns:e="${EDXML_NS}"`)).message).toMatch(/^From is required/);
    // The right local names in another namespace are not edXML.
    const wrongNs = buildEdoc(spec()).replace(EDXML_NS, 'http://www.e-doc.vn/Schema/');
    expect(refused(wrongNs).code).toBe('EDOC_NOT_EDXML');
  });

  it('refuses DTDs and external entities before parsing (issue 9: XXE, entity bombs)', () => {
    const xxe = buildEdoc(spec()).replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>').replace('Về việc thử nghiệm', '&x;');
    expect(refused(xxe).code).toBe('EDOC_XML_DTD');
    const bomb = '<!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]><edXML xmlns="' + EDXML_NS + '">&b;</edXML>';
    expect(refused(bomb).code).toBe('EDOC_XML_DTD');
    expect(refused('<edXML xmlns="' + EDXML_NS + '"><edXMLEnvelope></edXML>').code).toBe('EDOC_XML_MALFORMED');
  });

  it('requires the fields a production hub enforces (reference, Package: starred fields)', () => {
    const cases: [string, RegExp][] = [
      ['<OrganId>000.00.00.H59</OrganId>', /From\/OrganId/],
      ['<CodeNumber>123</CodeNumber>', /Code\/CodeNumber/],
      ['<CodeNotation>UBND-VP</CodeNotation>', /Code\/CodeNotation/],
      ['<PromulgationDate>2026/11/20</PromulgationDate>', /PromulgationDate/],
      ['<Type>1</Type>', /DocumentType\/Type/],
      ['<Subject>Về việc thử nghiệm</Subject>', /Subject/],
    ];
    for (const [cut, msg] of cases) {
      const e = refused(buildEdoc(spec({ documentId: 'X' })).replace('<DocumentId>X</DocumentId>', '').replace(cut, ''));
      expect(e.code, cut).toBe('EDOC_FIELD_MISSING');
      expect(e.message).toMatch(msg);
    }
    expect(refused(buildEdoc(spec({ to: [] }))).message).toMatch(/To: at least one recipient/);
  });

  it('checks formats: agency codes (QĐ 20/2020), dates yyyy/MM/dd not in the future, Priority 0–4, BussinessDocType 0–3', () => {
    expect(refused(buildEdoc(spec({ to: [{ organId: '000.00.13.h59' }] }))).code).toBe('EDOC_ORGANID_INVALID');
    expect(refused(buildEdoc(spec({ to: [{ organId: '0'.repeat(36) }] }))).code).toBe('EDOC_ORGANID_INVALID');
    expect(refused(buildEdoc(spec({ promulgationDate: '2026-11-20', documentId: '000.00.00.H59,2026/11/20,1/X' }))).code).toBe('EDOC_FIELD_INVALID');
    expect(refused(buildEdoc(spec({ promulgationDate: '2026/02/30' }))).code).toBe('EDOC_FIELD_INVALID');
    expect(refused(buildEdoc(spec({ promulgationDate: '2026/11/30' }))).message).toMatch(/in the future/);
    expect(parse(buildEdoc(spec({ promulgationDate: '2026/11/29' }))).kind).toBe('edoc');
    expect(refused(buildEdoc(spec({ priority: 5 }))).message).toMatch(/Priority/);
    expect(refused(buildEdoc(spec()).replace('<BussinessDocType>0<', '<BussinessDocType>4<')).message).toMatch(/BussinessDocType/);
  });

  it('refuses duplicate recipients (QCVN 102:2016 MessageHeader/To: no duplicate OrganId)', () => {
    const e = refused(buildEdoc(spec({ to: [{ organId: '000.00.13.H59' }, { organId: '000.00.14.H59' }, { organId: '000.00.13.H59' }] })));
    expect(e.code).toBe('EDOC_DUPLICATE_RECIPIENT');
    expect(e.message).toContain('000.00.13.H59');
  });

  it('DocumentId names the sender: "<OrganId>,<yyyy/MM/dd>,<number>/<notation>" (QCVN 102:2016)', () => {
    expect(refused(buildEdoc(spec({ documentId: '000.00.99.H59,2026/11/20,123/UBND-VP' }))).code).toBe('EDOC_DOCUMENTID_INVALID');
    expect(refused(buildEdoc(spec({ documentId: 'free text' }))).code).toBe('EDOC_DOCUMENTID_INVALID');
  });

  it('matches manifest and attachments by ContentId, with or without cid: (reference, Package)', () => {
    const xml = buildEdoc(spec());
    expect(refused(xml.replace('<ContentId>cid:1.cv.pdf</ContentId>', '<ContentId>cid:2.other.pdf</ContentId>')).code).toBe('EDOC_MANIFEST_MISMATCH');
    expect(refused(xml.replace(/<edXMLManifest>.*<\/edXMLManifest>/, '<edXMLManifest></edXMLManifest>')).message).toMatch(/not listed in edXMLManifest/);
    // Without cid: on both sides, and with it on both, still one and the same attachment.
    expect((parse(xml.replace('<ContentId>cid:1.cv.pdf</ContentId>', '<ContentId>1.cv.pdf</ContentId>')) as EdocPackage).attachments).toHaveLength(1);
    expect((parse(xml.replace('<ContentId>1.cv.pdf</ContentId>', '<ContentId>cid:1.cv.pdf</ContentId>')) as EdocPackage).attachments).toHaveLength(1);
  });

  it('decodes attachments as strict base64 (QCVN 102:2016 Attachment/ContentTransferEncoded)', () => {
    const xml = buildEdoc(spec());
    const b64 = pdf.toString('base64');
    expect(refused(xml.replace(b64, b64.slice(0, 10) + '*' + b64.slice(11))).code).toBe('EDOC_ATTACHMENT_ENCODING');
    expect(refused(xml.replace(b64, b64.slice(1))).code).toBe('EDOC_ATTACHMENT_ENCODING');
    // Line-wrapped base64 (76 columns, as MIME writes it) is base64 all the same.
    const wrapped = xml.replace(b64, b64.replace(/.{76}/g, '$&\r\n'));
    expect((parse(wrapped) as EdocPackage).attachments[0].sha256).toBe(crypto.createHash('sha256').update(pdf).digest('hex'));
  });

  it('reads business types: revoke needs a reason, replace names what it replaces (reference, Business types)', () => {
    expect(refused(buildEdoc(spec({ business: { docType: 1 } }))).message).toMatch(/BussinessDocReason/);
    expect((parse(buildEdoc(spec({ business: { docType: 1, reason: 'Sai số' } }))) as EdocPackage).business).toEqual({ docType: 1, reason: 'Sai số', replaces: [] });
    expect(refused(buildEdoc(spec({ business: { docType: 3 } }))).message).toMatch(/ReplacementInfo/);
    const r = parse(buildEdoc(spec({ business: { docType: 3, replaces: ['000.00.00.H59,2026/11/01,1/UBND-VP'] } }))) as EdocPackage;
    expect(r.business.replaces).toEqual(['000.00.00.H59,2026/11/01,1/UBND-VP']);
  });

  it('messagetype must match the package (axis API sendEdoc: messagetype edoc|status)', () => {
    expect(refused(buildEdoc(spec()), 'status').code).toBe('EDOC_MESSAGETYPE_MISMATCH');
  });

  it('appends a TraceHeader per hop and leaves the rest byte for byte (reference: hubs append a TraceHeader per hop)', () => {
    const xml = buildEdoc(spec({ traces: [{ organId: '000.00.00.H59', timestamp: '2026/11/20 08:00:00' }] }));
    const once = appendTraceHeader(xml, { organId: '000.00.00.G22', timestamp: '2026/11/20 08:00:05' });
    const p = parse(once) as EdocPackage;
    expect(p.traces).toEqual([{ organId: '000.00.00.H59', timestamp: '2026/11/20 08:00:00' }, { organId: '000.00.00.G22', timestamp: '2026/11/20 08:00:05' }]);
    expect(p.business.docType).toBe(0);
    expect(once.slice(once.indexOf('<edXMLBody>'))).toBe(xml.slice(xml.indexOf('<edXMLBody>')));
    // A package without a TraceHeaderList gets one, in the edXML namespace.
    const bare = buildStatus({ from: { organId: '000.00.13.H59' }, responseFor: { organId: '000.00.00.H59', documentId: '000.00.00.H59,2026/11/20,1/X' }, statusCode: '03', timestamp: '2026/11/20 09:00:00' });
    expect(parse(appendTraceHeader(bare, { organId: '000.00.00.G22', timestamp: '2026/11/20 09:00:01' })).traces).toHaveLength(1);
  });
});

describe('status package (QCVN 102:2016, reference "Status package")', () => {
  const status = (code: string, description?: string) => buildStatus({
    from: { organId: '000.00.13.H59' }, statusCode: code, description, timestamp: '2026/11/21 10:15:00',
    responseFor: { organId: '000.00.00.H59', code: '123/UBND-VP', promulgationDate: '2026/11/20', documentId: '000.00.00.H59,2026/11/20,123/UBND-VP' },
  });

  it('accepts each listed code 01–06, 13, 15, 16 and no other', () => {
    for (const code of ['01', '02', '03', '04', '05', '06', '13', '15', '16']) {
      const p = parse(status(code, 'lý do'), 'status') as StatusPackage;
      expect(p.statusCode).toBe(code);
      expect(p.responseFor.organId).toBe('000.00.00.H59');
    }
    for (const code of ['00', '07', '1', '14', '99']) expect(refused(status(code), 'status').code, code).toBe('EDOC_STATUS_INVALID');
  });

  it('02 (refused, returned) gives its reason in Description (Nghị định 30/2020 art. 21)', () => {
    expect(refused(status('02')).code).toBe('EDOC_STATUS_INVALID');
  });

  it('needs ResponseFor with OrganId and DocumentId, and Timestamp "yyyy/MM/dd HH:mm:ss"', () => {
    expect(refused(status('03').replace(/<DocumentId>.*<\/DocumentId>/, '')).message).toMatch(/ResponseFor\/DocumentId/);
    expect(refused(status('03').replace('2026/11/21 10:15:00', '2026-11-21T10:15:00')).message).toMatch(/Timestamp/);
    expect(refused(status('03').replace(/<ResponseFor>.*<\/ResponseFor>/, '')).code).toBe('EDOC_STATUS_INVALID');
    expect(refused(status('03'), 'edoc').code).toBe('EDOC_MESSAGETYPE_MISMATCH');
  });
});
