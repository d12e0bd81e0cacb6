import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { insertRows, padb } from './tables.js';

const cols = ['old_code', 'old_name', 'new_code', 'new_name', 'kind', 'effective_from', 'source'] as const;
// Nulls, empty strings and text: each must come back as it went in (an empty string is not null).
const row = (i: number): unknown[] => [String(i).padStart(5, '0'), i % 2 ? null : `Xã ${i}`, '00001', i % 3 ? 'Phường Mới' : '', 'merged', '2025-07-01', 'test'];

describe.each(testEngines())('insertRows on %s', (engine) => {
  let t: TestStore;
  beforeAll(async () => { t = await createTestStore(engine); });
  afterAll(async () => { await t.cleanup(); });
  const db = () => padb(t.store);

  // 1,000 rows: exactly two of PostgreSQL's 500-row chunks; 1,203: two and a partial one.
  it.each([1000, 1203])('stores each value of each of %i rows in its column, nulls and empty strings included', async (n) => {
    const rows = Array.from({ length: n }, (_, i) => row(i + 1));
    await db().transaction().execute(async (trx) => {
      await trx.deleteFrom('publicadmin_unit_mappings').execute();
      await insertRows(trx, t.store, 'publicadmin_unit_mappings', { cols, rows });
    });
    const got = await db().selectFrom('publicadmin_unit_mappings').select([...cols]).orderBy('old_code').execute();
    expect(got.map((r) => cols.map((c) => r[c]))).toEqual(rows);
  });

  it('refuses a row whose values do not match the columns, and the transaction leaves nothing', async () => {
    const before = Number((await db().selectFrom('publicadmin_unit_mappings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    await expect(db().transaction().execute(async (trx) => {
      await insertRows(trx, t.store, 'publicadmin_unit_mappings', { cols, rows: [row(90001), row(90002).slice(1)] });
    })).rejects.toThrow(/a row has 6 values for 7 columns/);
    const after = Number((await db().selectFrom('publicadmin_unit_mappings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect(after).toBe(before);
  });
});

describe('insertRows on SQLite', () => {
  it('refuses to run outside a transaction (each row would be a transaction and a sync of its own)', async () => {
    const t = await createTestStore('sqlite');
    try {
      await expect(insertRows(padb(t.store), t.store, 'publicadmin_unit_mappings', { cols, rows: [row(1)] })).rejects.toThrow(/must run inside a transaction/);
    } finally {
      await t.cleanup();
    }
  });
});
