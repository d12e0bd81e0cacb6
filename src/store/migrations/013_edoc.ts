// The edoc wing (issue 9): which subsystem sends and receives documents for a member, the
// packages accepted (their bytes live in the data dir, addressed by SHA-256), and one delivery
// per recipient kept until that recipient acknowledges it.
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m013edoc: Migration = {
  name: '013_edoc',
  async up(db: Kysely<any>, engine) {
    const id = engine === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
    await db.schema.createTable('edoc_endpoints')
      .addColumn('organ_id', 'text', (c) => c.primaryKey())
      .addColumn('subsystem', 'text', (c) => c.notNull())
      /** The SDK scheme's secret, sealed with the secret key file. */
      .addColumn('hmac_secret', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
    await db.schema.createTable('edoc_documents')
      .addColumn('doc_id', 'text', (c) => c.primaryKey())
      .addColumn('message_type', 'text', (c) => c.notNull())
      .addColumn('document_id', 'text', (c) => c.notNull())
      .addColumn('sender_organ', 'text', (c) => c.notNull())
      .addColumn('sender_client', 'text', (c) => c.notNull())
      .addColumn('business_type', 'integer', (c) => c.notNull())
      .addColumn('status_code', 'text')
      .addColumn('response_for', 'text')
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('blob_sha256', 'text', (c) => c.notNull())
      .addColumn('blob_size', 'bigint', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull()).execute();
    await db.schema.createIndex('edoc_documents_docid').on('edoc_documents').columns(['document_id']).execute();
    await db.schema.createIndex('edoc_documents_response').on('edoc_documents').columns(['response_for']).execute();
    await db.schema.createTable('edoc_deliveries')
      .addColumn('id', id as any)
      .addColumn('doc_id', 'text', (c) => c.notNull().references('edoc_documents.doc_id'))
      .addColumn('sender_organ', 'text', (c) => c.notNull())
      .addColumn('recipient_organ', 'text', (c) => c.notNull())
      .addColumn('route', 'text', (c) => c.notNull())
      .addColumn('idem_key', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('upstream_doc_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('fetched_at', 'text')
      .addColumn('acked_at', 'text')
      .addUniqueConstraint('edoc_deliveries_once', ['idem_key', 'recipient_organ']).execute();
    await db.schema.createIndex('edoc_deliveries_inbox').on('edoc_deliveries').columns(['recipient_organ', 'state', 'id']).execute();
    await db.schema.createIndex('edoc_deliveries_doc').on('edoc_deliveries').columns(['doc_id']).execute();
    await db.schema.createIndex('edoc_deliveries_route').on('edoc_deliveries').columns(['route', 'state', 'id']).execute();
    /** What the puller last took from the upstream axis, so a restart does not take it twice. */
    await db.schema.createTable('edoc_upstream_seen')
      .addColumn('upstream_doc_id', 'text', (c) => c.primaryKey())
      .addColumn('doc_id', 'text')
      .addColumn('at', 'text', (c) => c.notNull()).execute();
  },
};
