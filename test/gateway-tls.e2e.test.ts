// The gateway over TLS and mutual TLS (issue 8, items 2 and 3), against a real platform: the
// HTTPS listener's certificate from the platform CA, the start banner's mutual-TLS curl run
// as printed (real curl), protocol versions tried with real openssl s_client, and client
// certificates that are revoked, expired, not yet valid, unknown or another subsystem's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { bannerText } from '../src/cli/banner.js';
import { DEMO } from '../src/demo/index.js';
import * as reg from '../src/registry/index.js';
import { issueWithKey, issueClientCert, loadOrCreateCa } from '../src/pki/index.js';
import { tempDir } from '../src/store/testing.js';
import { until } from './helpers/wait.js';
import { makeCa, run } from './helpers/tls.js';

const who = { actor: 'test:tls' };
const RECORD = `/r1/DEV/${DEMO.service}/records/079203000001`;
const CLIENT = `DEV/${DEMO.consumerSubsystem}`;

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One HTTPS call, trusting only the platform CA, optionally with a client certificate. */
async function call(url: string, o: { ca: string; cert?: string; key?: string; headers?: Record<string, string>; agent?: Agent }): Promise<Answer> {
  const agent = o.agent ?? new Agent({ connect: { ca: o.ca, cert: o.cert, key: o.key } });
  try {
    const r = await request(url, { dispatcher: agent, headers: o.headers });
    return { status: r.statusCode, headers: r.headers, body: await r.body.text() };
  } finally {
    if (!o.agent) await agent.close();
  }
}

const errorCode = (a: Answer): string | undefined => { try { return JSON.parse(a.body).code; } catch { return undefined; } };

