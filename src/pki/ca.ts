// The platform CA: one per platform. Its private key is a file in the data dir of the node
// that created it (0600, never in the database); its certificate is also in the database, so
// every node trusts what it issued and `vamco ca export` works anywhere.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Store } from '../store/index.js';
import { VamcoError } from '../core/errors.js';
import { createSecretFile, readSecretFile, replaceSecretFile, SECRET_DIR_MODE } from '../secrets/index.js';
import {
  createCaCertificate, generateKeyPair, importPrivateKeyPem, issueCertificate, privateKeyPem, readCertificate, readCsr,
  type CertInfo, type CertUsage, type CryptoKey,
} from './x509.js';

export const PKI_DIR = 'pki';
export const CA_KEY_FILE = 'ca.key';
export const CA_CERT_FILE = 'ca.crt';
const CA_YEARS = 10;

export interface PlatformCa {
  certPem: string;
  info: CertInfo;
  /** Absent on a node that did not create the CA: it trusts the CA but cannot issue. */
  key: CryptoKey | null;
  keyFile: string;
}

function files(dataDir: string) {
  const dir = path.join(dataDir, PKI_DIR);
  return { dir, key: path.join(dir, CA_KEY_FILE), cert: path.join(dir, CA_CERT_FILE) };
}

/** The CA certificate the database holds (null before the first start or `vamco ca init`). */
export async function platformCaCertificate(store: Store): Promise<string | null> {
  const row = await store.db.selectFrom('pki_authorities').select('certificate').where('name', '=', 'platform').executeTakeFirst();
  return row?.certificate ?? null;
}

/**
 * Loads the platform CA, creating it when the database has none. A node whose data dir lacks
 * the key gets the certificate only (key null); a key that does not match the registered
 * certificate stops the start: two CAs under one name would split the platform's trust.
 */
export async function loadOrCreateCa(store: Store, dataDir: string, opts: { instance: string; operatorName?: string }): Promise<PlatformCa & { created: boolean }> {
  const f = files(dataDir);
  let certPem = await platformCaCertificate(store);
  let created = false;
  if (!certPem) {
    fs.mkdirSync(f.dir, { recursive: true, mode: SECRET_DIR_MODE });
    let madeHere = false;
    if (!fs.existsSync(f.key)) {
      const keys = await generateKeyPair();
      const pem = await createCaCertificate(keys, { commonName: `Vamco platform CA ${opts.instance}`, organisation: opts.operatorName ?? `Vamco ${opts.instance}`, years: CA_YEARS });
      // The key first: a certificate in the database whose key was lost would be a CA nobody can use.
      if (createSecretFile(f.key, await privateKeyPem(keys.privateKey))) {
        createSecretFile(f.cert, pem);
        madeHere = true;
      }
    }
    const candidate = fs.readFileSync(f.cert, 'utf8');
    // Two nodes starting on an empty database: the first to insert is the platform's CA.
    await store.db.insertInto('pki_authorities').values({ name: 'platform', certificate: candidate, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing()).execute();
    certPem = (await platformCaCertificate(store))!;
    created = certPem === candidate;
    if (!created && madeHere) {
      // Lost the race: the key just made here belongs to no CA; this node trusts the winner's.
      fs.rmSync(f.key, { force: true });
      fs.rmSync(f.cert, { force: true });
    }
  }
  const info = readCertificate(certPem);
  let key: CryptoKey | null = null;
  if (fs.existsSync(f.key)) {
    key = await importPrivateKeyPem(readSecretFile(f.key), f.key);
    const ours = crypto.createPublicKey(crypto.KeyObject.from(key)).export({ type: 'spki', format: 'der' });
    const registered = new crypto.X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
    if (!ours.equals(registered)) {
      throw new VamcoError('CONFIG_ERROR', `${f.key} is not the key of the platform CA registered in the database (${info.subject}): remove it, or restore the right one`);
    }
    if (!fs.existsSync(f.cert)) createSecretFile(f.cert, certPem);
  }
  return { certPem, info, key, keyFile: f.key, created };
}

function requireKey(ca: PlatformCa): CryptoKey {
  if (!ca.key) {
    throw new VamcoError('CONFIG_ERROR', `This node holds no key of the platform CA (${ca.keyFile}): issue certificates on the node that created the CA, or copy its key here (mode 0600)`);
  }
  return ca.key;
}

export interface Issued { certPem: string; info: CertInfo }

/** Signs an information system's CSR: the certificate names the subsystem, the key stays with the system. */
export async function signCsr(ca: PlatformCa, csrPem: string, holder: { commonName: string; organisation: string; usage?: CertUsage; days?: number; altNames?: string[] }): Promise<Issued> {
  const publicKey = await readCsr(csrPem);
  const certPem = await issueCertificate({ ca: { certPem: ca.certPem, key: requireKey(ca) }, publicKey, usage: holder.usage ?? 'client', ...holder });
  return { certPem, info: readCertificate(certPem) };
}

/** Makes a key pair and its certificate (for operators who hand both to the system). */
export async function issueWithKey(ca: PlatformCa, holder: { commonName: string; organisation: string; usage: CertUsage; altNames?: string[]; days?: number; notBefore?: Date; notAfter?: Date }): Promise<Issued & { keyPem: string }> {
  const keys = await generateKeyPair();
  const certPem = await issueCertificate({ ca: { certPem: ca.certPem, key: requireKey(ca) }, publicKey: keys.publicKey, ...holder });
  return { certPem, info: readCertificate(certPem), keyPem: await privateKeyPem(keys.privateKey) };
}

export const SERVER_KEY_FILE = 'gateway.key';
export const SERVER_CERT_FILE = 'gateway.crt';

/** Names a node's own server certificate carries: loopback and this host's name. */
export function serverAltNames(): string[] {
  return [...new Set(['localhost', '127.0.0.1', '::1', os.hostname()].filter(Boolean))];
}

/**
 * The gateway's TLS certificate when the operator gave none: issued by the platform CA at
 * first start, kept in the data dir and renewed when it has less than 30 days left. Null when
 * this node cannot issue (no CA key here): then it needs VAMCO_TLS_CERT/VAMCO_TLS_KEY.
 */
export async function loadOrIssueServerCert(ca: PlatformCa, dataDir: string, opts: { instance: string; operatorName?: string }): Promise<{ certFile: string; keyFile: string } | null> {
  const f = files(dataDir);
  const kept = keptServerCert(dataDir, ca.certPem, 30 * 86_400_000);
  if (kept) return kept;
  const certFile = path.join(f.dir, SERVER_CERT_FILE);
  const keyFile = path.join(f.dir, SERVER_KEY_FILE);
  if (!ca.key) return null;
  const issued = await issueWithKey(ca, { commonName: os.hostname() || 'localhost', organisation: opts.operatorName ?? `Vamco ${opts.instance}`, usage: 'server', altNames: serverAltNames(), days: 397 });
  fs.mkdirSync(f.dir, { recursive: true, mode: SECRET_DIR_MODE });
  // Key first, then the certificate, each replaced whole: a reader never sees a mismatched pair for long.
  replaceSecretFile(keyFile, issued.keyPem);
  replaceSecretFile(certFile, issued.certPem);
  return { certFile, keyFile };
}

/**
 * The server certificate an earlier start issued into the data dir, if it is still valid for
 * `marginMs` more and issued by `caPem`; null otherwise. A start without the database serves
 * it as it is (margin 0): renewing needs the CA from the database.
 */
export function keptServerCert(dataDir: string, caPem: string, marginMs = 0): { certFile: string; keyFile: string } | null {
  const f = files(dataDir);
  const certFile = path.join(f.dir, SERVER_CERT_FILE);
  const keyFile = path.join(f.dir, SERVER_KEY_FILE);
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) return null;
  const c = new crypto.X509Certificate(fs.readFileSync(certFile, 'utf8'));
  const stillGood = new Date(c.validTo).getTime() - Date.now() > marginMs;
  return stillGood && c.checkIssued(new crypto.X509Certificate(caPem)) ? { certFile, keyFile } : null;
}

