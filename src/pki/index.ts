// The platform PKI (issue 8): the platform CA, certificates for information systems and for
// the gateway, and the roots trusted for client certificates. Federation (issue 17) issues
// node and peer certificates from the same CA through this face.
export {
  loadOrCreateCa, platformCaCertificate, signCsr, issueWithKey, loadOrIssueServerCert, keptServerCert, keepPlatformCaCopy, keptPlatformCa, loadOrIssuePeerCert, platformPeerCert, serverAltNames,
  PKI_DIR, CA_KEY_FILE, CA_CERT_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE, CA_COPY_FILE, type PlatformCa, type Issued,
} from './ca.js';
export { clientTrustRoots, readClientCaFile } from './trust.js';
export { issueClientCert, type IssueClientCertInput } from './issue.js';
export {
  readCertificate, readCsr, infoOf, fingerprintOf, splitPemBundle, issuedByOneOf, issueCertificate, generateKeyPair, privateKeyPem, newSerial,
  type CertInfo, type CertUsage, type KeyPair,
} from './x509.js';
