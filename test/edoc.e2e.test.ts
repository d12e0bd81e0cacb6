// The edoc hub end to end (issue 9): two agencies' document systems on one platform, real
// gateway on port 0, SQLite and PostgreSQL. Rules cited: QCVN 102:2016 (package, status codes),
// Quyết định 28/2018/QĐ-TTg (exchange between QLVB systems through the hub/axis), the
// reference's "The national axis's API" (operations, headers, answer shape).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { edocClient, type EdocClient } from './helpers/edoc.js';
import { testEngines } from '../src/store/testing.js';
import { buildEdoc, buildStatus, parsePackage, extractAttachment, signedHeaders, vnDate, vnTimestamp, type EdocSpec, type EdocPackage, type StatusPackage } from '../src/edoc/index.js';
import { loginOverApi } from './helpers/two-step.js';

const A = '000.00.00.H59'; // UBND tỉnh (sender)
const B = '000.00.13.H59'; // Sở Nội vụ (recipient)
const C = '000.00.14.H59'; // Sở Tài chính (a third agency, for scoping)

/** PDF bytes shaped like a PAdES-signed file: a signature dictionary with /ByteRange and /Contents. Any re-encoding breaks it. */
export function signedPdf(): Buffer {
  const sig = crypto.randomBytes(256).toString('hex').toUpperCase();
  return Buffer.concat([
    Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'), crypto.randomBytes(20_000),
    Buffer.from(`\n2 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 100 612 200] /Contents <${sig}> >>\nendobj\n%%EOF\n`, 'latin1'),
  ]);
}

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

