// The export file: JSON Lines that carry everything needed to verify the log offline.
//   header, node*, then per chain its records in seq order with each checkpoint right after
//   the record it signs, then the admin trail the same way, then an "end" line with counts,
//   the SHA-256 of every byte before it, and the exporting node's signature over both (since
//   version 3: a file cut short with its counts fixed no longer verifies).
// Each line is exactly JSON.stringify of an object with keys in the order below, so an edit
// that keeps the JSON valid and the value equal (say "\u001f" -> "\u001F") still shows.
import crypto from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import type { Store } from '../store/index.js';
import { hashAdmin, hashMessage, type AdminRow, type MessageRow } from './chain.js';
import type { Anchor } from './anchor.js';
import { adminChain, chainNodes, messageChain, registeredNodes, storeQuery } from './store-chains.js';
import { ChainVerifier, type FirstBad } from './verifier.js';
import type { NodeKey, VerifyResult } from './types.js';
import type { CheckpointTable } from '../store/index.js';

export const EXPORT_FORMAT = 'vamco-audit-export';
// Version 2 added the record's upstream leg; version 3 the checkpoints' prev and the signed
// end line; version 4 the record's credential. Files before 3 still verify, with a warning that
// their end line is not signed.
export const EXPORT_VERSION = 4;
const READABLE_VERSIONS = new Set([1, 2, 3, 4]);

const KEYS = {
  header: ['type', 'format', 'version', 'exportedAt'],
  node: ['type', 'nodeId', 'publicKey'],
  record: ['type', 'nodeId', 'seq', 'messageId', 'requestId', 'at', 'client', 'service', 'method', 'path', 'status',
    'durationMs', 'requestSize', 'responseSize', 'requestDigest', 'responseDigest', 'userId', 'issue', 'errorCode',
    'requestBody', 'responseBody', 'upstream', 'credential', 'prevHash', 'hash'],
  checkpoint: ['type', 'chain', 'nodeId', 'seq', 'hash', 'at', 'prev', 'signature'],
  admin: ['type', 'seq', 'at', 'actor', 'action', 'target', 'address', 'before', 'after', 'prevHash', 'hash'],
  end: ['type', 'records', 'checkpoints', 'adminRecords', 'digest', 'nodeId', 'signature'],
} as const;
type LineType = keyof typeof KEYS;

// Field kinds for the checks on read: s string, s? string or null, n number.
const KINDS: Record<string, 's' | 's?' | 'n'> = {
  format: 's', version: 'n', exportedAt: 's', nodeId: 's', publicKey: 's', seq: 'n', messageId: 's', requestId: 's',
  at: 's', client: 's?', service: 's?', method: 's', path: 's', status: 'n', durationMs: 'n', requestSize: 'n',
  responseSize: 'n', requestDigest: 's?', responseDigest: 's?', userId: 's?', issue: 's?', errorCode: 's?',
  requestBody: 's?', responseBody: 's?', upstream: 's?', credential: 's?', prevHash: 's', hash: 's', chain: 's', signature: 's', actor: 's',
  action: 's', target: 's', address: 's?', before: 's?', after: 's?', records: 'n', checkpoints: 'n', adminRecords: 'n',
  prev: 's?', digest: 's',
};

/** What the end line's signature covers (the version is the file's: a version 3 file verifies as one). */
export function endPayload(e: { records: number; checkpoints: number; adminRecords: number; digest: string; nodeId: string }, version = EXPORT_VERSION): string {
  return `vamco-export-end|${version}|${e.records}|${e.checkpoints}|${e.adminRecords}|${e.digest}|${e.nodeId}`;
}

const recordLine = (r: MessageRow) => ({
  type: 'record', nodeId: r.node_id, seq: r.seq, messageId: r.message_id, requestId: r.request_id, at: r.at,
  client: r.client, service: r.service, method: r.method, path: r.path, status: r.status, durationMs: r.duration_ms,
  requestSize: r.request_size, responseSize: r.response_size, requestDigest: r.request_digest,
  responseDigest: r.response_digest, userId: r.user_id, issue: r.issue, errorCode: r.error_code,
  requestBody: r.request_body, responseBody: r.response_body, upstream: r.upstream, credential: r.credential ?? null,
  prevHash: r.prev_hash, hash: r.hash,
});
const checkpointLine = (c: CheckpointTable) => ({ type: 'checkpoint', chain: c.chain, nodeId: c.node_id, seq: c.seq, hash: c.hash, at: c.at, prev: c.prev ?? null, signature: c.signature });
// before/after stay the stored JSON text: the hash covers those exact bytes.
const adminLine = (a: AdminRow) => ({
  type: 'admin', seq: a.seq, at: a.at, actor: a.actor, action: a.action, target: a.target, address: a.address,
  before: a.before, after: a.after, prevHash: a.prev_hash, hash: a.hash,
});

