// One process per data dir. The lock is an OS file lock (SQLite's, through better-sqlite3,
// which the platform already loads: Node has no flock of its own): the kernel releases it when
// the process dies, even by kill -9, so a crashed node never leaves a stale lock behind, and a
// second `vamco start` on the same dir stops before it opens the store or registers anything.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { VamcoError } from '../core/errors.js';

export const LOCK_FILE = 'node.lock';
/** Who holds the lock, for the refusal message (the lock itself cannot be read while held). */
export const LOCK_INFO_FILE = 'node.lock.json';

export interface DataDirLock { release(): void }

export function lockDataDir(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  const infoFile = path.join(dataDir, LOCK_INFO_FILE);
  // Private from the start, like every file in the data dir (SQLite gives its journal this mode).
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  const db = new Database(file, { timeout: 0 });
  try {
    // Exclusive locking mode keeps the write lock taken below until this connection closes.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('create table if not exists holder (pid integer)');
    db.exec('begin exclusive');
    db.exec('delete from holder');
    db.prepare('insert into holder (pid) values (?)').run(process.pid);
    db.exec('commit');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') {
      let who = 'another process';
      try {
        const i = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { pid: number; host: string; startedAt: string };
        who = `process ${i.pid} on ${i.host} (started ${i.startedAt})`;
      } catch { /* written a moment after the lock: the generic text is still true */ }
      throw new VamcoError('NODE_ALREADY_RUNNING',
        `The data dir ${dataDir} is in use by ${who}: one node per data dir. Stop that node first, or give this one its own VAMCO_DATA_DIR.`);
    }
    throw e;
  }
  fs.writeFileSync(infoFile, JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() }) + '\n', { mode: 0o600 });
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      fs.rmSync(infoFile, { force: true });
      db.close();
    },
  };
}
