// The integrity check as a signed report (issue 14): what `audit verify` found, when, over which
// records, the newest signed checkpoint of each chain, and who says so, signed with the node's
// Ed25519 key the way checkpoints and receipts are (a tag line, then the content, signed
// detached, the public key inside). `vamco audit verify-report FILE` checks it offline; a report
// proves what this node found, and with --key, that this node is the one whose key you hold.
import crypto from 'node:crypto';
import { VamcoError } from '../core/errors.js';
import type { Store } from '../store/index.js';
import type { NodeKey, VerifyResult } from './types.js';
import { nodeIdFor } from './chain.js';
import { takeAnchor, type AnchorCheckpoint } from './anchor.js';
import { chainNodes } from './store-chains.js';
import { verifyStore } from './verify.js';

export const REPORT_FORMAT = 'vamco-verify-report';
export const REPORT_VERSION = 1;

/** Records of one chain present when the check began: every one of them was checked. */
export interface CheckedRange { chain: 'message' | 'admin'; nodeId?: string; firstSeq: number | null; lastSeq: number | null; records: number }

export interface VerifyReport {
  format: typeof REPORT_FORMAT;
  version: number;
  instance: string;
  /** When the check began and ended (ISO-8601 UTC). */
  startedAt: string;
  finishedAt: string;
  result: VerifyResult;
  ranges: CheckedRange[];
  /** The newest signed checkpoint of each chain at the end (none when nothing is signed yet or the log is no longer consistent). */
  checkpoints: AnchorCheckpoint[];
  /** The signing node: nodeIdFor(publicKey), its SPKI PEM, and the hex SHA-256 of its SPKI DER. */
  nodeId: string;
  publicKey: string;
  keyFingerprint: string;
  /** Base64 Ed25519 signature over reportPayload(this). */
  signature: string;
}

/** JSON with every object's keys sorted: one byte string for one content, whatever order fields were written in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The signed bytes: a tag line, then the report without its signature as canonical JSON. */
export function reportPayload(r: Omit<VerifyReport, 'signature'> & { signature?: string }): Buffer {
  const { signature: _s, ...content } = r;
  return Buffer.from(`vamco-verify-report-v1\n${canonical(content)}`, 'utf8');
}

export const keyFingerprint = (key: crypto.KeyObject): string => crypto.createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');

async function ranges(store: Store): Promise<CheckedRange[]> {
  const out: CheckedRange[] = [];
  const range = (r: { first: unknown; last: unknown; n: unknown } | undefined) => ({
    firstSeq: r?.first == null ? null : Number(r.first), lastSeq: r?.last == null ? null : Number(r.last), records: Number(r?.n ?? 0),
  });
  for (const nodeId of await chainNodes(store)) {
    const r = await store.db.selectFrom('message_log').where('node_id', '=', nodeId)
      .select((eb) => [eb.fn.min('seq').as('first'), eb.fn.max('seq').as('last'), eb.fn.countAll().as('n')]).executeTakeFirst();
    out.push({ chain: 'message', nodeId, ...range(r) });
  }
  const a = await store.db.selectFrom('admin_audit').select((eb) => [eb.fn.min('seq').as('first'), eb.fn.max('seq').as('last'), eb.fn.countAll().as('n')]).executeTakeFirst();
  out.push({ chain: 'admin', ...range(a) });
  return out;
}

/** Runs the integrity check and signs what it found with `key`. */
export async function verifyReport(store: Store, key: NodeKey, instance: string): Promise<VerifyReport> {
  const startedAt = new Date().toISOString();
  const checked = await ranges(store);
  const result = await verifyStore(store);
  const checkpoints = await takeAnchor(store).then((a) => a.checkpoints, () => []);
  const publicKey = crypto.createPublicKey(key.privateKey);
  const base: Omit<VerifyReport, 'signature'> = {
    format: REPORT_FORMAT, version: REPORT_VERSION, instance, startedAt, finishedAt: new Date().toISOString(), result, ranges: checked, checkpoints,
    nodeId: key.nodeId, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string, keyFingerprint: keyFingerprint(publicKey),
  };
  return { ...base, signature: crypto.sign(null, reportPayload(base), key.privateKey).toString('base64') };
}

/**
 * Checks a report's shape and signature; with `trusted`, also that it was signed by that key.
 * Throws VALIDATION_FAILED naming what is wrong; returns the report typed.
 */
export function checkVerifyReport(v: unknown, source: string, trusted?: crypto.KeyObject): VerifyReport {
  const bad = (why: string): never => { throw new VamcoError('VALIDATION_FAILED', `${source} is not a valid integrity report: ${why}.`); };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('it is not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.format !== REPORT_FORMAT || o.version !== REPORT_VERSION) return bad(`it names format ${String(o.format)} version ${String(o.version)}, not ${REPORT_FORMAT} version ${REPORT_VERSION}`);
  for (const f of ['instance', 'startedAt', 'finishedAt', 'nodeId', 'publicKey', 'keyFingerprint', 'signature']) if (typeof o[f] !== 'string') return bad(`field ${f} is missing or not a string`);
  if (!o.result || typeof o.result !== 'object' || typeof (o.result as { ok?: unknown }).ok !== 'boolean') return bad('field result is missing');
  if (!Array.isArray(o.ranges) || !Array.isArray(o.checkpoints)) return bad('field ranges or checkpoints is missing');
  const r = o as unknown as VerifyReport;
  let key: crypto.KeyObject;
  try { key = crypto.createPublicKey(r.publicKey); } catch { return bad('its publicKey is not a PEM public key'); }
  if (key.asymmetricKeyType !== 'ed25519') return bad('its publicKey is not an Ed25519 key');
  if (nodeIdFor(key) !== r.nodeId || keyFingerprint(key) !== r.keyFingerprint) return bad(`its publicKey is not the key of node ${r.nodeId} (fingerprint ${r.keyFingerprint})`);
  if (trusted && keyFingerprint(trusted) !== r.keyFingerprint) return bad(`it was signed by node ${r.nodeId}, not by the key given to trust`);
  const sig = Buffer.from(r.signature, 'base64');
  let ok = sig.toString('base64') === r.signature;
  if (ok) {
    try { ok = crypto.verify(null, reportPayload(r), key, sig); } catch { ok = false; }
  }
  if (!ok) return bad(`its signature does not match its content (signed by node ${r.nodeId})`);
  return r;
}
