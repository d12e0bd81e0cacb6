import { describe, it, expect } from 'vitest';
import { createTestStore, testEngines } from './testing.js';
import { migrate } from './migrate.js';

describe.each(testEngines())('store migrations on %s', (engine) => {
  it('creates every table once and is idempotent', async () => {
    const t = await createTestStore(engine);
    try {
      const again = await migrate(t.store.db, t.store.engine);
      expect(again).toEqual([]);
      const state = await t.store.db.selectFrom('registry_state').selectAll().executeTakeFirstOrThrow();
      expect(state.version).toBe(1);
      const m = await t.store.db.insertInto('members')
        .values({ member_class: 'GOV', member_code: '000.00.00.H59', name: 'Sở Tư pháp', created_at: new Date().toISOString() })
        .returning('id').executeTakeFirstOrThrow();
      expect(typeof m.id).toBe('number');
      await expect(t.store.db.insertInto('members')
        .values({ member_class: 'GOV', member_code: '000.00.00.H59', name: 'dup', created_at: new Date().toISOString() })
        .execute()).rejects.toThrow();
    } finally {
      await t.cleanup();
    }
  });
});
