import { describe, it, expect } from 'vitest';
import { createTestStore, testEngines } from '../store/testing.js';
import { loadOrCreateNodeKey, MessageLog } from '../audit/index.js';
import { exchange } from '../audit/fixtures.js';
import { signReceipt } from './receipt.js';
import { findReceipts, receiptFor, saveReceipt, verifyKeptReceipts } from './receipt-book.js';

describe.each(testEngines())('kept receipts on %s', (engine) => {
  it('are found by message id and re-checked against the records they name', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      const positions = [];
      for (let i = 1; i <= 3; i++) positions.push(await log.append(exchange(i, { responseDigest: 'd'.repeat(64) })));
      await log.close();
      expect(positions.map((p) => p.seq)).toEqual([1, 2, 3]);
      for (const [i, pos] of positions.entries()) {
        const r = signReceipt(key, {
          instance: 'VN-B', messageId: `m-${i + 1}`, requestId: 'r', client: 'A/GOV/M/S', service: 'B/GOV/M/S/x', requestHash: 'h',
          status: exchange(i + 1).status, responseDigest: 'd'.repeat(64), responseSize: 1, logSeq: pos.seq, logHash: pos.hash,
        });
        await saveReceipt(t.store, 'issued', r);
        await saveReceipt(t.store, 'issued', r); // kept once
      }
      expect((await findReceipts(t.store, 'm-2')).map((x) => x.receipt.logSeq)).toEqual([2]);
      await expect(receiptFor(t.store, 'nope')).rejects.toThrow(/No receipt is kept for message nope/);
      expect(await verifyKeptReceipts(t.store)).toEqual({ checked: 3, bad: [] });
      // The record a receipt names, deleted: named.
      await t.store.db.deleteFrom('message_log').where('seq', '=', 3).execute();
      const c = await verifyKeptReceipts(t.store);
      expect(c.bad).toEqual([{ messageId: 'm-3', role: 'issued', reason: `the record it names (node ${key.nodeId}, record 3) is no longer in the log` }]);
    } finally {
      await t.cleanup();
    }
  });
});
