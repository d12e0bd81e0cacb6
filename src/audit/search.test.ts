import { describe, it, expect } from 'vitest';
import { createTestStore, testEngines } from '../store/testing.js';
import { exchange } from './fixtures.js';
import { MessageLog, getMessage, loadOrCreateNodeKey, searchMessages } from './index.js';

describe.each(testEngines())('message search on %s', (engine) => {
  it('filters, orders newest first and pages with a cursor', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      const sameTime = '2025-07-01T09:00:00.000Z';
      await Promise.all(Array.from({ length: 30 }, (_, i) => log.append(exchange(i + 1, {
        status: i % 3 === 0 ? 404 : i % 5 === 0 ? 502 : 200,
        // Several records share one instant so the cursor must break ties on seq.
        ...(i >= 20 ? { at: sameTime } : {}),
        requestBody: i === 0 ? 'eyJhIjoxfQ==' : null,
      }))));
      await log.close();

      const all: number[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await searchMessages(t.store, { limit: 7, cursor });
        all.push(...page.items.map((x) => x.seq));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(all).toEqual([30, 29, 28, 27, 26, 25, 24, 23, 22, 21, ...Array.from({ length: 20 }, (_, i) => 20 - i)]);

      const first = (await searchMessages(t.store, { limit: 1 })).items[0];
      expect(first).toMatchObject({ nodeId: key.nodeId, seq: 30, messageId: 'msg-30', at: sameTime });
      expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(first).not.toHaveProperty('requestBody');

      const notFound = await searchMessages(t.store, { status: '4xx', limit: 100 });
      expect(notFound.items.every((x) => x.status === 404)).toBe(true);
      expect(notFound.items).toHaveLength(10);
      expect((await searchMessages(t.store, { status: 502 })).items.map((x) => x.seq).sort((a, b) => a - b)).toEqual([6, 11, 21, 26]);
      expect((await searchMessages(t.store, { service: 'VN/GOV/000.00.00.H60/dancu/citizen', to: sameTime })).items.map((x) => x.seq))
        .toEqual([20, 18, 16, 14, 12, 10, 8, 6, 4, 2]);
      expect((await searchMessages(t.store, { from: '2025-07-01T08:00:00.005Z', to: '2025-07-01T08:00:00.008Z' })).items.map((x) => x.seq)).toEqual([7, 6, 5]);
      expect((await searchMessages(t.store, { messageId: 'msg-3' })).items.map((x) => x.seq)).toEqual([3]);
      expect((await searchMessages(t.store, { client: 'nobody' })).items).toEqual([]);
      await expect(searchMessages(t.store, { cursor: 'garbage' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(searchMessages(t.store, { status: '7x' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(searchMessages(t.store, { from: 'yesterday' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

      const one = await getMessage(t.store, key.nodeId, 1);
      expect(one).toMatchObject({ seq: 1, messageId: 'msg-1', status: 404, requestBody: 'eyJhIjoxfQ==', prevHash: '0'.repeat(64) });
      const two = await getMessage(t.store, key.nodeId, 2);
      expect(two!.prevHash).toBe(one!.hash);
      expect(await getMessage(t.store, key.nodeId, 99)).toBeUndefined();
    } finally {
      await t.cleanup();
    }
  });
});
