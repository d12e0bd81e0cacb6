import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { createTestStore, testEngines, tempDir, type TestStore } from '../store/testing.js';
import { loadConfig } from '../config/index.js';
import * as reg from '../registry/index.js';
import { loadOrCreateCa, signCsr, issueWithKey, loadOrIssueServerCert, clientTrustRoots, readCertificate, generateKeyPair, CA_KEY_FILE, PKI_DIR, type PlatformCa } from './index.js';

const who = { actor: 'test:pki' };
const SUB = 'GOV/000.00.00.H60/motcua';

async function csrFor(keys: { privateKey: unknown; publicKey: unknown }, cn = 'anything the IS likes'): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys: keys as never, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  return csr.toString('pem');
}

describe.each(testEngines())('platform PKI on %s', (engine) => {
  let t: TestStore;
  let ca: PlatformCa;
  let ctx: reg.RegistryCtx;
  beforeAll(async () => {
    t = await createTestStore(engine);
    ctx = { store: t.store, config: loadConfig({ VAMCO_DATA_DIR: t.dataDir }) };
    await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.H60', name: 'Van phong' }, who);
    await reg.addSubsystem(ctx, { id: SUB }, who);
    ca = await loadOrCreateCa(t.store, t.dataDir, { instance: 'DEV' });
  });
  afterAll(() => t.cleanup());

  it('creates the CA once: key 0600 in the data dir and never in the database, certificate in both', async () => {
    const keyFile = path.join(t.dataDir, PKI_DIR, CA_KEY_FILE);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const keyPem = fs.readFileSync(keyFile, 'utf8');
    expect(keyPem).toContain('BEGIN PRIVATE KEY');
    const cert = new crypto.X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    // No table holds the key's base64 body.
    const body = keyPem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const tables = ['pki_authorities', 'client_certificates', 'secrets'] as const;
    for (const tb of tables) {
      const rows = await t.store.db.selectFrom(tb).selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(body.slice(0, 40));
    }
    const again = await loadOrCreateCa(t.store, t.dataDir, { instance: 'DEV' });
    expect(again.created).toBe(false);
    expect(again.info.fingerprint).toBe(ca.info.fingerprint);
  });

  it('a node without the key trusts the CA but cannot issue; a foreign key in its place is refused', async () => {
    const other = tempDir();
    try {
      const trustOnly = await loadOrCreateCa(t.store, other, { instance: 'DEV' });
      expect(trustOnly.key).toBeNull();
      expect(trustOnly.info.fingerprint).toBe(ca.info.fingerprint);
      await expect(issueWithKey(trustOnly, { commonName: 'x', organisation: 'y', usage: 'client' })).rejects.toMatchObject({ code: 'CONFIG_ERROR' });
      fs.mkdirSync(path.join(other, PKI_DIR), { recursive: true });
      const keys = await generateKeyPair();
      const { privateKeyPem } = await import('./x509.js');
      fs.writeFileSync(path.join(other, PKI_DIR, CA_KEY_FILE), await privateKeyPem(keys.privateKey), { mode: 0o600 });
      await expect(loadOrCreateCa(t.store, other, { instance: 'DEV' })).rejects.toMatchObject({ code: 'CONFIG_ERROR' });
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('signs a CSR: the certificate carries the IS\'s public key, the platform\'s subject and clientAuth', async () => {
    const keys = await generateKeyPair();
    const issued = await signCsr(ca, await csrFor(keys, 'CN ignored'), { commonName: `DEV/${SUB}`, organisation: 'Vamco DEV' });
    const cert = new crypto.X509Certificate(issued.certPem);
    expect(cert.verify(new crypto.X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.checkIssued(new crypto.X509Certificate(ca.certPem))).toBe(true);
    expect(cert.subject).toContain(`CN=DEV/${SUB}`);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.ca).toBe(false);
    const spki = (k: crypto.KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('hex');
    expect(spki(cert.publicKey)).toBe(spki(crypto.KeyObject.from(keys.publicKey)));
  });

  it('refuses a CSR whose signature does not verify, and text that is not a CSR', async () => {
    const good = await csrFor(await generateKeyPair());
    const der = Buffer.from(good.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    der[der.length - 5] ^= 0xff; // inside the signature
    const bad = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(signCsr(ca, bad, { commonName: 'x', organisation: 'y' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(signCsr(ca, 'hello', { commonName: 'x', organisation: 'y' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('issues the gateway\'s server certificate with loopback and host names, and keeps it across starts', async () => {
    const files = (await loadOrIssueServerCert(ca, t.dataDir, { instance: 'DEV' }))!;
    const cert = new crypto.X509Certificate(fs.readFileSync(files.certFile, 'utf8'));
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(fs.statSync(files.keyFile).mode & 0o777).toBe(0o600);
    const again = (await loadOrIssueServerCert(ca, t.dataDir, { instance: 'DEV' }))!;
    expect(fs.readFileSync(again.certFile, 'utf8')).toBe(cert.toString());
  });

  it('registers client certificates as credentials; the snapshot holds them and their revocation', async () => {
    const roots = await clientTrustRoots(t.store, ctx.config);
    const issued = await issueWithKey(ca, { commonName: `DEV/${SUB}`, organisation: 'Vamco DEV', usage: 'client' });
    const view = await reg.addClientCert(ctx, { subsystem: SUB, pem: issued.certPem, label: 'motcua 2026' }, who, roots);
    expect(view).toMatchObject({ subsystemId: SUB, fingerprint: issued.info.fingerprint, revokedAt: null, label: 'motcua 2026' });
    let snap = await reg.buildSnapshot(t.store);
    const sc = snap.clientCerts.get(issued.info.fingerprint)!;
    expect(snap.subsystemsById.get(sc.subsystemId)?.key).toBe(SUB);
    expect(sc.revoked).toBe(false);
    await expect(reg.addClientCert(ctx, { subsystem: SUB, pem: issued.certPem }, who, roots)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const revoked = await reg.revokeClientCert(ctx, view.id, who);
    expect(revoked.revokedAt).not.toBeNull();
    snap = await reg.buildSnapshot(t.store);
    expect(snap.clientCerts.get(issued.info.fingerprint)?.revoked).toBe(true);
    expect(snap.revokedSerials.has(`${issued.info.issuer}|${issued.info.serial}`)).toBe(true);
  });

  it('refuses to register a certificate of an untrusted issuer, a server certificate, an expired one or a CA', async () => {
    const roots = await clientTrustRoots(t.store, ctx.config);
    // Another CA altogether (what an attacker could make).
    const rogueDir = tempDir();
    const rogueStore = await createTestStore('sqlite');
    try {
      const rogue = await loadOrCreateCa(rogueStore.store, rogueDir, { instance: 'EVIL' });
      const foreign = await issueWithKey(rogue, { commonName: 'x', organisation: 'y', usage: 'client' });
      await expect(reg.addClientCert(ctx, { subsystem: SUB, pem: foreign.certPem }, who, roots)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      // ...unless the operator trusts that root (VAMCO_CLIENT_CA_FILE).
      const file = path.join(rogueDir, 'roots.pem');
      fs.writeFileSync(file, rogue.certPem);
      const trusting = await clientTrustRoots(t.store, { clientCaFile: file });
      await expect(reg.addClientCert(ctx, { subsystem: SUB, pem: foreign.certPem }, who, trusting)).resolves.toMatchObject({ issuer: foreign.info.issuer });
    } finally {
      await rogueStore.cleanup();
      fs.rmSync(rogueDir, { recursive: true, force: true });
    }
    const server = await issueWithKey(ca, { commonName: 'srv', organisation: 'y', usage: 'server' });
    await expect(reg.addClientCert(ctx, { subsystem: SUB, pem: server.certPem }, who, roots)).rejects.toThrow(/clientAuth/);
    const old = await issueWithKey(ca, { commonName: 'old', organisation: 'y', usage: 'client', notBefore: new Date(Date.now() - 86_400_000 * 2), notAfter: new Date(Date.now() - 86_400_000) });
    await expect(reg.addClientCert(ctx, { subsystem: SUB, pem: old.certPem }, who, roots)).rejects.toThrow(/expired/);
    await expect(reg.addClientCert(ctx, { subsystem: SUB, pem: ca.certPem }, who, roots)).rejects.toThrow(/CA certificate/);
    expect(() => readCertificate(ca.certPem + ca.certPem)).toThrow(/several/);
  });
});
