// Peers (issue 17): trust in a peer can be withdrawn and given back without forgetting the peer;
// the key that signs a peer's directory is pinned; a foreign client's access right can name one
// endpoint of a service, as a local client's can.
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m026peerTrust: Migration = {
  name: '026_peer_trust',
  async up(db: Kysely<any>, engine) {
    // Null: trusted. When set, calls to and from the peer are refused (the entry stays).
    await db.schema.alterTable('federation_peers').addColumn('trust_withdrawn_at', 'text').execute();
    // SPKI PEM of the Ed25519 key the peer's directory must be signed with (null: none pinned yet).
    await db.schema.alterTable('federation_peers').addColumn('directory_key', 'text').execute();
    // 1: pin the key of the first directory fetched (trust on first use, asked for at peer add).
    await db.schema.alterTable('federation_peers').addColumn('directory_key_tofu', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    // The unique constraint has to take the endpoint in: SQLite cannot change a table's
    // constraints, so the table is made again on both engines.
    const id = engine === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
    const big = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema.createTable('foreign_access_rights_v2')
      .addColumn('id', id as any)
      .addColumn('service_id', big, (c) => c.notNull().references('services.id').onDelete('cascade'))
      .addColumn('client', 'text', (c) => c.notNull())
      // 0 for a right on the whole service (not NULL, so uniqueness works the same on both engines), as access_rights.
      .addColumn('endpoint_id', big, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('foreign_access_rights_v2_unique', ['service_id', 'client', 'endpoint_id']).execute();
    await sql`insert into foreign_access_rights_v2 (id, service_id, client, endpoint_id, created_at) select id, service_id, client, 0, created_at from foreign_access_rights`.execute(db);
    await db.schema.dropTable('foreign_access_rights').execute();
    await db.schema.alterTable('foreign_access_rights_v2').renameTo('foreign_access_rights').execute();
    if (engine === 'postgres') {
      // The copied ids keep the sequence behind them otherwise.
      await sql`select setval(pg_get_serial_sequence('foreign_access_rights', 'id'), coalesce((select max(id) from foreign_access_rights), 0) + 1, false)`.execute(db);
    }
  },
};
