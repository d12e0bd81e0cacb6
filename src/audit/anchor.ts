// Anchors: the latest signed checkpoint of every chain, printed for an auditor to keep
// outside the platform. Whoever can write the database can delete records together with
// their checkpoints, or delete every checkpoint and re-hash the chain; neither can change
// a copy kept elsewhere, and `audit verify --anchor` checks the log still extends it.
// Each entry is a checkpoint exactly as stored and exported (same fields, same signature),
// so a witness of another platform can keep the same object.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { VamcoError } from '../core/index.js';
import type { Store, CheckpointTable } from '../store/index.js';
import { checkpointSignatureOk, nodeIdFor } from './chain.js';
import type { ChainName } from './checkpoints.js';
import { chainNodes } from './store-chains.js';

export const ANCHOR_FORMAT = 'vamco-audit-anchor';
export const ANCHOR_VERSION = 1;

export interface AnchorCheckpoint { chain: ChainName; nodeId: string; seq: number; hash: string; at: string; prev: string | null; signature: string; /** A witness that keeps it (issue 17); absent in anchor files. */ by?: string }
export interface Anchor {
  format: typeof ANCHOR_FORMAT;
  version: number;
  createdAt: string;
  nodes: Array<{ nodeId: string; publicKey: string }>;
  checkpoints: AnchorCheckpoint[];
}

const toPoint = (r: CheckpointTable): AnchorCheckpoint => ({
  chain: r.chain as ChainName, nodeId: r.node_id, seq: Number(r.seq), hash: r.hash, at: r.at, prev: r.prev ?? null, signature: r.signature,
});

/** The newest checkpoint of each node's message chain and of the admin trail, each checked first. */
export async function takeAnchor(store: Store): Promise<Anchor> {
  const points: AnchorCheckpoint[] = [];
  const latest = (chain: ChainName, nodeId?: string) => {
    let q = store.db.selectFrom('log_checkpoints').selectAll().where('chain', '=', chain);
    if (nodeId !== undefined) q = q.where('node_id', '=', nodeId);
    return q.orderBy('seq', 'desc').orderBy('node_id').limit(1).executeTakeFirst();
  };
  for (const nodeId of await chainNodes(store)) {
    const r = await latest('message', nodeId);
    if (r) points.push(toPoint(r));
  }
  const admin = await latest('admin');
  if (admin) points.push(toPoint(admin));
  if (points.length === 0) {
    throw new VamcoError('CONFLICT', 'Nothing has been signed yet: a running platform signs its chains every 10 seconds; take the anchor after that.');
  }
  const signers = [...new Set(points.map((p) => p.nodeId))];
  const keys = await store.db.selectFrom('nodes').select(['node_id', 'public_key']).where('node_id', 'in', signers).execute();
  const nodes = signers.map((nodeId) => ({ nodeId, publicKey: keys.find((k) => k.node_id === nodeId)?.public_key ?? '' }));
  const anchor: Anchor = { format: ANCHOR_FORMAT, version: ANCHOR_VERSION, createdAt: new Date().toISOString(), nodes, checkpoints: points };
  checkAnchor(anchor, 'the database');
  // An anchor of a log already rewritten would vouch for the rewrite: each anchored head must
  // be the record it names.
  for (const p of points) {
    const row = p.chain === 'admin'
      ? await store.db.selectFrom('admin_audit').select('hash').where('seq', '=', p.seq).executeTakeFirst()
      : await store.db.selectFrom('message_log').select('hash').where('node_id', '=', p.nodeId).where('seq', '=', p.seq).executeTakeFirst();
    if (row?.hash !== p.hash) {
      throw new VamcoError('CONFLICT', `The ${p.chain} chain's checkpoint at record ${p.seq} signed by ${p.nodeId} no longer matches its record: run "vamco audit verify" before taking an anchor.`);
    }
  }
  return anchor;
}

/** Checks an anchor's shape and every signature in it; throws VALIDATION_FAILED naming what is wrong. */
export function checkAnchor(a: unknown, source: string): Anchor {
  const bad = (why: string): never => { throw new VamcoError('VALIDATION_FAILED', `${source} is not a usable audit anchor: ${why}.`); };
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return bad('it is not a JSON object');
  const o = a as Record<string, unknown>;
  if (o.format !== ANCHOR_FORMAT || o.version !== ANCHOR_VERSION) return bad(`it names format ${String(o.format)} version ${String(o.version)}, not ${ANCHOR_FORMAT} version ${ANCHOR_VERSION}`);
  if (!Array.isArray(o.nodes) || !Array.isArray(o.checkpoints) || o.checkpoints.length === 0) return bad('it has no nodes or no checkpoints');
  const keys = new Map<string, crypto.KeyObject>();
  for (const n of o.nodes as Array<Record<string, unknown>>) {
    let key: crypto.KeyObject | undefined;
    try { key = crypto.createPublicKey(String(n?.publicKey)); } catch { key = undefined; }
    if (!key || key.asymmetricKeyType !== 'ed25519' || nodeIdFor(key) !== n.nodeId) return bad(`the public key given for node ${String(n?.nodeId)} is not that node's`);
    keys.set(n.nodeId as string, key);
  }
  for (const c of o.checkpoints as Array<Record<string, unknown>>) {
    const shapeOk = c && (c.chain === 'message' || c.chain === 'admin') && typeof c.nodeId === 'string' && Number.isSafeInteger(c.seq) && (c.seq as number) > 0
      && typeof c.hash === 'string' && typeof c.at === 'string' && typeof c.signature === 'string' && (c.prev === null || typeof c.prev === 'string');
    if (!shapeOk) return bad('a checkpoint in it lacks a field or has one of the wrong type');
    const p = c as unknown as AnchorCheckpoint;
    if (!checkpointSignatureOk(keys.get(p.nodeId), { chain: p.chain, node_id: p.nodeId, seq: p.seq, hash: p.hash, at: p.at, prev: p.prev, signature: p.signature })) {
      return bad(`the ${p.chain} chain's checkpoint at record ${p.seq} does not carry a valid signature of node ${p.nodeId}`);
    }
  }
  return o as unknown as Anchor;
}

export function readAnchorFile(file: string): Anchor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ? `it cannot be read (${(e as NodeJS.ErrnoException).code})` : 'it is not JSON';
    throw new VamcoError('VALIDATION_FAILED', `${file} is not a usable audit anchor: ${why}.`);
  }
  return checkAnchor(parsed, file);
}
