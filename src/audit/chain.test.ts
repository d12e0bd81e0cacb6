// The hash chain's bytes as chain.ts documents them, rebuilt here from that description (not by
// calling the code under test): "any other language can reproduce it without a JSON library",
// and a change to any of it breaks every existing chain, so each rule is checked on its own.
import crypto from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { VamcoError } from '../core/index.js';
import {
  GENESIS, adminFields, checkpointHash, checkpointPayload, checkpointSignatureOk, credentialOf, credentialText, encode, fromRow,
  hashAdmin, hashMessage, isoTime, jsonText, micros, nodeIdFor, signCheckpoint, toRowFields, upstreamText, type MessageRow,
} from './chain.js';
import { exchange } from './fixtures.js';
import type { ExchangeRecord, UpstreamLeg } from './types.js';

const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');
// The documented encoding, spelled out independently: null "~", integer "#digits", string
// "'" + UTF-8 byte length + ":" + bytes.
const spec = (parts: (string | number | null)[]) => parts.map((p) => (p === null ? '~' : typeof p === 'number' ? `#${p}` : `'${new TextEncoder().encode(p).length}:${p}`)).join('');

const fields = (over: Partial<MessageRow> = {}): MessageRow => ({
  node_id: 'node-abc', seq: 7, prev_hash: 'f'.repeat(64), message_id: 'm', request_id: 'r', at: '2026-01-02T03:04:05.006Z',
  client: 'VN/GOV/1/a', service: null, method: 'GET', path: '/x', status: 200, duration_ms: 1.2345, request_size: 0,
  response_size: 10, request_digest: null, response_digest: 'ab', user_id: 'u', issue: null, error_code: null,
  request_body: null, response_body: 'Sở', upstream: null, credential: null, hash: '', ...over,
});
const messageParts = (r: MessageRow) => [r.node_id, r.seq, r.message_id, r.request_id, r.at, r.client, r.service, r.method, r.path,
  r.status, Math.round(r.duration_ms * 1000), r.request_size, r.response_size, r.request_digest, r.response_digest,
  r.user_id, r.issue, r.error_code, r.request_body, r.response_body];

const refused = (fn: () => unknown, code: string, message: RegExp) => {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(VamcoError);
  expect((err as VamcoError).code).toBe(code);
  expect((err as VamcoError).message).toMatch(message);
};

