// TLS towards providers (issue 8, item 4): an https backend is verified against the system's CAs
// plus the service's own CA bundle, and a provider subsystem's client certificate is presented
// to backends that demand one. Every failure is a 500 X-Road fault naming its reason
// (Server.ServerProxy.SslAuthenticationFailed, code UPSTREAM_TLS_FAILED), never a plain-text
// retry; the backend servers are real HTTPS servers on port 0 with certificates made here.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { makeCa, type Pem } from './helpers/tls.js';
import { testEngines } from '../src/store/testing.js';

const PROV = 'GOV/000.00.00.H59/hotich';
const MTLS = 'GOV/000.00.00.H59/thue';
const CLIENT = 'GOV/000.00.00.H60/motcua';

interface Backend { url: string; hits: { path: string; peer: string | null }[]; close(): Promise<void> }

async function httpsBackend(server: Pem, o: { clientCa?: string } = {}): Promise<Backend> {
  const hits: Backend['hits'] = [];
  const srv = https.createServer({
    ...server,
    ...(o.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: o.clientCa } : {}),
  }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    hits.push({ path: req.url ?? '', peer: peer && 'subject' in peer && peer.subject ? peer.subject.CN as string : null });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, path: req.url }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    url: `https://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }),
  };
}

describe.each(testEngines())('TLS towards providers\' backends (%s)', (engine) => {
  const agencyCa = makeCa('Agency private CA');
  const otherCa = makeCa('Some other CA');
  const clientCa = makeCa('Backend client CA');
  const gatewayCert = clientCa.issue('vamco-gateway-hotich', { client: true });
  let good: Backend; // certificate for 127.0.0.1, signed by the agency's CA
  let wrongHost: Backend; // signed by the agency's CA, but for another host name
  let mtls: Backend; // demands a client certificate signed by clientCa
  let p: TestPlatform;
  let key = '';
  let caFile = '';

  const call = (svc: string, rest = 'records/1') => request(`${p.gatewayUrl}/r1/${p.instance}/${svc}/${rest}`, {
    headers: { 'x-road-client': `${p.instance}/${CLIENT}`, 'x-api-key': key },
  }).then(async (r) => ({ status: r.statusCode, headers: r.headers, body: await r.body.json() as Record<string, any> }));

  const addService = async (id: string, url: string, ca?: string) => {
    await p.cli(['service', 'add', id, '--url', url, ...(ca ? ['--backend-ca', ca] : [])]);
    expect((await p.admin('POST', '/api/v1/access-rights', { service: id, client: CLIENT })).status).toBe(201);
  };

  beforeAll(async () => {
    good = await httpsBackend(agencyCa.issue('hotich.backend', { ip: ['127.0.0.1'] }));
    wrongHost = await httpsBackend(agencyCa.issue('other.backend', { dns: ['other.example'] }));
    mtls = await httpsBackend(agencyCa.issue('thue.backend', { ip: ['127.0.0.1'] }), { clientCa: clientCa.cert });
    p = await startTestPlatform({ engine });
    for (const [code, name] of [['000.00.00.H59', 'Sở Tư pháp'], ['000.00.00.H60', 'Văn phòng UBND tỉnh']]) {
      await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name });
    }
    for (const s of [PROV, MTLS, CLIENT]) expect((await p.admin('POST', '/api/v1/subsystems', { id: s })).status).toBe(201);
    key = (await p.admin('POST', '/api/v1/keys', { subsystem: CLIENT })).body.key;
    caFile = path.join(p.dataDir, 'agency-ca.pem');
    fs.writeFileSync(caFile, agencyCa.cert);
    const otherFile = path.join(p.dataDir, 'other-ca.pem');
    fs.writeFileSync(otherFile, otherCa.cert);
    await addService(`${PROV}/withca`, `${good.url}/api`, caFile);
    await addService(`${PROV}/noca`, `${good.url}/api`);
    await addService(`${PROV}/wrongca`, `${good.url}/api`, otherFile);
    await addService(`${PROV}/wronghost`, `${wrongHost.url}/api`, caFile);
    await addService(`${MTLS}/mtls`, `${mtls.url}/api`, caFile);
    await p.snapshots.poll();
  });
  afterAll(async () => {
    await p?.stop();
    await Promise.all([good, wrongHost, mtls].map((b) => b?.close()));
  });

  it('a backend behind HTTPS with a private CA answers when the service has that CA bundle', async () => {
    const r = await call(`${PROV}/withca`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, path: '/api/records/1' });
    expect(r.headers['x-road-id']).toBeTruthy();
    // The bundle is public and shown back as what it is.
    const svc = (await p.admin('GET', `/api/v1/services/${PROV.replace(/\//g, ':')}:withca`)).body;
    expect(svc.backendCa).toEqual([expect.objectContaining({ subject: 'CN=Agency private CA', sha256: expect.stringMatching(/^[0-9A-F:]{95}$/) })]);
  });

  it('without the CA bundle, or with another CA\'s, the call is a 500 fault "certificate verify failed" and the backend sees nothing', async () => {
    const before = good.hits.length;
    for (const svc of ['noca', 'wrongca']) {
      const r = await call(`${PROV}/${svc}`);
      expect(r.status).toBe(500);
      expect(r.headers['x-road-error']).toBe('Server.ServerProxy.SslAuthenticationFailed');
      expect(r.body).toMatchObject({ type: 'Server.ServerProxy.SslAuthenticationFailed', code: 'UPSTREAM_TLS_FAILED', reason: 'tls_certificate_verify_failed' });
      expect(r.body.message).toMatch(/certificate verify failed/);
      expect(r.body.message).toContain(`${PROV}/${svc}`);
    }
    expect(good.hits.length).toBe(before);
  });

  it('a certificate for another host name is a 500 fault "hostname mismatch", even from the trusted CA', async () => {
    const r = await call(`${PROV}/wronghost`);
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ code: 'UPSTREAM_TLS_FAILED', reason: 'tls_hostname_mismatch' });
    expect(r.body.message).toMatch(/hostname mismatch/);
    expect(wrongHost.hits).toHaveLength(0);
  });

  it('a backend that demands a client certificate: refused with a clear fault without one, 200 with the subsystem\'s', async () => {
    const refused = await call(`${MTLS}/mtls`);
    expect(refused.status).toBe(500);
    expect(refused.body).toMatchObject({ code: 'UPSTREAM_TLS_FAILED', reason: 'tls_client_certificate_refused' });
    expect(refused.body.message).toMatch(/client certificate/);
    expect(mtls.hits).toHaveLength(0);

    // The operator hands the certificate and key over as files; the key is never shown back.
    const certFile = path.join(p.dataDir, 'gw.pem');
    const keyFile = path.join(p.dataDir, 'gw.key');
    fs.writeFileSync(certFile, gatewayCert.cert);
    fs.writeFileSync(keyFile, gatewayCert.key, { mode: 0o600 });
    const set = await p.cli(['subsystem', 'backend-cert', 'set', MTLS, '--cert', certFile, '--key', keyFile]);
    expect(set.stdout).toMatch(/^CN=vamco-gateway-hotich\tvalid until /);
    await p.snapshots.poll();

    const ok = await call(`${MTLS}/mtls`);
    expect(ok.status).toBe(200);
    expect(mtls.hits).toEqual([{ path: '/api/records/1', peer: 'vamco-gateway-hotich' }]);

    // Shown: the certificate. Never: the key, in the API, the CLI or the admin trail.
    const subs = (await p.admin('GET', '/api/v1/subsystems')).body.items as { id: string; backendCert: unknown }[];
    expect(subs.find((s) => s.id === MTLS)!.backendCert).toMatchObject({ subject: 'CN=vamco-gateway-hotich', issuer: 'CN=Backend client CA' });
    expect(subs.find((s) => s.id === PROV)!.backendCert).toBeNull();
    const shown = (await p.cli(['subsystem', 'backend-cert', 'show', MTLS])).stdout;
    const trail = JSON.stringify((await p.admin('GET', '/api/v1/admin-trail?limit=200')).body);
    expect(trail).toContain('subsystem.backend-cert.set');
    const keyBody = gatewayCert.key.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    for (const text of [JSON.stringify(subs), shown, trail]) {
      expect(text).not.toContain('PRIVATE KEY');
      expect(text).not.toContain(keyBody.slice(0, 40));
    }
    // At rest the key is sealed (src/secrets), not PEM in the database.
    const row = await p.store.db.selectFrom('subsystems').select('backend_cert').where('subsystem_code', '=', 'thue').executeTakeFirstOrThrow();
    expect(row.backend_cert).not.toContain('PRIVATE KEY');

    // Removed: the next connection has no certificate to present again.
    await p.cli(['subsystem', 'backend-cert', 'remove', MTLS]);
    await p.snapshots.poll();
    expect((await call(`${MTLS}/mtls`)).body).toMatchObject({ reason: 'tls_client_certificate_refused' });
  });

  it('refuses material that is not what it claims: a key in a CA bundle, a key that is not the certificate\'s', async () => {
    const svc = `/api/v1/services/${PROV.replace(/\//g, ':')}:withca`;
    const withKey = await p.admin('PATCH', svc, { backendCa: agencyCa.cert + agencyCa.key });
    expect(withKey.status).toBe(400);
    expect(withKey.body).toMatchObject({ code: 'VALIDATION_FAILED', reason: 'tls_pem_not_certificate' });
    expect((await p.admin('PATCH', svc, { backendCa: 'not a certificate' })).body).toMatchObject({ reason: 'tls_pem_invalid' });
    const other = clientCa.issue('someone-else', { client: true });
    const mismatch = await p.admin('PUT', `/api/v1/subsystems/${MTLS.replace(/\//g, ':')}/backend-cert`, { cert: gatewayCert.cert, key: other.key });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({ reason: 'tls_key_mismatch' });
    // The service kept its bundle and still answers.
    await p.snapshots.poll();
    expect((await call(`${PROV}/withca`)).status).toBe(200);
    // "none" lifts it: the system CAs alone do not know the agency's CA.
    await p.cli(['service', 'update', `${PROV}/withca`, '--backend-ca', 'none']);
    await p.snapshots.poll();
    expect((await call(`${PROV}/withca`)).body).toMatchObject({ reason: 'tls_certificate_verify_failed' });
  });
});
