import type { Migration } from '../migrate.js';

// The credential each exchange was made with (issue 8): its kind, and for a TLS client
// certificate its SHA-256 fingerprint. Null for exchanges without one and for older records.
export const m023messageCredential: Migration = {
  name: '023_message_credential',
  async up(db) {
    await db.schema.alterTable('message_log').addColumn('credential', 'text').execute();
  },
};
