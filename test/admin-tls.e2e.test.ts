// The admin API and console over TLS (issue 8, item 2: VAMCO_ADMIN_TLS), against a real
// platform and real HTTPS clients (curl and undici): the platform CA's certificate or the
// operator's files (renewed without a restart), session cookies Secure, HSTS on every answer
// over TLS and never over plain HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { makeCa, run } from './helpers/tls.js';
import { bannerText } from '../src/cli/banner.js';
import { tempDir } from '../src/store/testing.js';
import { until } from './helpers/wait.js';

const PW = 'Mật khẩu kiểm tra 9';

/** The certificate a TLS listener serves, checked against `ca`. */
function served(port: number, ca: string): Promise<crypto.X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => { resolve(new crypto.X509Certificate(s.getPeerCertificate().raw)); s.end(); });
    s.on('error', reject);
  });
}

describe('admin API and console over TLS (VAMCO_ADMIN_TLS=1, certificate of the platform CA)', () => {
  let p: TestPlatform;
  let dir: string;
  let caFile: string;
  let agent: Agent;
  beforeAll(async () => {
    p = await startTestPlatform({ env: { VAMCO_ADMIN_TLS: '1' } });
    dir = tempDir();
    caFile = path.join(dir, 'ca.pem');
    fs.writeFileSync(caFile, p.ca.certPem);
    agent = new Agent({ connect: { ca: p.ca.certPem } });
  }, 120_000);
  afterAll(async () => {
    await agent?.close();
    await p?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the console over HTTPS with the platform CA\'s certificate and HSTS (curl --cacert); the banner names the https address', async () => {
    expect(p.adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const cert = await served(Number(new URL(p.adminUrl).port), p.ca.certPem);
    expect(cert.verify(new crypto.X509Certificate(p.ca.certPem).publicKey)).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');

    const r = await run('curl', ['-sS', '-i', '--cacert', caFile, `${p.adminUrl}/`]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^HTTP\/[\d.]+ 200/m);
    expect(r.out).toMatch(/^strict-transport-security: max-age=31536000\r?$/mi);
    expect(r.out).toMatch(/<!doctype html>/i);
    const banner = bannerText(p);
    expect(banner).toContain(`Console/admin API  ${p.adminUrl}/`);
    // The root to trust is named, and it is the file curl just used successfully.
    expect(banner).toContain(`trust the platform CA: ${path.join(p.dataDir, 'pki', 'ca.crt')}`);
    expect(fs.readFileSync(path.join(p.dataDir, 'pki', 'ca.crt'), 'utf8')).toBe(fs.readFileSync(caFile, 'utf8'));
  });

  it('answers the API over TLS (bearer token), HSTS on errors too', async () => {
    const ok = await p.admin('GET', '/api/v1/members');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const refused = await request(`${p.adminUrl}/api/v1/members`, { dispatcher: agent });
    await refused.body.dump();
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('marks the session and CSRF cookies Secure for a login over its TLS', async () => {
    expect((await p.admin('POST', '/api/v1/users', { username: 'tls-console', role: 'auditor', password: PW })).status).toBe(201);
    const r = await request(`${p.adminUrl}/api/v1/auth/login`, {
      dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'tls-console', password: PW }),
    });
    await r.body.dump();
    expect(r.statusCode).toBe(200);
    const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
    const session = cookies.find((c) => c.startsWith('vamco_session='));
    const csrf = cookies.find((c) => c.startsWith('vamco_csrf='));
    expect(session).toMatch(/;\s*Secure/i);
    expect(csrf).toMatch(/;\s*Secure/i);
  });

  it('does not speak plain HTTP on the TLS port', async () => {
    const plain = await fetch(p.adminUrl.replace('https:', 'http:') + '/healthz').then((res) => res.status, () => 'refused');
    expect(plain).not.toBe(200);
  });
});

describe('admin API over plain HTTP (VAMCO_ADMIN_TLS unset)', () => {
  let p: TestPlatform;
  beforeAll(async () => { p = await startTestPlatform({}); }, 120_000);
  afterAll(() => p?.stop());

  it('sends no HSTS and no Secure cookie over plain HTTP', async () => {
    expect(p.adminUrl).toMatch(/^http:\/\//);
    const r = await p.admin('GET', '/api/v1/members');
    expect(r.status).toBe(200);
    expect(r.headers.get('strict-transport-security')).toBeNull();
    await p.admin('POST', '/api/v1/users', { username: 'plain-console', role: 'auditor', password: PW });
    const login = await fetch(`${p.adminUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'plain-console', password: PW }) });
    expect(login.status).toBe(200);
    const session = login.headers.getSetCookie().find((c) => c.startsWith('vamco_session='));
    expect(session).toBeDefined();
    expect(session).not.toMatch(/Secure/i);
  });
});

describe('admin API over TLS with the operator\'s certificate files, gateway HTTPS off', () => {
  let p: TestPlatform;
  let dir: string;
  const ca = makeCa('operator root');
  beforeAll(async () => {
    dir = tempDir();
    for (const name of ['one', 'two']) {
      const c = ca.issue(`admin-${name}`, { ip: ['127.0.0.1'], dns: ['localhost'] });
      fs.writeFileSync(path.join(dir, `${name}.crt`), c.cert);
      fs.writeFileSync(path.join(dir, `${name}.key`), c.key, { mode: 0o600 });
    }
    fs.copyFileSync(path.join(dir, 'one.crt'), path.join(dir, 'tls.crt'));
    fs.copyFileSync(path.join(dir, 'one.key'), path.join(dir, 'tls.key'));
    p = await startTestPlatform({ env: { VAMCO_ADMIN_TLS: '1', VAMCO_GATEWAY_TLS_PORT: 'off', VAMCO_TLS_CERT: path.join(dir, 'tls.crt'), VAMCO_TLS_KEY: path.join(dir, 'tls.key') } });
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves VAMCO_TLS_CERT and picks up a renewed certificate without a restart', async () => {
    expect(p.gatewayTlsUrl).toBeNull();
    const port = Number(new URL(p.adminUrl).port);
    const cn = async () => (await served(port, ca.cert)).subject;
    expect(await cn()).toBe('CN=admin-one');
    const caFile = path.join(dir, 'operator-ca.pem');
    fs.writeFileSync(caFile, ca.cert);
    const r = await run('curl', ['-sS', '-i', '--cacert', caFile, `${p.adminUrl}/healthz`]);
    expect(r.out).toMatch(/^HTTP\/[\d.]+ 200/m);
    expect(r.out).toMatch(/^strict-transport-security: max-age=31536000\r?$/mi);
    // Renewal as tools do it: new files written aside, then renamed over the old ones.
    fs.copyFileSync(path.join(dir, 'two.key'), path.join(dir, 'tls.key.new'));
    fs.copyFileSync(path.join(dir, 'two.crt'), path.join(dir, 'tls.crt.new'));
    fs.renameSync(path.join(dir, 'tls.key.new'), path.join(dir, 'tls.key'));
    fs.renameSync(path.join(dir, 'tls.crt.new'), path.join(dir, 'tls.crt'));
    await until('the renewed certificate', async () => ((await cn()) === 'CN=admin-two' ? true : undefined));
  }, 120_000);
});
