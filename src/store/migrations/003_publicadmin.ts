// Public-administration data (issue 5): administrative units (versioned), old→new unit
// mappings, agencies, procedures, holiday rules, dossiers with their event feed, the per
// agency-and-day code counter and the personal-data read log.
// Times are ISO-8601 UTC text, dates YYYY-MM-DD, JSON as text — the same on both engines.
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../migrate.js';

export const m003publicadmin: Migration = {
  name: '003_publicadmin',
  async up(db: Kysely<any>, engine) {
    const id = engine === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;

    await db.schema.createTable('publicadmin_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull()).execute();

    await db.schema.createTable('publicadmin_units')
      .addColumn('id', id as any)
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull()) // province | commune
      .addColumn('type', 'text', (c) => c.notNull()) // Tỉnh, Thành phố, Xã, Phường, Đặc khu…
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('short_name', 'text', (c) => c.notNull())
      .addColumn('province_code', 'text')
      .addColumn('province_name', 'text')
      .addColumn('district_name', 'text')
      .addColumn('valid_from', 'text')
      .addColumn('valid_to', 'text')
      .addColumn('search_key', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull()).execute();
    await db.schema.createIndex('publicadmin_units_code').on('publicadmin_units').column('code').execute();
    await db.schema.createIndex('publicadmin_units_province').on('publicadmin_units').columns(['province_code', 'level']).execute();

    await db.schema.createTable('publicadmin_unit_mappings')
      .addColumn('id', id as any)
      .addColumn('old_code', 'text', (c) => c.notNull())
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

    await db.schema.createTable('publicadmin_agencies')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('short_name', 'text')
      .addColumn('parent_code', 'text')
      .addColumn('level', 'integer', (c) => c.notNull())
      .addColumn('unit_code', 'text')
      .addColumn('address', 'text')
      .addColumn('email', 'text')
      .addColumn('phone', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()).execute();

    await db.schema.createTable('publicadmin_procedures')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('field_code', 'text')
      .addColumn('field_name', 'text')
      .addColumn('level', 'text')
      .addColumn('processing_days', 'integer')
      .addColumn('processing_note', 'text')
      .addColumn('fees', 'text', (c) => c.notNull())
      .addColumn('documents', 'text', (c) => c.notNull())
      .addColumn('agencies', 'text', (c) => c.notNull())
      .addColumn('results', 'text', (c) => c.notNull())
      .addColumn('legal_basis', 'text', (c) => c.notNull())
      .addColumn('publishing_agency', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()).execute();

    await db.schema.createTable('publicadmin_holiday_rules')
      .addColumn('id', id as any)
      .addColumn('rule_key', 'text', (c) => c.unique())
      .addColumn('kind', 'text', (c) => c.notNull()) // solar | lunar | national-day-adjacent | day-off | working-day
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('month', 'integer')
      .addColumn('day', 'integer')
      .addColumn('date', 'text')
      .addColumn('offset_days', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('length_days', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('compensate', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('from_year', 'integer')
      .addColumn('to_year', 'integer')
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull()).execute();

    await db.schema.createTable('publicadmin_dossier_counters')
      .addColumn('agency_code', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('last', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('publicadmin_dossier_counters_pk', ['agency_code', 'day']).execute();

    await db.schema.createTable('publicadmin_dossiers')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('agency_code', 'text', (c) => c.notNull())
      .addColumn('procedure_code', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('applicant', 'text', (c) => c.notNull())
      .addColumn('summary', 'text')
      .addColumn('channel', 'text')
      .addColumn('documents', 'text', (c) => c.notNull())
      .addColumn('fees', 'text', (c) => c.notNull())
      .addColumn('processing_days', 'integer', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('due_at', 'text')
      .addColumn('paused_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('returned_at', 'text')
      .addColumn('last_note', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
    await db.schema.createIndex('publicadmin_dossiers_agency').on('publicadmin_dossiers').columns(['agency_code', 'received_at']).execute();
    await db.schema.createIndex('publicadmin_dossiers_status').on('publicadmin_dossiers').columns(['status', 'due_at']).execute();

    await db.schema.createTable('publicadmin_dossier_events')
      .addColumn('id', id as any)
      .addColumn('dossier_code', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull()) // created | transition
      .addColumn('from_status', 'integer')
      .addColumn('to_status', 'integer', (c) => c.notNull())
      .addColumn('client', 'text')
      .addColumn('user_id', 'text')
      .addColumn('note', 'text')
      .addColumn('due_at', 'text').execute();
    await db.schema.createIndex('publicadmin_events_dossier').on('publicadmin_dossier_events').column('dossier_code').execute();

    await db.schema.createTable('publicadmin_dossier_reads')
      .addColumn('id', id as any)
      .addColumn('dossier_code', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('client', 'text')
      .addColumn('user_id', 'text')
      .addColumn('request_id', 'text')
      .addColumn('issue', 'text')
      .addColumn('format', 'text', (c) => c.notNull()).execute();
    await db.schema.createIndex('publicadmin_reads_dossier').on('publicadmin_dossier_reads').columns(['dossier_code', 'at']).execute();
    await db.schema.createIndex('publicadmin_reads_at').on('publicadmin_dossier_reads').column('at').execute();
  },
};
