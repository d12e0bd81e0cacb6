// Peers (issue 17, items 1 and 2): the other instances this platform exchanges with over mutual
// TLS, which local clients may call which foreign services (outbound rules), and the access
// rights a provider here gives to clients of other instances.
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m022federationPeers: Migration = {
  name: '022_federation_peers',
  async up(db: Kysely<any>, engine) {
    const id = engine === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
    const big = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema.createTable('federation_peers')
      .addColumn('id', id as any)
      .addColumn('instance', 'text', (c) => c.notNull().unique())
      .addColumn('url', 'text', (c) => c.notNull())
      // The peer's CA certificate (PEM), or the SHA-256 of the one certificate pinned; one of them.
      .addColumn('peer_ca', 'text')
      .addColumn('fingerprint', 'text')
      // Sealed JSON {cert, key}: this platform's certificate presented when calling the peer.
      .addColumn('client_cert', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull()).execute();
    await db.schema.createTable('federation_outbound')
      .addColumn('id', id as any)
      // INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE of the foreign service.
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('client_subsystem_id', big, (c) => c.notNull().references('subsystems.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('federation_outbound_unique', ['service', 'client_subsystem_id']).execute();
    await db.schema.createTable('foreign_access_rights')
      .addColumn('id', id as any)
      .addColumn('service_id', big, (c) => c.notNull().references('services.id').onDelete('cascade'))
      // INSTANCE/CLASS/MEMBER/SUBSYSTEM of the foreign client.
      .addColumn('client', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('foreign_access_rights_unique', ['service_id', 'client']).execute();
  },
};
