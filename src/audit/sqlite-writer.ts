// The message log's SQLite commits run on a worker thread with its own connection. A durable
// commit waits for fsync (0.1–1 ms here, more on a busy disk); on the main thread that wait
// stopped every exchange in the process (profile: ~15% of the gateway's samples inside
// better-sqlite3's transaction). Off the thread, requests keep flowing while a batch commits,
// and the next batch grows meanwhile (group commit sized by load).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface FramesWritten { last: { seq: number; hash: string } | null; inserted: number }

/** A connection's durability settings, as SQLite reports them (synchronous: 2 = FULL). */
export interface SqliteDurability { synchronous: number; journalMode: string }

export type RowWriter = ((rows: object[]) => Promise<void>) & {
  close(): Promise<void>; durability(): Promise<SqliteDurability>;
  /**
   * Inserts the records in journal frames (journal.ts) with seq > afterSeq, parsed on the thread;
   * resolves with the last frame's seq and hash and how many rows it inserted.
   */
  frames(frames: Buffer, afterSeq: number): Promise<FramesWritten>;
  /** Takes the write lock and inserts `row`, then rolls back (health probe). */
  probe(timeoutMs: number): Promise<void>;
};

// A string, not a module file: the same code then runs from src/ (vitest) and from dist/.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
const insert = db.prepare(workerData.sql);
const tx = db.transaction((rows) => { for (const r of rows) insert.run(r); });
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  if (m.durability) {
    parentPort.postMessage({ id: m.id, result: { synchronous: db.pragma('synchronous', { simple: true }), journalMode: db.pragma('journal_mode', { simple: true }) } });
    return;
  }
  if (m.probe) {
    try {
      db.exec('begin immediate');
      try { db.prepare(workerData.sql).run(m.probe); } finally { db.exec('rollback'); }
      parentPort.postMessage({ id: m.id });
    } catch (e) {
      parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
    }
    return;
  }
  try {
    if (m.frames) {
      // Journal frames: u32 length | u32 CRC (checked by the sender) | the row as JSON.
      const b = Buffer.from(m.frames.buffer, m.frames.byteOffset, m.frames.byteLength);
      const rows = [];
      let last = null;
      for (let off = 0; off + 8 <= b.length;) {
        const len = b.readUInt32LE(off);
        const r = JSON.parse(b.toString('utf8', off + 8, off + 8 + len));
        off += 8 + len;
        // Written before the credential column existed: the insert names it, so it must be there.
        if (r.credential === undefined) r.credential = null;
        if (r.seq > m.afterSeq) rows.push(r);
        last = r;
      }
      if (rows.length) tx.immediate(rows);
      parentPort.postMessage({ id: m.id, result: { last: last && { seq: last.seq, hash: last.hash }, inserted: rows.length } });
      return;
    }
    tx.immediate(m.rows);
    parentPort.postMessage({ id: m.id });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

/** Commits each batch in one IMMEDIATE transaction on the writer thread's connection. */
export function sqliteThreadWriter(file: string, sql: string, probeRow: object): RowWriter {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(THREAD, { eval: true, workerData: { driver, file, sql } });
  // Keeps the process alive only while a commit or close is awaited: an idle writer must not
  // hold a process open, and a process must not exit while it waits for a commit.
  worker.unref();
  const waiting = new Map<number, { resolve(v?: unknown): void; reject(e: unknown): void }>();
  let nextId = 1;
  let dead: Error | null = null;
  const failAll = (e: Error) => {
    dead = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  worker.on('message', (m: { id: number; error?: string; result?: unknown }) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (waiting.size === 0) worker.unref();
    if (m.error) w.reject(new Error(m.error));
    else w.resolve(m.result);
  });
  // A batch in flight when the thread dies has an unknown outcome; MessageLog re-reads the head.
  worker.on('error', (e) => failAll(e));
  worker.on('exit', () => failAll(new Error('the message-log writer thread exited')));
  const ask = <T>(message: object, transfer?: ArrayBuffer[]) => new Promise<T>((resolve, reject) => {
    if (dead) return reject(dead);
    const id = nextId++;
    if (waiting.size === 0) worker.ref();
    waiting.set(id, { resolve: resolve as (v?: unknown) => void, reject });
    worker.postMessage({ id, ...message }, transfer);
  });
  const write = (rows: object[]) => ask<void>({ rows });
  return Object.assign(write, {
    /** The thread connection's own settings: what its commits promise, asked of SQLite itself. */
    durability: () => ask<SqliteDurability>({ durability: true }),
    frames: (frames: Buffer, afterSeq: number) => {
      // A Buffer is often a view into a larger pool or read buffer, and cloning it copies all
      // of that: an exact copy, moved to the thread, copies the frames once.
      const own = new Uint8Array(frames);
      return ask<FramesWritten>({ frames: own, afterSeq }, [own.buffer]);
    },
    // The timeout is the caller's: a thread stuck behind a lock answers late, and is then ignored.
    probe: () => ask<void>({ probe: probeRow }),
    close: () => new Promise<void>((resolve) => {
      if (dead) return resolve();
      worker.once('exit', () => resolve());
      worker.ref();
      worker.postMessage('close');
    }),
  });
}
