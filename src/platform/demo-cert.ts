// The demo consumer's TLS client certificate, made once by the platform CA: what the start
// banner's mutual-TLS curl presents (issue 8). Kept in {dataDir}/demo-tls like any operator's
// `vamco cert issue --out`.
import fs from 'node:fs';
import path from 'node:path';
import type { RegistryCtx } from '../registry/index.js';
import { issueClientCert, CA_CERT_FILE, PKI_DIR, type PlatformCa } from '../pki/index.js';
import { createSecretFile, SECRET_DIR_MODE } from '../secrets/index.js';
import { DEMO } from '../demo/index.js';

export interface DemoCert { caFile: string; certFile: string; keyFile: string }

export async function ensureDemoCert(ctx: RegistryCtx, ca: PlatformCa): Promise<DemoCert | null> {
  const dir = path.join(ctx.config.dataDir, 'demo-tls');
  const files: DemoCert = { caFile: path.join(ctx.config.dataDir, PKI_DIR, CA_CERT_FILE), certFile: path.join(dir, 'client.crt'), keyFile: path.join(dir, 'client.key') };
  if (fs.existsSync(files.certFile) && fs.existsSync(files.keyFile)) return files;
  // Only the node holding the CA key can issue (and it also holds ca.crt for --cacert).
  if (!ca.key || !fs.existsSync(files.caFile)) return null;
  const r = await issueClientCert(ctx, ca, { subsystem: DEMO.consumerSubsystem, label: 'demo' }, { actor: 'system:demo' });
  fs.mkdirSync(dir, { recursive: true, mode: SECRET_DIR_MODE });
  createSecretFile(files.keyFile, r.keyPem!);
  createSecretFile(files.certFile, r.certPem);
  return files;
}
