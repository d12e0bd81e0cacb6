// The export file: JSON Lines that carry everything needed to verify the log offline.
//   header, node*, then per chain its records in seq order with each checkpoint right after
//   the record it signs, then the admin trail the same way, then an "end" line with counts.
// Each line is exactly JSON.stringify of an object with keys in the order below, so an edit
// that keeps the JSON valid and the value equal (say "\u001f" -> "\u001F") still shows.
import fs from 'node:fs';
import readline from 'node:readline';
import { once } from 'node:events';
import type { Store } from '../store/index.js';
import { hashAdmin, hashMessage, type AdminRow, type MessageRow } from './chain.js';
import { adminChain, chainNodes, messageChain, registeredNodes } from './store-chains.js';
import { ChainVerifier, type FirstBad } from './verifier.js';
import type { VerifyResult } from './types.js';
import type { CheckpointTable } from '../store/index.js';

export const EXPORT_FORMAT = 'vamco-audit-export';
// Version 2 added the record's upstream leg; version 1 files (no such field) still verify.
export const EXPORT_VERSION = 2;
const READABLE_VERSIONS = new Set([1, 2]);

const KEYS = {
  header: ['type', 'format', 'version', 'exportedAt'],
  node: ['type', 'nodeId', 'publicKey'],
  record: ['type', 'nodeId', 'seq', 'messageId', 'requestId', 'at', 'client', 'service', 'method', 'path', 'status',
    'durationMs', 'requestSize', 'responseSize', 'requestDigest', 'responseDigest', 'userId', 'issue', 'errorCode',
    'requestBody', 'responseBody', 'upstream', 'prevHash', 'hash'],
  checkpoint: ['type', 'chain', 'nodeId', 'seq', 'hash', 'at', 'signature'],
  admin: ['type', 'seq', 'at', 'actor', 'action', 'target', 'address', 'before', 'after', 'prevHash', 'hash'],
  end: ['type', 'records', 'checkpoints', 'adminRecords'],
} as const;
type LineType = keyof typeof KEYS;

// Field kinds for the checks on read: s string, s? string or null, n number.
const KINDS: Record<string, 's' | 's?' | 'n'> = {
  format: 's', version: 'n', exportedAt: 's', nodeId: 's', publicKey: 's', seq: 'n', messageId: 's', requestId: 's',
  at: 's', client: 's?', service: 's?', method: 's', path: 's', status: 'n', durationMs: 'n', requestSize: 'n',
  responseSize: 'n', requestDigest: 's?', responseDigest: 's?', userId: 's?', issue: 's?', errorCode: 's?',
  requestBody: 's?', responseBody: 's?', upstream: 's?', prevHash: 's', hash: 's', chain: 's', signature: 's', actor: 's',
  action: 's', target: 's', address: 's?', before: 's?', after: 's?', records: 'n', checkpoints: 'n', adminRecords: 'n',
};

const recordLine = (r: MessageRow) => ({
  type: 'record', nodeId: r.node_id, seq: r.seq, messageId: r.message_id, requestId: r.request_id, at: r.at,
  client: r.client, service: r.service, method: r.method, path: r.path, status: r.status, durationMs: r.duration_ms,
  requestSize: r.request_size, responseSize: r.response_size, requestDigest: r.request_digest,
  responseDigest: r.response_digest, userId: r.user_id, issue: r.issue, errorCode: r.error_code,
  requestBody: r.request_body, responseBody: r.response_body, upstream: r.upstream, prevHash: r.prev_hash, hash: r.hash,
});
const checkpointLine = (c: CheckpointTable) => ({ type: 'checkpoint', chain: c.chain, nodeId: c.node_id, seq: c.seq, hash: c.hash, at: c.at, signature: c.signature });
// before/after stay the stored JSON text: the hash covers those exact bytes.
const adminLine = (a: AdminRow) => ({
  type: 'admin', seq: a.seq, at: a.at, actor: a.actor, action: a.action, target: a.target, address: a.address,
  before: a.before, after: a.after, prevHash: a.prev_hash, hash: a.hash,
});

