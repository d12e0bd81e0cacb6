import type { Migration } from '../migrate.js';

// Every message-log index is updated on the hot path of every exchange. The per-service and
// per-client composite indexes cost more in b-tree updates than they save: searches and the
// dashboard are bounded by time, which the "at" index serves, and look-ups by message id keep
// their own index. (Measured: bench/log-write.ts, docs/performance.md.)
export const m005messageLogIndexes: Migration = {
  name: '005_message_log_indexes',
  async up(db) {
    await db.schema.dropIndex('message_log_service_at').ifExists().execute();
    await db.schema.dropIndex('message_log_client_at').ifExists().execute();
  },
};
