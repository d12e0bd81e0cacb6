// Secrets leave the database: the token signing key and the publicadmin backend secret are
// derived from the secret key file now (src/secrets), so their old rows go. The values that
// stay in the database sealed (TOTP secrets, backend credentials, dossier personal data) are
// sealed by the first start after this migration, which has the key (migrations do not).
import type { Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m007secretsAtRest: Migration = {
  name: '007_secrets_at_rest',
  async up(db: Kysely<any>) {
    await db.deleteFrom('secrets').where('name', 'in', ['jwt-hs256', 'publicadmin-backend']).execute();
  },
};
