// Witnessed checkpoints (issue 17, item 5). Whoever can write a platform's database can delete
// its newest records together with their checkpoints, or re-hash the chain after deleting them;
// nothing inside the platform then remembers what was signed. Each node therefore sends its
// signed checkpoints to witnesses (another platform, or another node of the same one), which
// check the signature, countersign and keep them; `vamco audit verify` fetches what the
// witnesses keep and proves the log still extends it. Protocol: docs/federation.md.
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { request } from 'undici';
import { VamcoError, toProblem } from '../core/errors.js';
import type { Store } from '../store/index.js';
import { checkpointSignatureOk, encode, nodeIdFor } from '../audit/chain.js';
import { ANCHOR_FORMAT, ANCHOR_VERSION, checkAnchor, type Anchor, type AnchorCheckpoint } from '../audit/anchor.js';
import type { NodeKey } from '../audit/index.js';
import type { FederationConfig } from './config.js';
import { DIRECTORY_PATH, type DirectoryPublisher } from './directory.js';

/** GET with conditional requests: the ETag changes with the registry snapshot. */
function serveDirectory(req: IncomingMessage, res: ServerResponse, d: DirectoryPublisher | null): void {
  if (!d) throw new VamcoError('NOT_FOUND', 'This platform publishes no directory (VAMCO_DIRECTORY_PUBLISH is off)');
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new VamcoError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${DIRECTORY_PATH}`);
  const cur = d.current();
  if (!cur) throw new VamcoError('NOT_READY', 'The registry snapshot is not loaded yet');
  const tags = String(req.headers['if-none-match'] ?? '').split(',').map((t) => t.trim());
  if (tags.includes(cur.etag) || tags.includes('*')) { res.writeHead(304, { etag: cur.etag, 'cache-control': 'no-cache' }); res.end(); return; }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(cur.body), etag: cur.etag, 'cache-control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : cur.body);
}

export const FEDERATION_PREFIX = '/federation/v1/';
export const WITNESS_PATH = '/federation/v1/witness/checkpoints';

export interface SubmittedCheckpoint {
  /** The submitting platform's X-Road instance. */
  instance: string;
  /** SPKI PEM of the signing node's key. */
  publicKey: string;
  checkpoint: AnchorCheckpoint;
}

export interface WitnessedCheckpoint extends SubmittedCheckpoint {
  witness: { instance: string; nodeId: string; publicKey: string };
  receivedAt: string;
  /** Base64 Ed25519 signature of the witness's node over witnessPayload(). */
  countersignature: string;
}

/** The bytes a witness countersigns: tag line, then the fields, length-prefixed (audit/chain.ts encode). */
export function witnessPayload(w: Omit<WitnessedCheckpoint, 'countersignature' | 'publicKey'>): Buffer {
  const c = w.checkpoint;
  return Buffer.from(`vamco-witness-v1\n${encode([w.witness.instance, w.witness.nodeId, w.instance, c.chain, c.nodeId, c.seq, c.hash, c.at, c.prev, c.signature, w.receivedAt])}`, 'utf8');
}

function checkSubmission(v: unknown): SubmittedCheckpoint {
  const bad = (why: string): never => { throw new VamcoError('VALIDATION_FAILED', `The checkpoint submitted is refused: ${why}.`); };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('the body is not a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.instance !== 'string' || typeof o.publicKey !== 'string' || typeof o.checkpoint !== 'object' || o.checkpoint === null) return bad('instance, publicKey and checkpoint are required');
  const c = o.checkpoint as Record<string, unknown>;
  // The same checks as an anchor file's: one node, one signed checkpoint.
  checkAnchor({ format: ANCHOR_FORMAT, version: ANCHOR_VERSION, createdAt: '', nodes: [{ nodeId: c.nodeId, publicKey: o.publicKey }], checkpoints: [c] }, 'The checkpoint submitted');
  const cp: AnchorCheckpoint = { chain: c.chain as AnchorCheckpoint['chain'], nodeId: c.nodeId as string, seq: c.seq as number, hash: c.hash as string, at: c.at as string, prev: (c.prev as string | null) ?? null, signature: c.signature as string };
  return { instance: o.instance, publicKey: o.publicKey, checkpoint: cp };
}

const fromRow = (r: { instance: string; node_id: string; chain: string; seq: number | string; hash: string; at: string; prev: string | null; signature: string; public_key: string; received_at: string; countersignature: string }, witness: WitnessedCheckpoint['witness']): WitnessedCheckpoint => ({
  instance: r.instance, publicKey: r.public_key,
  checkpoint: { chain: r.chain as AnchorCheckpoint['chain'], nodeId: r.node_id, seq: Number(r.seq), hash: r.hash, at: r.at, prev: r.prev, signature: r.signature },
  witness, receivedAt: r.received_at, countersignature: r.countersignature,
});

/** The witness side: checks, countersigns and keeps; a second, different checkpoint at the same place is refused. */
export class Witness {
  constructor(private readonly a: { store: Store; key: NodeKey; instance: string; accept: readonly string[] }) {}

  private get me(): WitnessedCheckpoint['witness'] { return { instance: this.a.instance, nodeId: this.a.key.nodeId, publicKey: this.a.key.publicKeyPem }; }

  async keep(body: unknown): Promise<WitnessedCheckpoint> {
    const s = checkSubmission(body);
    const c = s.checkpoint;
    if (!this.a.accept.includes(c.nodeId)) {
      throw new VamcoError('FORBIDDEN', `This platform does not witness node ${c.nodeId}: its operator lists the nodes it witnesses in VAMCO_WITNESS_ACCEPT.`);
    }
    const kept = await this.a.store.db.selectFrom('witnessed_checkpoints').selectAll()
      .where('node_id', '=', c.nodeId).where('chain', '=', c.chain).where('seq', '=', c.seq).executeTakeFirst();
    if (kept) {
      if (kept.hash === c.hash && kept.signature === c.signature && kept.at === c.at) return fromRow(kept, this.me);
      // Two different signed heads for one place: the signer (or whoever holds its key) equivocates.
      throw new VamcoError('CONFLICT', `A different checkpoint of node ${c.nodeId}'s ${c.chain} chain at record ${c.seq} is already witnessed here (signed ${kept.at}); the first one is kept.`);
    }
    const receivedAt = new Date().toISOString();
    const w: Omit<WitnessedCheckpoint, 'countersignature'> = { ...s, witness: this.me, receivedAt };
    const countersignature = crypto.sign(null, witnessPayload(w), this.a.key.privateKey).toString('base64');
    await this.a.store.db.insertInto('witnessed_checkpoints').values({
      instance: s.instance, node_id: c.nodeId, chain: c.chain, seq: c.seq, hash: c.hash, at: c.at, prev: c.prev, signature: c.signature,
      public_key: s.publicKey, received_at: receivedAt, countersignature,
    }).onConflict((oc) => oc.columns(['node_id', 'chain', 'seq']).doNothing()).execute();
    return { ...w, countersignature };
  }

  /** The newest checkpoint kept of each chain of each node of an instance. */
  async latest(instance: string): Promise<WitnessedCheckpoint[]> {
    const rows = await this.a.store.db.selectFrom('witnessed_checkpoints').selectAll()
      .where('instance', '=', instance).orderBy('node_id').orderBy('chain').orderBy('seq', 'desc').execute();
    const out = new Map<string, WitnessedCheckpoint>();
    for (const r of rows) if (!out.has(`${r.node_id}|${r.chain}`)) out.set(`${r.node_id}|${r.chain}`, fromRow(r, this.me));
    return [...out.values()];
  }
}