describe('hash chain encoding', () => {
  it('encodes null, integers and strings (by UTF-8 byte length) without separators', () => {
    expect(encode([])).toBe('');
    expect(encode([null, 0, -12, 345, '', 'ab', 'Sở', '😀'])).toBe("~#0#-12#345'0:'2:ab'4:Sở'4:😀");
    expect(encode(['#1', null, "'1:x"])).toBe("'2:#1~'4:'1:x");
  });

  it('hashes a message record as tag, previous hash and the twenty fields in their documented order', () => {
    const r = fields();
    expect(hashMessage(r)).toBe(sha256(`vamco-message-v1\n${r.prev_hash}\n${spec(messageParts(r))}`));
    // Whole microseconds: 1.2345 ms is #1235 (rounded half up), never a float.
    expect(spec(messageParts(r))).toContain('#1235');
    expect(hashMessage(r)).toBe(hashMessage({ ...r, duration_ms: 1.23454 }));
    expect(hashMessage(r)).not.toBe(hashMessage({ ...r, duration_ms: 1.2355 }));
    // The first record of every chain follows sixty-four zeros.
    expect(GENESIS).toBe('0000000000000000000000000000000000000000000000000000000000000000');
    // A stable vector: this record's hash as every chain written so far computes it.
    expect(hashMessage(fields({ response_body: null, prev_hash: GENESIS }))).toBe(sha256(`vamco-message-v1\n${GENESIS}\n${spec(messageParts(fields({ response_body: null })))}`));
  });

  it('changes the hash when any field, the previous hash or the field order changes', () => {
    const r = fields();
    const h = hashMessage(r);
    const changes: Partial<MessageRow>[] = [
      { node_id: 'node-abd' }, { seq: 8 }, { message_id: 'n' }, { request_id: 's' }, { at: '2026-01-02T03:04:05.007Z' },
      { client: null }, { service: 'VN/GOV/1/b' }, { method: 'PUT' }, { path: '/y' }, { status: 201 }, { duration_ms: 2 },
      { request_size: 1 }, { response_size: 11 }, { request_digest: 'cd' }, { response_digest: null }, { user_id: null },
      { issue: 'i' }, { error_code: 'E' }, { request_body: '{}' }, { response_body: 'So' }, { prev_hash: GENESIS },
    ];
    const seen = new Set([h]);
    for (const c of changes) seen.add(hashMessage({ ...r, ...c }));
    expect(seen.size).toBe(changes.length + 1);
    // Two strings swapped between neighbouring fields.
    expect(hashMessage({ ...r, message_id: 'r', request_id: 'm' })).not.toBe(h);
  });

  it('adds the upstream leg only when present and the credential after it, so older records keep their hash', () => {
    const r = fields();
    const base = messageParts(r);
    const up = '{"scheme":"oauth2"}';
    const hashOf = (parts: (string | number | null)[]) => sha256(`vamco-message-v1\n${r.prev_hash}\n${spec(parts)}`);
    expect(hashMessage({ ...r, upstream: undefined, credential: undefined })).toBe(hashOf(base));
    expect(hashMessage({ ...r, upstream: null, credential: null })).toBe(hashOf(base));
    expect(hashMessage({ ...r, upstream: up })).toBe(hashOf([...base, up]));
    expect(hashMessage({ ...r, upstream: up, credential: 'token' })).toBe(hashOf([...base, up, 'token']));
    // Without an upstream leg a credential still takes the 22nd place (the leg as null).
    expect(hashMessage({ ...r, credential: 'api-key' })).toBe(hashOf([...base, null, 'api-key']));
    expect(hashMessage({ ...r, upstream: undefined, credential: 'api-key' })).toBe(hashOf([...base, null, 'api-key']));
  });

  it('hashes an admin-trail row as tag, previous hash and its eight fields in order', () => {
    const a = { seq: 3, prev_hash: 'e'.repeat(64), at: '2026-01-02T03:04:05.006Z', actor: 'user:admin', action: 'user.create', target: 'user:bao', address: null, before: null, after: '{"role":"auditor"}' };
    expect(hashAdmin(a)).toBe(sha256(`vamco-admin-v1\n${a.prev_hash}\n${spec([a.seq, a.at, a.actor, a.action, a.target, a.address, a.before, a.after])}`));
    expect(hashAdmin({ ...a, address: '10.0.0.1' })).not.toBe(hashAdmin(a));
    expect(hashAdmin({ ...a, before: a.after, after: a.before })).not.toBe(hashAdmin(a));
  });
});

