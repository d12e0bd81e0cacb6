// `vamco audit verify`: recompute every chain in the database and check every checkpoint.
import type { Store } from '../store/index.js';
import { hashAdmin, hashMessage } from './chain.js';
import { adminChain, chainNodes, messageChain, registeredNodes } from './store-chains.js';
import { ChainVerifier } from './verifier.js';
import type { VerifyResult } from './types.js';
import type { Anchor } from './anchor.js';

/** With an anchor (`vamco audit anchor`), the log must also still extend every checkpoint it holds. */
export async function verifyStore(store: Store, anchor?: Anchor): Promise<VerifyResult> {
  const v = new ChainVerifier();
  if (anchor) v.expectAnchors(anchor.checkpoints);
  for (const n of await registeredNodes(store)) {
    const why = v.addNode(n.node_id, n.public_key);
    if (why) return failed(v, { chain: 'message', nodeId: n.node_id, seq: 0, reason: `The nodes table was altered: ${why}.` });
  }
  for (const nodeId of await chainNodes(store)) {
    for await (const e of messageChain(store, nodeId)) {
      const ok = e.kind === 'record'
        ? v.record('message', nodeId, { seq: e.row.seq, prevHash: e.row.prev_hash, hash: e.row.hash, recomputed: hashMessage(e.row), messageId: e.row.message_id, requestId: e.row.request_id, status: e.row.status, at: e.row.at })
        : v.checkpoint({ chain: e.row.chain, nodeId: e.row.node_id, seq: e.row.seq, hash: e.row.hash, at: e.row.at, signature: e.row.signature, prev: e.row.prev });
      if (!ok) return v.result();
    }
  }
  for await (const e of adminChain(store)) {
    const ok = e.kind === 'record'
      ? v.record('admin', undefined, { seq: e.row.seq, prevHash: e.row.prev_hash, hash: e.row.hash, recomputed: hashAdmin(e.row) })
      : v.checkpoint({ chain: e.row.chain, nodeId: e.row.node_id, seq: e.row.seq, hash: e.row.hash, at: e.row.at, signature: e.row.signature, prev: e.row.prev });
    if (!ok) return v.result();
  }
  v.finish();
  return v.result();
}

function failed(v: ChainVerifier, bad: NonNullable<VerifyResult['firstBad']>): VerifyResult {
  v.fail(bad);
  return v.result();
}
