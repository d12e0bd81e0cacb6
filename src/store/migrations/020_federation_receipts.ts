// Signed receipts (issue 17): those this platform's nodes issued as providers, and those
// received from peer platforms for exchanges this platform forwarded.
import type { Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m020federationReceipts: Migration = {
  name: '020_federation_receipts',
  async up(db: Kysely<any>) {
    await db.schema.createTable('federation_receipts')
      // 'issued' (signed by a node of this platform) or 'received' (from a peer).
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('signer', 'text', (c) => c.notNull())
      .addColumn('log_seq', 'bigint', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('receipt', 'text', (c) => c.notNull())
      .addColumn('stored_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('federation_receipts_pk', ['role', 'signer', 'log_seq']).execute();
    await db.schema.createIndex('federation_receipts_message').on('federation_receipts').column('message_id').execute();
  },
};
