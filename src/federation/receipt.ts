// Signed receipts (issue 17, item 3): the provider platform's signature over what it was asked
// (the X-Road request hash), what it answered (status and body digest) and where its log holds
// that answer, so either side can later prove the exchange to a third party offline.
// The exact format is docs/federation.md, "Receipts"; changing the payload breaks old receipts.
import crypto from 'node:crypto';
import { VamcoError } from '../core/errors.js';
import { encode, nodeIdFor } from '../audit/chain.js';

export const RECEIPT_FORMAT = 'vamco-receipt';
export const RECEIPT_VERSION = 1;
/** Request header asking for a receipt, and the answer's header (or trailer) carrying it. */
export const RECEIPT_HEADER = 'x-vamco-receipt';
export const RECEIPT_REQUEST_VALUE = 'v1';

export interface Receipt {
  format: typeof RECEIPT_FORMAT;
  version: number;
  /** The provider platform's X-Road instance. */
  instance: string;
  /** The signing node: nodeIdFor(publicKey). */
  nodeId: string;
  /** SPKI PEM of the node's Ed25519 key, so the receipt verifies on its own. */
  publicKey: string;
  messageId: string;
  requestId: string;
  client: string;
  service: string;
  /** X-Road-Request-Hash as the provider platform computed it (base64 SHA-512). */
  requestHash: string;
  status: number;
  /** Hex SHA-256 of the response body as sent, and its size in bytes. */
  responseDigest: string;
  responseSize: number;
  /** The provider's outcome record: its position and hash in the signing node's message chain. */
  logSeq: number;
  logHash: string;
  /** When the receipt was signed (ISO-8601 UTC). */
  at: string;
  /** Base64 Ed25519 signature over receiptPayload(this). */
  signature: string;
}

export type ReceiptFields = Omit<Receipt, 'format' | 'version' | 'nodeId' | 'publicKey' | 'signature' | 'at'>;

/** The signed bytes: tag line, then the fields in this order, length-prefixed (audit/chain.ts encode). */
export function receiptPayload(r: Omit<Receipt, 'signature' | 'publicKey' | 'format'>): Buffer {
  const parts = [r.version, r.instance, r.nodeId, r.messageId, r.requestId, r.client, r.service, r.requestHash,
    r.status, r.responseDigest, r.responseSize, r.logSeq, r.logHash, r.at];
  return Buffer.from(`vamco-receipt-v1\n${encode(parts)}`, 'utf8');
}

export interface ReceiptSigner { nodeId: string; privateKey: crypto.KeyObject; publicKeyPem: string }

export function signReceipt(key: ReceiptSigner, f: ReceiptFields, at = new Date().toISOString()): Receipt {
  const base = { version: RECEIPT_VERSION, nodeId: key.nodeId, at, ...f };
  const signature = crypto.sign(null, receiptPayload(base), key.privateKey).toString('base64');
  return {
    format: RECEIPT_FORMAT, version: RECEIPT_VERSION, instance: f.instance, nodeId: key.nodeId, publicKey: key.publicKeyPem,
    messageId: f.messageId, requestId: f.requestId, client: f.client, service: f.service, requestHash: f.requestHash,
    status: f.status, responseDigest: f.responseDigest, responseSize: f.responseSize, logSeq: f.logSeq, logHash: f.logHash, at, signature,
  };
}

/** A key from a PEM public key or an X.509 certificate (whose subject key is used). */
export function publicKeyFrom(pem: string, source: string): crypto.KeyObject {
  try {
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return new crypto.X509Certificate(pem).publicKey;
    return crypto.createPublicKey(pem);
  } catch {
    throw new VamcoError('VALIDATION_FAILED', `${source} holds neither a PEM public key nor a PEM certificate.`);
  }
}

const STRING_FIELDS = ['instance', 'nodeId', 'publicKey', 'messageId', 'requestId', 'client', 'service', 'requestHash', 'responseDigest', 'logHash', 'at', 'signature'] as const;
const INT_FIELDS = ['status', 'responseSize', 'logSeq'] as const;

/**
 * Checks a receipt's shape and signature; with `trusted`, also that it was signed by that key
 * (the signer's key obtained out of band: its certificate, its peer directory, its anchor).
 * Throws VALIDATION_FAILED naming what is wrong; returns the receipt typed.
 */
export function verifyReceipt(v: unknown, source: string, trusted?: crypto.KeyObject): Receipt {
  const bad = (why: string): never => { throw new VamcoError('VALIDATION_FAILED', `${source} is not a valid receipt: ${why}.`); };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('it is not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.format !== RECEIPT_FORMAT || o.version !== RECEIPT_VERSION) return bad(`it names format ${String(o.format)} version ${String(o.version)}, not ${RECEIPT_FORMAT} version ${RECEIPT_VERSION}`);
  for (const f of STRING_FIELDS) if (typeof o[f] !== 'string') return bad(`field ${f} is missing or not a string`);
  for (const f of INT_FIELDS) if (!Number.isSafeInteger(o[f]) || (o[f] as number) < 0) return bad(`field ${f} is missing or not a whole number`);
  const r = o as unknown as Receipt;
  let key: crypto.KeyObject;
  try { key = crypto.createPublicKey(r.publicKey); } catch { return bad('its publicKey is not a PEM public key'); }
  if (key.asymmetricKeyType !== 'ed25519') return bad('its publicKey is not an Ed25519 key');
  // One spelling of the key too, so no byte of a receipt can change while it still verifies.
  if (key.export({ type: 'spki', format: 'pem' }) !== r.publicKey) return bad('its publicKey is not written as the signer wrote it (SPKI PEM)');
  if (nodeIdFor(key) !== r.nodeId) return bad(`its publicKey is not the key of node ${r.nodeId}`);
  if (trusted) {
    const der = (k: crypto.KeyObject) => k.export({ type: 'spki', format: 'der' });
    if (!der(trusted).equals(der(key))) return bad(`it was signed by node ${r.nodeId}, not by the key given to trust`);
  }
  const sig = Buffer.from(r.signature, 'base64');
  // One spelling per signature, as for checkpoints.
  let ok = sig.toString('base64') === r.signature;
  if (ok) {
    try { ok = crypto.verify(null, receiptPayload(r), key, sig); } catch { ok = false; }
  }
  if (!ok) return bad(`its signature does not match its content (signed by node ${r.nodeId})`);
  return r;
}

/** The header (or trailer) value: base64url of the receipt's JSON. */
export const encodeReceiptHeader = (r: Receipt): string => Buffer.from(JSON.stringify(r), 'utf8').toString('base64url');

export function decodeReceiptHeader(value: string, source: string): Receipt {
  let parsed: unknown;
  try { parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')); } catch { parsed = undefined; }
  return verifyReceipt(parsed, source);
}
