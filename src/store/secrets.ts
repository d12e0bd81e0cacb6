import crypto from 'node:crypto';
import type { Store } from './db.js';

/**
 * A platform-wide secret kept in the database, so every process sharing it agrees. Two
 * processes starting together: the first insert wins and both read it back.
 */
export async function loadOrCreateSecret(store: Store, name: string, bytes = 32): Promise<Buffer> {
  const existing = await store.db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirst();
  if (existing) return Buffer.from(existing.value, 'base64');
  try {
    await store.db.insertInto('secrets').values({ name, value: crypto.randomBytes(bytes).toString('base64') }).execute();
  } catch { /* another process inserted it */ }
  const row = await store.db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64');
}
