// Witnessed checkpoints (issue 17): other platforms' (or nodes') signed checkpoints this
// platform keeps as their witness, with the countersignature it gave.
import type { Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m021witnessedCheckpoints: Migration = {
  name: '021_witnessed_checkpoints',
  async up(db: Kysely<any>) {
    await db.schema.createTable('witnessed_checkpoints')
      .addColumn('instance', 'text', (c) => c.notNull())
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('chain', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('prev', 'text')
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('countersignature', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('witnessed_checkpoints_pk', ['node_id', 'chain', 'seq']).execute();
    await db.schema.createIndex('witnessed_checkpoints_instance').on('witnessed_checkpoints').columns(['instance', 'node_id', 'chain', 'seq']).execute();
  },
};
