import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { exchange } from './fixtures.js';
import { MessageLog, loadOrCreateNodeKey, type NodeKey } from './index.js';
import { BATCH, messageChain, storeQuery, type ChainQuery } from './store-chains.js';

// The reader behind audit verify and audit export streams: a chain of N records is read in
// ceil(N / BATCH) bounded queries, in seq order, with each checkpoint after the record it signs.
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
    const inner = storeQuery(t.store);
    const sizes: number[] = [];
    const counting: ChainQuery = async (text, params) => {
      const rows = await inner(text, params);
      if (text.includes('from message_log')) sizes.push(rows.length);
      return rows;
    };
    // Where each checkpoint came: after how many records.
    const checkpoints: Array<{ seq: number; after: number }> = [];
    let seq = 0;
    for await (const e of messageChain(counting, key.nodeId)) {
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
});
