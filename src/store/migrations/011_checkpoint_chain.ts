// Checkpoints chained to each other: each new checkpoint names the hash of the signing node's
// previous checkpoint of the same chain, so one removed from the middle no longer goes unseen.
// Checkpoints written before this version keep prev null and their original signatures.
import type { Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m011checkpointChain: Migration = {
  name: '011_checkpoint_chain',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('log_checkpoints').addColumn('prev', 'text').execute();
  },
};
