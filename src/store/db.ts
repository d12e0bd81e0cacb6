// Opens the store: embedded SQLite (WAL) in the data dir, or PostgreSQL when a URL is given.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, PostgresDialect, SqliteDialect, sql, CompiledQuery, SqliteDriver, type DatabaseConnection, type QueryResult } from 'kysely';
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
  // better-sqlite3 runs on the main thread, so SQLite's busy handler sleeps on the event loop:
  // a wait this short covers the message log's writer thread's usual transactions (a batch of
  // records and its fsync, a few ms), and the driver below waits out longer holders (another
  // process, a long shipping round) asynchronously while the gateway serves exchanges.
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  const db = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect(sqlite) });
  return {
    engine: 'sqlite', db, sqlite, dataDir, keyring: keyringOf(db, opts),
    close: async () => { await db.destroy(); },
  };
}

/**
 * Transactions begin IMMEDIATE: a deferred one that reads and then writes fails at once with
 * "database is locked" (SQLITE_BUSY, busy_timeout not applied) when another connection — the
 * message log's writer thread shipping the journal — committed in between; IMMEDIATE takes the
 * write lock first and waits for it (LockWaitingConnection).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  private wrapped?: { inner: DatabaseConnection; outer: DatabaseConnection };
  constructor(private readonly sqlite: Database.Database) { super({ database: sqlite }); }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    if (this.wrapped?.inner !== inner) this.wrapped = { inner, outer: new LockWaitingConnection(inner, this.sqlite) };
    return this.wrapped.outer;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: Database.Database) { super({ database: sqlite }); }
  override createDriver(): SqliteDriver { return new ImmediateSqliteDriver(this.sqlite); }
}

/** The main connection's busy_timeout: how long one attempt may block the event loop. */
export const SQLITE_BUSY_TIMEOUT_MS = 25;
/** How long a statement waits for the write lock in all before SQLITE_BUSY surfaces (the busy_timeout it had before). */
export const SQLITE_LOCK_WAIT_MS = 5000;
/** The longest pause between attempts: the lock taken soon after its release, without spinning. */
const MAX_PAUSE_MS = 50;

const isBusy = (e: unknown) => /^SQLITE_BUSY(_|$)/.test(String((e as { code?: unknown })?.code ?? ''));

/**
 * Retries a statement that met another connection's write lock after an asynchronous pause,
 * up to SQLITE_LOCK_WAIT_MS, then throws SQLite's own error ("database is locked", as before).
 * Only a statement run outside a transaction is retried — an autocommit statement or BEGIN
 * IMMEDIATE — whose SQLITE_BUSY means it did nothing. Inside a transaction the lock is already
 * held, and SQLite may have rolled the transaction back on the error: that surfaces. Kysely
 * holds this (only) connection for the whole query or transaction, so nothing else runs on it
 * during the pauses.
 */
class LockWaitingConnection implements DatabaseConnection {
  constructor(private readonly inner: DatabaseConnection, private readonly sqlite: Database.Database) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Asked before the statement runs: after an error, inTransaction no longer says whether it ran alone.
    if (this.sqlite.inTransaction) return this.inner.executeQuery<R>(query);
    const start = performance.now();
    for (let pause = 1; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (e) {
        if (!isBusy(e) || performance.now() - start + pause >= SQLITE_LOCK_WAIT_MS) throw e;
      }
      await sleep(pause);
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

export async function ping(store: Store): Promise<boolean> {
  try {
    await sql`select 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}
