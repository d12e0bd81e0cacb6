// Signed checkpoints: a node's signature over a chain head, so that records deleted from
// the end of a chain, or a chain rewritten and re-hashed, no longer match what was signed.
import type { Kysely } from 'kysely';
import type { Schema } from '../store/index.js';
import { signCheckpoint } from './chain.js';
import type { NodeKey } from './types.js';

export type ChainName = 'message' | 'admin';

export async function insertCheckpoint(db: Kysely<Schema>, key: NodeKey, head: { chain: ChainName; seq: number; hash: string }): Promise<void> {
  const row = { chain: head.chain, node_id: key.nodeId, seq: head.seq, hash: head.hash, at: new Date().toISOString(), signature: '' };
  row.signature = signCheckpoint(key.privateKey, row);
  await db.insertInto('log_checkpoints').values(row)
    .onConflict((oc) => oc.columns(['chain', 'node_id', 'seq']).doNothing())
    .execute();
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