describe('gateway over TLS', () => {
  let p: TestPlatform;
  let ca: string;
  let tlsPort: number;
  beforeAll(async () => {
    p = await startTestPlatform({ demo: true });
    ca = p.ca.certPem;
    tlsPort = Number(new URL(p.gatewayTlsUrl!).port);
  }, 120_000);
  afterAll(() => p?.stop());

  it('serves HTTPS with a certificate of the platform CA; the banner\'s mutual-TLS curl (run as printed, no API key) answers 200 with X-Road-Id', async () => {
    const peer = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: tlsPort, ca, servername: 'localhost' }, () => { resolve(s.getPeerCertificate()); s.end(); });
      s.on('error', reject);
    });
    const served = new crypto.X509Certificate(peer.raw);
    expect(served.verify(new crypto.X509Certificate(ca).publicKey)).toBe(true);
    expect(served.checkIP('127.0.0.1')).toBe('127.0.0.1');

    const banner = bannerText(p);
    const lines = banner.split('\n');
    const at = lines.findIndex((l) => l.includes('--cacert'));
    expect(at).toBeGreaterThan(0);
    // The command as a user copies it: two lines joined by the shell's backslash-newline.
    const command = `${lines[at]}\n${lines[at + 1]}`.trim();
    expect(command).not.toMatch(/X-API-Key/i);
    expect(command).toContain(p.gatewayTlsUrl!);
    const r = await run('bash', ['-c', command]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^HTTP\/[\d.]+ 200/m);
    expect(r.out).toMatch(/^x-road-id: DEV-[0-9a-f-]{36}\r?$/mi);
    expect(r.out).toContain(`"client":"${CLIENT}"`);
  });

  it('refuses TLS 1.0 and 1.1 and accepts TLS 1.2 and 1.3 (openssl s_client)', async () => {
    // SECLEVEL=0 lets this machine's openssl offer TLS 1.0/1.1 at all; the control server
    // below proves it really does, so a refusal here is the gateway's.
    const tryVersion = (port: number, flag: string) => run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, flag, '-cipher', 'DEFAULT@SECLEVEL=0', '-CAfile', caFile], 'Q\n');
    const dir = tempDir();
    const caFile = path.join(dir, 'ca.pem');
    fs.writeFileSync(caFile, ca);
    const old = tls.createServer({ cert: fs.readFileSync(path.join(p.dataDir, 'pki', 'gateway.crt')), key: fs.readFileSync(path.join(p.dataDir, 'pki', 'gateway.key')), minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.end());
    await new Promise<void>((r) => old.listen(0, '127.0.0.1', r));
    try {
      const control = await tryVersion((old.address() as { port: number }).port, '-tls1');
      // s_client's "New, <protocol>, Cipher is <suite>" line says a handshake completed.
      expect(control.out, 'control: this openssl can speak TLS 1.0').toMatch(/New, TLSv1\.0, Cipher is (?!\(NONE\))/);
      for (const flag of ['-tls1', '-tls1_1']) {
        const r = await tryVersion(tlsPort, flag);
        expect(r.code, `${flag}: ${r.out}`).not.toBe(0);
        expect(r.out).toMatch(/alert protocol version/);
        expect(r.out).toMatch(/Cipher is \(NONE\)/);
      }
      for (const [flag, proto] of [['-tls1_2', 'TLSv1.2'], ['-tls1_3', 'TLSv1.3']]) {
        const r = await tryVersion(tlsPort, flag);
        expect(r.out, flag).toMatch(new RegExp(`New, ${proto.replace('.', '\\.')}, Cipher is (?!\\(NONE\\))`));
        expect(r.out).toMatch(/Verify return code: 0 \(ok\)/);
      }
    } finally {
      old.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a revoked certificate is refused on an open keep-alive connection within about a second (polled)', async () => {
    const ctx = { store: p.store, config: p.config };
    const platformCa = await loadOrCreateCa(p.store, p.dataDir, { instance: 'DEV' });
    const issued = await issueClientCert(ctx, platformCa, { subsystem: DEMO.consumerSubsystem, label: 'to revoke' }, who);
    const agent = new Agent({ connect: { ca, cert: issued.certPem, key: issued.keyPem! } });
    try {
      const headers = { 'X-Road-Client': CLIENT };
      await until('the new certificate to work', async () => ((await call(p.gatewayTlsUrl + RECORD, { ca, agent, headers })).status === 200 ? true : undefined));
      const t0 = Date.now();
      await reg.revokeClientCert(ctx, issued.credential.id, who);
      const refused = await until('the revocation', async () => {
        const a = await call(p.gatewayTlsUrl + RECORD, { ca, agent, headers });
        return a.status === 200 ? undefined : a;
      });
      const ms = Date.now() - t0;
      console.log(`revoked certificate refused after ${ms} ms (snapshot poll ${p.config.snapshotPollMs} ms)`);
      expect(refused.status).toBe(500);
      expect(refused.headers['x-road-error']).toBe('Server.ClientProxy.SslAuthenticationFailed');
      expect(errorCode(refused)).toBe('CLIENT_CERT_REVOKED');
    } finally {
      await agent.close();
    }
  });

  it('an unknown certificate: with a valid API key it works through the key only; alone it is refused as unknown', async () => {
    // A certificate of the platform CA that nobody registered (made directly, not through cert issue).
    const platformCa = await loadOrCreateCa(p.store, p.dataDir, { instance: 'DEV' });
    const stray = await issueWithKey(platformCa, { commonName: 'stray', organisation: 'nobody', usage: 'client' });
    const withCert = { ca, cert: stray.certPem, key: stray.keyPem };
    const alone = await call(p.gatewayTlsUrl + RECORD, { ...withCert, headers: { 'X-Road-Client': CLIENT } });
    expect(alone.status).toBe(500);
    expect(errorCode(alone)).toBe('CLIENT_CERT_UNKNOWN');
    const withKey = await call(p.gatewayTlsUrl + RECORD, { ...withCert, headers: { 'X-Road-Client': CLIENT, 'X-API-Key': p.demoKey! } });
    expect(withKey.status).toBe(200);
    // The key decides: a wrong key is refused as a wrong key, the certificate does not rescue it.
    const wrongKey = await call(p.gatewayTlsUrl + RECORD, { ...withCert, headers: { 'X-Road-Client': CLIENT, 'X-API-Key': 'vk_wrong' } });
    expect(wrongKey.headers['x-road-error']).toBe('Client.InvalidCredentials');
    // And over plain HTTPS without any credential: told what to send.
    const none = await call(p.gatewayTlsUrl + RECORD, { ca, headers: { 'X-Road-Client': CLIENT } });
    expect(errorCode(none)).toBe('UNAUTHENTICATED');
  });

  it('expired and not-yet-valid certificates get their own faults; a certificate must match X-Road-Client', async () => {
    const ctx = { store: p.store, config: p.config };
    const platformCa = await loadOrCreateCa(p.store, p.dataDir, { instance: 'DEV' });
    const roots = [platformCa.certPem];
    const soon = await issueWithKey(platformCa, { commonName: 'soon', organisation: 'o', usage: 'client', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 4_000) });
    await reg.addClientCert(ctx, { subsystem: DEMO.consumerSubsystem, pem: soon.certPem }, who, roots);
    const later = await issueWithKey(platformCa, { commonName: 'later', organisation: 'o', usage: 'client', notBefore: new Date(Date.now() + 86_400_000), notAfter: new Date(Date.now() + 2 * 86_400_000) });
    await reg.addClientCert(ctx, { subsystem: DEMO.consumerSubsystem, pem: later.certPem }, who, roots);
    const headers = { 'X-Road-Client': CLIENT };
    const notYet = await until('the not-yet-valid certificate in the snapshot', async () => {
      const a = await call(p.gatewayTlsUrl + RECORD, { ca, cert: later.certPem, key: later.keyPem, headers });
      return errorCode(a) === 'CLIENT_CERT_UNKNOWN' ? undefined : a;
    });
    expect(errorCode(notYet)).toBe('CLIENT_CERT_NOT_YET_VALID');
    const expired = await until('the certificate to expire', async () => {
      const a = await call(p.gatewayTlsUrl + RECORD, { ca, cert: soon.certPem, key: soon.keyPem, headers });
      return a.status === 200 || errorCode(a) === 'CLIENT_CERT_UNKNOWN' ? undefined : a;
    });
    expect(errorCode(expired)).toBe('CLIENT_CERT_EXPIRED');
    expect(expired.headers['x-road-error']).toBe('Server.ClientProxy.SslAuthenticationFailed');

    // The demo consumer's certificate naming another subsystem as the client.
    const demoCert = fs.readFileSync(p.demoCert!.certFile, 'utf8');
    const demoKey = fs.readFileSync(p.demoCert!.keyFile, 'utf8');
    const other = await call(p.gatewayTlsUrl + RECORD, { ca, cert: demoCert, key: demoKey, headers: { 'X-Road-Client': `DEV/${DEMO.service.split('/').slice(0, 3).join('/')}` } });
    expect(other.headers['x-road-error']).toBe('Client.InvalidCredentials');
    expect(JSON.parse(other.body).message ?? JSON.parse(other.body).detail).toMatch(/does not belong/);
  }, 120_000);
});

