// Which roots the gateway trusts for TLS client certificates: the platform CA, plus an
// operator's file (VAMCO_CLIENT_CA_FILE) holding e.g. the government CA and its intermediates.
import fs from 'node:fs';
import type { Store } from '../store/index.js';
import type { Config } from '../config/index.js';
import { VamcoError } from '../core/errors.js';
import { platformCaCertificate } from './ca.js';
import { splitPemBundle } from './x509.js';

export function readClientCaFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new VamcoError('CONFIG_ERROR', `VAMCO_CLIENT_CA_FILE: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const certs = splitPemBundle(text);
  if (!certs.length) throw new VamcoError('CONFIG_ERROR', `VAMCO_CLIENT_CA_FILE: ${file} holds no PEM certificate`);
  return certs;
}

/** PEM certificates trusted as issuers of client certificates. */
export async function clientTrustRoots(store: Store, config: Pick<Readonly<Config>, 'clientCaFile'>): Promise<string[]> {
  const platform = await platformCaCertificate(store);
  return [...(platform ? [platform] : []), ...(config.clientCaFile ? readClientCaFile(config.clientCaFile) : [])];
}
