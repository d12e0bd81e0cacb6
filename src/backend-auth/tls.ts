// TLS towards providers' backends (issue 8, item 4): the CA bundle a service's `https://`
// backend is verified against (on top of the system's CAs), the client certificate a provider
// subsystem presents to its backends (as X-Road's security server does towards information
// systems), and the names of what went wrong when a handshake failed. Verification is never
// turned off: a wrong CA, host name or refused certificate is a fault, not a plain connection.
import crypto, { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { VamcoError, reason } from '../core/errors.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const MAX_PEM = 1024 * 1024;
const MAX_CERTS = 100;

const invalid = (detail: string, key: string): never => {
  throw new VamcoError('VALIDATION_FAILED', detail, reason(key));
};

function certificates(pem: unknown, what: string): X509Certificate[] {
  if (typeof pem !== 'string' || !pem.trim() || pem.length > MAX_PEM) invalid(`${what} must be PEM text up to ${MAX_PEM} bytes`, 'tls_pem_invalid');
  const blocks = [...(pem as string).matchAll(PEM_BLOCK)];
  if (!blocks.length) invalid(`${what} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`, 'tls_pem_invalid');
  if (blocks.length > MAX_CERTS) invalid(`${what} holds more than ${MAX_CERTS} certificates`, 'tls_pem_invalid');
  return blocks.map((b, i) => {
    // A private key pasted into a CA bundle would end up shown back and logged as "public".
    if (b[1] !== 'CERTIFICATE') invalid(`${what} must hold certificates only; block ${i + 1} is a ${b[1]}`, 'tls_pem_not_certificate');
    try {
      return new X509Certificate(b[0]);
    } catch {
      return invalid(`${what}: certificate ${i + 1} cannot be read`, 'tls_pem_invalid');
    }
  });
}

/** A CA bundle as stored: its certificates, normalised PEM, one after the other. */
export function normaliseCaBundle(pem: unknown): string {
  return certificates(pem, 'The CA bundle').map((c) => c.toString()).join('');
}

export interface CertificateView { subject: string; issuer: string; serialNumber: string; notBefore: string; notAfter: string; sha256: string }

const viewOfCert = (c: X509Certificate): CertificateView => ({
  subject: c.subject.replace(/\n/g, ', '), issuer: c.issuer.replace(/\n/g, ', '), serialNumber: c.serialNumber,
  notBefore: new Date(c.validFrom).toISOString(), notAfter: new Date(c.validTo).toISOString(), sha256: c.fingerprint256,
});

/** What the admin API shows of a CA bundle (public: certificates only). */
export function caBundleView(pem: string | null): CertificateView[] | null {
  return pem ? certificates(pem, 'The CA bundle').map(viewOfCert) : null;
}

/** A client certificate (leaf first, then any intermediates) and its private key. The key is a secret. */
export interface ClientCertificate { cert: string; key: string }

/**
 * Checks a certificate and key before they are stored: readable, the key unencrypted and the
 * certificate's own, and the certificate valid now. The key is re-exported as PKCS#8 PEM.
 */
export function checkClientCertificate(certPem: unknown, keyPem: unknown): ClientCertificate {
  const chain = certificates(certPem, 'The client certificate');
  if (typeof keyPem !== 'string' || !keyPem.trim() || keyPem.length > 64 * 1024) invalid('The private key must be PEM text', 'tls_key_invalid');
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(keyPem as string);
  } catch (e) {
    const encrypted = /passphrase|encrypted/i.test(String((e as Error).message)) || /ENCRYPTED/.test(keyPem as string);
    return invalid(encrypted ? 'The private key is encrypted; give it unencrypted (it is stored sealed)' : 'The private key cannot be read (PEM, PKCS#8 or PKCS#1/SEC1)', 'tls_key_invalid');
  }
  if (!chain[0].checkPrivateKey(key)) invalid('The private key does not belong to the client certificate', 'tls_key_mismatch');
  const now = Date.now();
  if (Date.parse(chain[0].validTo) < now) invalid(`The client certificate expired on ${new Date(chain[0].validTo).toISOString()}`, 'tls_cert_expired');
  return { cert: chain.map((c) => c.toString()).join(''), key: key.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** What the admin API shows of a client certificate: the certificate, never the key. */
export function clientCertView(c: ClientCertificate | null): CertificateView | null {
  return c ? viewOfCert(certificates(c.cert, 'The client certificate')[0]) : null;
}

/**
 * The TLS settings of one backend connection, as the snapshot resolves them for a service.
 * `id` names a distinct configuration: services with the same one share its settings object.
 */
export interface BackendTls {
  id: string;
  /** The system's CAs plus the service's bundle (null: Node's defaults). */
  ca: string[] | null;
  cert: string | null;
  key: string | null;
}

/** The TLS settings for a CA bundle and a client certificate (null when neither is set). */
export function backendTls(caBundle: string | null, client: ClientCertificate | null): BackendTls | null {
  if (!caBundle && !client) return null;
  const id = crypto.createHash('sha256').update(caBundle ?? '').update('\0').update(client?.cert ?? '').update('\0').update(client?.key ?? '').digest('base64url');
  return {
    id,
    // Node replaces its default roots when `ca` is given; the bundle adds to them instead.
    ca: caBundle ? [...tls.rootCertificates, ...certificates(caBundle, 'The CA bundle').map((c) => c.toString())] : null,
    cert: client?.cert ?? null,
    key: client?.key ?? null,
  };
}

/** Why a TLS handshake with a backend failed, by OpenSSL's and Node's error codes. */
export interface TlsFailure { reason: string; what: string }

const VERIFY = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA',
  'CERT_CHAIN_TOO_LONG', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_REVOKED', 'ERR_TLS_CERT_SIGNATURE_ALGORITHM_UNSUPPORTED']);
/** Alerts a backend sends when it refuses (or wanted) the gateway's client certificate. */
const CLIENT_REFUSED = /^ERR_SSL_(TLSV13_ALERT_CERTIFICATE_REQUIRED|SSLV3_ALERT_BAD_CERTIFICATE|TLSV1_ALERT_UNKNOWN_CA|SSLV3_ALERT_CERTIFICATE_UNKNOWN|SSLV3_ALERT_CERTIFICATE_EXPIRED|SSLV3_ALERT_CERTIFICATE_REVOKED|SSLV3_ALERT_CERTIFICATE_UNSUPPORTED|TLSV1_ALERT_ACCESS_DENIED|SSLV3_ALERT_HANDSHAKE_FAILURE)$/;

/** The failure named, or null when `code` is no TLS error. */
export function tlsFailure(code: string | undefined): TlsFailure | null {
  if (!code) return null;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { reason: 'tls_hostname_mismatch', what: 'hostname mismatch: the backend\'s certificate is not for this host name' };
  if (code === 'CERT_HAS_EXPIRED') return { reason: 'tls_certificate_expired', what: 'certificate verify failed: the backend\'s certificate has expired' };
  if (code === 'CERT_NOT_YET_VALID') return { reason: 'tls_certificate_verify_failed', what: 'certificate verify failed: the backend\'s certificate is not valid yet' };
  if (VERIFY.has(code)) return { reason: 'tls_certificate_verify_failed', what: 'certificate verify failed: the backend\'s certificate is not signed by a trusted CA (set the service\'s CA bundle)' };
  if (CLIENT_REFUSED.test(code)) return { reason: 'tls_client_certificate_refused', what: 'the backend refused the connection for want of an accepted client certificate (set the provider subsystem\'s backend certificate)' };
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return { reason: 'tls_handshake_failed', what: 'the TLS handshake failed (does the backend speak TLS on this port?)' };
  return null;
}