/** Resolves on 'drain', rejects on 'error', and leaves no listener behind either way. */
function drained(out: fs.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (e?: Error): void => { out.off('drain', onDrain); out.off('error', onError); if (e) reject(e); else resolve(); };
    const onDrain = (): void => done();
    const onError = (e: Error): void => done(e);
    out.on('drain', onDrain);
    out.on('error', onError);
  });
}

/** Writes the export; `signer` (this node's key, registered in `nodes`) signs the end line. */
export async function exportLog(store: Store, file: string, signer: NodeKey): Promise<{ records: number; checkpoints: number; adminRecords: number }> {
  const out = fs.createWriteStream(file, { flags: 'w', mode: 0o600 });
  let error: Error | undefined;
  out.on('error', (e) => { error = e; });
  const digest = crypto.createHash('sha256');
  const write = async (obj: object, last = false): Promise<void> => {
    if (error) throw error;
    const line = JSON.stringify(obj) + '\n';
    if (!last) digest.update(line, 'utf8');
    if (!out.write(line)) await drained(out);
    if (error) throw error;
  };
  const counts = { records: 0, checkpoints: 0, adminRecords: 0 };
  try {
    await write({ type: 'header', format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: new Date().toISOString() });
    const nodes = await registeredNodes(store);
    if (!nodes.some((n) => n.node_id === signer.nodeId)) throw new Error(`node ${signer.nodeId} signs the export but is not registered`);
    for (const n of nodes) await write({ type: 'node', nodeId: n.node_id, publicKey: n.public_key });
    const query = storeQuery(store);
    for (const nodeId of await chainNodes(store)) {
      for await (const e of messageChain(query, nodeId)) {
        if (e.kind === 'record') { counts.records++; await write(recordLine(e.row)); } else { counts.checkpoints++; await write(checkpointLine(e.row)); }
      }
    }
    for await (const e of adminChain(query)) {
      if (e.kind === 'record') { counts.adminRecords++; await write(adminLine(e.row)); } else { counts.checkpoints++; await write(checkpointLine(e.row)); }
    }
    const end = { ...counts, digest: digest.digest('hex'), nodeId: signer.nodeId };
    const signature = crypto.sign(null, Buffer.from(endPayload(end), 'utf8'), signer.privateKey).toString('base64');
    await write({ type: 'end', ...end, signature }, true);
  } finally {
    if (!error) {
      await new Promise<void>((resolve) => { out.end(() => resolve()); out.once('error', () => resolve()); });
    } else {
      out.destroy();
    }
  }
  if (error) throw error;
  return counts;
}

function guess(line: string, n: number): FirstBad {
  const seq = /"seq":(\d+)/.exec(line);
  const node = /"nodeId":"([^"\\]*)"/.exec(line);
  const admin = line.includes('"type":"admin"') || line.includes('"chain":"admin"');
  return {
    chain: admin ? 'admin' : 'message', ...(node && !admin ? { nodeId: node[1] } : {}),
    seq: seq ? Number(seq[1]) : 0, line: n, reason: `Line ${n} is not valid JSON: the file was altered or damaged.`,
  };
}

type Obj = Record<string, unknown>;

const RECORD_V1_KEYS = KEYS.record.filter((k) => k !== 'upstream' && k !== 'credential');
const RECORD_V3_KEYS = KEYS.record.filter((k) => k !== 'credential');
const CHECKPOINT_V2_KEYS = KEYS.checkpoint.filter((k) => k !== 'prev');
const END_V2_KEYS = ['type', 'records', 'checkpoints', 'adminRecords'];

