// Agencies with their electronic identifier codes (Quyết định 20/2020/QĐ-TTg):
// V1V2V3.Z1Z2.Y1Y2.MX1X2 — M a letter and X1X2 digits for the level-1 unit (e.g. H59 a
// province), Y1Y2 a level-2 unit, Z1Z2 level 3, V1V2V3 level 4; zeros mean "none".
import fs from 'node:fs';
import { VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import { padb } from '../tables.js';
import { foldKey, nfc } from '../text.js';
import { unitExists } from '../units/units.js';

const AGENCY_CODE = /^(\d{3})\.(\d{2})\.(\d{2})\.([A-Z]\d{2})$/;

export interface Agency {
  code: string; name: string; shortName: string | null; parentCode: string | null; level: number;
  unitCode: string | null; address: string | null; email: string | null; phone: string | null;
  createdAt: string; updatedAt: string;
}
export interface AgencyInput {
  code: string; name: string; shortName?: string | null; parentCode?: string | null; unitCode?: string | null;
  address?: string | null; email?: string | null; phone?: string | null;
}

export function isAgencyCode(code: string): boolean {
  return AGENCY_CODE.test(code);
}

/** Level 1–4 from which parts of the code are set. */
export function agencyLevel(code: string): number {
  const m = AGENCY_CODE.exec(code);
  if (!m) throw new VamcoError('VALIDATION_FAILED', `"${code}" is not an agency code of Quyết định 20/2020/QĐ-TTg (e.g. 000.00.00.H59)`);
  const [, v, z, y] = m;
  if (v !== '000') {
    if (z === '00' || y === '00') throw new VamcoError('VALIDATION_FAILED', `"${code}": a level-4 code needs its level-2 and level-3 parts`);
    return 4;
  }
  if (z !== '00') {
    if (y === '00') throw new VamcoError('VALIDATION_FAILED', `"${code}": a level-3 code needs its level-2 part`);
    return 3;
  }
  return y !== '00' ? 2 : 1;
}

/** The parent the code's structure implies (000.00.01.H59 → 000.00.00.H59). */
export function structuralParent(code: string): string | null {
  const level = agencyLevel(code);
  const [, v, z, y, m] = AGENCY_CODE.exec(code)!;
  if (level === 1) return null;
  if (level === 2) return `000.00.00.${m}`;
  if (level === 3) return `000.00.${y}.${m}`;
  return `000.${z}.${y}.${m}`;
  void v;
}

const toAgency = (r: any): Agency => ({
  code: r.code, name: r.name, shortName: r.short_name, parentCode: r.parent_code, level: Number(r.level),
  unitCode: r.unit_code, address: r.address, email: r.email, phone: r.phone, createdAt: r.created_at, updatedAt: r.updated_at,
});

const opt = (v: unknown, what: string, max = 500): string | null => {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || v.length > max) throw new VamcoError('VALIDATION_FAILED', `${what} must be a string of at most ${max} characters`);
  return nfc(v);
};

async function normalise(store: Store, a: AgencyInput) {
  if (!a || typeof a !== 'object') throw new VamcoError('VALIDATION_FAILED', 'an agency must be an object');
  const code = String(a.code ?? '').trim();
  const level = agencyLevel(code);
  const name = opt(a.name, `agency ${code}: name`);
  if (!name) throw new VamcoError('VALIDATION_FAILED', `agency ${code}: name is required`);
  const parentCode = opt(a.parentCode, `agency ${code}: parentCode`) ?? structuralParent(code);
  if (parentCode !== null) {
    agencyLevel(parentCode);
    if (parentCode === code) throw new VamcoError('VALIDATION_FAILED', `agency ${code} cannot be its own parent`);
  }
  const unitCode = opt(a.unitCode, `agency ${code}: unitCode`);
  if (unitCode && !(await unitExists(store, unitCode))) throw new VamcoError('VALIDATION_FAILED', `agency ${code}: unit ${unitCode} is not a known administrative unit`);
  const email = opt(a.email, `agency ${code}: email`, 200);
  if (email && !/^[^@\s]+@[^@\s]+$/.test(email)) throw new VamcoError('VALIDATION_FAILED', `agency ${code}: email "${email}" is not an e-mail address`);
  return { code, name, short_name: opt(a.shortName, `agency ${code}: shortName`), parent_code: parentCode, level, unit_code: unitCode,
    address: opt(a.address, `agency ${code}: address`), email, phone: opt(a.phone, `agency ${code}: phone`, 50) };
}

