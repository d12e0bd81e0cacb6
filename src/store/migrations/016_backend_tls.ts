import type { Migration } from '../migrate.js';

// TLS towards providers (issue 8, item 4): a service's CA bundle (PEM, public) for its https
// backend, and a provider subsystem's client certificate and key towards its backends (sealed
// JSON, src/secrets: every gateway node reads the same one from the database).
export const m016backendTls: Migration = {
  name: '016_backend_tls',
  async up(db) {
    await db.schema.alterTable('services').addColumn('backend_ca', 'text').execute();
    await db.schema.alterTable('subsystems').addColumn('backend_cert', 'text').execute();
  },
};