describe('checkpoints', () => {
  const key = crypto.generateKeyPairSync('ed25519');
  const c = { chain: 'message_log', node_id: 'node-abc', seq: 42, hash: 'a'.repeat(64), at: '2026-01-02T03:04:05.006Z' };

  it('signs the v1 text without prev and the v2 text naming prev', () => {
    expect(checkpointPayload(c)).toBe(`vamco-checkpoint|message_log|node-abc|42|${'a'.repeat(64)}|2026-01-02T03:04:05.006Z`);
    expect(checkpointPayload({ ...c, prev: null })).toBe(checkpointPayload(c));
    expect(checkpointPayload({ ...c, prev: GENESIS })).toBe(`vamco-checkpoint-v2|message_log|node-abc|42|${'a'.repeat(64)}|2026-01-02T03:04:05.006Z|${GENESIS}`);
    const signature = signCheckpoint(key.privateKey, { ...c, prev: GENESIS });
    expect(crypto.verify(null, Buffer.from(checkpointPayload({ ...c, prev: GENESIS })), key.publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(checkpointHash({ ...c, prev: GENESIS, signature })).toBe(sha256(`${checkpointPayload({ ...c, prev: GENESIS })}|${signature}`));
  });

  it('accepts a checkpoint only with its node\'s key, its own fields and its one base64 spelling', () => {
    const signed = { ...c, prev: GENESIS, signature: signCheckpoint(key.privateKey, { ...c, prev: GENESIS }) };
    expect(checkpointSignatureOk(key.publicKey, signed)).toBe(true);
    expect(checkpointSignatureOk(undefined, signed)).toBe(false);
    expect(checkpointSignatureOk(crypto.generateKeyPairSync('ed25519').publicKey, signed)).toBe(false);
    for (const change of [{ seq: 43 }, { hash: 'b'.repeat(64) }, { at: '2026-01-02T03:04:05.007Z' }, { prev: null }, { prev: 'c'.repeat(64) }, { node_id: 'node-abd' }, { chain: 'admin_audit' }]) {
      expect(checkpointSignatureOk(key.publicKey, { ...signed, ...change }), JSON.stringify(change)).toBe(false);
    }
    // The same bytes spelled otherwise (no padding, a line break): refused, its hash would differ.
    expect(signed.signature.endsWith('==')).toBe(true);
    expect(checkpointSignatureOk(key.publicKey, { ...signed, signature: signed.signature.replace(/=+$/, '') })).toBe(false);
    expect(checkpointSignatureOk(key.publicKey, { ...signed, signature: `${signed.signature.slice(0, 40)}\n${signed.signature.slice(40)}` })).toBe(false);
    // Not a signature at all, or a key of a kind that cannot verify: false, not a throw.
    expect(checkpointSignatureOk(key.publicKey, { ...signed, signature: 'AAAA' })).toBe(false);
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(checkpointSignatureOk(rsa.publicKey, signed)).toBe(false);
    // A key that cannot verify at all (X25519 is for key agreement): crypto.verify throws.
    const x25519 = crypto.generateKeyPairSync('x25519').publicKey;
    expect(() => crypto.verify(null, Buffer.from('x'), x25519, Buffer.from(signed.signature, 'base64'))).toThrow();
    expect(checkpointSignatureOk(x25519, signed)).toBe(false);
  });

  it('names a node by the SHA-256 of its public key, so a swapped key is another node', () => {
    const der = key.publicKey.export({ type: 'spki', format: 'der' });
    expect(nodeIdFor(key.publicKey)).toBe(`node-${crypto.createHash('sha256').update(der).digest('hex').slice(0, 12)}`);
    expect(nodeIdFor(crypto.generateKeyPairSync('ed25519').publicKey)).not.toBe(nodeIdFor(key.publicKey));
  });
});

describe('record fields', () => {
  const rec = (over: Partial<ExchangeRecord> = {}) => exchange(3, over);

  it('stores a record as the columns it reads back from, unchanged', () => {
    const full = rec({
      at: '2026-01-02T10:04:05+07:00', durationMs: 12.3456789, userId: 'u1', issue: 'ISS-1', errorCode: 'X', requestBody: '{"a":1}', responseBody: 'ok',
      requestDigest: 'cd'.repeat(32), upstream: { scheme: 'oauth2', status: 200, durationMs: 3.0004449, attempts: 2, tokenId: 't1' },
      credential: { kind: 'certificate', fingerprint: 'f'.repeat(64) },
    });
    const cols = toRowFields(full);
    expect(cols).toMatchObject({
      message_id: 'msg-3', request_id: 'req-3', at: '2026-01-02T03:04:05.000Z', status: 200, duration_ms: 12.346, user_id: 'u1', issue: 'ISS-1',
      error_code: 'X', request_body: '{"a":1}', response_body: 'ok', request_digest: 'cd'.repeat(32), response_digest: 'ab'.repeat(32),
      upstream: '{"scheme":"oauth2","status":200,"durationMs":3,"attempts":2,"tokenId":"t1"}', credential: `certificate:${'f'.repeat(64)}`,
    });
    const row = { ...cols, node_id: 'n', seq: 1, prev_hash: GENESIS, hash: '' } as MessageRow;
    expect(fromRow(row)).toEqual({ ...full, at: '2026-01-02T03:04:05.000Z', durationMs: 12.346, upstream: { ...full.upstream, durationMs: 3 } });
    const bare = toRowFields(rec({ client: undefined as unknown as null, upstream: undefined, credential: undefined }));
    expect(bare).toMatchObject({ client: null, service: rec().service, upstream: null, credential: null, user_id: null, request_digest: null });
    expect(fromRow({ ...bare, node_id: 'n', seq: 1, prev_hash: GENESIS, hash: '' } as MessageRow)).toMatchObject({ upstream: null, credential: null, client: null });
  });

  it('refuses values the chain cannot hold, naming the field', () => {
    refused(() => toRowFields(rec({ durationMs: Number.NaN })), 'INTERNAL', /durationMs must be a finite number/);
    refused(() => toRowFields(rec({ durationMs: Infinity })), 'INTERNAL', /durationMs/);
    refused(() => toRowFields(rec({ durationMs: '1' as unknown as number })), 'INTERNAL', /durationMs/);
    refused(() => toRowFields(rec({ messageId: 1 as unknown as string })), 'INTERNAL', /field messageId must be a string/);
    refused(() => toRowFields(rec({ path: '/a\u0000b' })), 'BAD_REQUEST', /field path contains a NUL character/);
    refused(() => toRowFields(rec({ issue: 'x\u0000' })), 'BAD_REQUEST', /field issue contains a NUL/);
    refused(() => toRowFields(rec({ at: 'yesterday' })), 'BAD_REQUEST', /^at is not a valid time: yesterday$/);
    refused(() => toRowFields(rec({ at: 5 as unknown as string })), 'BAD_REQUEST', /^at is not a valid time: 5$/);
    for (const status of [-1, 1000, 200.5]) refused(() => toRowFields(rec({ status })), 'INTERNAL', /^message log field status must be an integer from 0 to 999$/);
    expect(toRowFields(rec({ status: 0 })).status).toBe(0);
    expect(toRowFields(rec({ status: 999 })).status).toBe(999);
    refused(() => toRowFields(rec({ requestSize: -1 })), 'INTERNAL', /requestSize must be an integer from 0 to 9007199254740991/);
    refused(() => toRowFields(rec({ responseSize: 2 ** 53 })), 'INTERNAL', /responseSize/);
    expect(toRowFields(rec({ responseSize: Number.MAX_SAFE_INTEGER })).response_size).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('names the field of every text column it refuses', () => {
    const texts = ['messageId', 'requestId', 'method', 'path'] as const;
    const optional = ['client', 'service', 'requestDigest', 'responseDigest', 'userId', 'issue', 'errorCode', 'requestBody', 'responseBody'] as const;
    for (const field of [...texts, ...optional]) {
      refused(() => toRowFields(rec({ [field]: 'a\u0000' })), 'BAD_REQUEST', new RegExp(`^message log field ${field} contains a NUL character$`));
    }
    for (const field of texts) refused(() => toRowFields(rec({ [field]: 7 as unknown as string })), 'INTERNAL', new RegExp(`^message log field ${field} must be a string$`));
    for (const field of optional) refused(() => toRowFields(rec({ [field]: 7 as unknown as string })), 'INTERNAL', new RegExp(`^message log field ${field} must be a string$`));
    refused(() => adminFields({ actor: 'a', action: 'x', target: 'y', address: 'a\u0000' }), 'BAD_REQUEST', /^message log field address contains a NUL character$/);
  });

  it('stores text as the database returns it: a lone surrogate becomes U+FFFD', () => {
    expect(toRowFields(rec({ path: '/a\uD800b', userId: '\uDC00' }))).toMatchObject({ path: '/a\uFFFDb', user_id: '\uFFFD' });
    expect(isoTime('2026-01-02T03:04:05.1Z', 'at')).toBe('2026-01-02T03:04:05.100Z');
  });

  it('checks the upstream leg field by field', () => {
    const leg: UpstreamLeg = { scheme: 'signed', status: 0, durationMs: 0, attempts: 0, tokenId: null };
    expect(upstreamText(null)).toBeNull();
    expect(upstreamText(undefined)).toBeNull();
    expect(upstreamText(leg)).toBe('{"scheme":"signed","status":0,"durationMs":0,"attempts":0,"tokenId":null}');
    expect(upstreamText({ ...leg, status: 999, attempts: 100, durationMs: 1.0000004 })).toBe('{"scheme":"signed","status":999,"durationMs":1,"attempts":100,"tokenId":null}');
    refused(() => upstreamText({ ...leg, scheme: 1 as unknown as string }), 'INTERNAL', /upstream\.scheme must be a string/);
    refused(() => upstreamText({ ...leg, status: 1000 }), 'INTERNAL', /upstream\.status must be an integer from 0 to 999/);
    refused(() => upstreamText({ ...leg, attempts: 101 }), 'INTERNAL', /upstream\.attempts must be an integer from 0 to 100/);
    refused(() => upstreamText({ ...leg, attempts: -1 }), 'INTERNAL', /upstream\.attempts/);
    refused(() => upstreamText({ ...leg, durationMs: -0.001 }), 'INTERNAL', /upstream\.durationMs must be a finite number/);
    refused(() => upstreamText({ ...leg, durationMs: Infinity }), 'INTERNAL', /upstream\.durationMs/);
    refused(() => upstreamText({ ...leg, durationMs: '1' as unknown as number }), 'INTERNAL', /upstream\.durationMs/);
    refused(() => upstreamText({ ...leg, tokenId: 'a\u0000' }), 'BAD_REQUEST', /upstream\.tokenId contains a NUL/);
    expect(micros(0.0005)).toBe(1);
  });

  it('stores a credential as its kind, a certificate with its SHA-256, and refuses anything else', () => {
    for (const kind of ['api-key', 'token', 'peer', 'xroad'] as const) {
      expect(credentialText({ kind })).toBe(kind);
      expect(credentialOf(kind)).toEqual({ kind });
    }
    const fp = '0123456789abcdef'.repeat(4);
    expect(credentialText({ kind: 'certificate', fingerprint: fp })).toBe(`certificate:${fp}`);
    expect(credentialOf(`certificate:${fp}`)).toEqual({ kind: 'certificate', fingerprint: fp });
    for (const bad of [fp.toUpperCase(), fp.slice(1), `${fp}0`, `x${fp.slice(1)}`, `${fp.slice(1)}x`]) {
      refused(() => credentialText({ kind: 'certificate', fingerprint: bad }), 'INTERNAL', /credential must be/);
    }
    refused(() => credentialText({ kind: 'password' } as unknown as { kind: 'token' }), 'INTERNAL', /credential must be an API key/);
    refused(() => credentialText({ kind: 'password', fingerprint: fp } as unknown as { kind: 'token' }), 'INTERNAL', /credential must be an API key/);
    expect(credentialText(null)).toBeNull();
    expect(credentialText(undefined)).toBeNull();
    expect(credentialOf(null)).toBeNull();
    expect(credentialOf('')).toBeNull();
    // A kind this version does not know is kept as its kind, never dropped.
    expect(credentialOf('smartcard')).toEqual({ kind: 'smartcard' });
  });

  it('stores an admin change\'s before and after as JSON text, absent as null', () => {
    expect(jsonText(undefined)).toBeNull();
    expect(jsonText(() => 1)).toBeNull();
    expect(jsonText(null)).toBe('null');
    expect(jsonText({ b: 1, a: 'x' })).toBe('{"b":1,"a":"x"}');
    expect(adminFields({ actor: 'user:a', action: 'user.update', target: 'user:b', address: undefined, before: { role: 'auditor' } })).toEqual({
      actor: 'user:a', action: 'user.update', target: 'user:b', address: null, before: '{"role":"auditor"}', after: null,
    });
    refused(() => adminFields({ actor: 'a\u0000', action: 'x', target: 'y' }), 'BAD_REQUEST', /field actor contains a NUL/);
    refused(() => adminFields({ actor: 'a', action: 2 as unknown as string, target: 'y' }), 'INTERNAL', /field action must be a string/);
    refused(() => adminFields({ actor: 'a', action: 'x', target: null as unknown as string }), 'INTERNAL', /field target must be a string/);
    expect(adminFields({ actor: 'a', action: 'x', target: 'y', address: '::1' }).address).toBe('::1');
  });
});
