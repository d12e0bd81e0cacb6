import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

/** The admin bearer token: generated on first start into {dataDir}/admin-token, mode 0600. */
export function loadOrCreateAdminToken(dataDir: string): { token: string; created: boolean } {
  const file = path.join(dataDir, 'admin-token');
  fs.mkdirSync(dataDir, { recursive: true });
  if (fs.existsSync(file)) return { token: fs.readFileSync(file, 'utf8').trim(), created: false };
  const token = 'vat_' + crypto.randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
    return { token, created: true };
  } catch {
    return { token: fs.readFileSync(file, 'utf8').trim(), created: false }; // another process won
  }
}
