// The calling side of a cross-instance exchange (issue 17, item 3): the peer's answer must carry
// its signed receipt over exactly this exchange, or the answer is not taken as the peer's.
import { VamcoError } from '../core/errors.js';
import { decodeReceiptHeader, type Receipt } from './receipt.js';

export interface ExpectedReceipt {
  instance: string; messageId: string; client: string; service: string; status: number; responseDigest: string; responseSize: number;
}

/** The receipt from the peer's answer (header, or trailer after a streamed body), checked against what this platform saw. */
export function acceptPeerReceipt(value: string | string[] | undefined, e: ExpectedReceipt): Receipt {
  const source = `peer ${e.instance}'s receipt`;
  if (typeof value !== 'string' || !value) throw new VamcoError('UPSTREAM_BAD_RESPONSE', `Peer ${e.instance} answered without a signed receipt (X-Vamco-Receipt)`);
  let r: Receipt;
  try {
    r = decodeReceiptHeader(value, source);
  } catch (err) {
    throw new VamcoError('UPSTREAM_BAD_RESPONSE', (err as Error).message);
  }
  const seen: Array<[keyof ExpectedReceipt, unknown, unknown]> = [
    ['instance', r.instance, e.instance], ['messageId', r.messageId, e.messageId], ['client', r.client, e.client], ['service', r.service, e.service],
    ['status', r.status, e.status], ['responseDigest', r.responseDigest, e.responseDigest], ['responseSize', r.responseSize, e.responseSize],
  ];
  for (const [field, got, want] of seen) {
    if (got !== want) throw new VamcoError('UPSTREAM_BAD_RESPONSE', `${source} does not match its answer: ${field} is ${String(got)}, the answer's is ${String(want)}`);
  }
  return r;
}

/** What the exchange's record keeps of the receipt (its upstream leg's id): who signed which record of theirs. */
export const receiptReference = (r: Receipt): string => `receipt ${r.instance} ${r.nodeId} ${r.logSeq} ${r.logHash}`;
