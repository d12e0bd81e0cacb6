// Kysely types of the publicadmin tables (migration 003_publicadmin). They live with the wing
// rather than in the core schema; `padb()` gives a query builder that knows both.
import type { Generated, Kysely } from 'kysely';
import type { Store } from '../store/index.js';
import type { Schema } from '../store/schema.js';

export type PublicAdminTables = {
  publicadmin_meta: { key: string; value: string };
  publicadmin_units: {
    id: Generated<number>; code: string; level: string; type: string; name: string; short_name: string;
    province_code: string | null; province_name: string | null; district_name: string | null;
    valid_from: string | null; valid_to: string | null; search_key: string; source: string;
  };
  publicadmin_unit_mappings: {
    id: Generated<number>; old_code: string | null; old_name: string | null; old_district_name: string | null;
    old_province_name: string | null; old_province_code: string | null; new_code: string; new_name: string | null;
    new_province_code: string | null; kind: string; effective_from: string; source: string;
  };
  publicadmin_agencies: {
    code: string; name: string; short_name: string | null; parent_code: string | null; level: number;
    unit_code: string | null; address: string | null; email: string | null; phone: string | null;
    created_at: string; updated_at: string;
  };
  publicadmin_procedures: {
    code: string; name: string; field_code: string | null; field_name: string | null; level: string | null;
    processing_days: number | null; processing_note: string | null; fees: string; documents: string;
    agencies: string; results: string; legal_basis: string; publishing_agency: string | null; source: string; updated_at: string;
  };
  publicadmin_holiday_rules: {
    id: Generated<number>; rule_key: string | null; kind: string; name: string; month: number | null; day: number | null;
    date: string | null; offset_days: number; length_days: number; compensate: number; from_year: number | null;
    to_year: number | null; enabled: number; builtin: number; created_at: string;
    source: string; compensation: string | null;
  };
  publicadmin_dossier_counters: { agency_code: string; day: string; last: number };
  publicadmin_dossiers: {
    code: string; agency_code: string; procedure_code: string; status: number; applicant: string; summary: string | null;
    channel: string | null; documents: string; fees: string; processing_days: number; received_at: string;
    due_at: string | null; paused_at: string | null; finished_at: string | null; returned_at: string | null;
    last_note: string | null; created_at: string; updated_at: string;
  };
  publicadmin_dossier_events: {
    id: Generated<number>; dossier_code: string; at: string; kind: string; from_status: number | null; to_status: number;
    client: string | null; user_id: string | null; note: string | null; due_at: string | null;
  };
  publicadmin_dossier_reads: {
    id: Generated<number>; dossier_code: string; at: string; client: string | null; user_id: string | null;
    request_id: string | null; issue: string | null; format: string;
  };
};

export type PaDb = Kysely<Schema & PublicAdminTables>;
export const padb = (store: Store): PaDb => store.db.withTables<PublicAdminTables>();

/** Rows as arrays of values in the order of `cols` (null for a missing value). */
export interface ColumnRows { cols: readonly string[]; rows: readonly unknown[][] }

/**
 * Inserts many rows inside the transaction `db`. On SQLite through one prepared statement run per
 * row on the store's connection (the one the transaction is on: the store has a single SQLite
 * connection), each row's array bound as it is: the units' 24,000 rows in less than half the time
 * of 500-row inserts built by Kysely, on a first start's path. On PostgreSQL 500-row inserts (one
 * round trip per chunk, within the bound-parameter limit).
 */
export async function insertRows<T extends keyof PublicAdminTables>(db: PaDb, store: Store, table: T, { cols, rows }: ColumnRows, size = 500): Promise<void> {
  if (rows.length === 0) return;
  const checked = (r: readonly unknown[]) => {
    if (r.length !== cols.length) throw new Error(`insertRows(${table}): a row has ${r.length} values for ${cols.length} columns`);
    return r;
  };
  if (store.sqlite) {
    // Outside a transaction each row would be a transaction (and a sync) of its own.
    if (!store.sqlite.inTransaction) throw new Error(`insertRows(${table}) on SQLite must run inside a transaction`);
    const insert = store.sqlite.prepare(`insert into "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) values (${cols.map(() => '?').join(', ')})`);
    for (const r of rows) insert.run(checked(r));
    return;
  }
  for (let i = 0; i < rows.length; i += size) {
    const chunk = rows.slice(i, i + size).map((r) => { const v = checked(r); return Object.fromEntries(cols.map((c, k) => [c, v[k] ?? null])); });
    await db.insertInto(table).values(chunk as any).execute();
  }
}

export const parseJson = <T>(s: string | null | undefined, dflt: T): T => {
  if (!s) return dflt;
  try { return JSON.parse(s) as T; } catch { return dflt; }
};