/**
 * A copy of the platform CA's certificate (public) in every node's data dir, written by each
 * start that reads it from the database: a node started without the database checks client
 * certificates against it (its gateway HTTPS listener needs the roots). Not ca.crt: that file
 * marks the node that made the CA (see loadOrCreateCa's race).
 */
export const CA_COPY_FILE = 'platform-ca.crt';

export function keepPlatformCaCopy(dataDir: string, certPem: string): void {
  const file = path.join(files(dataDir).dir, CA_COPY_FILE);
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === certPem) return;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: SECRET_DIR_MODE });
  replaceSecretFile(file, certPem);
}

/** The kept copy (or, on the node that made the CA, its ca.crt); null when neither is there. */
export function keptPlatformCa(dataDir: string): string | null {
  const f = files(dataDir);
  for (const file of [path.join(f.dir, CA_COPY_FILE), f.cert]) {
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  }
  return null;
}

export const PEER_KEY_FILE = 'peer.key';
export const PEER_CERT_FILE = 'peer.crt';

/**
 * The platform's own certificate towards its peers (issue 17): a client certificate from the
 * platform CA naming the instance as its common name, which is what a peer checks. Kept in the
 * data dir and issued again when it has less than 30 days left. Null when this node cannot issue.
 */
/**
 * This platform's certificate towards its peers (CN = its instance, from its CA), issued once into
 * the data dir; the CLI's and the admin API's "peer add" without a certificate of their own.
 */
export async function platformPeerCert(store: Store, dataDir: string, opts: { instance: string; operatorName?: string }): Promise<{ cert: string; key: string }> {
  const ca = await loadOrCreateCa(store, dataDir, opts);
  const issued = await loadOrIssuePeerCert(ca, dataDir, opts);
  if (!issued) throw new VamcoError('VALIDATION_FAILED', 'This node holds no key of the platform CA to issue the platform\'s certificate: add the peer where the CA was created, or give the certificate and its key');
  return { cert: issued.cert, key: issued.key };
}

export async function loadOrIssuePeerCert(ca: PlatformCa, dataDir: string, opts: { instance: string; operatorName?: string }): Promise<{ cert: string; key: string; certFile: string } | null> {
  const f = files(dataDir);
  const certFile = path.join(f.dir, PEER_CERT_FILE);
  const keyFile = path.join(f.dir, PEER_KEY_FILE);
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    const pem = fs.readFileSync(certFile, 'utf8');
    const c = new crypto.X509Certificate(pem);
    if (new Date(c.validTo).getTime() - Date.now() > 30 * 86_400_000 && c.checkIssued(new crypto.X509Certificate(ca.certPem))) return { cert: pem, key: readSecretFile(keyFile), certFile };
  }
  if (!ca.key) return null;
  const issued = await issueWithKey(ca, { commonName: opts.instance, organisation: opts.operatorName ?? `Vamco ${opts.instance}`, usage: 'client', days: 397 });
  fs.mkdirSync(f.dir, { recursive: true, mode: SECRET_DIR_MODE });
  replaceSecretFile(keyFile, issued.keyPem);
  replaceSecretFile(certFile, issued.certPem);
  return { cert: issued.certPem, key: issued.keyPem, certFile };
}
