import type { Migration } from '../migrate.js';

// The upstream leg of an exchange (audit UpstreamLeg as JSON): status, duration, attempts and
// the id of the token the gateway used towards a provider's backend. Null for other exchanges.
export const m006upstreamLeg: Migration = {
  name: '006_upstream_leg',
  async up(db) {
    await db.schema.alterTable('message_log').addColumn('upstream', 'text').execute();
  },
};
