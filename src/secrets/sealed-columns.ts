// Every database column that holds a sealed value, so that key rotation (and the one-time
// sealing of values written by versions before sealing) can find them all. A wing that seals a
// new column adds it here; the context a value is sealed for is "<table>.<column>:<row key>".
import type { Kysely } from 'kysely';
import type { Keyring } from './keyring.js';
import { isSealed, sealedKid } from './keyring.js';

export interface SealedColumn { table: string; key: string; columns: readonly string[] }

export const SEALED_COLUMNS: SealedColumn[] = [
  { table: 'users', key: 'id', columns: ['totp_secret', 'totp_pending_secret'] },
  { table: 'services', key: 'id', columns: ['backend_auth'] },
  { table: 'subsystems', key: 'id', columns: ['backend_cert', 'backend_auth'] },
  { table: 'federation_peers', key: 'id', columns: ['client_cert'] },
  { table: 'publicadmin_dossiers', key: 'code', columns: ['applicant', 'documents'] },
];

export const sealContext = (table: string, column: string, key: string | number): string => `${table}.${column}:${key}`;

const PAGE = 500;

/** Every row of every table with sealed columns, page by page. */
async function* sealedRows(db: Kysely<any>): AsyncGenerator<{ t: SealedColumn; row: Record<string, unknown> }> {
  for (const t of SEALED_COLUMNS) {
    let after: string | number | null = null;
    for (;;) {
      let q = db.selectFrom(t.table).select([t.key, ...t.columns]).orderBy(t.key).limit(PAGE);
      if (after !== null) q = q.where(t.key, '>', after);
      const rows = (await q.execute()) as Record<string, unknown>[];
      for (const row of rows) yield { t, row };
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1][t.key] as string | number;
    }
  }
}

/**
 * Rewrites the values `needs` picks, sealed with the current key, and returns how many rows
 * changed. Values that are not sealed yet (written by older versions) are sealed as they are.
 */
async function rewrite(db: Kysely<any>, ring: Keyring, needs: (v: string) => boolean): Promise<number> {
  let n = 0;
  for await (const { t, row } of sealedRows(db)) {
    const set: Record<string, string> = {};
    for (const c of t.columns) {
      const v = row[c];
      if (typeof v !== 'string' || !needs(v)) continue;
      const ctx = sealContext(t.table, c, row[t.key] as string | number);
      set[c] = ring.seal(isSealed(v) ? ring.open(v, ctx) : v, ctx);
    }
    if (!Object.keys(set).length) continue;
    // Only if unchanged meanwhile: a concurrent write has already sealed with a current key.
    let u = db.updateTable(t.table).set(set).where(t.key, '=', row[t.key]);
    for (const c of Object.keys(set)) u = u.where(c, '=', row[c]);
    await u.execute();
    n++;
  }
  return n;
}

/** Seals values written in clear by versions before sealing. */
export const sealPlainValues = (db: Kysely<any>, ring: Keyring): Promise<number> => rewrite(db, ring, (v) => !isSealed(v));

/** Re-seals every value not sealed with the current key (after `vamco secrets rotate`). */
export const resealAll = (db: Kysely<any>, ring: Keyring): Promise<number> => rewrite(db, ring, (v) => sealedKid(v) !== ring.currentKid);

/** How many sealed values each key holds (for `vamco secrets status` and retiring keys). */
export async function countByKid(db: Kysely<any>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const { t, row } of sealedRows(db)) {
    for (const c of t.columns) {
      const v = row[c];
      if (typeof v !== 'string') continue;
      const kid = sealedKid(v) ?? '(not sealed)';
      out.set(kid, (out.get(kid) ?? 0) + 1);
    }
  }
  return out;
}
