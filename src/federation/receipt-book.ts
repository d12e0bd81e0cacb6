// Where receipts are kept: those a node issued (so the provider side can show them too) and
// those received from peers (A's proof of what B answered). `audit verify` re-checks them all.
import { VamcoError } from '../core/errors.js';
import type { Store } from '../store/index.js';
import { verifyReceipt, type Receipt } from './receipt.js';

export type ReceiptRole = 'issued' | 'received';

export async function saveReceipt(store: Store, role: ReceiptRole, r: Receipt): Promise<void> {
  await store.db.insertInto('federation_receipts')
    .values({ role, signer: r.nodeId, log_seq: r.logSeq, message_id: r.messageId, receipt: JSON.stringify(r), stored_at: new Date().toISOString() })
    .onConflict((oc) => oc.columns(['role', 'signer', 'log_seq']).doNothing())
    .execute();
}

/** Every receipt kept for a message id (a forwarded exchange has one; a reused X-Road-Id may have several). */
export async function findReceipts(store: Store, messageId: string): Promise<Array<{ role: ReceiptRole; receipt: Receipt }>> {
  const rows = await store.db.selectFrom('federation_receipts').select(['role', 'receipt'])
    .where('message_id', '=', messageId).orderBy('stored_at').execute();
  return rows.map((r) => ({ role: r.role as ReceiptRole, receipt: JSON.parse(r.receipt) as Receipt }));
}

export async function receiptFor(store: Store, messageId: string): Promise<Receipt> {
  const all = await findReceipts(store, messageId);
  if (all.length === 0) throw new VamcoError('NOT_FOUND', `No receipt is kept for message ${messageId}: receipts exist for exchanges whose request asked for one (peer calls do).`);
  // The provider's own receipt when this platform was the provider, else the peer's.
  return (all.find((x) => x.role === 'issued') ?? all[all.length - 1]).receipt;
}

export interface ReceiptCheck { checked: number; bad: Array<{ messageId: string; role: ReceiptRole; reason: string }> }

/**
 * Re-verifies every kept receipt: the signature, and for receipts this platform issued, that
 * the outcome record it names is still in the log with that hash, status and response digest.
 */
export async function verifyKeptReceipts(store: Store): Promise<ReceiptCheck> {
  const out: ReceiptCheck = { checked: 0, bad: [] };
  let after = { signer: '', seq: -1, role: '' };
  for (;;) {
    const rows = await store.db.selectFrom('federation_receipts').selectAll()
      .where((eb) => eb.or([
        eb('role', '>', after.role),
        eb.and([eb('role', '=', after.role), eb('signer', '>', after.signer)]),
        eb.and([eb('role', '=', after.role), eb('signer', '=', after.signer), eb('log_seq', '>', after.seq)]),
      ]))
      .orderBy('role').orderBy('signer').orderBy('log_seq').limit(500).execute();
    for (const row of rows) {
      out.checked++;
      const role = row.role as ReceiptRole;
      try {
        const r = verifyReceipt(JSON.parse(row.receipt), `the receipt of message ${row.message_id}`);
        if (role === 'issued') {
          const rec = await store.db.selectFrom('message_log').select(['hash', 'status', 'response_digest'])
            .where('node_id', '=', r.nodeId).where('seq', '=', r.logSeq).executeTakeFirst();
          if (!rec) throw new Error(`the record it names (node ${r.nodeId}, record ${r.logSeq}) is no longer in the log`);
          if (rec.hash !== r.logHash || rec.status !== r.status || rec.response_digest !== r.responseDigest) {
            throw new Error(`the record it names (node ${r.nodeId}, record ${r.logSeq}) no longer matches it`);
          }
        }
      } catch (e) {
        out.bad.push({ messageId: row.message_id, role, reason: (e as Error).message });
      }
    }
    if (rows.length < 500) return out;
    const last = rows[rows.length - 1];
    after = { role: last.role, signer: last.signer, seq: Number(last.log_seq) };
  }
}
