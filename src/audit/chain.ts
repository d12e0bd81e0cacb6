// The hash chain's bytes: how a message-log row, an admin-trail row and a checkpoint are
// serialised before hashing or signing. Changing anything here breaks every existing chain.
import crypto from 'node:crypto';
import { VamcoError, isRecentIsoNow } from '../core/index.js';
import type { AdminAuditTable, MessageLogTable } from '../store/index.js';
import type { AdminAction, CredentialUsed, ExchangeRecord, UpstreamLeg } from './types.js';

export const GENESIS = '0'.repeat(64);

export type Part = string | number | null;

/*
 * Canonical encoding, chosen so that SQLite and PostgreSQL give the same bytes and any
 * other language can reproduce it without a JSON library:
 *   null    -> "~"
 *   integer -> "#" + decimal digits (with "-" when negative)
 *   string  -> "'" + UTF-8 byte length + ":" + the UTF-8 bytes
 * Parts are concatenated without separators (the length prefixes make it unambiguous).
 * The hash is hex SHA-256 over: tag + "\n" + prev_hash + "\n" + encoded parts.
 * duration_ms is hashed as whole microseconds (round(duration_ms * 1000)), never as a float.
 */
export function encode(parts: readonly Part[]): string {
  let out = '';
  for (const p of parts) {
    if (p === null) out += '~';
    else if (typeof p === 'number') out += '#' + String(p);
    else out += "'" + Buffer.byteLength(p, 'utf8') + ':' + p;
  }
  return out;
}

// crypto.hash (one call, no Hash object) costs about half of createHash().update().digest() for
// inputs this small: verify hashes every record.
function digest(tag: string, prevHash: string, parts: readonly Part[]): string {
  return crypto.hash('sha256', `${tag}\n${prevHash}\n${encode(parts)}`, 'hex');
}

export const micros = (durationMs: number): number => Math.round(durationMs * 1000);

export type MessageRow = MessageLogTable;
export type AdminRow = AdminAuditTable;

/**
 * Message-log field order (tag "vamco-message-v1"): node_id, seq, message_id, request_id, at,
 * client, service, method, path, status, duration (µs), request_size, response_size,
 * request_digest, response_digest, user_id, issue, error_code, request_body, response_body,
 * then upstream (its stored JSON text) only when it is not null — so every record written
 * before the upstream leg existed keeps its hash — and, only when the credential is not null,
 * upstream (null or its text) followed by the credential's stored text: records without one keep
 * the hash they had, and the part count tells the two forms apart.
 */
export function hashMessage(r: Omit<MessageRow, 'hash' | 'upstream' | 'credential'> & { upstream?: string | null; credential?: string | null }): string {
  const parts: Part[] = [
    r.node_id, r.seq, r.message_id, r.request_id, r.at, r.client, r.service, r.method, r.path,
    r.status, micros(r.duration_ms), r.request_size, r.response_size, r.request_digest, r.response_digest,
    r.user_id, r.issue, r.error_code, r.request_body, r.response_body,
  ];
  const upstream = r.upstream ?? null;
  if (r.credential !== null && r.credential !== undefined) parts.push(upstream, r.credential);
  else if (upstream !== null) parts.push(upstream);
  return digest('vamco-message-v1', r.prev_hash, parts);
}

/** The upstream leg as stored: JSON with a fixed key order, whole-microsecond duration. */
export function upstreamText(u: UpstreamLeg | null | undefined): string | null {
  if (!u) return null;
  const leg: UpstreamLeg = {
    scheme: text(u.scheme, 'upstream.scheme'), status: int(u.status, 'upstream.status', 0, 999),
    durationMs: micros(finite(u.durationMs, 'upstream.durationMs')) / 1000, attempts: int(u.attempts, 'upstream.attempts', 0, 100),
    tokenId: optText(u.tokenId, 'upstream.tokenId'),
  };
  return JSON.stringify(leg);
}