export async function exportLog(store: Store, file: string): Promise<{ records: number; checkpoints: number; adminRecords: number }> {
  const out = fs.createWriteStream(file, { flags: 'w', mode: 0o600 });
  let error: Error | undefined;
  out.on('error', (e) => { error = e; });
  const write = async (obj: object): Promise<void> => {
    if (error) throw error;
    if (!out.write(JSON.stringify(obj) + '\n')) await Promise.race([once(out, 'drain'), once(out, 'error')]);
    if (error) throw error;
  };
  const counts = { records: 0, checkpoints: 0, adminRecords: 0 };
  try {
    await write({ type: 'header', format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: new Date().toISOString() });
    for (const n of await registeredNodes(store)) await write({ type: 'node', nodeId: n.node_id, publicKey: n.public_key });
    for (const nodeId of await chainNodes(store)) {
      for await (const e of messageChain(store, nodeId)) {
        if (e.kind === 'record') { counts.records++; await write(recordLine(e.row)); } else { counts.checkpoints++; await write(checkpointLine(e.row)); }
      }
    }
    for await (const e of adminChain(store)) {
      if (e.kind === 'record') { counts.adminRecords++; await write(adminLine(e.row)); } else { counts.checkpoints++; await write(checkpointLine(e.row)); }
    }
    await write({ type: 'end', ...counts });
  } finally {
    out.end();
    if (!error) await Promise.race([once(out, 'finish'), once(out, 'error')]).catch(() => {});
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

const RECORD_V1_KEYS = KEYS.record.filter((k) => k !== 'upstream');

function shapeProblem(type: LineType, o: Obj, version: number): string | undefined {
  const keys = Object.keys(o);
  const want: readonly string[] = type === 'record' && version === 1 ? RECORD_V1_KEYS : KEYS[type];
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

/** Verifies an export file alone, without a database. */
export async function verifyExportFile(file: string): Promise<VerifyResult> {
  const v = new ChainVerifier();
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
        v.fail(guess(line, n));
        return v.result();
      }
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
          const r = v.result();
          if (o.records !== r.records || o.checkpoints !== r.checkpoints || o.adminRecords !== r.adminRecords) {
            return bad({ ...name, reason: `The end line counts ${String(o.records)} records, ${String(o.checkpoints)} checkpoints and ${String(o.adminRecords)} admin records, but the file holds ${r.records}, ${r.checkpoints} and ${r.adminRecords}.` });
          }
          ended = true;
        }
        continue;
      }
      let ok: boolean;
      if (type === 'record') {
        const row = recordRow(o);
        ok = v.record('message', row.node_id, { seq: row.seq, prevHash: row.prev_hash, hash: row.hash, recomputed: hashMessage(row), messageId: row.message_id }, n);
      } else if (type === 'admin') {
        const row = adminRow(o);
        ok = v.record('admin', undefined, { seq: row.seq, prevHash: row.prev_hash, hash: row.hash, recomputed: hashAdmin(row) }, n);
      } else {
        ok = v.checkpoint({ chain: o.chain as string, nodeId: o.nodeId as string, seq: o.seq as number, hash: o.hash as string, at: o.at as string, signature: o.signature as string }, n);
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
  return v.result();
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
    upstream: (o.upstream ?? null) as string | null, prev_hash: o.prevHash as string, hash: o.hash as string,
  };
}

function adminRow(o: Obj): AdminRow {
  return {
    seq: o.seq as number, at: o.at as string, actor: o.actor as string, action: o.action as string, target: o.target as string,
    address: o.address as string | null, before: o.before as string | null, after: o.after as string | null,
    prev_hash: o.prevHash as string, hash: o.hash as string,
  };
}
