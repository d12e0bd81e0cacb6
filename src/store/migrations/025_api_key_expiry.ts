import type { Migration } from '../migrate.js';

// API keys may expire (issue 14), and show when they were last used. last_used_at is written in
// batches by the gateway nodes, never on the request path.
export const m025apiKeyExpiry: Migration = {
  name: '025_api_key_expiry',
  async up(db) {
    await db.schema.alterTable('api_keys').addColumn('expires_at', 'text').execute();
    await db.schema.alterTable('api_keys').addColumn('last_used_at', 'text').execute();
  },
};