/** The credential as stored: its kind, and for a certificate "certificate:" + its SHA-256 (hex). */
export function credentialText(c: CredentialUsed | null | undefined): string | null {
  if (!c) return null;
  if (c.kind === 'api-key' || c.kind === 'token' || c.kind === 'peer' || c.kind === 'xroad') return c.kind;
  if (c.kind === 'certificate' && /^[0-9a-f]{64}$/.test(c.fingerprint)) return `certificate:${c.fingerprint}`;
  throw new VamcoError('INTERNAL', 'message log field credential must be an API key, a token, a peer, a security server peer or a certificate with its SHA-256');
}

/** Back from the stored text (an unknown text is returned as its kind only, never dropped). */
export function credentialOf(text: string | null | undefined): CredentialUsed | null {
  if (!text) return null;
  if (text.startsWith('certificate:')) return { kind: 'certificate', fingerprint: text.slice('certificate:'.length) };
  return { kind: text as 'api-key' | 'token' | 'peer' | 'xroad' };
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new VamcoError('INTERNAL', `message log field ${field} must be a finite number`);
  return v;
}

/**
 * Admin-trail field order (tag "vamco-admin-v1"): seq, at, actor, action, target, address,
 * before, after (before/after are the stored JSON text, or null).
 */
export function hashAdmin(r: Omit<AdminRow, 'hash'>): string {
  return digest('vamco-admin-v1', r.prev_hash, [r.seq, r.at, r.actor, r.action, r.target, r.address, r.before, r.after]);
}

export interface CheckpointFields { chain: string; node_id: string; seq: number; hash: string; at: string; prev?: string | null }

/**
 * What a checkpoint's signature covers. seq is the chain's record count (records are numbered
 * from 1 without gaps), hash its head. Since version 011 a checkpoint also names `prev`, the
 * checkpointHash of the same node's previous checkpoint of that chain (GENESIS for its first):
 * tag "vamco-checkpoint-v2". Older checkpoints (prev null) keep the v1 text they were signed with.
 */
export function checkpointPayload(c: CheckpointFields): string {
  if (c.prev === null || c.prev === undefined) return `vamco-checkpoint|${c.chain}|${c.node_id}|${c.seq}|${c.hash}|${c.at}`;
  return `vamco-checkpoint-v2|${c.chain}|${c.node_id}|${c.seq}|${c.hash}|${c.at}|${c.prev}`;
}

/** The checkpoint's own hash, which the next checkpoint names as its prev. */
export function checkpointHash(c: CheckpointFields & { signature: string }): string {
  return crypto.createHash('sha256').update(`${checkpointPayload(c)}|${c.signature}`, 'utf8').digest('hex');
}

export function signCheckpoint(key: crypto.KeyObject, c: CheckpointFields): string {
  return crypto.sign(null, Buffer.from(checkpointPayload(c), 'utf8'), key).toString('base64');
}

export function checkpointSignatureOk(key: crypto.KeyObject | undefined, c: CheckpointFields & { signature: string }): boolean {
  if (!key) return false;
  // One spelling per signature: the checkpoint's hash (which the next one names) covers the text.
  const sig = Buffer.from(c.signature, 'base64');
  if (sig.toString('base64') !== c.signature) return false;
  try {
    return crypto.verify(null, Buffer.from(checkpointPayload(c), 'utf8'), key, sig);
  } catch {
    return false;
  }
}

/** nodeId is bound to the key so a swapped key shows up as a different node. */
export function nodeIdFor(publicKey: crypto.KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return 'node-' + crypto.createHash('sha256').update(der).digest('hex').slice(0, 12);
}

// Both engines store text as UTF-8: lone surrogates would come back as U+FFFD and NUL is
// refused by PostgreSQL, so a stored value must already be what the database will return.
// Node 20 has String.prototype.toWellFormed; TypeScript's ES2023 lib does not declare it yet.
const wellFormed = (s: string): string => (s as unknown as { toWellFormed(): string }).toWellFormed();

