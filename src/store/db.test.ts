// The embedded store waits for SQLite's write lock without blocking the event loop: another
// connection (the message log's writer thread, an operator's CLI or sqlite3 shell) holding it
// used to stall the whole process for up to the 5 s busy timeout, since better-sqlite3's busy
// handler sleeps on the calling thread. The holder here is another thread, as it is in production.
import path from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_LOCK_WAIT_MS, SQLITE_FILE } from './db.js';
import { createTestStore, type TestStore } from './testing.js';

const HOLDER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { timeout: 0 });
db.exec('begin immediate');
let held = true;
const release = () => { if (!held) return; held = false; db.exec('rollback'); db.close(); parentPort.postMessage({ released: Date.now() }); parentPort.close(); };
parentPort.on('message', release);
if (workerData.holdMs) setTimeout(release, workerData.holdMs);
parentPort.postMessage({ held: Date.now() });
`;

/** Another thread takes the write lock (BEGIN IMMEDIATE) and keeps it `holdMs`, or until release(). */
async function holdWriteLock(file: string, holdMs?: number) {
  const worker = new Worker(HOLDER, { eval: true, workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), file, holdMs } });
  const released = new Promise<number>((resolve, reject) => {
    worker.on('message', (m: { released?: number }) => { if (m.released) resolve(m.released); });
    worker.once('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return { released, release: () => { worker.postMessage('release'); return released; } };
}

/** The longest time between ticks of a 10 ms interval while it runs: how long the event loop was blocked. */
function loopWatch() {
  let last = performance.now();
  let longest = 0;
  let ticks = 0;
  const t = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  }, 10);
  return { stop: () => { clearInterval(t); return { longest: Math.max(longest, performance.now() - last), ticks }; } };
}

const member = (code: string) => ({ member_class: 'GOV', member_code: code, name: code, created_at: new Date().toISOString() });

describe('the SQLite store while another connection holds the write lock', () => {
  let t: TestStore | undefined;
  afterEach(async () => { await t?.cleanup(); t = undefined; });

  it('a write waits for the release without blocking the event loop', async () => {
    t = await createTestStore('sqlite');
    const holder = await holdWriteLock(path.join(t.dataDir, SQLITE_FILE), 1500);
    const watch = loopWatch();
    await t.store.db.insertInto('members').values(member('LOCK.1')).execute();
    const done = Date.now();
    const loop = watch.stop();
    // Written after the holder let go, and the loop kept turning meanwhile (it stalled ~1500 ms
    // when SQLite's busy handler slept on it). 200 ms is generous for a busy machine.
    expect(done).toBeGreaterThanOrEqual(await holder.released);
    expect(loop.longest).toBeLessThan(200);
    expect(loop.ticks).toBeGreaterThan(10);
    expect((await t.store.db.selectFrom('members').select('member_code').where('member_code', '=', 'LOCK.1').execute()).length).toBe(1);
  });

  it('a transaction waits at BEGIN IMMEDIATE, and a query sent meanwhile runs after it, not inside it', async () => {
    t = await createTestStore('sqlite');
    const db = t.store.db;
    const holder = await holdWriteLock(path.join(t.dataDir, SQLITE_FILE), 1500);
    const watch = loopWatch();
    const order: string[] = [];
    const tx = db.transaction().execute(async (trx) => {
      order.push('tx begun');
      await trx.insertInto('members').values(member('LOCK.2')).execute();
      // Rolled back: had the read below run inside this transaction, it would have seen the row.
      throw new Error('roll back');
    }).catch((e: Error) => { order.push('tx rolled back'); return e.message; });
    const read = sql<{ n: number }>`select count(*) as n from members where member_code = 'LOCK.2'`.execute(db)
      .then((r) => { order.push('read'); return Number(r.rows[0].n); });
    expect(await tx).toBe('roll back');
    expect(await read).toBe(0);
    const loop = watch.stop();
    expect(order).toEqual(['tx begun', 'tx rolled back', 'read']);
    await holder.released;
    expect(loop.longest).toBeLessThan(200);
  });

  it('a holder that keeps the lock past the wait budget gets SQLite\'s own "database is locked", as before', async () => {
    t = await createTestStore('sqlite');
    const holder = await holdWriteLock(path.join(t.dataDir, SQLITE_FILE));
    const watch = loopWatch();
    const started = performance.now();
    try {
      const e = await t.store.db.insertInto('members').values(member('LOCK.3')).execute().then(() => null, (err: unknown) => err);
      const waited = performance.now() - started;
      const loop = watch.stop();
      expect(e).toMatchObject({ name: 'SqliteError', code: 'SQLITE_BUSY', message: 'database is locked' });
      expect(waited).toBeGreaterThanOrEqual(SQLITE_LOCK_WAIT_MS - 200);
      expect(waited).toBeLessThan(SQLITE_LOCK_WAIT_MS + 5000);
      expect(loop.longest).toBeLessThan(200);
    } finally {
      await holder.release();
    }
    // The lock released, the store writes again.
    await t.store.db.insertInto('members').values(member('LOCK.3')).execute();
  }, 30_000);
});