describe.each(testEngines())('edoc hub (%s)', (engine) => {
  let p: TestPlatform;
  const clients: Record<string, EdocClient> = {};
  const keys: Record<string, string> = {};
  const pdf = signedPdf();
  let n = 0;
  const spec = (over: Partial<EdocSpec> = {}): EdocSpec => ({
    from: { organId: A, organName: 'UBND tỉnh' }, to: [{ organId: B, organName: 'Sở Nội vụ' }],
    codeNumber: String(100 + ++n), codeNotation: 'UBND-VP', promulgationDate: vnDate(), subject: 'Về việc thử nghiệm trục liên thông', priority: 1,
    attachments: [{ name: 'cong-van.pdf', contentType: 'application/pdf', bytes: pdf, description: 'Công văn đã ký số' }],
    ...over,
  });
  const documents = async () => Number((await sql<{ n: number }>`select count(*) as n from edoc_documents`.execute(p.store.db)).rows[0].n);
  const deliveries = async (docId: string) => (await sql<{ recipient_organ: string; state: string }>`select recipient_organ, state from edoc_deliveries where doc_id = ${docId}`.execute(p.store.db)).rows;

  beforeAll(async () => {
    p = await startTestPlatform({ engine });
    for (const [code, name] of [[A, 'UBND tỉnh'], [B, 'Sở Nội vụ'], [C, 'Sở Tài chính']]) {
      expect((await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name })).status).toBe(201);
      expect((await p.admin('POST', '/api/v1/subsystems', { id: `GOV/${code}/qlvb` })).status).toBe(201);
      const k = await p.admin('POST', '/api/v1/keys', { subsystem: `GOV/${code}/qlvb`, label: 'qlvb' });
      keys[code] = k.body.key;
      await p.edoc.hub.setEndpoint(`GOV/${code}/qlvb`, 'test');
      clients[code] = edocClient(p.gatewayUrl, () => ({ 'x-road-client': `${p.instance}/GOV/${code}/qlvb`, 'x-api-key': keys[code] }));
    }
    await p.snapshots.poll();
  }, 120_000);
  afterAll(async () => { await p?.stop(); });

  it('one agency sends a signed PDF to another; it lists, fetches (same SHA-256), acknowledges, answers 03 then 06, and the sender sees both (QĐ 28/2018; QCVN 102:2016 status codes; axis API)', async () => {
    const xml = buildEdoc(spec());
    const sent = await clients[A].send(xml, 'edoc');
    expect(sent.http).toBe(200);
    expect(sent.body).toMatchObject({ status: 'OK', ErrorCode: '0' });
    const docId: string = sent.body.DocId;

    // getReceivedEdocList: the recipient's pending list (axis API), in the axis's field names.
    const inbox = await clients[B].call('getReceivedEdocList', { messagetype: 'edoc' });
    expect(inbox.body.status).toBe('OK');
    const item = inbox.body.data.find((d: any) => d.docId === docId);
    expect(item).toMatchObject({ from: A, to: B, messageType: 'edoc', status: 'pending' });
    expect((await clients[C].call('getReceivedEdocList', {})).body.data.find((d: any) => d.docId === docId)).toBeUndefined();

    // getEdoc: the package with this hub's TraceHeader; the PDF byte for byte.
    const got = await clients[B].getEdoc(docId);
    expect(got.http).toBe(200);
    expect(got.headers.get('sha256')).toBe(sha(got.bytes));
    const text = got.bytes.toString('utf8');
    expect(sha(extractAttachment(text, '1.cong-van.pdf')!)).toBe(sha(pdf));
    const pkg = parsePackage(text) as EdocPackage;
    expect(pkg.documentId).toBe(`${A},${vnDate()},${100 + n}/UBND-VP`);
    expect(pkg.traces.map((t) => t.organId)).toEqual(['LGSP']); // one hop: this hub (reference: a TraceHeader per hop)
    // Everything after the header is the sender's text unchanged.
    expect(text.slice(text.indexOf('<edXMLBody>'))).toBe(xml.slice(xml.indexOf('<edXMLBody>')));

    // A third agency cannot read it (an agency sees only its own documents).
    const stranger = await clients[C].getEdoc(docId);
    expect(stranger.http).toBe(404);
    expect(JSON.parse(stranger.bytes.toString()).ErrorCode).toBe('EDOC_NOT_FOUND');

    // updateStatus done: the transport acknowledgement takes it off the pending list.
    expect((await clients[B].call('updateStatus', { docid: docId, status: 'done' })).body).toMatchObject({ status: 'OK', ErrorCode: '0' });
    expect((await clients[B].call('getReceivedEdocList', { messagetype: 'edoc' })).body.data.find((d: any) => d.docId === docId)).toBeUndefined();
    expect((await clients[C].call('updateStatus', { docid: docId, status: 'done' })).body.ErrorCode).toBe('EDOC_NOT_FOUND');

    // Business statuses travel as status packages through sendEdoc (QCVN 102:2016: 03 accepted, 06 completed).
    for (const code of ['03', '06']) {
      const s = buildStatus({ from: { organId: B }, statusCode: code, timestamp: vnTimestamp(), staff: { fullName: 'Trần Thị B' },
        responseFor: { organId: A, code: `${pkg.code.codeNumber}/${pkg.code.codeNotation}`, promulgationDate: pkg.promulgation.date, documentId: pkg.documentId } });
      expect((await clients[B].send(s, 'status')).body).toMatchObject({ status: 'OK', ErrorCode: '0' });
    }
    // The sender receives 01 (sent by the hub when B fetched it), 03 and 06 as status packages.
    const statuses = (await clients[A].call('getReceivedEdocList', { messagetype: 'status' })).body.data.filter((d: any) => d.responseFor === pkg.documentId);
    expect(statuses.map((d: any) => d.statusCode)).toEqual(['01', '03', '06']);
    const six = await clients[A].getEdoc(statuses[2].docId);
    expect((parsePackage(six.bytes.toString('utf8')) as StatusPackage)).toMatchObject({ kind: 'status', statusCode: '06', from: { organId: B }, responseFor: { documentId: pkg.documentId } });
    // getSentEdocList: delivery and the latest business status per recipient.
    const mine = (await clients[A].call('getSentEdocList', {})).body.data.find((d: any) => d.docId === docId);
    expect(mine.recipients).toEqual([expect.objectContaining({ to: B, route: 'local', delivery: 'done', status: '06' })]);

    // Every step is a message-log record (issue 9, guaranteed delivery).
    await p.messageLog.flush();
    const ids = (await sql<{ message_id: string }>`select message_id from message_log where message_id like ${`edoc:${docId}:%`}`.execute(p.store.db)).rows.map((r) => r.message_id).sort();
    expect(ids).toEqual([`edoc:${docId}:accepted:${B}`, `edoc:${docId}:acknowledged:${B}`, `edoc:${docId}:delivered:${B}`]);
  });

  it('refuses, each with its own code, and stores nothing: another agency\'s OrganId, an external entity, a manifest/attachment mismatch, a wrong SHA-256 (issue 9; QCVN 102:2016)', async () => {
    const before = await documents();
    const cases: [string, Promise<{ http: number; body: any }>, number][] = [
      ['EDOC_SENDER_MISMATCH', clients[C].send(buildEdoc(spec()), 'edoc'), 403],
      ['EDOC_XML_DTD', clients[A].send(buildEdoc(spec()).replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>').replace('Về việc', '&x; Về việc'), 'edoc'), 400],
      ['EDOC_MANIFEST_MISMATCH', clients[A].send(buildEdoc(spec()).replace('<ContentId>cid:1.cong-van.pdf</ContentId>', '<ContentId>cid:2.phu-luc.pdf</ContentId>'), 'edoc'), 400],
      ['EDOC_SHA256_MISMATCH', clients[A].send(buildEdoc(spec()), 'edoc', { sha256: sha('something else') }), 400],
      ['EDOC_UNKNOWN_RECIPIENT', clients[A].send(buildEdoc(spec({ to: [{ organId: '000.00.00.H26' }] })), 'edoc'), 400],
      ['EDOC_DUPLICATE_RECIPIENT', clients[A].send(buildEdoc(spec({ to: [{ organId: B }, { organId: B }] })), 'edoc'), 400],
      ['EDOC_MESSAGETYPE_MISMATCH', clients[A].send(buildEdoc(spec()), 'status'), 400],
    ];
    for (const [code, pending, http] of cases) {
      const r = await pending;
      expect(r.body, code).toMatchObject({ status: 'FAIL', ErrorCode: code });
      expect(r.body.ErrorDesc, code).toBeTruthy();
      expect(r.http, code).toBe(http);
    }
    expect(await documents()).toBe(before);
    // Wrong credentials: the gateway's client identity, not a header, decides who sends.
    const forged = edocClient(p.gatewayUrl, () => ({ 'x-road-client': `${p.instance}/GOV/${A}/qlvb`, 'x-api-key': keys[C] }));
    expect((await forged.send(buildEdoc(spec()), 'edoc')).body.ErrorCode).toBe('EDOC_UNAUTHENTICATED');
    expect(await documents()).toBe(before);
  });

  it('is idempotent on (DocumentId, recipient, business type) and keeps revoke/update/replace apart (QCVN 102:2016 Bussiness)', async () => {
    const s = spec();
    const first = await clients[A].send(buildEdoc(s), 'edoc');
    const again = await clients[A].send(buildEdoc(s), 'edoc');
    expect(again.body.DocId).toBe(first.body.DocId);
    expect(await deliveries(first.body.DocId)).toEqual([{ recipient_organ: B, state: 'pending' }]);
    const revoke = await clients[A].send(buildEdoc({ ...s, business: { docType: 1, reason: 'Ban hành nhầm' } }), 'edoc');
    expect(revoke.body.DocId).not.toBe(first.body.DocId);
    const inbox = (await clients[B].call('getReceivedEdocList', { messagetype: 'edoc' })).body.data;
    const mine = inbox.filter((d: any) => d.documentId === `${A},${s.promulgationDate},${s.codeNumber}/${s.codeNotation}`);
    // Delivered in order, shown as what they are.
    expect(mine.map((d: any) => d.businessType)).toEqual([0, 1]);
  });

  it('routes status 13 (take-back) from the original sender to the recipients, roles swapped (reference "Status package")', async () => {
    const s = spec();
    const docId = (await clients[A].send(buildEdoc(s), 'edoc')).body.DocId;
    const documentId = `${A},${s.promulgationDate},${s.codeNumber}/${s.codeNotation}`;
    const takeBack = buildStatus({ from: { organId: A }, statusCode: '13', description: 'Thu hồi để sửa', timestamp: vnTimestamp(), responseFor: { organId: A, documentId } });
    const r = await clients[A].send(takeBack, 'status');
    expect(r.body.status).toBe('OK');
    expect(await deliveries(r.body.DocId)).toEqual([{ recipient_organ: B, state: 'pending' }]);
    // A receiver's status needs the document to have reached it: C never received it.
    const fake = buildStatus({ from: { organId: C }, statusCode: '03', timestamp: vnTimestamp(), responseFor: { organId: A, documentId } });
    expect((await clients[C].send(fake, 'status')).body.ErrorCode).toBe('EDOC_NOT_FOUND');
    expect(docId).toBeTruthy();
  });

  it('vamco edoc: endpoint set prints the SDK credentials, send goes through the gateway, validate names the rule, list counts traffic (issue 9, console and CLI)', async () => {
    const D = '000.00.15.H59';
    expect((await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: D, name: 'Sở Xây dựng' })).status).toBe(201);
    expect((await p.admin('POST', '/api/v1/subsystems', { id: `GOV/${D}/qlvb` })).status).toBe(201);
    const set = await p.cli(['edoc', 'endpoint', 'set', `GOV/${D}/qlvb`]);
    expect(set.stdout).toMatch(new RegExp(`^endpoint\t${D.replace(/\./g, '\\.')}\tGOV/`, 'm'));
    expect(set.stdout).toMatch(/^secret\t[A-Za-z0-9_-]{43}$/m);
    const file = path.join(p.dataDir, 'out.edxml');
    fs.writeFileSync(file, buildEdoc(spec({ from: { organId: D }, to: [{ organId: A }] })));
    const sent = await p.cli(['edoc', 'send', file, '--as', `GOV/${D}/qlvb`, '--gateway', p.gatewayUrl]);
    const docId = sent.stdout.trim();
    expect((await clients[A].call('getReceivedEdocList', { messagetype: 'edoc' })).body.data.map((d: any) => d.docId)).toContain(docId);
    // The admin trail names who set the endpoint.
    const trail = await p.admin('GET', '/api/v1/admin-trail?limit=50');
    expect(JSON.stringify(trail.body)).toContain('edoc.endpoint.set');
    fs.writeFileSync(file, buildEdoc(spec({ to: [{ organId: B }, { organId: B }] })));
    const bad = await p.cli(['edoc', 'validate', file], { allowFail: true });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/EDOC_DUPLICATE_RECIPIENT/);
    const list = await p.cli(['edoc', 'list', '--json']);
    const row = (JSON.parse(list.stdout) as any[]).find((r) => r.organ === D);
    expect(row).toMatchObject({ sent: 1 });
  });

  it('retention removes closed documents past VAMCO_EDOC_RETENTION and keeps every pending one however old (issue 9, retention configurable)', async () => {
    const closed = (await clients[A].send(buildEdoc(spec()), 'edoc')).body.DocId;
    const open = (await clients[A].send(buildEdoc(spec()), 'edoc')).body.DocId;
    expect((await clients[B].call('updateStatus', { docid: closed, status: 'done' })).body.status).toBe('OK');
    const sixYears = Date.now() + 6 * 365 * 86_400_000;
    expect(await p.edoc.hub.prune(sixYears)).toBeGreaterThanOrEqual(1);
    expect((await clients[A].getEdoc(closed)).http).toBe(404);
    expect((await clients[B].getEdoc(open)).http).toBe(200);
    expect((await clients[B].call('getReceivedEdocList', { messagetype: 'edoc' })).body.data.map((d: any) => d.docId)).toContain(open);
  });

  it('accepts the SDK\'s system id + HMAC-SHA256 signed headers (reference: credentials, XroadVnpt- prefix) and refuses a wrong signature', async () => {
    const { secret, systemId } = await p.edoc.hub.setEndpoint(`GOV/${C}/qlvb`, 'test');
    const signed = edocClient(p.gatewayUrl, () => ({}), (op, params) => signedHeaders(systemId, secret, op, params));
    const list = await signed.call('getAgenciesList');
    expect(list.body.status).toBe('OK');
    expect(list.body.data.map((a: any) => a.id)).toEqual(expect.arrayContaining([A, B, C]));
    const sent = await signed.send(buildEdoc(spec({ from: { organId: C } })), 'edoc');
    expect(sent.body).toMatchObject({ status: 'OK' });
    const wrong = edocClient(p.gatewayUrl, () => ({}), (op, params) => signedHeaders(systemId, secret + 'x', op, params));
    expect((await wrong.call('getAgenciesList')).body.ErrorCode).toBe('EDOC_UNAUTHENTICATED');
    // A signature for one operation is not one for another.
    const replayed = edocClient(p.gatewayUrl, () => ({}), (_op, params) => signedHeaders(systemId, secret, 'getAgenciesList', params));
    expect((await replayed.call('getSentEdocList')).body.ErrorCode).toBe('EDOC_UNAUTHENTICATED');
  });
  it('the console\'s admin routes: traffic, latest documents and a journey — all agencies for the platform admin, only its own member\'s documents for an agency admin (issue 9, console)', async () => {
    /** An agency admin's API token, minted as the console does: a session, then POST /tokens. */
    const agencyToken = async (code: string): Promise<string> => {
      const username = `edoc-${code.replace(/\./g, '-').toLowerCase()}-${crypto.randomBytes(3).toString('hex')}`;
      const password = 'Mật khẩu văn thư 2026';
      expect((await p.admin('POST', '/api/v1/users', { username, role: 'agency_admin', memberId: `GOV/${code}`, password })).status).toBe(201);
      // Agency admins set up two-step verification at their first login (issue 14).
      const { cookie, csrf } = await loginOverApi(p.adminUrl, username, password);
      const made = await fetch(`${p.adminUrl}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: JSON.stringify({ label: 'edoc' }) });
      expect(made.status).toBe(201);
      return ((await made.json()) as { token: string }).token;
    };
    const docId: string = (await clients[A].send(buildEdoc(spec({ subject: 'Hành trình văn bản' })), 'edoc')).body.DocId;
    expect((await clients[B].getEdoc(docId)).http).toBe(200);
    expect((await clients[B].call('updateStatus', { docid: docId, status: 'done' })).body.status).toBe('OK');

    // Platform admin: every agency, the document, its journey (the hub's TraceHeader, B's delivery done, status 01 auto-sent on fetch).
    const traffic = await p.admin('GET', '/api/v1/edoc/traffic');
    expect(traffic.status).toBe(200);
    expect(traffic.body.traffic.map((r: any) => r.organ)).toEqual(expect.arrayContaining([A, B]));
    expect(traffic.body.traffic.find((r: any) => r.organ === B).acknowledged).toBeGreaterThanOrEqual(1);
    expect(Array.isArray(traffic.body.stuck)).toBe(true);
    const docs = await p.admin('GET', '/api/v1/edoc/documents');
    expect(docs.body.items.find((d: any) => d.docId === docId)).toMatchObject({ from: A, subject: 'Hành trình văn bản', messageType: 'edoc', deliveries: [{ to: B, route: 'local', state: 'done' }] });
    const journey = await p.admin('GET', `/api/v1/edoc/documents/${encodeURIComponent(docId)}`);
    expect(journey.status).toBe(200);
    expect(journey.body).toMatchObject({ docId, from: A, messageType: 'edoc', deliveries: [{ to: B, state: 'done' }] });
    expect(journey.body.hops.length).toBeGreaterThanOrEqual(1);
    expect(journey.body.statuses.map((s: any) => s.statusCode)).toContain('01');

    // B's agency admin (the recipient): its own row only, the document and its journey.
    const b = await agencyToken(B);
    const bTraffic = await p.admin('GET', '/api/v1/edoc/traffic', undefined, b);
    expect(bTraffic.body.traffic.map((r: any) => r.organ)).toEqual([B]);
    expect((await p.admin('GET', '/api/v1/edoc/documents', undefined, b)).body.items.map((d: any) => d.docId)).toContain(docId);
    expect((await p.admin('GET', `/api/v1/edoc/documents/${encodeURIComponent(docId)}`, undefined, b)).status).toBe(200);

    // C's agency admin (neither sender nor recipient): the document does not exist for it.
    const c = await agencyToken(C);
    expect((await p.admin('GET', '/api/v1/edoc/traffic', undefined, c)).body.traffic.map((r: any) => r.organ)).not.toContain(A);
    expect((await p.admin('GET', '/api/v1/edoc/documents', undefined, c)).body.items.map((d: any) => d.docId)).not.toContain(docId);
    const hidden = await p.admin('GET', `/api/v1/edoc/documents/${encodeURIComponent(docId)}`, undefined, c);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('NOT_FOUND');
    expect((await fetch(`${p.adminUrl}/api/v1/edoc/traffic`)).status).toBe(401);
  });
});
