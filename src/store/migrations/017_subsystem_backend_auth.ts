import type { Migration } from '../migrate.js';

// Backend authentication set per provider subsystem (issue 16): the credential every service of
// the subsystem uses towards its backend unless the service sets its own. Sealed like the
// services' (src/secrets).
export const m017subsystemBackendAuth: Migration = {
  name: '017_subsystem_backend_auth',
  async up(db) {
    await db.schema.alterTable('subsystems').addColumn('backend_auth', 'text').execute();
  },
};
