// A TLS client certificate as the caller's credential (issue 8, item 3). The handshake has
// proved the caller holds the certificate's key (node:tls checks CertificateVerify even with
// rejectUnauthorized off); this decides what the certificate is worth, from the snapshot only.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { VamcoError } from '../core/errors.js';
import type { Snapshot, SnapPeer } from '../registry/index.js';
import { fingerprintOf, issuedByOneOf } from '../pki/x509.js';

export interface PresentedCert {
  /** SHA-256 of the DER, lower-case hex (how the registry names it). */
  fingerprint: string;
  /** OpenSSL's verdict on its chain against the trusted roots (null: trusted). */
  chainError: string | null;
}

// Once per connection: a keep-alive client's later requests reuse the verdict.
const perSocket = new WeakMap<object, PresentedCert | null>();

/** The certificate presented on this request's connection, or null (plain HTTP, or none sent). */
export function presentedCert(req: IncomingMessage): PresentedCert | null {
  const socket = req.socket as TLSSocket;
  if (!socket.encrypted) return null;
  const known = perSocket.get(socket);
  if (known !== undefined) return known;
  const peer = socket.getPeerCertificate();
  const cert = peer && peer.fingerprint256
    ? { fingerprint: peer.fingerprint256.replace(/:/g, '').toLowerCase(), chainError: socket.authorized ? null : String(socket.authorizationError ?? 'UNABLE_TO_VERIFY') }
    : null;
  perSocket.set(socket, cert);
  return cert;
}

const DATE_ERRORS: Record<string, 'CLIENT_CERT_EXPIRED' | 'CLIENT_CERT_NOT_YET_VALID'> = {
  CERT_HAS_EXPIRED: 'CLIENT_CERT_EXPIRED', CERT_NOT_YET_VALID: 'CLIENT_CERT_NOT_YET_VALID',
};

/** The subsystem id the certificate authenticates, or a fault saying why it does not. */
export function certSubsystem(snap: Snapshot, cert: PresentedCert, now = Date.now()): number {
  const entry = snap.clientCerts.get(cert.fingerprint);
  if (!entry) {
    const dated = cert.chainError ? DATE_ERRORS[cert.chainError] : undefined;
    if (dated) throw new VamcoError(dated, `The TLS client certificate (SHA-256 ${cert.fingerprint}) is ${dated === 'CLIENT_CERT_EXPIRED' ? 'expired' : 'not yet valid'} (and not registered)`);
    // Issued by a CA this platform does not trust: that, not "unregistered", is what to fix.
    if (cert.chainError) throw new VamcoError('CLIENT_CERT_UNTRUSTED', `The TLS client certificate (SHA-256 ${cert.fingerprint}) is not issued by a CA this platform trusts (${cert.chainError}): use one of the platform CA (vamco cert issue) or of VAMCO_CLIENT_CA_FILE`);
    throw new VamcoError('CLIENT_CERT_UNKNOWN', `The TLS client certificate (SHA-256 ${cert.fingerprint}) is not registered to any subsystem: register it with "vamco cert add", or send an API key`);
  }
  if (entry.revoked) throw new VamcoError('CLIENT_CERT_REVOKED', `The TLS client certificate (SHA-256 ${cert.fingerprint}) was revoked`);
  if (now < entry.notBefore) throw new VamcoError('CLIENT_CERT_NOT_YET_VALID', `The TLS client certificate is valid from ${new Date(entry.notBefore).toISOString()}`);
  if (now > entry.notAfter) throw new VamcoError('CLIENT_CERT_EXPIRED', `The TLS client certificate expired at ${new Date(entry.notAfter).toISOString()}`);
  // Registered, in its dates, but its issuer is no longer trusted (a root taken out of VAMCO_CLIENT_CA_FILE).
  if (cert.chainError && !DATE_ERRORS[cert.chainError]) {
    throw new VamcoError('CLIENT_CERT_UNTRUSTED', `The TLS client certificate's chain does not verify against the trusted roots (${cert.chainError})`);
  }
  return entry.subsystemId;
}

// Per connection and per snapshot's peer entry: a peer keeps its connections open, and trust
// withdrawn (a new snapshot without the entry) is decided again on the next request.
const peerVerdicts = new WeakMap<object, { peer: SnapPeer; error: string | null }>();

/**
 * Throws unless this connection's client certificate is the peer platform's: issued by the
 * peer's CA and naming the peer's instance as its common name (so a certificate that CA issued
 * to one of its own information systems is not the platform), in its dates; or the certificate
 * pinned for the peer by its SHA-256.
 */
export function peerAuthenticated(req: IncomingMessage, peer: SnapPeer, now = Date.now()): void {
  const socket = req.socket as TLSSocket;
  let v = peerVerdicts.get(socket);
  if (v?.peer !== peer) {
    v = { peer, error: peerCertError(socket, peer, now) };
    peerVerdicts.set(socket, v);
  }
  if (v.error) throw new VamcoError('CLIENT_CERT_UNTRUSTED', v.error);
}

function peerCertError(socket: TLSSocket, peer: SnapPeer, now: number): string | null {
  // A security server peer is recognised by its pinned certificate only (issue 17, item 6).
  const who = peer.type === 'xroad'
    ? `Clients of instance ${peer.instance} are accepted only from the X-Road security server configured for it`
    : `Clients of instance ${peer.instance} are accepted only from the peer platform ${peer.instance}`;
  if (!socket.encrypted) return `${who}, over mutual TLS`;
  const c = socket.getPeerX509Certificate();
  if (!c) return `${who}: no TLS client certificate came with the connection`;
  if (peer.fingerprint) return fingerprintOf(c.raw) === peer.fingerprint ? null : `${who}: the certificate presented (SHA-256 ${fingerprintOf(c.raw)}) is not the one pinned for it`;
  if (!peer.ca || !issuedByOneOf(c, [peer.ca])) return `${who}: the certificate presented is not issued by the CA trusted for ${peer.instance}`;
  const cn = /^CN=(.*)$/m.exec(c.subject)?.[1];
  if (cn !== peer.instance) return `${who}: the certificate presented names ${cn ?? 'no common name'}, not the platform ${peer.instance}`;
  if (now < Date.parse(c.validFrom) || now > Date.parse(c.validTo)) return `${who}: the certificate presented is outside its validity (${c.validFrom} to ${c.validTo})`;
  return null;
}
