// Recovery codes for two-step verification (issue 14): each stands in once for an
// authentication code when the phone is lost. Only their SHA-256 is kept.
import type { Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m027totpRecoveryCodes: Migration = {
  name: '027_totp_recovery_codes',
  async up(db: Kysely<any>, engine) {
    await db.schema.createTable('user_recovery_codes')
      .addColumn('user_id', engine === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addPrimaryKeyConstraint('user_recovery_codes_pk', ['user_id', 'code_hash']).execute();
  },
};
