// One identity per node across the cluster: which process holds each node key right now (a
// lease it renews), and each node's admin-token digest so any node's token works on every node.
import type { Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m012nodeLeases: Migration = {
  name: '012_node_leases',
  async up(db: Kysely<any>) {
    await db.schema.createTable('node_leases')
      .addColumn('node_id', 'text', (c) => c.primaryKey())
      // host + data dir of the holder: the same node restarted in place takes its lease back at once.
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('data_dir', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('renewed_at', 'text', (c) => c.notNull())
      // Milliseconds since the epoch, compared with the clock of the node that wants the key.
      .addColumn('expires_at', 'bigint', (c) => c.notNull()).execute();
    await db.schema.createTable('node_admin_tokens')
      .addColumn('node_id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
  },
};
