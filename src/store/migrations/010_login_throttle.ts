// Login attempts counted before the password is checked: per address and per name that is no
// account (accounts keep theirs in `users`), and one-time passwords that expire.
import type { Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m010loginThrottle: Migration = {
  name: '010_login_throttle',
  async up(db: Kysely<any>) {
    await db.schema.createTable('login_throttle')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
    await db.schema.createIndex('login_throttle_updated').on('login_throttle').column('updated_at').execute();
    await db.schema.alterTable('users').addColumn('password_expires_at', 'text').execute();
    // One-time passwords handed out before this version expire a day from now.
    await db.updateTable('users').set({ password_expires_at: new Date(Date.now() + 86_400_000).toISOString() })
      .where('must_change_password', '=', 1).execute();
  },
};
