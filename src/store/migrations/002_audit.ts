import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

// PostgreSQL's `real` is a 4-byte float: a 12,345.678 ms duration would come back as
// 12,345.68 and break the record's hash. SQLite's REAL is already 8 bytes.
export const m002audit: Migration = {
  name: '002_audit',
  async up(db: Kysely<any>, engine) {
    if (engine === 'postgres') {
      await sql`alter table message_log alter column duration_ms type double precision`.execute(db);
    }
  },
};
