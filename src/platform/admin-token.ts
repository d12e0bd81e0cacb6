// The admin API's bearer token: generated on the first start into {dataDir}/admin-token (mode
// 0600), written whole or not at all (temporary file, fsync, link). A file that holds no
// usable token stops the start: an empty token must never be one that matches.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { VamcoError } from '../core/errors.js';
import { createSecretFile, readSecretFile } from '../secrets/index.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** One line of 32 to 512 visible ASCII characters: no space, no control or non-ASCII character. */
export const USABLE_TOKEN = /^[\x21-\x7e]{32,512}$/;

export function loadOrCreateAdminToken(dataDir: string): { token: string; created: boolean } {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  if (!fs.existsSync(file)) {
    const token = 'vat_' + crypto.randomBytes(32).toString('base64url');
    // false: another process of this platform created it first; its token is read below.
    if (createSecretFile(file, token + '\n')) return { token, created: true };
  }
  // Only ASCII blanks around it are an editor's doing; anything else is part of the token.
  const token = readSecretFile(file).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (!USABLE_TOKEN.test(token)) {
    throw new VamcoError('CONFIG_ERROR',
      `${file} holds no usable admin token (one line of 32 to 512 visible ASCII characters): delete the file and start again to have a new one generated`);
  }
  return { token, created: false };
}
