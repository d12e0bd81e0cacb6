// Reads chains out of the database page by page (never a whole chain at once), each
// checkpoint placed right after the record it signs: the order verify and export need.
import type { Store, CheckpointTable } from '../store/index.js';
import type { AdminRow, MessageRow } from './chain.js';
import type { ChainName } from './checkpoints.js';

const PAGE = 1000;

export type ChainEvent<R> = { kind: 'record'; row: R } | { kind: 'checkpoint'; row: CheckpointTable };

async function* messageRows(store: Store, nodeId: string): AsyncGenerator<MessageRow> {
  let after = 0;
  for (;;) {
    const rows = await store.db.selectFrom('message_log').selectAll()
      .where('node_id', '=', nodeId).where('seq', '>', after).orderBy('seq').limit(PAGE).execute();
    for (const r of rows) yield { ...r, seq: Number(r.seq) };
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1].seq);
  }
}

async function* adminRows(store: Store): AsyncGenerator<AdminRow> {
  let after = 0;
  for (;;) {
    const rows = await store.db.selectFrom('admin_audit').selectAll().where('seq', '>', after).orderBy('seq').limit(PAGE).execute();
    for (const r of rows) yield { ...r, seq: Number(r.seq) };
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1].seq);
  }
}

async function* checkpointRows(store: Store, chain: ChainName, nodeId?: string): AsyncGenerator<CheckpointTable> {
  // Only checkpoints that existed before the records are read: on a live system a checkpoint
  // signed mid-read would otherwise look like records missing after it. A checkpoint is
  // written after the records it covers, so every record these cover is there to be read.
  let bound = store.db.selectFrom('log_checkpoints').select((eb) => eb.fn.max('seq').as('seq')).where('chain', '=', chain);
  if (nodeId !== undefined) bound = bound.where('node_id', '=', nodeId);
  const top = (await bound.executeTakeFirst())?.seq;
  if (top === null || top === undefined) return;
  const maxSeq = Number(top);
  let after: { seq: number; node: string } | undefined;
  for (;;) {
    let q = store.db.selectFrom('log_checkpoints').selectAll().where('chain', '=', chain).where('seq', '<=', maxSeq);
    if (nodeId !== undefined) q = q.where('node_id', '=', nodeId);
    if (after) {
      const a = after;
      q = q.where((eb) => eb.or([eb('seq', '>', a.seq), eb.and([eb('seq', '=', a.seq), eb('node_id', '>', a.node)])]));
    }
    const rows = await q.orderBy('seq').orderBy('node_id').limit(PAGE).execute();
    for (const r of rows) yield { ...r, seq: Number(r.seq) };
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1];
    after = { seq: Number(last.seq), node: last.node_id };
  }
}

async function* interleave<R extends { seq: number }>(records: AsyncGenerator<R>, checkpoints: AsyncGenerator<CheckpointTable>): AsyncGenerator<ChainEvent<R>> {
  // The first checkpoint page (and its bound) is read before any record.
  let cp = await checkpoints.next();
  for await (const row of records) {
    // A checkpoint below this record has no record of its own (a gap): it goes first.
    while (!cp.done && cp.value.seq < row.seq) { yield { kind: 'checkpoint', row: cp.value }; cp = await checkpoints.next(); }
    yield { kind: 'record', row };
    while (!cp.done && cp.value.seq === row.seq) { yield { kind: 'checkpoint', row: cp.value }; cp = await checkpoints.next(); }
  }
  while (!cp.done) { yield { kind: 'checkpoint', row: cp.value }; cp = await checkpoints.next(); }
}

export const messageChain = (store: Store, nodeId: string): AsyncGenerator<ChainEvent<MessageRow>> =>
  interleave(messageRows(store, nodeId), checkpointRows(store, 'message', nodeId));

export const adminChain = (store: Store): AsyncGenerator<ChainEvent<AdminRow>> =>
  interleave(adminRows(store), checkpointRows(store, 'admin'));

/** Every node with a message chain or a message checkpoint, sorted. */
export async function chainNodes(store: Store): Promise<string[]> {
  const a = await store.db.selectFrom('message_log').select('node_id').distinct().execute();
  const b = await store.db.selectFrom('log_checkpoints').select('node_id').where('chain', '=', 'message').distinct().execute();
  return [...new Set([...a, ...b].map((r) => r.node_id))].sort();
}

export async function registeredNodes(store: Store): Promise<Array<{ node_id: string; public_key: string }>> {
  return store.db.selectFrom('nodes').select(['node_id', 'public_key']).orderBy('node_id').execute();
}
