// The keyring a store's sealed values belong to. The database keeps a check value sealed with
// the key in use, so a node started with another platform's key file (or none) stops with the
// reason instead of writing values no other node can open.
import fs from 'node:fs';
import type { Kysely } from 'kysely';
import { VamcoError } from '../core/errors.js';
import { createSecretFile } from './files.js';
import { formatKeyFile, Keyring, loadKeyring, newSecretKey, sealedKid } from './keyring.js';
import { sealPlainValues } from './sealed-columns.js';

export const KEY_CHECK = 'keyring-check';
const KEY_CHECK_TEXT = 'vamco keyring check';
/** Set once the values older versions wrote in clear are sealed. */
const SEALED_MARK = 'sealed-columns-v1';

export interface KeyFileOptions {
  /** The key file: VAMCO_SECRET_KEY_FILE, or {dataDir}/secret.key. */
  file: string;
  /** True when the file is outside the data dir (VAMCO_SECRET_KEY_FILE). */
  external?: boolean;
}

async function readCheck(db: Kysely<any>): Promise<string | undefined> {
  const row = await db.selectFrom('secrets').select('value').where('name', '=', KEY_CHECK).executeTakeFirst();
  return row?.value as string | undefined;
}

/** Opens (on a platform's first start: creates) the key file and checks it against the database. */
export async function openStoreKeyring(db: Kysely<any>, opts: KeyFileOptions): Promise<Keyring> {
  let check = await readCheck(db);
  if (!fs.existsSync(opts.file)) {
    if (check) {
      throw new VamcoError('CONFIG_ERROR',
        `The database's sealed values use key ${sealedKid(check)}, but there is no key file at ${opts.file}. ` +
        'Every node of a platform needs the same key file: copy it from a node that has it (mode 0600), or set VAMCO_SECRET_KEY_FILE to its path.');
    }
    // First start of this platform: a new key. Another process starting at the same time may
    // win the race; then its file is the one.
    createSecretFile(opts.file, formatKeyFile([newSecretKey()]));
  }
  const ring = loadKeyring(opts.file, { external: opts.external });
  if (!check) {
    await db.insertInto('secrets').values({ name: KEY_CHECK, value: ring.seal(KEY_CHECK_TEXT, KEY_CHECK) })
      .onConflict((oc: any) => oc.column('name').doNothing()).execute();
    check = (await readCheck(db))!;
  }
  const kid = sealedKid(check);
  if (!kid || !ring.has(kid)) {
    throw new VamcoError('CONFIG_ERROR',
      `The database's sealed values use key ${kid}, which ${opts.file} does not hold (it holds ${ring.kids.join(', ')}). ` +
      'This key file belongs to another platform, or was replaced: use the key file of the nodes already serving this database.');
  }
  if (ring.open(check, KEY_CHECK) !== KEY_CHECK_TEXT) throw new VamcoError('CONFIG_ERROR', `The key check in the database does not match ${opts.file}`);
  const marked = await db.selectFrom('secrets').select('value').where('name', '=', SEALED_MARK).executeTakeFirst();
  if (!marked) {
    await sealPlainValues(db, ring);
    await db.insertInto('secrets').values({ name: SEALED_MARK, value: new Date().toISOString() })
      .onConflict((oc: any) => oc.column('name').doNothing()).execute();
  }
  return ring;
}

/** After a rotation: the check value sealed with the new current key. */
export async function updateKeyCheck(db: Kysely<any>, ring: Keyring): Promise<void> {
  await db.updateTable('secrets').set({ value: ring.seal(KEY_CHECK_TEXT, KEY_CHECK) }).where('name', '=', KEY_CHECK).execute();
}
