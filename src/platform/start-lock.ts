// Nodes starting at the same time on one empty database: the built-in registrations (first
// admin, demo, publicadmin wing) run one node at a time under a PostgreSQL session lock, so
// each sees what the previous one registered instead of racing it to ALREADY_EXISTS. SQLite
// lives in one node's data dir, whose file lock already admits one process.
import type { Store } from '../store/index.js';

const START_LOCK = 727276;

export async function withStartLock<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  if (store.engine !== 'postgres' || !store.pool) return fn();
  // A session lock on a connection of its own: the registrations use the pool meanwhile.
  const client = await store.pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [START_LOCK]);
    try {
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [START_LOCK]);
    }
  } finally {
    client.release();
  }
}
