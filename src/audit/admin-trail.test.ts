import { describe, it, expect } from 'vitest';
import { createTestStore, testEngines } from '../store/testing.js';
import { listAdminTrail, recordAdminAction, verifyStore } from './index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(testEngines())('admin trail on %s', (engine) => {
  it('chains actions, lists them newest first and pages with nextBefore', async () => {
    const t = await createTestStore(engine);
    try {
      for (let i = 1; i <= 5; i++) {
        await t.store.db.transaction().execute((trx) => recordAdminAction(trx, engine, {
          actor: i % 2 ? 'alice' : 'bob', action: 'access.grant', target: `GOV/H60/dancu/svc${i}`, address: '10.0.0.' + i,
          before: i === 1 ? undefined : { rights: i - 1 }, after: { rights: i, note: 'Sở Tư pháp' },
        }));
      }
      const page1 = await listAdminTrail(t.store, { limit: 2 });
      expect(page1.items.map((x) => x.seq)).toEqual([5, 4]);
      expect(page1.items[0]).toMatchObject({ actor: 'alice', action: 'access.grant', target: 'GOV/H60/dancu/svc5', address: '10.0.0.5', before: { rights: 4 }, after: { rights: 5, note: 'Sở Tư pháp' } });
      expect(page1.nextBefore).toBe(4);
      const page2 = await listAdminTrail(t.store, { limit: 2, before: page1.nextBefore! });
      expect(page2.items.map((x) => x.seq)).toEqual([3, 2]);
      const page3 = await listAdminTrail(t.store, { limit: 2, before: page2.nextBefore! });
      expect(page3.items.map((x) => x.seq)).toEqual([1]);
      expect(page3.items[0].before).toBeNull();
      expect(page3.nextBefore).toBeNull();
      expect((await listAdminTrail(t.store, { actor: 'bob' })).items.map((x) => x.seq)).toEqual([4, 2]);
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, adminRecords: 5 });
    } finally {
      await t.cleanup();
    }
  });

  it('leaves no trail record when the change rolls back', async () => {
    const t = await createTestStore(engine);
    try {
      await t.store.db.transaction().execute((trx) => recordAdminAction(trx, engine, { actor: 'alice', action: 'a', target: 'x' }));
      await expect(t.store.db.transaction().execute(async (trx) => {
        await trx.insertInto('members').values({ member_class: 'GOV', member_code: 'H59', name: 'Sở', created_at: new Date().toISOString() }).execute();
        await recordAdminAction(trx, engine, { actor: 'alice', action: 'member.create', target: 'GOV/H59' });
        throw new Error('registry change refused');
      })).rejects.toThrow('registry change refused');
      const rows = await t.store.db.selectFrom('admin_audit').select(['seq', 'action']).execute();
      expect(rows.map((r) => [Number(r.seq), r.action])).toEqual([[1, 'a']]);
      expect(await t.store.db.selectFrom('members').selectAll().execute()).toEqual([]);
      // The next action continues the chain from the committed head.
      await t.store.db.transaction().execute((trx) => recordAdminAction(trx, engine, { actor: 'alice', action: 'b', target: 'y' }));
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, adminRecords: 2 });
    } finally {
      await t.cleanup();
    }
  });

  it('keeps one valid chain when transactions record concurrently', async () => {
    const t = await createTestStore(engine);
    try {
      // Each transaction lingers after reading the head, so unserialised writers would fork the chain.
      await Promise.all(Array.from({ length: 8 }, (_, i) => t.store.db.transaction().execute(async (trx) => {
        await recordAdminAction(trx, engine, { actor: `admin${i}`, action: 'service.update', target: `svc${i}` });
        await sleep(15);
      })));
      const rows = await t.store.db.selectFrom('admin_audit').select('seq').orderBy('seq').execute();
      expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, adminRecords: 8 });
    } finally {
      await t.cleanup();
    }
  });

  // A writer handed the store itself, not a transaction (the login throttle trails each failed
  // guess so): PostgreSQL's advisory lock lasts one statement there, so without a transaction of
  // its own parallel writers read the same head and all but one fail on the seq key.
  it('keeps one valid chain when writers outside a transaction record concurrently', async () => {
    const t = await createTestStore(engine);
    try {
      const n = 24;
      await Promise.all(Array.from({ length: n }, (_, i) => recordAdminAction(t.store.db, engine, { actor: `guess${i}`, action: 'auth.failed', target: 'user:x' })));
      const rows = await t.store.db.selectFrom('admin_audit').select('seq').orderBy('seq').execute();
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, adminRecords: n });
    } finally {
      await t.cleanup();
    }
  });
});
