// Opens the store: embedded SQLite (WAL) in the data dir, or PostgreSQL when a URL is given.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Schema } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export interface Store {
  engine: Engine;
  db: Kysely<Schema>;
  /** The raw driver, for the message log's batched hot path. */
  sqlite?: Database.Database;
  pool?: pg.Pool;
  close(): Promise<void>;
}

// int8 (bigint) and numeric come back as strings from pg by default; our values fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface OpenOptions { dataDir: string; databaseUrl?: string; poolSize?: number }

export function openStore(opts: OpenOptions): Store {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // A dropped connection must not crash the process; the next query gets a new one.
    pool.on('error', () => {});
    const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    return { engine: 'postgres', db, pool, close: () => db.destroy() };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const file = path.join(opts.dataDir, 'vamco.db');
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit survives power loss, which the message log promises.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    engine: 'sqlite', db, sqlite,
    close: async () => { await db.destroy(); },
  };
}

export async function ping(store: Store): Promise<boolean> {
  try {
    await sql`select 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}
