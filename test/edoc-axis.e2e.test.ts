// The province's link to the national document axis (issue 9, item 5), against a stand-in of the
// axis's API written from the reference (never a real endpoint). Rules: Quyết định 28/2018/QĐ-TTg
// (provincial hubs link their agencies to the national axis), reference edxml.md "The national
// axis's API" (pull model, sendEdoc/getReceivedEdocList/getEdoc/updateStatus, signed headers;
// provincial hubs forward non-local recipients and append a TraceHeader per hop).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { edocClient, type EdocClient } from './helpers/edoc.js';
import { startAxisStandIn, type AxisStandIn } from './helpers/axis-standin.js';
import { testEngines, tempDir } from '../src/store/testing.js';
import { buildEdoc, buildStatus, parsePackage, vnDate, vnTimestamp, type EdocPackage } from '../src/edoc/index.js';

const A = '000.00.00.H59';
const B = '000.00.13.H59';
const MINISTRY = '000.00.00.G22'; // an agency of another province / a ministry: only through the axis
const PROVINCE_SYSTEM = '000.00.00.H59';

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const MAX_BYTES = 256 * 1024;

describe.each(testEngines())('edoc hub ↔ national axis stand-in (%s)', (engine) => {
  let p: TestPlatform;
  let axis: AxisStandIn;
  const clients: Record<string, EdocClient> = {};
  const secretDir = tempDir('vamco-axis-');

  beforeAll(async () => {
    const secret = 'axis-secret-' + Math.random().toString(36).slice(2);
    axis = await startAxisStandIn(PROVINCE_SYSTEM, secret);
    axis.down = true; // the axis is in maintenance when the first document is sent
    fs.writeFileSync(path.join(secretDir, 'id'), PROVINCE_SYSTEM + '\n');
    fs.writeFileSync(path.join(secretDir, 'secret'), secret + '\n');
    p = await startTestPlatform({
      engine,
      env: {
        VAMCO_EDOC_UPSTREAM_URL: axis.url, VAMCO_EDOC_UPSTREAM_SYSTEM_ID_FILE: path.join(secretDir, 'id'), VAMCO_EDOC_UPSTREAM_SECRET_FILE: path.join(secretDir, 'secret'),
        VAMCO_EDOC_RETRY_BASE: '100ms', VAMCO_EDOC_RETRY_MAX: '400ms', VAMCO_EDOC_PULL_INTERVAL: '200ms',
        // Small enough for the oversized package below; every other package here is far smaller.
        VAMCO_EDOC_MAX_BYTES: String(MAX_BYTES),
      },
    });
    for (const code of [A, B]) {
      await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name: code });
      await p.admin('POST', '/api/v1/subsystems', { id: `GOV/${code}/qlvb` });
      const key = (await p.admin('POST', '/api/v1/keys', { subsystem: `GOV/${code}/qlvb` })).body.key;
      await p.edoc.hub.setEndpoint(`GOV/${code}/qlvb`, 'test');
      clients[code] = edocClient(p.gatewayUrl, () => ({ 'x-road-client': `${p.instance}/GOV/${code}/qlvb`, 'x-api-key': key }));
    }
    await p.snapshots.poll();
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    await axis?.close();
    fs.rmSync(secretDir, { recursive: true, force: true });
  });

  it('a recipient of another province goes out to the axis, retried while the axis is down, and arrives once with this hub\'s TraceHeader; its statuses flow back', async () => {
    const xml = buildEdoc({ from: { organId: A }, to: [{ organId: MINISTRY, organName: 'Bộ Nội vụ' }], codeNumber: '77', codeNotation: 'UBND-NC',
      promulgationDate: vnDate(), subject: 'Báo cáo gửi Bộ', attachments: [{ name: 'bc.pdf', contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.4 báo cáo') }] });
    const sent = await clients[A].send(xml, 'edoc');
    expect(sent.body).toMatchObject({ status: 'OK', ErrorCode: '0' });
    const docId = sent.body.DocId;
    // Accepted although the axis is down; retried with back-off meanwhile.
    // Waits for the hub's own count: the stand-in sees a refusal before the hub has recorded it.
    const waiting = await until('three refused attempts recorded', async () => {
      const d = (await clients[A].call('getSentEdocList')).body.data.find((x: any) => x.docId === docId);
      return d?.recipients[0].attempts >= 3 && d;
    });
    expect(axis.refusedWhileDown).toBeGreaterThanOrEqual(3);
    expect(waiting.recipients[0]).toMatchObject({ to: MINISTRY, route: 'upstream', delivery: 'pending' });
    expect(waiting.recipients[0].lastError).toMatch(/503/);
    // The console's view (GET /api/v1/edoc/traffic) lists it as stuck, with its attempts and error.
    const watching = (await p.admin('GET', '/api/v1/edoc/traffic')).body;
    expect(watching.stuck.find((d: any) => d.docId === docId)).toMatchObject({ from: A, to: MINISTRY, route: 'upstream', state: 'pending', lastError: expect.stringMatching(/503/) });
    expect(watching.traffic.find((r: any) => r.organ === A).stuck).toBeGreaterThanOrEqual(1);
    axis.down = false;
    const arrived = await until('the package at the axis', () => axis.received.find((r) => r.to === MINISTRY));
    await until('the delivery marked forwarded', async () => (await clients[A].call('getSentEdocList')).body.data.find((d: any) => d.docId === docId).recipients[0].delivery === 'forwarded');
    // Arrives once: more forwarding rounds send nothing again.
    await p.edoc.upstream!.forwardDue();
    await p.edoc.upstream!.forwardDue();
    expect(axis.received.filter((r) => r.to === MINISTRY)).toHaveLength(1);
    expect((await p.admin('GET', '/api/v1/edoc/traffic')).body.stuck.find((d: any) => d.docId === docId)).toBeUndefined();
    const atAxis = parsePackage(arrived.bytes.toString('utf8')) as EdocPackage;
    expect(arrived.from).toBe(A);
    expect(atAxis.traces.map((t) => t.organId)).toEqual(['LGSP']);

    // The ministry answers 03 through the axis: pulled, delivered to the sender, acknowledged upstream.
    const status = buildStatus({ from: { organId: MINISTRY }, statusCode: '03', timestamp: vnTimestamp(), responseFor: { organId: A, documentId: atAxis.documentId } });
    const upId = axis.deliver(MINISTRY, 'status', status);
    await until('the status pulled and acknowledged', () => axis.inbox.find((x) => x.docId === upId)?.acked);
    const statuses = (await clients[A].call('getReceivedEdocList', { messagetype: 'status' })).body.data.filter((d: any) => d.responseFor === atAxis.documentId);
    expect(statuses.map((s: any) => [s.from, s.statusCode])).toEqual([[MINISTRY, '03']]);
    const mine = (await clients[A].call('getSentEdocList')).body.data.find((d: any) => d.docId === docId);
    expect(mine.recipients[0]).toMatchObject({ to: MINISTRY, delivery: 'forwarded', status: '03' });

    await p.messageLog.flush();
    const steps = (await sql<{ message_id: string }>`select message_id from message_log where message_id like ${`edoc:${docId}:%`}`.execute(p.store.db)).rows.map((r) => r.message_id.split(':')[2]);
    expect(steps).toContain('forwarded');
    expect(steps.filter((s) => s === 'forward-retry').length).toBeGreaterThanOrEqual(3);
    expect(steps.filter((s) => s === 'forwarded')).toHaveLength(1);
  });

  it('documents for this province\'s agencies are pulled from the axis on a schedule and delivered once', async () => {
    axis.down = false; // the axis is up here, whatever an earlier test left
    const xml = buildEdoc({ from: { organId: MINISTRY }, to: [{ organId: B }, { organId: '000.00.00.H26' }], codeNumber: '12', codeNotation: 'BNV-VP',
      promulgationDate: vnDate(), subject: 'Công văn của Bộ gửi các tỉnh' });
    const upId = axis.deliver(MINISTRY, 'edoc', xml);
    await until('the package pulled and acknowledged upstream', () => axis.inbox.find((x) => x.docId === upId)?.acked);
    const inbox = (await clients[B].call('getReceivedEdocList', { messagetype: 'edoc' })).body.data.filter((d: any) => d.from === MINISTRY && d.documentId.endsWith('12/BNV-VP'));
    expect(inbox).toHaveLength(1);
    // Only the recipient of this province gets it; the other province's copy is not ours.
    const n = await sql<{ n: number }>`select count(*) as n from edoc_deliveries where doc_id = ${inbox[0].docId}`.execute(p.store.db);
    expect(Number(n.rows[0].n)).toBe(1);
    // Pulled again (the axis still lists it): no second delivery.
    axis.inbox.find((x) => x.docId === upId)!.acked = false;
    await until('acknowledged again', () => axis.inbox.find((x) => x.docId === upId)?.acked);
    expect((await clients[B].call('getReceivedEdocList', { messagetype: 'edoc' })).body.data.filter((d: any) => d.documentId.endsWith('12/BNV-VP'))).toHaveLength(1);
    const got = await clients[B].getEdoc(inbox[0].docId);
    expect((parsePackage(got.bytes.toString('utf8')) as EdocPackage).traces.map((t) => t.organId)).toEqual(['LGSP']);
  });

  it('a pulled package over VAMCO_EDOC_MAX_BYTES stops at the limit: refused upstream (updateStatus fail), delivered to nobody, not pulled again', async () => {
    axis.down = false; // the axis is up here, whatever an earlier test left
    const big = crypto.randomBytes(MAX_BYTES); // its base64 alone is a third over the limit
    const xml = buildEdoc({ from: { organId: MINISTRY }, to: [{ organId: B }], codeNumber: '13', codeNotation: 'BNV-VP',
      promulgationDate: vnDate(), subject: 'Hồ sơ quá lớn', attachments: [{ name: 'big.pdf', contentType: 'application/pdf', bytes: big }] });
    expect(Buffer.byteLength(xml)).toBeGreaterThan(MAX_BYTES);
    const upId = axis.deliver(MINISTRY, 'edoc', xml);
    const pkg = await until('the oversized package answered upstream', () => axis.inbox.find((x) => x.docId === upId && x.acked));
    expect(pkg.status).toBe('fail');
    const seen = await sql<{ doc_id: string | null }>`select doc_id from edoc_upstream_seen where upstream_doc_id = ${upId}`.execute(p.store.db);
    expect(seen.rows).toEqual([{ doc_id: null }]);
    expect((await clients[B].call('getReceivedEdocList', { messagetype: 'edoc' })).body.data.filter((d: any) => d.documentId.endsWith('13/BNV-VP'))).toHaveLength(0);
    // Nothing of it is left in the hub's temp folder.
    expect(fs.readdirSync(path.join(p.dataDir, 'edoc', 'tmp'))).toEqual([]);
  });

  it('an upload over VAMCO_EDOC_MAX_BYTES is refused at the limit (EDOC_TOO_LARGE), streamed, and leaves no temp file', async () => {
    // Over the limit but within the declared-length slack, so the copy itself must stop it.
    const xml = buildEdoc({ from: { organId: A }, to: [{ organId: B }], codeNumber: '14', codeNotation: 'UBND-VP',
      promulgationDate: vnDate(), subject: 'Quá lớn', attachments: [{ name: 'big.pdf', contentType: 'application/pdf', bytes: crypto.randomBytes(200 * 1024) }] });
    expect(Buffer.byteLength(xml)).toBeGreaterThan(MAX_BYTES);
    expect(Buffer.byteLength(xml)).toBeLessThan(MAX_BYTES + 64 * 1024);
    const r = await clients[A].send(xml, 'edoc');
    expect(r.body).toMatchObject({ status: 'FAIL', ErrorCode: 'EDOC_TOO_LARGE' });
    expect(fs.readdirSync(path.join(p.dataDir, 'edoc', 'tmp'))).toEqual([]);
  });
});
