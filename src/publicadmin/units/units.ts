// Administrative units in the store: loading (skipped when nothing changed) and the lookups
// behind the admin-units service. Every lookup is "as of" a date.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'kysely';
import { VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import { localDate } from '../calendar/working-days.js';
import { padb, insertRows, type PaDb } from '../tables.js';
import { foldKey } from '../text.js';
import { buildUnits, packageVersion, readUnitsFile, PACKAGE_NAME } from './dataset.js';
import { readPrebuiltColumns, toUnitColumns } from './prebuilt.js';

/** Bump when the way rows are built changes, so every store reloads once. */
const LOADER_VERSION = 'units-2'; // 2: package rows repaired as `vamco units check` reports

/** Loads units and mappings unless the inputs are the ones already loaded. */
export async function loadUnits(store: Store, unitsFile?: string, o: { prebuiltFile?: string } = {}): Promise<{ loaded: boolean; units: number; mappings: number }> {
  const fileText = unitsFile ? fs.readFileSync(unitsFile, 'utf8') : '';
  const fingerprint = crypto.createHash('sha256')
    .update(`${LOADER_VERSION}\n${PACKAGE_NAME}@${packageVersion()}\n${fileText}`).digest('hex');
  const db = padb(store);
  const have = await db.selectFrom('publicadmin_meta').select('value').where('key', '=', 'units_fingerprint').executeTakeFirst();
  if (have?.value === fingerprint) return { loaded: false, units: 0, mappings: 0 };
  // Without an operator file the rows are the package's alone: the build made them already.
  const built = unitsFile ? toUnitColumns(buildUnits(readUnitsFile(unitsFile))) : readPrebuiltColumns(o.prebuiltFile) ?? toUnitColumns(buildUnits());
  await db.transaction().execute(async (trx) => {
    if (store.engine === 'postgres') await sql`select pg_advisory_xact_lock(727275)`.execute(trx);
    const again = await trx.selectFrom('publicadmin_meta').select('value').where('key', '=', 'units_fingerprint').executeTakeFirst();
    if (again?.value === fingerprint) return;
    await trx.deleteFrom('publicadmin_units').execute();
    await trx.deleteFrom('publicadmin_unit_mappings').execute();
    await insertRows(trx, store, 'publicadmin_units', built.units);
    await insertRows(trx, store, 'publicadmin_unit_mappings', built.mappings);
    await trx.deleteFrom('publicadmin_meta').where('key', '=', 'units_fingerprint').execute();
    await trx.insertInto('publicadmin_meta').values({ key: 'units_fingerprint', value: fingerprint }).execute();
  });
  return { loaded: true, units: built.units.rows.length, mappings: built.mappings.rows.length };
}

export interface Unit {
  code: string; name: string; shortName: string; level: string; type: string;
  provinceCode: string | null; provinceName: string | null; districtName?: string;
  validFrom: string | null; validTo: string | null;
}

type Row = { code: string; name: string; short_name: string; level: string; type: string; province_code: string | null;
  province_name: string | null; district_name: string | null; valid_from: string | null; valid_to: string | null };

const toUnit = (r: Row): Unit => ({
  code: r.code, name: r.name, shortName: r.short_name, level: r.level, type: r.type,
  provinceCode: r.province_code, provinceName: r.province_name,
  ...(r.district_name ? { districtName: r.district_name } : {}),
  validFrom: r.valid_from, validTo: r.valid_to,
});

/** Parses `at` (YYYY-MM-DD), defaulting to today in Asia/Ho_Chi_Minh. */
export function asOf(at: string | undefined): string {
  if (at === undefined || at === '') return localDate(new Date());
  if (!/^\d{4}-\d{2}-\d{2}$/.test(at) || Number.isNaN(Date.parse(at + 'T00:00:00Z'))) {
    throw new VamcoError('VALIDATION_FAILED', `at=${at} is not a date (YYYY-MM-DD)`);
  }
  return at;
}

const COLS = ['code', 'name', 'short_name', 'level', 'type', 'province_code', 'province_name', 'district_name', 'valid_from', 'valid_to'] as const;

function validAt(db: PaDb, at: string) {
  return db.selectFrom('publicadmin_units').select(COLS)
    .where((eb) => eb.and([
      eb.or([eb('valid_from', 'is', null), eb('valid_from', '<=', at)]),
      eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', at)]),
    ]));
}

export async function listProvinces(store: Store, at?: string): Promise<{ items: Array<{ code: string; name: string; shortName: string; type: string }>; total: number }> {
  const rows = await validAt(padb(store), asOf(at)).where('level', '=', 'province').orderBy('code').execute();
  const items = rows.map((r) => ({ code: r.code, name: r.name, shortName: r.short_name, type: r.type }));
  return { items, total: items.length };
}

export async function getUnit(store: Store, code: string, at?: string): Promise<Unit> {
  if (!/^\d{2}(\d{3})?$/.test(code)) throw new VamcoError('VALIDATION_FAILED', `"${code}" is not a unit code (2 digits for a province, 5 for a commune)`);
  const day = asOf(at);
  const row = await validAt(padb(store), day).where('code', '=', code).orderBy('valid_from', 'desc').executeTakeFirst();
  if (!row) throw new VamcoError('NOT_FOUND', `no administrative unit ${code} on ${day}`);
  return toUnit(row);
}

export async function searchUnits(store: Store, opts: { provinceCode?: string; q?: string; at?: string; level?: string; limit?: number; offset?: number }): Promise<{ items: Unit[]; total: number }> {
  const day = asOf(opts.at);
  if (opts.level && opts.level !== 'province' && opts.level !== 'commune') throw new VamcoError('VALIDATION_FAILED', 'level must be province or commune');
  if (opts.provinceCode && !/^\d{2}$/.test(opts.provinceCode)) throw new VamcoError('VALIDATION_FAILED', `provinceCode=${opts.provinceCode} is not a 2-digit province code`);
  const q = opts.q ? foldKey(opts.q) : '';
  let query = validAt(padb(store), day);
  if (opts.provinceCode) query = query.where('province_code', '=', opts.provinceCode);
  if (opts.level) query = query.where('level', '=', opts.level);
  // Folded keys hold only a-z, 0-9 and spaces, so no LIKE escaping is needed.
  if (q) query = query.where('search_key', 'like', `%${q}%`);
  const total = Number((await query.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  // Best matches first: the name itself ("tan an" → "Phường Tân An"), then names starting with it.
  const rank = sql<number>`case when search_key like ${'% ' + q} or search_key = ${q} then 0 when search_key like ${'% ' + q + ' %'} then 1 else 2 end`;
  const rows = await query.orderBy(rank).orderBy('level', 'desc').orderBy('code')
    .limit(opts.limit ?? 50).offset(opts.offset ?? 0).execute();
  return { items: rows.map(toUnit), total };
}

export async function listMappings(store: Store, opts: { oldCode?: string; newCode?: string }): Promise<{ items: unknown[]; total: number }> {
  if (!opts.oldCode && !opts.newCode) throw new VamcoError('VALIDATION_FAILED', 'give oldCode or newCode');
  let q = padb(store).selectFrom('publicadmin_unit_mappings').selectAll();
  if (opts.oldCode) q = q.where('old_code', '=', opts.oldCode.padStart(5, '0'));
  if (opts.newCode) q = q.where('new_code', '=', opts.newCode.padStart(5, '0'));
  const rows = await q.orderBy('id').execute();
  const items = rows.map((r) => ({
    oldCode: r.old_code, oldName: r.old_name, oldDistrictName: r.old_district_name, oldProvinceName: r.old_province_name,
    oldProvinceCode: r.old_province_code, newCode: r.new_code, newName: r.new_name, newProvinceCode: r.new_province_code,
    kind: r.kind, effectiveFrom: r.effective_from,
  }));
  return { items, total: items.length };
}

/** Whether a unit code exists in any version (for validating addresses). */
export async function unitExists(store: Store, code: string): Promise<boolean> {
  return !!(await padb(store).selectFrom('publicadmin_units').select('code').where('code', '=', code).executeTakeFirst());
}