function text(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new VamcoError('INTERNAL', `message log field ${field} must be a string`);
  if (v.includes('\u0000')) throw new VamcoError('BAD_REQUEST', `message log field ${field} contains a NUL character`);
  return wellFormed(v);
}
const optText = (v: unknown, field: string): string | null => (v === null || v === undefined ? null : text(v, field));

// Checked per record so one bad value cannot fail the whole batch it would have joined.
function int(v: unknown, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new VamcoError('INTERNAL', `message log field ${field} must be an integer from ${min} to ${max}`);
  }
  return v;
}

export function isoTime(v: unknown, field: string): string {
  // The gateway's own stamps (core/clock.ts) are already in this form: no parse needed.
  if (typeof v === 'string' && isRecentIsoNow(v)) return v;
  const d = typeof v === 'string' ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new VamcoError('BAD_REQUEST', `${field} is not a valid time: ${String(v)}`);
  // One format everywhere so text order is time order on both engines.
  return d.toISOString();
}

/** Validates and normalises a record into the columns it will be stored as (without chain fields). */
export function toRowFields(rec: ExchangeRecord): Omit<MessageRow, 'node_id' | 'seq' | 'prev_hash' | 'hash'> {
  if (typeof rec.durationMs !== 'number' || !Number.isFinite(rec.durationMs)) {
    throw new VamcoError('INTERNAL', 'message log field durationMs must be a finite number');
  }
  return {
    message_id: text(rec.messageId, 'messageId'),
    request_id: text(rec.requestId, 'requestId'),
    at: isoTime(rec.at, 'at'),
    client: optText(rec.client, 'client'),
    service: optText(rec.service, 'service'),
    method: text(rec.method, 'method'),
    path: text(rec.path, 'path'),
    status: int(rec.status, 'status', 0, 999),
    duration_ms: micros(rec.durationMs) / 1000,
    request_size: int(rec.requestSize, 'requestSize'),
    response_size: int(rec.responseSize, 'responseSize'),
    request_digest: optText(rec.requestDigest, 'requestDigest'),
    response_digest: optText(rec.responseDigest, 'responseDigest'),
    user_id: optText(rec.userId, 'userId'),
    issue: optText(rec.issue, 'issue'),
    error_code: optText(rec.errorCode, 'errorCode'),
    request_body: optText(rec.requestBody, 'requestBody'),
    response_body: optText(rec.responseBody, 'responseBody'),
    upstream: upstreamText(rec.upstream),
    credential: credentialText(rec.credential),
  };
}

export function fromRow(r: MessageRow): ExchangeRecord {
  return {
    messageId: r.message_id, requestId: r.request_id, at: r.at, client: r.client, service: r.service,
    method: r.method, path: r.path, status: r.status, durationMs: r.duration_ms,
    requestSize: r.request_size, responseSize: r.response_size,
    requestDigest: r.request_digest, responseDigest: r.response_digest,
    userId: r.user_id, issue: r.issue, errorCode: r.error_code,
    requestBody: r.request_body, responseBody: r.response_body,
    upstream: r.upstream ? JSON.parse(r.upstream) as UpstreamLeg : null,
    credential: credentialOf(r.credential),
  };
}

/** JSON text for before/after; undefined means "not given" and is stored as null. */
export function jsonText(v: unknown): string | null {
  if (v === undefined) return null;
  const s = JSON.stringify(v);
  return s === undefined ? null : wellFormed(s);
}

export function adminFields(a: AdminAction): Pick<AdminRow, 'actor' | 'action' | 'target' | 'address' | 'before' | 'after'> {
  return {
    actor: text(a.actor, 'actor'),
    action: text(a.action, 'action'),
    target: text(a.target, 'target'),
    address: optText(a.address, 'address'),
    before: jsonText(a.before),
    after: jsonText(a.after),
  };
}
