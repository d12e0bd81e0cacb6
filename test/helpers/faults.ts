// Real faults for tests, no mocks: the message log's storage made unwritable for a while.
import { sql } from 'kysely';
import type { Store } from '../../src/store/index.js';

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
