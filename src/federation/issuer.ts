// The provider side of receipts: a gateway signs one for an answer whose request asked for it
// (header X-Vamco-Receipt: v1; a peer platform always asks), and keeps a copy.
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import { encodeReceiptHeader, signReceipt, type Receipt, type ReceiptFields, type ReceiptSigner } from './receipt.js';
import { saveReceipt } from './receipt-book.js';

export interface ReceiptIssuer {
  readonly instance: string;
  /** Signs the receipt and keeps a copy (in the background); returns the header value. */
  issue(f: Omit<ReceiptFields, 'instance'>): string;
  /** Keeps a receipt a peer gave for an exchange this platform forwarded (in the background). */
  received(r: Receipt): void;
}

export function receiptIssuer(a: { instance: string; key: ReceiptSigner; store: Store; logger: Logger }): ReceiptIssuer {
  return {
    instance: a.instance,
    issue(f) {
      const r = signReceipt(a.key, { instance: a.instance, ...f });
      // The answer does not wait for the copy: the receipt itself is the proof, and the record
      // it names is already durable. A lost copy is logged (audit receipt then has none).
      saveReceipt(a.store, 'issued', r).catch((err) => a.logger.error({ err, messageId: r.messageId }, 'could not keep an issued receipt'));
      return encodeReceiptHeader(r);
    },
    received(r) {
      saveReceipt(a.store, 'received', r).catch((err) => a.logger.error({ err, messageId: r.messageId }, 'could not keep a received receipt'));
    },
  };
}
