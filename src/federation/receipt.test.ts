import crypto from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { nodeIdFor } from '../audit/chain.js';
import { decodeReceiptHeader, encodeReceiptHeader, publicKeyFrom, signReceipt, verifyReceipt, type Receipt } from './receipt.js';

function signer() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return { nodeId: nodeIdFor(publicKey), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, publicKey };
}
const fields = {
  instance: 'VN-B', messageId: 'VN-A-1b2c', requestId: 'r-1', client: 'VN-A/GOV/M2/SUB2', service: 'VN-B/GOV/M/SUB/svc',
  requestHash: crypto.createHash('sha512').update('x').digest('base64'), status: 200,
  responseDigest: crypto.createHash('sha256').update('{"ok":true}').digest('hex'), responseSize: 11, logSeq: 42, logHash: 'a'.repeat(64),
};

describe('signed receipts', () => {
  it('verifies as signed, and through its header encoding', () => {
    const k = signer();
    const r = signReceipt(k, fields);
    expect(verifyReceipt(r, 't')).toEqual(r);
    expect(verifyReceipt(r, 't', k.publicKey).logSeq).toBe(42);
    expect(decodeReceiptHeader(encodeReceiptHeader(r), 'h')).toEqual(r);
  });

  it('fails when any signed field changes', () => {
    const k = signer();
    const r = signReceipt(k, fields);
    const changes: Array<Partial<Receipt>> = [
      { instance: 'VN-C' }, { messageId: 'VN-A-1b2d' }, { requestId: 'r-2' }, { client: 'VN-A/GOV/M2/SUB3' }, { service: 'VN-B/GOV/M/SUB/svd' },
      { requestHash: fields.requestHash.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }, { status: 500 }, { responseDigest: 'b' + fields.responseDigest.slice(1) },
      { responseSize: 12 }, { logSeq: 41 }, { logHash: 'b'.repeat(64) }, { at: '2020-01-01T00:00:00.000Z' },
    ];
    for (const c of changes) expect(() => verifyReceipt({ ...r, ...c }, 't'), JSON.stringify(c)).toThrow(/signature does not match/);
  });

  it('fails when the key inside is swapped for another node\'s, or is not the trusted one', () => {
    const k = signer();
    const other = signer();
    const r = signReceipt(k, fields);
    expect(() => verifyReceipt({ ...r, publicKey: other.publicKeyPem }, 't')).toThrow(/is not the key of node/);
    // Re-signed by another key with its own id: valid alone, refused against the trusted key.
    const forged = signReceipt(other, fields);
    expect(() => verifyReceipt(forged, 't', k.publicKey)).toThrow(/not by the key given to trust/);
  });

  it('refuses a second spelling of the same signature and malformed receipts', () => {
    const k = signer();
    const r = signReceipt(k, fields);
    expect(() => verifyReceipt({ ...r, signature: r.signature.replace(/=*$/, '') }, 't')).toThrow(/signature/);
    expect(() => verifyReceipt({ ...r, status: '200' }, 't')).toThrow(/field status/);
    expect(() => verifyReceipt({ ...r, version: 2 }, 't')).toThrow(/version 2/);
    expect(() => verifyReceipt([], 't')).toThrow(/not a JSON object/);
    expect(() => decodeReceiptHeader('not-base64-json', 'h')).toThrow(/not a JSON object/);
  });

  it('takes the trusted key from a PEM file and names one that is neither key nor certificate', () => {
    const k = signer();
    expect(publicKeyFrom(k.publicKeyPem, 'f').equals(k.publicKey)).toBe(true);
    expect(() => publicKeyFrom('garbage', 'f')).toThrow(/neither a PEM public key nor a PEM certificate/);
  });
});