describe('the credential of each exchange in the message log', () => {
  let p: TestPlatform;
  beforeAll(async () => { p = await startTestPlatform({ demo: true }); }, 120_000);
  afterAll(() => p?.stop());

  it('records API key, token or client certificate (with its SHA-256) per exchange; search filters by it; the export carries it and a changed one fails verification', async () => {
    const ca = p.ca.certPem;
    const key = { 'X-Road-Client': CLIENT, 'X-API-Key': p.demoKey! };
    expect((await call(p.gatewayTlsUrl + RECORD, { ca, headers: { ...key, 'X-Road-Id': 'cred-key' } })).status).toBe(200);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT, client_secret: p.demoKey! });
    const t = await request(`${p.gatewayUrl}/token`, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const token = ((await t.body.json()) as { access_token: string }).access_token;
    const viaToken = await request(p.gatewayUrl + RECORD, { headers: { 'X-Road-Client': CLIENT, authorization: `Bearer ${token}`, 'X-Road-Id': 'cred-token' } });
    await viaToken.body.dump();
    expect(viaToken.statusCode).toBe(200);
    const certPem = fs.readFileSync(p.demoCert!.certFile, 'utf8');
    const fingerprint = new crypto.X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase();
    const viaCert = await call(p.gatewayTlsUrl + RECORD, { ca, cert: certPem, key: fs.readFileSync(p.demoCert!.keyFile, 'utf8'), headers: { 'X-Road-Client': CLIENT, 'X-Road-Id': 'cred-cert' } });
    expect(viaCert.status).toBe(200);
    // A refused certificate is recorded too, with the fingerprint it came with.
    const platformCa = await loadOrCreateCa(p.store, p.dataDir, { instance: 'DEV' });
    const stray = await issueWithKey(platformCa, { commonName: 'stray', organisation: 'nobody', usage: 'client' });
    const strayFp = new crypto.X509Certificate(stray.certPem).fingerprint256.replace(/:/g, '').toLowerCase();
    expect((await call(p.gatewayTlsUrl + RECORD, { ca, cert: stray.certPem, key: stray.keyPem, headers: { 'X-Road-Client': CLIENT, 'X-Road-Id': 'cred-stray' } })).status).toBe(500);
    await p.messageLog.flush();

    const one = async (id: string) => {
      const r = await p.admin('GET', `/api/v1/messages?messageId=${id}`);
      expect(r.status).toBe(200);
      expect(r.body.items).toHaveLength(1);
      return r.body.items[0] as { credential: unknown; status: number; nodeId: string; seq: number };
    };
    expect((await one('cred-key')).credential).toEqual({ kind: 'api-key' });
    expect((await one('cred-token')).credential).toEqual({ kind: 'token' });
    const certRecord = await one('cred-cert');
    expect(certRecord.credential).toEqual({ kind: 'certificate', fingerprint });
    expect(await one('cred-stray')).toMatchObject({ status: 500, credential: { kind: 'certificate', fingerprint: strayFp } });
    const detail = await p.admin('GET', `/api/v1/messages/${certRecord.nodeId}/${certRecord.seq}`);
    expect(detail.body.credential).toEqual({ kind: 'certificate', fingerprint });

    const byKind = async (kind: string) => ((await p.admin('GET', `/api/v1/messages?credential=${kind}&limit=1000`)).body.items as { messageId: string }[]).map((m) => m.messageId);
    const certs = await byKind('certificate');
    expect(certs).toEqual(expect.arrayContaining(['cred-cert', 'cred-stray']));
    expect(certs).not.toContain('cred-key');
    expect(await byKind('token')).toEqual(['cred-token']);
    expect(await byKind('api-key')).toContain('cred-key');
    expect((await p.admin('GET', '/api/v1/messages?credential=password')).status).toBe(400);

    expect((await p.cli(['audit', 'verify'])).code).toBe(0);
    const file = path.join(p.dataDir, 'credential-export.jsonl');
    await p.cli(['audit', 'export', '--out', file]);
    expect((await p.cli(['audit', 'verify', '--file', file])).code).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"cred-cert"'));
    expect(JSON.parse(lines[i]).credential).toBe(`certificate:${fingerprint}`);
    lines[i] = lines[i].replace(`certificate:${fingerprint}`, `certificate:${strayFp}`);
    fs.writeFileSync(file, lines.join('\n'));
    const bad = await p.cli(['audit', 'verify', '--file', file], { allowFail: true });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cred-cert');
  }, 120_000);
});

