import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

// Issue 8: the platform CA's certificate (its key stays in a node's data dir) and the TLS client
// certificates subsystems authenticate with. A certificate is recognised by the SHA-256 of its
// DER; revoked rows stay, so the snapshot can tell "revoked" from "unknown".
export const m015clientCertificates: Migration = {
  name: '015_client_certificates',
  async up(db: Kysely<any>, engine) {
    const id = engine === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
    const big = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema.createTable('pki_authorities')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('certificate', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull()).execute();
    await db.schema.createTable('client_certificates')
      .addColumn('id', id as any)
      .addColumn('subsystem_id', big, (c) => c.notNull().references('subsystems.id').onDelete('cascade'))
      .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
      .addColumn('serial', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('not_before', 'text', (c) => c.notNull())
      .addColumn('not_after', 'text', (c) => c.notNull())
      .addColumn('certificate', 'text', (c) => c.notNull())
      .addColumn('label', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text').execute();
  },
};
