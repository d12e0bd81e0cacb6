// Console accounts (users, sessions, personal API tokens) and access requests.
// Registry objects are referred to by their text identifiers, not foreign keys: a request or
// an account must outlive the deletion of the service or member it names, for the record.
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m004accounts: Migration = {
  name: '004_accounts',
  async up(db: Kysely<any>, engine) {
    const id = engine === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
    const big = engine === 'postgres' ? 'bigint' : 'integer';

    await db.schema.createTable('users')
      .addColumn('id', id as any)
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text')
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('totp_secret', 'text')
      .addColumn('totp_pending_secret', 'text')
      .addColumn('totp_last_step', big)
      .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'text')
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_login_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()).execute();

    await db.schema.createTable('user_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', big, (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('address', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull()).execute();
    await db.schema.createIndex('user_sessions_user').on('user_sessions').column('user_id').execute();

    await db.schema.createTable('user_tokens')
      .addColumn('id', id as any)
      .addColumn('user_id', big, (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('label', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text').execute();

    await db.schema.createTable('access_requests')
      .addColumn('id', id as any)
      .addColumn('service_id', 'text', (c) => c.notNull())
      .addColumn('provider_member', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('client_member', 'text', (c) => c.notNull())
      .addColumn('endpoint_method', 'text')
      .addColumn('endpoint_path', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('decision_note', 'text')
      .addColumn('grant_id', big).execute();
    await db.schema.createIndex('access_requests_provider').on('access_requests').columns(['provider_member', 'state']).execute();
    await db.schema.createIndex('access_requests_client').on('access_requests').columns(['client_member', 'state']).execute();
  },
};
