// Key rotation (`vamco secrets rotate|retire|status`): a new current key, every sealed value
// re-sealed with it, and, once nothing needs them, the old keys dropped from the file.
import type { Kysely } from 'kysely';
import { VamcoError } from '../core/errors.js';
import { replaceSecretFile } from './files.js';
import { formatKeyFile, loadKeyring, newSecretKey, parseKeyFile, type Keyring } from './keyring.js';
import { readSecretFile } from './files.js';
import { countByKid, resealAll } from './sealed-columns.js';
import { updateKeyCheck, type KeyFileOptions } from './store-keyring.js';

export interface KeyStatus { file: string; current: string; keys: { kid: string; current: boolean; sealedValues: number }[]; notSealed: number }

export async function keyStatus(db: Kysely<any>, ring: Keyring): Promise<KeyStatus> {
  const counts = await countByKid(db);
  const keys = ring.kids.map((kid) => ({ kid, current: kid === ring.currentKid, sealedValues: counts.get(kid) ?? 0 }));
  return { file: ring.source, current: ring.currentKid, keys, notSealed: counts.get('(not sealed)') ?? 0 };
}

/** Puts a new key first in the file, re-seals everything with it; old keys stay to open old copies. */
export async function rotateKey(db: Kysely<any>, opts: KeyFileOptions): Promise<{ kid: string; resealed: number }> {
  const keys = parseKeyFile(readSecretFile(opts.file, { allowGroupRead: opts.external }), opts.file);
  const fresh = newSecretKey();
  replaceSecretFile(opts.file, formatKeyFile([fresh, ...keys]));
  const ring = loadKeyring(opts.file, { external: opts.external });
  const resealed = await resealAll(db, ring);
  await updateKeyCheck(db, ring);
  return { kid: fresh.kid, resealed };
}

/** Drops every key but the current one, refusing while any value is still sealed with another. */
export async function retireOldKeys(db: Kysely<any>, opts: KeyFileOptions): Promise<{ retired: string[] }> {
  const ring = loadKeyring(opts.file, { external: opts.external });
  const counts = await countByKid(db);
  const still = ring.kids.filter((k) => k !== ring.currentKid && (counts.get(k) ?? 0) > 0);
  if (still.length) {
    throw new VamcoError('CONFLICT', `Values are still sealed with ${still.join(', ')}: run "vamco secrets rotate" first (it re-seals them)`);
  }
  const keys = parseKeyFile(readSecretFile(opts.file, { allowGroupRead: opts.external }), opts.file);
  replaceSecretFile(opts.file, formatKeyFile(keys.slice(0, 1)));
  return { retired: keys.slice(1).map((k) => k.kid) };
}