export async function upsertAgency(store: Store, input: AgencyInput, mode: 'create' | 'update' | 'upsert' = 'upsert'): Promise<Agency> {
  const row = await normalise(store, input);
  const db = padb(store);
  const now = new Date().toISOString();
  const existing = await db.selectFrom('publicadmin_agencies').select('code').where('code', '=', row.code).executeTakeFirst();
  if (existing && mode === 'create') throw new VamcoError('ALREADY_EXISTS', `agency ${row.code} already exists`);
  if (!existing && mode === 'update') throw new VamcoError('NOT_FOUND', `no agency ${row.code}`);
  if (existing) await db.updateTable('publicadmin_agencies').set({ ...row, updated_at: now }).where('code', '=', row.code).execute();
  else await db.insertInto('publicadmin_agencies').values({ ...row, created_at: now, updated_at: now }).execute();
  return getAgency(store, row.code);
}

export async function getAgency(store: Store, code: string): Promise<Agency> {
  const r = await padb(store).selectFrom('publicadmin_agencies').selectAll().where('code', '=', code).executeTakeFirst();
  if (!r) throw new VamcoError('NOT_FOUND', `no agency ${code}`);
  return toAgency(r);
}

export async function deleteAgency(store: Store, code: string): Promise<void> {
  const db = padb(store);
  const child = await db.selectFrom('publicadmin_agencies').select('code').where('parent_code', '=', code).executeTakeFirst();
  if (child) throw new VamcoError('CONFLICT', `agency ${code} has child agency ${child.code}; delete or move it first`);
  const res = await db.deleteFrom('publicadmin_agencies').where('code', '=', code).executeTakeFirst();
  if (!Number(res.numDeletedRows)) throw new VamcoError('NOT_FOUND', `no agency ${code}`);
}

export async function listAgencies(store: Store, opts: { q?: string; parentCode?: string; limit?: number; offset?: number } = {}): Promise<{ items: Agency[]; total: number }> {
  let rows = (await padb(store).selectFrom('publicadmin_agencies').selectAll().orderBy('code').execute()).map(toAgency);
  // Agency lists are small (hundreds); filtering in memory gives diacritic-insensitive search on both engines.
  if (opts.parentCode) rows = rows.filter((a) => a.parentCode === opts.parentCode);
  if (opts.q) {
    const q = foldKey(opts.q);
    rows = rows.filter((a) => foldKey(`${a.name} ${a.shortName ?? ''}`).includes(q) || a.code.includes(opts.q!.trim()));
  }
  const offset = opts.offset ?? 0;
  return { items: rows.slice(offset, offset + (opts.limit ?? 100)), total: rows.length };
}

/** Imports a JSON file: an array of agencies, or an object with an `agencies` or `items` array. */
export async function importAgencies(store: Store, file: string): Promise<{ imported: number }> {
  let data: any;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new VamcoError('VALIDATION_FAILED', `agency file ${file}: ${(e as Error).message}`);
  }
  const list: AgencyInput[] = Array.isArray(data) ? data : data?.agencies ?? data?.items;
  if (!Array.isArray(list)) throw new VamcoError('VALIDATION_FAILED', `agency file ${file}: expected an array of agencies or {"agencies": [...]}`);
  // Validate everything first so a bad row imports nothing.
  for (const a of list) await normalise(store, a);
  for (const a of list) await upsertAgency(store, a, 'upsert');
  return { imported: list.length };
}
