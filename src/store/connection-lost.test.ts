// PostgreSQL going away while queries hold their connections must not take the process down:
// each query in flight fails, and the store answers again once the database is back. A
// connection dropped under a checked-out client used to emit an unheard 'error', which killed
// a node mid-traffic (test/cluster/db-down.cluster.test.ts hung on the node that was gone);
// here vitest would report that as an unhandled error and fail the file.
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore, type Store } from './db.js';
import { createPgDatabase, tempDir } from './testing.js';
import { pgProxy, type PgProxy } from '../../test/helpers/faults.js';

describe('the store on PostgreSQL when the connection drops', () => {
  let store: Store | undefined;
  let proxy: PgProxy | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => { await store?.close().catch(() => {}); await proxy?.close(); await drop?.(); store = undefined; });

  it('queries and a transaction in flight fail, the process lives on, and the store answers after the database is back', async () => {
    if (!process.env.VAMCO_TEST_DATABASE_URL) throw new Error('This test needs PostgreSQL: set VAMCO_TEST_DATABASE_URL (.ci/run does)');
    const db = await createPgDatabase();
    drop = db.drop;
    proxy = await pgProxy(db.url);
    store = openStore({ dataDir: tempDir(), databaseUrl: proxy.url });
    const s = store;
    // Connections held by a query and by an open transaction (Kysely checks clients out of the pool).
    const inFlight = [
      sql`select pg_sleep(60)`.execute(s.db),
      s.db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        await sql`select pg_sleep(60)`.execute(trx);
      }),
    ].map((q) => q.then(() => 'answered', (e: Error) => e.message));
    // Both are running in PostgreSQL before the cut.
    const deadline = Date.now() + 60_000;
    for (let n = 0; (n = await sleepingSessions(db.url)) < 2;) {
      if (Date.now() > deadline) throw new Error(`only ${n} of the 2 queries reached PostgreSQL in 60 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await proxy.cut();
    const outcomes = await Promise.all(inFlight);
    // Each failed with the lost connection's error (neither answered, none left waiting).
    expect(outcomes).toEqual([expect.stringMatching(/connection/i), expect.stringMatching(/connection/i)]);
    await expect(sql`select 1`.execute(s.db)).rejects.toThrow();
    await proxy.restore();
    expect((await sql<{ n: number }>`select 41 + 1 as n`.execute(s.db)).rows).toEqual([{ n: 42 }]);
  });
});

/** Sessions running pg_sleep in the database at `url`, counted over a direct connection. */
async function sleepingSessions(url: string): Promise<number> {
  const { default: pg } = await import('pg');
  const direct = new URL(url);
  direct.port = new URL(process.env.VAMCO_TEST_DATABASE_URL!).port || '5432';
  const c = new pg.Client({ connectionString: direct.toString() });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>("select count(*) as n from pg_stat_activity where datname = current_database() and query like '%pg_sleep(60)%' and pid <> pg_backend_pid()");
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}
