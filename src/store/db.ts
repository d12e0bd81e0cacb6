// Opens the store: embedded SQLite (WAL) in the data dir, or PostgreSQL when a URL is given.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, CompiledQuery, SqliteDriver, type DatabaseConnection, type SqliteDialectConfig } from 'kysely';
import type { Schema } from './schema.js';
import { openStoreKeyring, secureDataDir, type DataDirReport, type Keyring } from '../secrets/index.js';
import { loadPg } from './pg.js';

export type Engine = 'sqlite' | 'postgres';

export interface Store {
  engine: Engine;
  db: Kysely<Schema>;
  /** The raw driver, for the message log's batched hot path. */
  sqlite?: Database.Database;
  pool?: pg.Pool;
  /** Modes the data dir check tightened when the store was opened. */
  dataDir: DataDirReport;
  /**
   * The keyring that seals this store's secret values (src/secrets), opened on first use and
   * checked against the database: call it after migrating.
   */
  keyring(): Promise<Keyring>;
  close(): Promise<void>;
}

export interface OpenOptions {
  dataDir: string;
  databaseUrl?: string;
  poolSize?: number;
  /** VAMCO_SECRET_KEY_FILE; {dataDir}/secret.key when not given. */
  secretKeyFile?: string;
}

export const SECRET_KEY_FILE = 'secret.key';
/** The SQLite database's file name in the data directory. */
export const SQLITE_FILE = 'vamco.db';

function keyringOf(db: Kysely<Schema>, opts: OpenOptions): () => Promise<Keyring> {
  let ring: Promise<Keyring> | undefined;
  const file = opts.secretKeyFile ?? path.join(opts.dataDir, SECRET_KEY_FILE);
  return () => {
    if (!ring) {
      ring = openStoreKeyring(db, { file, external: !!opts.secretKeyFile });
      // A failed open (say, the database was down) is retried at the next call.
      ring.catch(() => { ring = undefined; });
    }
    return ring;
  };
}

export function openStore(opts: OpenOptions): Store {
  // Nobody but this account may read the data dir: it holds keys, and with SQLite the database.
  const dataDir = secureDataDir(opts.dataDir);
  if (opts.databaseUrl) {
    const pool = new (loadPg().Pool)({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // A dropped connection must not crash the process; the next query gets a new one.
    pool.on('error', () => {});
    // pg-pool hears errors only on idle clients; a client checked out (Kysely holds one per
    // query or transaction) whose connection drops emits 'error' unheard, which killed the
    // node. The query in flight is rejected with that error all the same.
    pool.on('connect', (client) => { client.on('error', () => {}); });
    const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    return { engine: 'postgres', db, pool, dataDir, keyring: keyringOf(db, opts), close: () => db.destroy() };
  }
  const file = path.join(opts.dataDir, SQLITE_FILE);
  // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database
  // file's mode, so they are private from the start too.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit survives power loss, which the message log promises.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  return {
    engine: 'sqlite', db, sqlite, dataDir, keyring: keyringOf(db, opts),
    close: async () => { await db.destroy(); },
  };
}

/**
 * Transactions begin IMMEDIATE: a deferred one that reads and then writes fails at once with
 * "database is locked" (SQLITE_BUSY, busy_timeout not applied) when another connection — the
 * message log's writer thread shipping the journal — committed in between; IMMEDIATE takes the
 * write lock first and waits for it under busy_timeout.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) { super(settings); }
  override createDriver(): SqliteDriver { return new ImmediateSqliteDriver(this.settings); }
}

export async function ping(store: Store): Promise<boolean> {
  try {
    await sql`select 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}