describe('gateway certificate from files', () => {
  let p: TestPlatform;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    // An operator's own certificate (here issued by a CA of another platform, kept by the test).
    const otherDir = tempDir();
    const other = await startTestPlatform({});
    try {
      const otherCa = await loadOrCreateCa(other.store, other.dataDir, { instance: 'DEV' });
      for (const name of ['one', 'two']) {
        const c = await issueWithKey(otherCa, { commonName: name, organisation: 'operator', usage: 'server', altNames: ['127.0.0.1', 'localhost'] });
        fs.writeFileSync(path.join(dir, `${name}.crt`), c.certPem);
        fs.writeFileSync(path.join(dir, `${name}.key`), c.keyPem, { mode: 0o600 });
      }
      fs.writeFileSync(path.join(dir, 'operator-ca.crt'), otherCa.certPem);
    } finally {
      await other.stop();
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
    fs.copyFileSync(path.join(dir, 'one.crt'), path.join(dir, 'tls.crt'));
    fs.copyFileSync(path.join(dir, 'one.key'), path.join(dir, 'tls.key'));
    p = await startTestPlatform({ env: { VAMCO_TLS_CERT: path.join(dir, 'tls.crt'), VAMCO_TLS_KEY: path.join(dir, 'tls.key') } });
  }, 180_000);
  afterAll(async () => {
    await p?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves VAMCO_TLS_CERT and picks up a renewed certificate without a restart', async () => {
    const ca = fs.readFileSync(path.join(dir, 'operator-ca.crt'), 'utf8');
    const port = Number(new URL(p.gatewayTlsUrl!).port);
    const servedCn = () => new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => { resolve(String(s.getPeerCertificate().subject.CN)); s.end(); });
      s.on('error', reject);
    });
    expect(await servedCn()).toBe('one');
    // Renewal as tools do it: new files written aside, then renamed over the old ones.
    fs.copyFileSync(path.join(dir, 'two.key'), path.join(dir, 'tls.key.new'));
    fs.copyFileSync(path.join(dir, 'two.crt'), path.join(dir, 'tls.crt.new'));
    fs.renameSync(path.join(dir, 'tls.key.new'), path.join(dir, 'tls.key'));
    fs.renameSync(path.join(dir, 'tls.crt.new'), path.join(dir, 'tls.crt'));
    await until('the renewed certificate', async () => ((await servedCn()) === 'two' ? true : undefined));
    // A broken renewal (key of another certificate) keeps the working one in service.
    fs.copyFileSync(path.join(dir, 'one.key'), path.join(dir, 'tls.key'));
    await new Promise((r) => setTimeout(r, 2500));
    expect(await servedCn()).toBe('two');
  }, 120_000);
});

