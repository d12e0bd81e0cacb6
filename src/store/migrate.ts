// A small migrator of our own rather than Kysely's: migrations need to know the engine
// (serial vs autoincrement), and concurrent starts must serialise on both engines.
import { sql, type Kysely } from 'kysely';
import type { Engine } from './db.js';
import { migrations } from './migrations/index.js';

export interface Migration {
  name: string;
  up(db: Kysely<any>, engine: Engine): Promise<void>;
}

export async function migrate(db: Kysely<any>, engine: Engine, list: readonly Migration[] = migrations): Promise<string[]> {
  const applied: string[] = [];
  // Under the same lock as the migrations: two first starts racing on "create table if not
  // exists" collide in PostgreSQL's catalogue (duplicate pg_type entry) otherwise.
  await db.transaction().execute(async (trx) => {
    if (engine === 'postgres') await sql`select pg_advisory_xact_lock(727274)`.execute(trx);
    await trx.schema.createTable('schema_migrations').ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('applied_at', 'text', (c) => c.notNull()).execute();
  });
  for (const m of list) {
    await db.transaction().execute(async (trx) => {
      if (engine === 'postgres') await sql`select pg_advisory_xact_lock(727274)`.execute(trx);
      const done = await trx.selectFrom('schema_migrations').select('name').where('name', '=', m.name).executeTakeFirst();
      if (done) return;
      await m.up(trx, engine);
      await trx.insertInto('schema_migrations').values({ name: m.name, applied_at: new Date().toISOString() }).execute();
      applied.push(m.name);
    });
  }
  return applied;
}
