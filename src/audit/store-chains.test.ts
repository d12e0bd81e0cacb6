import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { exchange } from './fixtures.js';
import { MessageLog, loadOrCreateNodeKey, type NodeKey } from './index.js';
import { BATCH, PAGE_BYTES, messageChain, storeQuery, type ChainQuery } from './store-chains.js';

// The reader behind audit verify and audit export streams: a chain of N records is read in
// ceil(N / BATCH) bounded pages (each sized first: at most PAGE_BYTES of path and bodies), in seq
// order, with each checkpoint after the record it signs.

/** A query that also notes, per message page read, how many rows it brought. */
function counting(inner: ChainQuery, pages: number[]): ChainQuery {
  return async (text, params) => {
    const rows = await inner(text, params);
    if (text.includes('from message_log') && text.includes('seq <= ?')) pages.push(rows.length);
    return rows;
  };
}

describe.each(testEngines())('chain reader on %s', (engine) => {
  let t: TestStore;
  let key: NodeKey;
  const total = 2 * BATCH + 5;

  beforeAll(async () => {
    t = await createTestStore(engine);
    key = await loadOrCreateNodeKey(t.store, t.dataDir);
    const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0, maxBatch: 1000 });
    await Promise.all(Array.from({ length: BATCH + 1 }, (_, i) => log.append(exchange(i + 1))));
    await log.checkpoint();
    await Promise.all(Array.from({ length: total - BATCH - 1 }, (_, i) => log.append(exchange(BATCH + 2 + i))));
    await log.close();
  });
  afterAll(async () => { await t.cleanup(); });

  it('reads a chain in batches of at most BATCH rows, never the whole table', async () => {
    const sizes: number[] = [];
    // Where each checkpoint came: after how many records.
    const checkpoints: Array<{ seq: number; after: number }> = [];
    let seq = 0;
    for await (const e of messageChain(counting(storeQuery(t.store), sizes), key.nodeId)) {
      if (e.kind === 'record') {
        expect(e.row.seq).toBe(++seq);
        expect(e.row.message_id).toBe(`msg-${seq}`);
      } else {
        checkpoints.push({ seq: e.row.seq, after: seq });
      }
    }
    expect(seq).toBe(total);
    expect(sizes).toEqual([BATCH, BATCH, 5]);
    // Each checkpoint right after the record it signs: the first of the second batch, and the
    // head that closing the log signed.
    expect(checkpoints).toEqual([{ seq: BATCH + 1, after: BATCH + 1 }, { seq: total, after: total }]);
  });

  it('bounds a page by bytes: records with large bodies come a few a page, one over the bound alone', async () => {
    const t2 = await createTestStore(engine);
    try {
      const key2 = await loadOrCreateNodeKey(t2.store, t2.dataDir);
      const log = await MessageLog.open(t2.store, key2, { checkpointIntervalMs: 0 });
      const body = (i: number) => String(i % 10).repeat(PAGE_BYTES / 8); // 8 bodies fill a page
      const big = 'x'.repeat(PAGE_BYTES + 1); // more than a page on its own
      const records = [
        ...Array.from({ length: 20 }, (_, i) => exchange(i + 1, { responseBody: body(i + 1) })),
        exchange(21, { requestBody: big }),
        ...Array.from({ length: 3 }, (_, i) => exchange(22 + i)),
      ];
      for (const r of records) await log.append(r);
      await log.close();
      const pages: number[] = [];
      let seq = 0;
      for await (const e of messageChain(counting(storeQuery(t2.store), pages), key2.nodeId)) {
        if (e.kind !== 'record') continue;
        expect(e.row.seq).toBe(++seq);
        // The rows come whole: the sizing query chose the page, the page query read the text.
        expect(e.row.response_body ?? e.row.request_body ?? '').toBe(seq <= 20 ? body(seq) : seq === 21 ? big : '');
      }
      expect(seq).toBe(24);
      // 7 bodies and 7 paths fit in PAGE_BYTES, the 8th body does not; the big one alone; the rest together.
      expect(pages).toEqual([7, 7, 6, 1, 3]);
    } finally {
      await t2.cleanup();
    }
  });
});
