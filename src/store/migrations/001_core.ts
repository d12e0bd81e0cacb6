import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m001core: Migration = {
  name: '001_core',
  async up(db: Kysely<any>, engine) {
    const id = engine === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
    const big = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema.createTable('registry_state')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('version', big, (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
    await db.insertInto('registry_state').values({ id: 1, version: 1, updated_at: new Date().toISOString() }).execute();

    await db.schema.createTable('members')
      .addColumn('id', id as any)
      .addColumn('member_class', 'text', (c) => c.notNull())
      .addColumn('member_code', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('members_ident', ['member_class', 'member_code']).execute();

    await db.schema.createTable('subsystems')
      .addColumn('id', id as any)
      .addColumn('member_id', big, (c) => c.notNull().references('members.id').onDelete('cascade'))
      .addColumn('subsystem_code', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('subsystems_ident', ['member_id', 'subsystem_code']).execute();

    await db.schema.createTable('services')
      .addColumn('id', id as any)
      .addColumn('subsystem_id', big, (c) => c.notNull().references('subsystems.id').onDelete('cascade'))
      .addColumn('service_code', 'text', (c) => c.notNull())
      .addColumn('service_type', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('timeout_ms', 'integer')
      .addColumn('connect_timeout_ms', 'integer')
      .addColumn('rate_limit', 'text')
      .addColumn('openapi', 'text')
      .addColumn('log_bodies', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('backend_auth', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('services_ident', ['subsystem_id', 'service_code']).execute();

    await db.schema.createTable('service_endpoints')
      .addColumn('id', id as any)
      .addColumn('service_id', big, (c) => c.notNull().references('services.id').onDelete('cascade'))
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('operation_id', 'text')
      .addUniqueConstraint('endpoints_ident', ['service_id', 'method', 'path']).execute();

    await db.schema.createTable('access_rights')
      .addColumn('id', id as any)
      .addColumn('service_id', big, (c) => c.notNull().references('services.id').onDelete('cascade'))
      .addColumn('client_subsystem_id', big, (c) => c.notNull().references('subsystems.id').onDelete('cascade'))
      .addColumn('endpoint_id', big, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('access_ident', ['service_id', 'client_subsystem_id', 'endpoint_id']).execute();

    await db.schema.createTable('api_keys')
      .addColumn('id', id as any)
      .addColumn('subsystem_id', big, (c) => c.notNull().references('subsystems.id').onDelete('cascade'))
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('label', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text').execute();

    await db.schema.createTable('secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull()).execute();

    await db.schema.createTable('nodes')
      .addColumn('node_id', 'text', (c) => c.primaryKey())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull()).execute();

    await db.schema.createTable('message_log')
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('seq', big, (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('client', 'text')
      .addColumn('service', 'text')
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('duration_ms', 'real', (c) => c.notNull())
      .addColumn('request_size', big, (c) => c.notNull())
      .addColumn('response_size', big, (c) => c.notNull())
      .addColumn('request_digest', 'text')
      .addColumn('response_digest', 'text')
      .addColumn('user_id', 'text')
      .addColumn('issue', 'text')
      .addColumn('error_code', 'text')
      .addColumn('request_body', 'text')
      .addColumn('response_body', 'text')
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('message_log_pk', ['node_id', 'seq']).execute();
    await db.schema.createIndex('message_log_at').on('message_log').column('at').execute();
    await db.schema.createIndex('message_log_message_id').on('message_log').column('message_id').execute();
    await db.schema.createIndex('message_log_service_at').on('message_log').columns(['service', 'at']).execute();
    await db.schema.createIndex('message_log_client_at').on('message_log').columns(['client', 'at']).execute();

    await db.schema.createTable('log_checkpoints')
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('chain', 'text', (c) => c.notNull())
      .addColumn('seq', big, (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('log_checkpoints_pk', ['chain', 'node_id', 'seq']).execute();

    await db.schema.createTable('admin_audit')
      .addColumn('seq', big, (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('address', 'text')
      .addColumn('before', 'text')
      .addColumn('after', 'text')
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull()).execute();
  },
};
