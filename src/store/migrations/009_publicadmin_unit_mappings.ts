import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

// Issue 10: about 900 of the address package's mapping rows name an old unit without its code
// (see `vamco units check`); they are kept as name-only mappings, so old_code becomes nullable.
// The table only holds rows derived from the package and the operator's units file: it is
// rebuilt empty here and refilled at the next start (the units fingerprint is cleared).
export const m009publicadminUnitMappings: Migration = {
  name: '009_publicadmin_unit_mappings',
  async up(db: Kysely<any>, engine) {
    const id = engine === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
    await db.schema.dropTable('publicadmin_unit_mappings').execute();
    await db.schema.createTable('publicadmin_unit_mappings')
      .addColumn('id', id as any)
      .addColumn('old_code', 'text')
      .addColumn('old_name', 'text')
      .addColumn('old_district_name', 'text')
      .addColumn('old_province_name', 'text')
      .addColumn('old_province_code', 'text')
      .addColumn('new_code', 'text', (c) => c.notNull())
      .addColumn('new_name', 'text')
      .addColumn('new_province_code', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('effective_from', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull()).execute();
    await db.schema.createIndex('publicadmin_mappings_old').on('publicadmin_unit_mappings').column('old_code').execute();
    await db.schema.createIndex('publicadmin_mappings_new').on('publicadmin_unit_mappings').column('new_code').execute();
    await db.deleteFrom('publicadmin_meta').where('key', '=', 'units_fingerprint').execute();
  },
};
