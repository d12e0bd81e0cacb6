import type { Migration } from '../migrate.js';

// A SOAP service's WSDL 1.1 document (issue 16): its operations are the service's endpoints
// and the schema of the JSON mediation. Null for REST services.
export const m014serviceWsdl: Migration = {
  name: '014_service_wsdl',
  async up(db) {
    await db.schema.alterTable('services').addColumn('wsdl', 'text').execute();
  },
};
