// The admin trail: who changed what in the registry, one global hash chain written inside
// the same transaction as the change it describes.
import { sql, type Kysely } from 'kysely';
import { VamcoError } from '../core/index.js';
import type { Engine, Schema, Store } from '../store/index.js';
import { GENESIS, adminFields, hashAdmin, isoTime } from './chain.js';
import type { AdminAction, AdminTrailItem } from './types.js';

// Distinct from the migrator's lock (727274).
export const ADMIN_TRAIL_LOCK = 727275;

export async function recordAdminAction(trx: Kysely<Schema>, engine: Engine, action: AdminAction): Promise<void> {
  // Handed the store rather than a transaction, it makes its own: the head read and the insert
  // must be one transaction (the advisory lock lasts only that long), or parallel writers fork the chain.
  if (!trx.isTransaction) return trx.transaction().execute((own) => recordAdminAction(own, engine, action));
  const fields = adminFields(action);
  // PostgreSQL: serialise writers for the rest of this transaction before reading the head.
  // SQLite has one writer at a time; the primary key on seq refuses a forked chain either way.
  if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(ADMIN_TRAIL_LOCK)})`.execute(trx);
  const head = await trx.selectFrom('admin_audit').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const row = { seq: head ? Number(head.seq) + 1 : 1, at: new Date().toISOString(), ...fields, prev_hash: head?.hash ?? GENESIS, hash: '' };
  row.hash = hashAdmin(row);
  await trx.insertInto('admin_audit').values(row).execute();
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface TrailQuery {
  limit?: number; before?: number; actor?: string;
  /** An action or a group of them: "member" finds member.add, member.update, member.remove. */
  action?: string;
  /** Text the target or the actor contains (case-insensitive for Latin letters). */
  q?: string;
  from?: string; to?: string;
}

export async function listAdminTrail(store: Store, q: TrailQuery): Promise<{ items: AdminTrailItem[]; nextBefore: number | null }> {
  const limit = q.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new VamcoError('BAD_REQUEST', 'limit must be an integer from 1 to 1000');
  if (q.before !== undefined && !Number.isInteger(q.before)) throw new VamcoError('BAD_REQUEST', 'before must be an integer');
  let query = store.db.selectFrom('admin_audit')
    .select(['seq', 'at', 'actor', 'action', 'target', 'address', 'before', 'after'])
    .orderBy('seq', 'desc').limit(limit + 1);
  if (q.before !== undefined) query = query.where('seq', '<', q.before);
  if (q.actor !== undefined) query = query.where('actor', '=', q.actor);
  if (q.action) {
    const group = q.action;
    query = query.where((eb) => eb.or([eb('action', '=', group), eb(sql<string>`substr(action, 1, ${group.length + 1})`, '=', group + '.')]));
  }
  if (q.q) {
    // LIKE with its wildcards escaped: the text is matched as typed.
    const pattern = `%${q.q.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    query = query.where((eb) => eb.or([
      eb(sql<string>`lower(target)`, 'like', sql<string>`${pattern} escape '\\'`),
      eb(sql<string>`lower(actor)`, 'like', sql<string>`${pattern} escape '\\'`),
    ]));
  }
  if (q.from !== undefined) query = query.where('at', '>=', isoTime(q.from, 'from'));
  if (q.to !== undefined) query = query.where('at', '<', isoTime(q.to, 'to'));
  const rows = await query.execute();
  const more = rows.length > limit;
  const items = rows.slice(0, limit).map((r) => ({
    seq: Number(r.seq), at: r.at, actor: r.actor, action: r.action, target: r.target, address: r.address,
    before: parseJson(r.before), after: parseJson(r.after),
  }));
  return { items, nextBefore: more ? items[items.length - 1].seq : null };
}
