// The edoc hub's callers authenticated by a TLS client certificate (issue 9, item 1: "X-Road-Client
// + API key or client certificate"), over the gateway's HTTPS listener (issue 8), against a real
// platform: a registered certificate works with no API key, for its own subsystem only, and stops
// working once revoked; without a credential, over HTTP or HTTPS, the call is refused.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, FormData, fetch } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import * as reg from '../src/registry/index.js';
import { issueClientCert } from '../src/pki/index.js';
import { buildEdoc, vnDate } from '../src/edoc/index.js';
import { until } from './helpers/wait.js';

const A = '000.00.00.H59';
const B = '000.00.13.H59';
const who = { actor: 'test:edoc-tls' };

describe('edoc hub over mutual TLS (issue 9 with issue 8)', () => {
  let p: TestPlatform;
  const agents: Agent[] = [];
  const certs: Record<string, { certPem: string; keyPem: string; id: number }> = {};

  /** One hub operation on `base`, as `organ`'s document system, with the given client certificate (or none). */
  async function call(base: string, organ: string, op: string, o: { cert?: string; headers?: Record<string, string>; body?: FormData } = {}) {
    const c = o.cert ? certs[o.cert] : undefined;
    const agent = new Agent({ connect: { ca: p.ca.certPem, ...(c ? { cert: c.certPem, key: c.keyPem } : {}) } });
    agents.push(agent);
    const res = await fetch(`${base}/edoc/v1/${op}`, {
      method: 'POST', dispatcher: agent, body: o.body,
      headers: { 'x-road-client': `${p.instance}/GOV/${organ}/qlvb`, ...o.headers },
    });
    return { http: res.status, body: await res.json() as Record<string, any> };
  }

  beforeAll(async () => {
    p = await startTestPlatform();
    const ctx = { store: p.store, config: p.config };
    for (const [code, name] of [[A, 'UBND tỉnh'], [B, 'Sở Nội vụ']]) {
      expect((await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name })).status).toBe(201);
      expect((await p.admin('POST', '/api/v1/subsystems', { id: `GOV/${code}/qlvb` })).status).toBe(201);
      await p.edoc.hub.setEndpoint(`GOV/${code}/qlvb`, 'test');
      const issued = await issueClientCert(ctx, p.ca, { subsystem: `GOV/${code}/qlvb`, label: 'qlvb' }, who);
      certs[code] = { certPem: issued.certPem, keyPem: issued.keyPem!, id: issued.credential.id };
    }
    await p.snapshots.poll();
  }, 120_000);
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await p?.stop();
  });

  it('a registered certificate authenticates its subsystem with no API key: send, list, fetch', async () => {
    const tls = p.gatewayTlsUrl!;
    const xml = buildEdoc({ from: { organId: A }, to: [{ organId: B }], codeNumber: '7', codeNotation: 'UBND-VP', promulgationDate: vnDate(), subject: 'Gửi qua TLS hai chiều' });
    const form = new FormData();
    form.append('file', new Blob([xml], { type: 'application/xml' }), 'package.edxml');
    const sha256 = crypto.createHash('sha256').update(xml).digest('hex');
    const sent = await call(tls, A, 'sendEdoc', { cert: A, body: form, headers: { messagetype: 'edoc', servicetype: 'eDoc', sha256 } });
    expect(sent).toMatchObject({ http: 200, body: { status: 'OK', ErrorCode: '0' } });
    const inbox = await call(tls, B, 'getReceivedEdocList', { cert: B });
    expect(inbox.http).toBe(200);
    expect(inbox.body.data.map((d: any) => d.docId)).toContain(sent.body.DocId);
  });

  it('a certificate works only for its own subsystem, and nothing is accepted without a credential', async () => {
    const asOther = await call(p.gatewayTlsUrl!, B, 'getReceivedEdocList', { cert: A });
    expect(asOther).toMatchObject({ http: 401, body: { status: 'FAIL', ErrorCode: 'EDOC_UNAUTHENTICATED' } });
    const none = await call(p.gatewayTlsUrl!, A, 'getReceivedEdocList');
    expect(none).toMatchObject({ http: 401, body: { ErrorCode: 'EDOC_UNAUTHENTICATED', ErrorDesc: expect.stringMatching(/client certificate/) } });
    const plain = await call(p.gatewayUrl, A, 'getReceivedEdocList');
    expect(plain).toMatchObject({ http: 401, body: { ErrorCode: 'EDOC_UNAUTHENTICATED' } });
  });

  it('a revoked certificate is refused, naming the revocation', async () => {
    expect((await call(p.gatewayTlsUrl!, B, 'getAgenciesList', { cert: B })).http).toBe(200);
    await reg.revokeClientCert({ store: p.store, config: p.config }, certs[B].id, who);
    const refused = await until('the revocation to reach the hub', async () => {
      const a = await call(p.gatewayTlsUrl!, B, 'getAgenciesList', { cert: B });
      return a.http === 200 ? undefined : a;
    });
    expect(refused).toMatchObject({ http: 401, body: { ErrorCode: 'EDOC_UNAUTHENTICATED', ErrorDesc: expect.stringMatching(/revoked.*CLIENT_CERT_REVOKED/) } });
  });
});