function keysFor(type: LineType, version: number): readonly string[] {
  if (type === 'record' && version === 1) return RECORD_V1_KEYS;
  if (type === 'record' && version < 4) return RECORD_V3_KEYS;
  if (type === 'checkpoint' && version < 3) return CHECKPOINT_V2_KEYS;
  if (type === 'end' && version < 3) return END_V2_KEYS;
  return KEYS[type];
}

function shapeProblem(type: LineType, o: Obj, version: number): string | undefined {
  const keys = Object.keys(o);
  const want = keysFor(type, version);
  if (keys.length !== want.length || keys.some((k, i) => k !== want[i])) return 'its fields are not the ones the exporter writes';
  for (const k of want) {
    if (k === 'type') continue;
    const kind = KINDS[k];
    const v = o[k];
    const ok = kind === 'n' ? typeof v === 'number' && Number.isFinite(v) : typeof v === 'string' || (kind === 's?' && v === null);
    if (!ok) return `its field ${k} has the wrong type`;
    if (k === 'seq' && !(Number.isSafeInteger(v) && (v as number) > 0)) return 'its seq is not a positive integer';
  }
  return undefined;
}

/**
 * Verifies an export file alone, without a database; with an anchor, the file must also
 * extend every checkpoint the anchor holds.
 */
export async function verifyExportFile(file: string, anchor?: Anchor): Promise<VerifyResult & { warnings?: string[] }> {
  const v = new ChainVerifier();
  if (anchor) v.expectAnchors(anchor.checkpoints);
  const digest = crypto.createHash('sha256');
  const warnings: string[] = [];
  const input = fs.createReadStream(file, { encoding: 'utf8' });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let ended = false;
  let version = EXPORT_VERSION;
  try {
    for await (const line of lines) {
      n++;
      const bad = (b: Omit<FirstBad, 'line'>): VerifyResult => { v.fail({ ...b, line: n }); return v.result(); };
      if (ended) return bad({ chain: 'message', seq: 0, reason: `Line ${n} follows the end line: the file was altered.` });
      let o: Obj;
      try {
        o = JSON.parse(line) as Obj;
        if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not an object');
      } catch {
        if (n === 1) return bad({ chain: 'message', seq: 0, reason: NOT_AN_EXPORT });
        v.fail(guess(line, n));
        return v.result();
      }
      if (n === 1 && o.type !== 'header') return bad({ chain: 'message', seq: 0, reason: NOT_AN_EXPORT });
      const type = o.type as LineType;
      const isRecord = type === 'record' || type === 'admin';
      const chain: 'message' | 'admin' = type === 'admin' || (type === 'checkpoint' && o.chain === 'admin') ? 'admin' : 'message';
      const name = {
        chain, ...(chain === 'message' && typeof o.nodeId === 'string' ? { nodeId: o.nodeId } : {}),
        seq: typeof o.seq === 'number' ? o.seq : 0,
        ...(type === 'record' && typeof o.messageId === 'string' ? { messageId: o.messageId } : {}),
      };
      if (typeof type !== 'string' || !Object.hasOwn(KEYS, type)) return bad({ ...name, reason: `Line ${n} has an unknown type: the file was altered.` });
      const problem = shapeProblem(type, o, version);
      if (problem) return bad({ ...name, reason: `Line ${n} was altered: ${problem}.` });
      if (JSON.stringify(o) !== line) return bad({ ...name, reason: `Line ${n} was altered: it is not the text the exporter wrote.` });
      if ((n === 1) !== (type === 'header')) return bad({ ...name, reason: n === 1 ? 'The file does not start with an export header.' : `Line ${n} is a second header.` });
      if (!isRecord && type !== 'checkpoint') {
        if (type === 'header' && (o.format !== EXPORT_FORMAT || !READABLE_VERSIONS.has(o.version as number))) {
          return bad({ ...name, reason: `The header names format ${String(o.format)} version ${String(o.version)}, not ${EXPORT_FORMAT} version ${[...READABLE_VERSIONS].join(' or ')}.` });
        }
        if (type === 'header') version = o.version as number;
        if (type === 'node') {
          const why = v.addNode(o.nodeId as string, o.publicKey as string);
          if (why) return bad({ ...name, reason: `Line ${n} was altered: ${why}.` });
        }
        if (type === 'end') {
          if (version >= 3) {
            const why = endSignatureProblem(o, digest.digest('hex'), v, version);
            if (why) return bad({ ...name, reason: why });
          } else {
            warnings.push(`The file is export format version ${version}: its end line is not signed, so a file cut short with its counts fixed would still verify. Export again to get a signed file.`);
          }
          const r = v.result();
          if (o.records !== r.records || o.checkpoints !== r.checkpoints || o.adminRecords !== r.adminRecords) {
            return bad({ ...name, reason: `The end line counts ${String(o.records)} records, ${String(o.checkpoints)} checkpoints and ${String(o.adminRecords)} admin records, but the file holds ${r.records}, ${r.checkpoints} and ${r.adminRecords}.` });
          }
          ended = true;
          continue;
        }
        digest.update(line + '\n', 'utf8');
        continue;
      }
      digest.update(line + '\n', 'utf8');
      let ok: boolean;
      if (type === 'record') {
        const row = recordRow(o);
        ok = v.record('message', row.node_id, { seq: row.seq, prevHash: row.prev_hash, hash: row.hash, recomputed: hashMessage(row), messageId: row.message_id, requestId: row.request_id, status: row.status, at: row.at }, n);
      } else if (type === 'admin') {
        const row = adminRow(o);
        ok = v.record('admin', undefined, { seq: row.seq, prevHash: row.prev_hash, hash: row.hash, recomputed: hashAdmin(row) }, n);
      } else {
        ok = v.checkpoint({
          chain: o.chain as string, nodeId: o.nodeId as string, seq: o.seq as number, hash: o.hash as string, at: o.at as string,
          prev: (o.prev ?? null) as string | null, signature: o.signature as string,
        }, n);
      }
      if (!ok) return v.result();
    }
  } finally {
    lines.close();
    input.destroy();
  }
  if (!ended) {
    v.fail({ chain: 'message', seq: 0, line: n + 1, reason: n === 0 ? 'The file is empty.' : `The file ends at line ${n} without its end line: it was cut short.` });
  }
  v.finish();
  const r = v.result();
  return warnings.length && r.ok ? { ...r, warnings } : r;
}