describe('client certificates of a trusted root (VAMCO_CLIENT_CA_FILE) and of foreign CAs', () => {
  let p: TestPlatform;
  let dir: string;
  let rootsFile: string;
  const government = makeCa('government root');
  const foreign = makeCa('foreign root');
  beforeAll(async () => {
    dir = tempDir();
    rootsFile = path.join(dir, 'roots.pem');
    fs.writeFileSync(rootsFile, government.cert);
    p = await startTestPlatform({ demo: true, env: { VAMCO_CLIENT_CA_FILE: rootsFile } });
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a certificate of a foreign CA as CLIENT_CERT_UNTRUSTED, and a registered one whose root is taken out of the file', async () => {
    const ca = p.ca.certPem;
    const headers = { 'X-Road-Client': CLIENT };
    // The government's certificate for the demo consumer, registered against the trusted root.
    const gov = government.issue('motcua', { client: true });
    await reg.addClientCert({ store: p.store, config: p.config }, { subsystem: DEMO.consumerSubsystem, pem: gov.cert }, who, [government.cert]);
    await until('the registered certificate to work', async () => ((await call(p.gatewayTlsUrl + RECORD, { ca, ...gov, headers })).status === 200 ? true : undefined));

    // A certificate of a CA nobody trusts: refused as untrusted, whatever subsystem it claims.
    const stranger = foreign.issue('motcua', { client: true });
    const untrusted = await call(p.gatewayTlsUrl + RECORD, { ca, ...stranger, headers });
    expect(untrusted.status).toBe(500);
    expect(untrusted.headers['x-road-error']).toBe('Server.ClientProxy.SslAuthenticationFailed');
    expect(errorCode(untrusted)).toBe('CLIENT_CERT_UNTRUSTED');

    // The operator replaces the government root by the foreign one (file re-read, no restart):
    // the registered certificate is no longer trusted; the stranger is trusted but not registered.
    fs.writeFileSync(rootsFile, foreign.cert);
    const dropped = await until('the new roots file', async () => {
      const a = await call(p.gatewayTlsUrl + RECORD, { ca, ...gov, headers });
      return a.status === 200 ? undefined : a;
    });
    expect(errorCode(dropped)).toBe('CLIENT_CERT_UNTRUSTED');
    expect(errorCode(await call(p.gatewayTlsUrl + RECORD, { ca, ...stranger, headers }))).toBe('CLIENT_CERT_UNKNOWN');
  }, 120_000);
});
