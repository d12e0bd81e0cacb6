// Certificates made with @peculiar/x509 over Node's WebCrypto (no openssl process), read with
// node:crypto's X509Certificate. Keys are ECDSA P-256: small, fast in TLS handshakes, and
// accepted by every TLS stack an agency's system is likely to run.
import 'reflect-metadata'; // @peculiar/x509's ASN.1 schemas need it loaded first
import crypto from 'node:crypto';
import net from 'node:net';
import * as x509 from '@peculiar/x509';
import { VamcoError } from '../core/errors.js';

export type CryptoKey = crypto.webcrypto.CryptoKey;
const webcrypto = crypto.webcrypto;
x509.cryptoProvider.set(webcrypto as never);

export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface KeyPair { privateKey: CryptoKey; publicKey: CryptoKey }

export async function generateKeyPair(): Promise<KeyPair> {
  return await webcrypto.subtle.generateKey({ ...KEY_ALGORITHM }, true, ['sign', 'verify']) as KeyPair;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function importPrivateKeyPem(pem: string, file: string): Promise<CryptoKey> {
  try {
    const ko = crypto.createPrivateKey(pem);
    if (ko.asymmetricKeyType !== 'ec' || ko.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not an ECDSA P-256 key');
    const der = ko.export({ type: 'pkcs8', format: 'der' });
    return await webcrypto.subtle.importKey('pkcs8', der, { ...KEY_ALGORITHM }, true, ['sign']);
  } catch (e) {
    throw new VamcoError('CONFIG_ERROR', `${file} does not hold the platform CA's ECDSA P-256 private key: ${(e as Error).message}`, { cause: e });
  }
}

/** A positive 128-bit serial (RFC 5280 §4.1.2.2: at most 20 octets, positive, unique per CA). */
export function newSerial(): string {
  const b = crypto.randomBytes(16);
  b[0] &= 0x7f;
  if (b[0] === 0) b[0] = 0x01;
  return b.toString('hex');
}

/** A name as one attribute list, so identifiers with "/" or "." need no DN escaping. */
function name(cn: string, o: string): x509.JsonName {
  return [{ CN: [cn] }, { O: [o] }];
}

export async function createCaCertificate(keys: KeyPair, opts: { commonName: string; organisation: string; years: number }): Promise<string> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + opts.years * 365.25 * 86_400_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: newSerial(), name: name(opts.commonName, opts.organisation), notBefore, notAfter,
    signingAlgorithm: SIGNING_ALGORITHM, keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return cert.toString('pem') + '\n';
}

export type CertUsage = 'client' | 'server';

export interface IssueParams {
  ca: { certPem: string; key: CryptoKey };
  /** The holder's public key: a CryptoKey, or the PublicKey of a verified CSR. */
  publicKey: CryptoKey | x509.PublicKey;
  commonName: string;
  organisation: string;
  usage: CertUsage;
  /** DNS names and IP addresses (server certificates). */
  altNames?: readonly string[];
  notBefore?: Date;
  notAfter?: Date;
  days?: number;
}

export async function issueCertificate(p: IssueParams): Promise<string> {
  const ca = new x509.X509Certificate(p.ca.certPem);
  // A minute back: a peer whose clock is slightly behind still sees the certificate valid.
  const notBefore = p.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = p.notAfter ?? new Date(notBefore.getTime() + (p.days ?? 365) * 86_400_000);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([p.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    await x509.SubjectKeyIdentifierExtension.create(p.publicKey as CryptoKey),
  ];
  if (p.altNames?.length) {
    extensions.push(new x509.SubjectAlternativeNameExtension(p.altNames.map((v) => (net.isIP(v) ? { type: 'ip', value: v } : { type: 'dns', value: v }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: newSerial(), subject: name(p.commonName, p.organisation), issuer: ca.subjectName,
    notBefore, notAfter, signingAlgorithm: SIGNING_ALGORITHM, publicKey: p.publicKey as CryptoKey, signingKey: p.ca.key, extensions,
  });
  return cert.toString('pem') + '\n';
}

/**
 * Reads a PKCS #10 request and checks its self-signature (proof that the requester holds the
 * private key). Only the public key is taken: the subject and extensions are the platform's.
 */
export async function readCsr(pem: string): Promise<x509.PublicKey> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (e) {
    throw new VamcoError('VALIDATION_FAILED', `Not a PEM certificate signing request (PKCS #10): ${(e as Error).message}`);
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch { /* an algorithm WebCrypto cannot check is as good as a bad signature here */ }
  if (!ok) throw new VamcoError('VALIDATION_FAILED', 'The certificate signing request\'s signature does not verify (or uses an algorithm other than RSA or ECDSA)');
  return csr.publicKey;
}

export interface CertInfo {
  /** SHA-256 of the DER, lower-case hex without colons: how a presented certificate is recognised. */
  fingerprint: string;
  /** Upper-case hex, as node:tls reports it. */
  serial: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  pem: string;
}

/** The one certificate in `pem` (a bundle is refused: which one would be meant?). */
export function readCertificate(pem: string): CertInfo {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) throw new VamcoError('VALIDATION_FAILED', blocks.length ? 'The file holds several certificates: give one' : 'Not a PEM certificate (-----BEGIN CERTIFICATE-----)');
  let c: crypto.X509Certificate;
  try {
    c = new crypto.X509Certificate(blocks[0]);
  } catch (e) {
    throw new VamcoError('VALIDATION_FAILED', `The certificate cannot be read: ${(e as Error).message}`);
  }
  return infoOf(c);
}

export function infoOf(c: crypto.X509Certificate): CertInfo {
  return {
    fingerprint: fingerprintOf(c.raw), serial: c.serialNumber.toUpperCase(), subject: c.subject.replace(/\n/g, ', '), issuer: c.issuer.replace(/\n/g, ', '),
    notBefore: new Date(c.validFrom).toISOString(), notAfter: new Date(c.validTo).toISOString(), pem: c.toString(),
  };
}

export function fingerprintOf(der: Buffer): string {
  return crypto.createHash('sha256').update(der).digest('hex');
}

/** All certificates of a PEM bundle (a trusted-roots file). */
export function splitPemBundle(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Does one of `roots` sign `cert` directly (the platform issues from its root, no intermediates)? */
export function issuedByOneOf(cert: crypto.X509Certificate, roots: readonly crypto.X509Certificate[]): boolean {
  return roots.some((r) => cert.checkIssued(r) && cert.verify(r.publicKey));
}
