// Signed checkpoints: a node's signature over a chain head, so that records deleted from
// the end of a chain, or a chain rewritten and re-hashed, no longer match what was signed.
// Each checkpoint names the hash of the same node's previous one (prev), so a checkpoint
// removed from the middle breaks the checkpoints' own chain.
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Schema } from '../store/index.js';
import { checkpointHash, GENESIS, signCheckpoint } from './chain.js';
import type { NodeKey } from './types.js';

export type ChainName = 'message' | 'admin';

export async function insertCheckpoint(db: Kysely<Schema>, key: NodeKey, head: { chain: ChainName; seq: number; hash: string }): Promise<void> {
  // Read-then-insert in one transaction: two processes signing with the same key (the
  // platform and `vamco audit anchor`, say) must not both chain to the same predecessor.
  // PostgreSQL serialises them on an advisory lock; SQLite refuses the second writer's
  // stale snapshot, and that checkpoint is simply taken at the next tick.
  await db.transaction().execute(async (trx) => {
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`select pg_advisory_xact_lock(hashtext(${`vamco-checkpoint|${head.chain}|${key.nodeId}`}))`.execute(trx);
    }
    const last = await trx.selectFrom('log_checkpoints').selectAll()
      .where('chain', '=', head.chain).where('node_id', '=', key.nodeId)
      .orderBy('seq', 'desc').limit(1).executeTakeFirst();
    if (last && Number(last.seq) >= head.seq) return;
    const prev = last ? checkpointHash({ ...last, seq: Number(last.seq) }) : GENESIS;
    const row = { chain: head.chain, node_id: key.nodeId, seq: head.seq, hash: head.hash, at: new Date().toISOString(), prev, signature: '' };
    row.signature = signCheckpoint(key.privateKey, row);
    await trx.insertInto('log_checkpoints').values(row).execute();
  });
}

/** The admin trail has no owner process: any node signs its head when no one has yet. */
export async function checkpointAdminHead(db: Kysely<Schema>, key: NodeKey): Promise<void> {
  const head = await db.selectFrom('admin_audit').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (!head) return;
  const seq = Number(head.seq);
  const signed = await db.selectFrom('log_checkpoints').select('seq')
    .where('chain', '=', 'admin').where('seq', '>=', seq).limit(1).executeTakeFirst();
  if (signed) return;
  await insertCheckpoint(db, key, { chain: 'admin', seq, hash: head.hash });
}
