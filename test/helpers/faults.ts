// Real faults for tests, no mocks: the message log's storage made unwritable for a while, the
// store's write lock held while requests on several nodes pile up behind it, PostgreSQL gone
// away behind a TCP proxy.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { SQLITE_FILE, type Store } from '../../src/store/index.js';

/**
 * Moves the message-log table aside, so every commit of the running platform fails in the
 * database itself (SQLite's writer thread and PostgreSQL alike), until the returned function
 * puts it back. Where the log lives is known here only: a test that needs the log to fail
 * calls this.
 */
export async function makeMessageLogUnwritable(store: Store): Promise<() => Promise<void>> {
  await sql`alter table message_log rename to message_log_unavailable`.execute(store.db);
  return async () => { await sql`alter table message_log_unavailable rename to message_log`.execute(store.db); };
}

export interface HeldWrites {
  /** Resolves once every process in `pids` (SQLite) or `count` backends (PostgreSQL) wait for the lock. */
  untilWaiting(pids: number[]): Promise<void>;
  release(): Promise<void>;
}

// x86_64 and arm64 numbers of nanosleep and clock_nanosleep: SQLite's busy handler sleeps
// between its tries, so a process whose main thread is in one of these waits for the lock.
const SLEEPS = process.arch === 'arm64' ? ['101', '115'] : ['35', '230'];

/**
 * Holds the store's write lock from a connection of its own, so that requests sent to several
 * nodes (processes) all read what they read first and then wait at their first write; on
 * `release()` they write at once. That is the interleaving a race needs, forced instead of
 * hoped for, on both engines. SQLite: BEGIN IMMEDIATE (readers go on in WAL mode, a writer's
 * busy handler retries for up to 5 s, its process asleep in the kernel: that is how
 * `untilWaiting` sees it). PostgreSQL: `tables` locked in EXCLUSIVE mode (reads go on,
 * writes wait), waiters counted in pg_stat_activity. Nothing may write from this process
 * meanwhile: on SQLite its own writes would wait for this very lock.
 */
export async function holdWrites(p: { store: Store; dataDir: string }, tables: string[]): Promise<HeldWrites> {
  const store = p.store;
  const until = async (what: string, done: () => Promise<boolean>) => {
    const deadline = Date.now() + 60_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`no ${what} within 60 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  if (store.engine === 'sqlite') {
    const db = new Database(path.join(p.dataDir, SQLITE_FILE));
    db.exec('BEGIN IMMEDIATE');
    const asleep = (pid: number) => {
      try { return SLEEPS.includes(fs.readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0].trim()); } catch { return false; }
    };
    return {
      untilWaiting: (pids) => until(`wait for the lock by ${pids.join(', ')}`, async () => pids.every(asleep)),
      async release() { if (db.open) { db.exec('ROLLBACK'); db.close(); } },
    };
  }
  let release!: () => void;
  const released = new Promise<void>((r) => { release = r; });
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => { locked = r; });
  const held = store.db.transaction().execute(async (trx) => {
    await sql`lock table ${sql.join(tables.map((t) => sql.table(t)))} in exclusive mode`.execute(trx);
    locked();
    await released;
  });
  await Promise.race([isLocked, held]);
  return {
    untilWaiting: (pids) => until(`${pids.length} backends waiting for a lock`, async () => {
      const r = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`.execute(store.db);
      return Number(r.rows[0].n) >= pids.length;
    }),
    async release() { release(); await held; },
  };
}

/**
 * Makes the node's journal (<data dir>/journal, where message-log records become durable)
 * unwritable until the returned function runs: the directory is moved aside and a plain file
 * takes its name, so the commit's check that its segment is still there fails (ENOTDIR), and so
 * does every probe. Put back, the same directory (the same open segment) is there again.
 */
export function makeJournalUnwritable(dataDir: string): () => Promise<void> {
  const dir = path.join(dataDir, 'journal');
  const aside = dir + '.unavailable';
  fs.renameSync(dir, aside);
  fs.writeFileSync(dir, 'not a directory\n');
  return async () => {
    fs.rmSync(dir, { force: true });
    fs.renameSync(aside, dir);
  };
}

export interface PgProxy {
  /** postgres://… through the proxy: `target` with the proxy's port. */
  url: string;
  /** Every open connection dropped, new ones refused: what a database that went away looks like to a client. */
  cut(): Promise<void>;
  /** Accepts and forwards connections again (same port). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy to the PostgreSQL at `target` (a postgres:// URL) on a port of its own, that can be cut and restored. */
export async function pgProxy(target: string): Promise<PgProxy> {
  const to = new URL(target);
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const listen = () => new Promise<void>((resolve, reject) => {
    const s = net.createServer((client) => {
      const upstream = net.connect(Number(to.port || 5432), to.hostname);
      for (const x of [client, upstream]) { sockets.add(x); x.on('close', () => sockets.delete(x)); x.on('error', () => {}); }
      client.pipe(upstream).pipe(client);
    });
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => { port = (s.address() as net.AddressInfo).port; server = s; resolve(); });
  });
  const cut = async () => {
    const s = server;
    server = null;
    if (s) await new Promise<void>((r) => { s.close(() => r()); for (const x of sockets) x.destroy(); });
  };
  await listen();
  const url = new URL(target);
  url.port = String(port);
  return { url: url.toString(), cut, restore: listen, close: cut };
}
