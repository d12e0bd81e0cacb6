// The gateway's HTTPS listener (and the admin API's, VAMCO_ADMIN_TLS): TLS 1.2+ with modern AEAD suites only, a client certificate
// asked for (never required: API keys and tokens still work over HTTPS), and the certificate
// files watched so a renewed certificate is served without a restart.
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import type { Logger } from 'pino';

/** Mozilla's "intermediate" TLS 1.2 suites (forward secret AEAD only) and the TLS 1.3 suites. */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** PEM roots asked for and checked in client certificates (absent: no client certificates). */
  clientCas?: () => string[];
}

/** The parts of the secure context that come from files: read together, so a pair is checked as a pair. */
export function readSecureContext(f: TlsFiles): tls.SecureContextOptions {
  const opts: tls.SecureContextOptions = {
    cert: fs.readFileSync(f.certFile), key: fs.readFileSync(f.keyFile),
    minVersion: 'TLSv1.2', ciphers: TLS_CIPHERS, honorCipherOrder: true,
    ...(f.clientCas ? { ca: f.clientCas() } : {}),
  };
  // Throws on a key that does not match the certificate, before the server is given it.
  tls.createSecureContext(opts);
  return opts;
}

export function tlsServerOptions(f: TlsFiles): https.ServerOptions {
  return { ...readSecureContext(f), requestCert: !!f.clientCas, rejectUnauthorized: false };
}

/**
 * Watches the certificate and key (and the client roots file) and swaps the secure context
 * when they change. Polling (1 s) rather than fs.watch: it survives the rename that
 * certbot-style renewals and `mv` do, and a half-written pair is skipped until it matches.
 */
export function watchTlsFiles(server: tls.Server, f: TlsFiles, files: readonly string[], logger: Logger, listener = 'gateway'): () => void {
  const onChange = () => {
    try {
      server.setSecureContext(readSecureContext(f));
      logger.info({ cert: f.certFile }, `${listener} TLS: certificate reloaded`);
    } catch (err) {
      logger.error({ err, cert: f.certFile, key: f.keyFile }, `${listener} TLS: new certificate files not usable (the previous certificate stays in service)`);
    }
  };
  for (const file of files) fs.watchFile(file, { interval: 1000 }, onChange);
  return () => { for (const file of files) fs.unwatchFile(file, onChange); };
}