async function readJson(req: IncomingMessage, max = 64 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new VamcoError('PAYLOAD_TOO_LARGE', `The body is over ${max} bytes`);
    chunks.push(c as Buffer);
  }
  try { return JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { throw new VamcoError('VALIDATION_FAILED', 'The body is not JSON'); }
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** The federation endpoints on the gateway port (problem+json errors, like the admin API). */
export function federationHandler(a: { witness: Witness | null; directory: DirectoryPublisher | null; logger: Logger }): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === DIRECTORY_PATH) { serveDirectory(req, res, a.directory); return; }
      if (url.pathname !== WITNESS_PATH) throw new VamcoError('NOT_FOUND', `No federation endpoint at ${url.pathname}`);
      if (!a.witness) throw new VamcoError('NOT_FOUND', 'This platform is no witness (VAMCO_WITNESS_ACCEPT is empty)');
      if (req.method === 'POST') { send(res, 200, await a.witness.keep(await readJson(req))); return; }
      if (req.method === 'GET') {
        const instance = url.searchParams.get('instance');
        if (!instance) throw new VamcoError('VALIDATION_FAILED', 'The query parameter instance is required');
        send(res, 200, { checkpoints: await a.witness.latest(instance) });
        return;
      }
      throw new VamcoError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${WITNESS_PATH}`);
    } catch (e) {
      const p = toProblem(e);
      if (p.code === 'INTERNAL') a.logger.error({ err: e }, 'federation endpoint failed');
      if (!res.headersSent) send(res, p.status, p, 'application/problem+json');
      else res.destroy();
    }
  };
}

/** The sending side: after each tick, the newest checkpoints not yet acknowledged go to every witness. */
export function startWitnessing(a: { store: Store; key: NodeKey; config: { instance: string; federation: FederationConfig }; logger: Logger;
  /** More message chains of this node (its gateway workers', each under its own key). */
  localNodes?: () => string[] }): { tick(): Promise<void>; stop(): void } {
  const sent = new Map<string, number>();
  let running: Promise<void> | null = null;
  async function newest(): Promise<SubmittedCheckpoint[]> {
    const out: SubmittedCheckpoint[] = [];
    const rows = [];
    for (const nodeId of [a.key.nodeId, ...(a.localNodes?.() ?? [])]) {
      rows.push(await a.store.db.selectFrom('log_checkpoints').selectAll().where('chain', '=', 'message').where('node_id', '=', nodeId).orderBy('seq', 'desc').limit(1).executeTakeFirst());
    }
    rows.push(await a.store.db.selectFrom('log_checkpoints').selectAll().where('chain', '=', 'admin').orderBy('seq', 'desc').orderBy('node_id').limit(1).executeTakeFirst());
    for (const r of rows) {
      if (!r) continue;
      const signer = await a.store.db.selectFrom('nodes').select('public_key').where('node_id', '=', r.node_id).executeTakeFirst();
      if (!signer) continue;
      out.push({ instance: a.config.instance, publicKey: signer.public_key, checkpoint: { chain: r.chain as AnchorCheckpoint['chain'], nodeId: r.node_id, seq: Number(r.seq), hash: r.hash, at: r.at, prev: r.prev ?? null, signature: r.signature } });
    }
    return out;
  }
  async function round(): Promise<void> {
    const points = await newest();
    for (const url of a.config.federation.witnesses) {
      for (const p of points) {
        const k = `${url}|${p.checkpoint.chain}|${p.checkpoint.nodeId}`;
        if ((sent.get(k) ?? 0) >= p.checkpoint.seq) continue;
        try {
          const res = await request(url + WITNESS_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p), headersTimeout: 10_000, bodyTimeout: 10_000 });
          const text = await res.body.text();
          if (res.statusCode !== 200) { a.logger.warn({ witness: url, status: res.statusCode, detail: text.slice(0, 300) }, 'witness refused a checkpoint'); continue; }
          sent.set(k, p.checkpoint.seq);
        } catch (err) {
          a.logger.warn({ witness: url, err: (err as Error).message }, 'witness unreachable; the checkpoint is sent again next time');
        }
      }
    }
  }
  const tick = () => {
    running ??= round().catch((err) => a.logger.error({ err }, 'witnessing failed')).finally(() => { running = null; });
    return running;
  };
  const timer = a.config.federation.witnesses.length ? setInterval(() => { void tick(); }, a.config.federation.witnessIntervalMs) : null;
  timer?.unref();
  return { tick, stop: () => { if (timer) clearInterval(timer); } };
}

export interface WitnessedPoints { anchor: Anchor | null; obtained: Array<{ url: string; checkpoints: number }>; unreachable: Array<{ url: string; why: string }> }

/**
 * What every configured witness keeps of this instance, each entry checked (its signature
 * by the node it names, the witness's countersignature), as anchor points naming the witness.
 * A witness that cannot be reached or answers nonsense is reported, not fatal.
 */
export async function fetchWitnessed(instance: string, witnesses: readonly string[]): Promise<WitnessedPoints> {
  const out: WitnessedPoints = { anchor: null, obtained: [], unreachable: [] };
  const nodes = new Map<string, string>();
  const points: AnchorCheckpoint[] = [];
  for (const url of witnesses) {
    try {
      const res = await request(`${url}${WITNESS_PATH}?instance=${encodeURIComponent(instance)}`, { headersTimeout: 15_000, bodyTimeout: 15_000 });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`it answered ${res.statusCode}: ${text.slice(0, 200)}`);
      const list = (JSON.parse(text) as { checkpoints?: WitnessedCheckpoint[] }).checkpoints;
      if (!Array.isArray(list)) throw new Error('its answer has no checkpoints list');
      for (const w of list) {
        let wkey: crypto.KeyObject;
        try { wkey = crypto.createPublicKey(w.witness.publicKey); } catch { throw new Error('a countersignature names no readable witness key'); }
        if (nodeIdFor(wkey) !== w.witness.nodeId || !crypto.verify(null, witnessPayload(w), wkey, Buffer.from(w.countersignature, 'base64'))) {
          throw new Error(`the countersignature on node ${w.checkpoint?.nodeId}'s checkpoint ${w.checkpoint?.seq} does not verify`);
        }
        const key = crypto.createPublicKey(w.publicKey);
        if (!checkpointSignatureOk(key, { ...w.checkpoint, node_id: w.checkpoint.nodeId }) || nodeIdFor(key) !== w.checkpoint.nodeId) {
          throw new Error(`node ${w.checkpoint.nodeId}'s checkpoint ${w.checkpoint.seq} it keeps is not signed by that node`);
        }
        nodes.set(w.checkpoint.nodeId, w.publicKey);
        points.push({ ...w.checkpoint, by: `${url} (${w.witness.instance} ${w.witness.nodeId}, countersigned ${w.receivedAt})` });
      }
      out.obtained.push({ url, checkpoints: list.length });
    } catch (e) {
      out.unreachable.push({ url, why: (e as Error).message });
    }
  }
  if (points.length) {
    out.anchor = { format: ANCHOR_FORMAT, version: ANCHOR_VERSION, createdAt: new Date().toISOString(), nodes: [...nodes].map(([nodeId, publicKey]) => ({ nodeId, publicKey })), checkpoints: points };
  }
  return out;
}
