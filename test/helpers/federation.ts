// Peering test platforms as an operator does: `vamco ca export` on one, `vamco peer add` on the
// other with that CA, the gateway's HTTPS URL and the key the directory is signed with.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { TestPlatform } from './platform.js';

/** `x` trusts `y`; the files exchanged are written to `dir`. */
export async function peerWith(x: TestPlatform, y: TestPlatform, dir: string): Promise<void> {
  const caFile = path.join(dir, `${x.instance}-${y.instance}-ca.pem`);
  fs.writeFileSync(caFile, (await y.cli(['ca', 'export'])).stdout);
  const keyFile = path.join(dir, `${x.instance}-${y.instance}-node.pub`);
  fs.writeFileSync(keyFile, y.nodeKey.publicKeyPem);
  const r = await x.cli(['peer', 'add', y.instance, '--url', y.gatewayTlsUrl!, '--ca', caFile, '--directory-key', keyFile]);
  expect(r.stdout).toContain(`added\t${y.instance}`);
}
