import { describe, it, expect } from 'vitest';
import crypto from 'node:crypto';
import { nodeIdFor } from '../audit/chain.js';
import { encodeReceiptHeader, signReceipt } from './receipt.js';
import { acceptPeerReceipt, receiptReference } from './peer-receipt.js';

const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
const key = { nodeId: nodeIdFor(publicKey), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
const fields = {
  instance: 'VN-B', messageId: 'm-1', requestId: 'r-1', client: 'VN-A/GOV/A/app', service: 'VN-B/GOV/B/prov/records', requestHash: 'h',
  status: 200, responseDigest: 'a'.repeat(64), responseSize: 12, logSeq: 7, logHash: 'f'.repeat(64),
};
const expected = { instance: 'VN-B', messageId: 'm-1', client: 'VN-A/GOV/A/app', service: 'VN-B/GOV/B/prov/records', status: 200, responseDigest: 'a'.repeat(64), responseSize: 12 };

describe('a peer\'s receipt, as the calling platform checks it', () => {
  it('is taken when it is signed over exactly the exchange received', () => {
    const r = acceptPeerReceipt(encodeReceiptHeader(signReceipt(key, fields)), expected);
    expect(receiptReference(r)).toBe(`receipt VN-B ${key.nodeId} 7 ${'f'.repeat(64)}`);
  });

  it('is refused when missing, not a receipt, or about another exchange, answer or instance', () => {
    expect(() => acceptPeerReceipt(undefined, expected)).toThrow(/without a signed receipt/);
    expect(() => acceptPeerReceipt('bm90IGEgcmVjZWlwdA', expected)).toThrow(/not a valid receipt/);
    for (const [field, value] of [['messageId', 'm-2'], ['status', 201], ['responseDigest', 'b'.repeat(64)], ['responseSize', 13], ['client', 'VN-A/GOV/A/other'], ['service', 'VN-B/GOV/B/prov/x'], ['instance', 'VN-N']] as const) {
      const header = encodeReceiptHeader(signReceipt(key, { ...fields, [field]: value }));
      expect(() => acceptPeerReceipt(header, expected), field).toThrow(new RegExp(`${field} is`));
    }
    // One byte changed in a signed receipt: its signature no longer holds.
    const r = signReceipt(key, fields);
    expect(() => acceptPeerReceipt(encodeReceiptHeader({ ...r, logSeq: 8 }), expected)).toThrow(/signature does not match/);
  });
});