const NOT_AN_EXPORT = `The file is not a Vamco audit export: its first line is not a ${EXPORT_FORMAT} header.`;

function endSignatureProblem(o: Obj, digest: string, v: ChainVerifier, version: number): string | undefined {
  const key = v.keyOf(o.nodeId as string);
  if (!key) return `The end line is signed by ${String(o.nodeId)}, which is not a node of the file.`;
  const sig = Buffer.from(o.signature as string, 'base64');
  const payload = endPayload({ records: o.records as number, checkpoints: o.checkpoints as number, adminRecords: o.adminRecords as number, digest: o.digest as string, nodeId: o.nodeId as string }, version);
  let ok = sig.toString('base64') === o.signature;
  try { ok &&= crypto.verify(null, Buffer.from(payload, 'utf8'), key, sig); } catch { ok = false; }
  if (!ok) return `The end line's signature by ${String(o.nodeId)} is not valid: the end line was altered.`;
  if (o.digest !== digest) return 'The lines before the end line are not the ones the exporter signed: the file was cut, extended or changed.';
  return undefined;
}

function recordRow(o: Obj): MessageRow {
  return {
    node_id: o.nodeId as string, seq: o.seq as number, message_id: o.messageId as string, request_id: o.requestId as string,
    at: o.at as string, client: o.client as string | null, service: o.service as string | null, method: o.method as string,
    path: o.path as string, status: o.status as number, duration_ms: o.durationMs as number,
    request_size: o.requestSize as number, response_size: o.responseSize as number,
    request_digest: o.requestDigest as string | null, response_digest: o.responseDigest as string | null,
    user_id: o.userId as string | null, issue: o.issue as string | null, error_code: o.errorCode as string | null,
    request_body: o.requestBody as string | null, response_body: o.responseBody as string | null,
    upstream: (o.upstream ?? null) as string | null, credential: (o.credential ?? null) as string | null,
    prev_hash: o.prevHash as string, hash: o.hash as string,
  };
}

function adminRow(o: Obj): AdminRow {
  return {
    seq: o.seq as number, at: o.at as string, actor: o.actor as string, action: o.action as string, target: o.target as string,
    address: o.address as string | null, before: o.before as string | null, after: o.after as string | null,
    prev_hash: o.prevHash as string, hash: o.hash as string,
  };
}
