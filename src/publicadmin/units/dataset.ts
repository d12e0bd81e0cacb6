// Builds the versioned unit table from the address package, built-in amendments and an
// optional operator file. The whole table is rebuilt from these inputs, so a load is
// deterministic: the same inputs always give the same rows.
import fs from 'node:fs';
import { VamcoError } from '../../core/errors.js';
import { foldKey, nfc, remembering, toneKey } from '../text.js';
import { OLD_PROVINCES } from './old-provinces.js';
import { loadPackage, pad5, packageVersion, repairMappings, PACKAGE_NAME } from './mapping-check.js';

export { packageVersion, PACKAGE_NAME };

/** The reform's effective date: Resolution 202/2025/QH15, two-level local government. */
export const REFORM_DATE = '2025-07-01';
const DAY_BEFORE_REFORM = '2025-06-30';

export interface UnitRow {
  code: string; level: 'province' | 'commune'; type: string; name: string; short_name: string;
  province_code: string | null; province_name: string | null; district_name: string | null;
  valid_from: string | null; valid_to: string | null; search_key: string; source: string;
}
export interface MappingRow {
  /** Null for a name-only mapping: the package names the old unit but gives no code for it. */
  old_code: string | null; old_name: string | null; old_district_name: string | null; old_province_name: string | null;
  old_province_code: string | null; new_code: string; new_name: string | null; new_province_code: string | null;
  kind: string; effective_from: string; source: string;
}

/** The operator file (documented in docs/publicadmin.md). */
export interface UnitsFile {
  effectiveFrom: string;
  source?: string;
  /** When true, current units of a listed level that the file omits are closed at effectiveFrom. */
  complete?: boolean;
  provinces?: Array<{ code: string; name: string; type?: string }>;
  units?: Array<{ code: string; name: string; provinceCode: string; type?: string }>;
  closed?: string[];
  mappings?: Array<{ oldCode: string; newCode: string; oldName?: string; oldDistrictName?: string; oldProvinceName?: string; oldProvinceCode?: string; newName?: string; kind?: string }>;
}

const COMMUNE_TYPES = ['Thị trấn', 'Đặc khu', 'Phường', 'Xã'];
const PROVINCE_TYPES = ['Thành phố', 'Tỉnh'];

function split(name: string, types: string[], dflt: string): { type: string; short: string } {
  const n = nfc(name);
  for (const t of types) if (n.startsWith(t + ' ')) return { type: t, short: n.slice(t.length + 1) };
  return { type: dflt, short: n };
}

const oldProvinceByKey = new Map(OLD_PROVINCES.map(([code, name]) => [toneKey(name), code]));

function dayBefore(iso: string): string {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

class Builder {
  readonly versions = new Map<string, UnitRow[]>();
  readonly mappings: MappingRow[] = [];

  add(row: UnitRow) {
    const list = this.versions.get(row.code) ?? [];
    list.push(row);
    this.versions.set(row.code, list);
  }

  current(code: string): UnitRow | undefined {
    return this.versions.get(code)?.find((r) => r.valid_to === null);
  }

  /** Makes `row` the version from `row.valid_from`, closing the one it replaces. */
  supersede(row: UnitRow) {
    const cur = this.current(row.code);
    if (cur && cur.name === row.name && cur.type === row.type && cur.province_code === row.province_code) return;
    if (cur) {
      if (cur.valid_from !== null && cur.valid_from >= row.valid_from!) {
        const list = this.versions.get(row.code)!;
        list.splice(list.indexOf(cur), 1);
      } else cur.valid_to = dayBefore(row.valid_from!);
    }
    this.add(row);
  }

  close(code: string, from: string) {
    const cur = this.current(code);
    if (cur) cur.valid_to = dayBefore(from);
  }

  rows(): UnitRow[] {
    return [...this.versions.values()].flat();
  }
}

function provinceRow(code: string, fullName: string, type: string | undefined, from: string | null, source: string): UnitRow {
  const s = split(fullName, PROVINCE_TYPES, type ?? 'Tỉnh');
  const t = type ? nfc(type) : s.type;
  const name = `${t} ${s.short}`;
  return { code, level: 'province', type: t, name, short_name: s.short, province_code: code, province_name: name,
    district_name: null, valid_from: from, valid_to: null, search_key: foldKey(name), source };
}

function communeRow(code: string, fullName: string, type: string | undefined, provinceCode: string | null, provinceName: string | null, from: string | null, source: string): UnitRow {
  const s = split(fullName, COMMUNE_TYPES, type ?? 'Xã');
  const t = type ? nfc(type) : s.type;
  const name = type && !nfc(fullName).startsWith(t + ' ') ? `${t} ${nfc(fullName)}` : nfc(fullName);
  return { code, level: 'commune', type: t, name, short_name: s.short, province_code: provinceCode, province_name: provinceName,
    district_name: null, valid_from: from, valid_to: null, search_key: foldKey(name), source };
}

/** Kind of change from the counts: one old → one new (unchanged/renamed), many → one (merged)… */
function classify(rows: MappingRow[]): void {
  const newsPerOld = new Map<string, Set<string>>();
  const oldsPerNew = new Map<string, Set<string>>();
  // A name-only old unit is keyed by its names.
  const oldKey = (r: MappingRow) => r.old_code ?? `${r.old_name}|${r.old_district_name}|${r.old_province_name}`;
  for (const r of rows) {
    (newsPerOld.get(oldKey(r)) ?? newsPerOld.set(oldKey(r), new Set()).get(oldKey(r))!).add(r.new_code);
    (oldsPerNew.get(r.new_code) ?? oldsPerNew.set(r.new_code, new Set()).get(r.new_code)!).add(oldKey(r));
  }
  for (const r of rows) {
    if (r.kind) continue;
    const split = newsPerOld.get(oldKey(r))!.size > 1;
    const merged = oldsPerNew.get(r.new_code)!.size > 1;
    if (split && merged) r.kind = 'split-merged';
    else if (split) r.kind = 'split';
    else if (merged) r.kind = 'merged';
    else if (r.old_code === r.new_code && r.old_name && r.new_name && toneKey(r.old_name) === toneKey(r.new_name)) r.kind = 'unchanged';
    else r.kind = 'renamed';
  }
}

/** Built-in amendments after the package's snapshot (facts from the reference notes). */
const BUILTIN_AMENDMENTS: UnitsFile[] = [
  // Đồng Nai became a centrally-run city on 2026-04-30 (same code, still 34 provinces).
  { effectiveFrom: '2026-04-30', source: 'builtin', provinces: [{ code: '75', name: 'Thành phố Đồng Nai', type: 'Thành phố' }] },
];

export function readUnitsFile(file: string): UnitsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new VamcoError('VALIDATION_FAILED', `units file ${file}: ${(e as Error).message}`);
  }
  return validateUnitsFile(parsed, file);
}

export function validateUnitsFile(v: unknown, where = 'units file'): UnitsFile {
  const bad = (m: string): never => { throw new VamcoError('VALIDATION_FAILED', `${where}: ${m}`); };
  if (!v || typeof v !== 'object') bad('must be a JSON object');
  const f = v as UnitsFile;
  if (typeof f.effectiveFrom !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(f.effectiveFrom)) bad('effectiveFrom must be YYYY-MM-DD');
  for (const [i, p] of (f.provinces ?? []).entries()) {
    if (!/^\d{2}$/.test(p?.code ?? '') || !p.name) bad(`provinces[${i}] needs a 2-digit code and a name`);
  }
  for (const [i, u] of (f.units ?? []).entries()) {
    if (!/^\d{5}$/.test(u?.code ?? '') || !u.name || !/^\d{2}$/.test(u.provinceCode ?? '')) bad(`units[${i}] needs a 5-digit code, a name and a 2-digit provinceCode`);
  }
  for (const [i, m] of (f.mappings ?? []).entries()) {
    if (!m?.oldCode || !m.newCode) bad(`mappings[${i}] needs oldCode and newCode`);
  }
  return f;
}

function applyFile(b: Builder, f: UnitsFile, provinceNames: Map<string, string>): void {
  const source = f.source ?? 'operator';
  for (const p of f.provinces ?? []) {
    const row = provinceRow(p.code, p.name, p.type, f.effectiveFrom, source);
    provinceNames.set(p.code, row.name);
    b.supersede(row);
  }
  for (const u of f.units ?? []) {
    b.supersede(communeRow(u.code, u.name, u.type, u.provinceCode, provinceNames.get(u.provinceCode) ?? null, f.effectiveFrom, source));
  }
  if (f.complete) {
    const listed = new Set([...(f.provinces ?? []).map((p) => p.code), ...(f.units ?? []).map((u) => u.code)]);
    const levels = new Set([...(f.provinces?.length ? ['province'] : []), ...(f.units?.length ? ['commune'] : [])]);
    for (const r of b.rows()) if (r.valid_to === null && levels.has(r.level) && !listed.has(r.code)) b.close(r.code, f.effectiveFrom);
  }
  for (const c of f.closed ?? []) b.close(c, f.effectiveFrom);
  const rows: MappingRow[] = (f.mappings ?? []).map((m) => ({
    old_code: m.oldCode, old_name: m.oldName ? nfc(m.oldName) : b.current(m.oldCode)?.name ?? null,
    old_district_name: m.oldDistrictName ?? null, old_province_name: m.oldProvinceName ?? null, old_province_code: m.oldProvinceCode ?? null,
    new_code: m.newCode, new_name: m.newName ? nfc(m.newName) : b.current(m.newCode)?.name ?? null,
    new_province_code: b.current(m.newCode)?.province_code ?? null, kind: m.kind ?? '', effective_from: f.effectiveFrom, source,
  }));
  classify(rows);
  b.mappings.push(...rows);
}

/** `skippedMappings`: package rows not loaded (no old unit, duplicates, unresolved) — see `vamco units check`. */
export interface BuiltUnits { units: UnitRow[]; mappings: MappingRow[]; skippedMappings: number }

export function buildUnits(operator?: UnitsFile): BuiltUnits {
  // The same province names on every row: normalised once each.
  const provinceKey = remembering(toneKey);
  const pkg = loadPackage();
  const source = `${PACKAGE_NAME}@${packageVersion()}`;
  const b = new Builder();
  const provinceNames = new Map<string, string>();
  const provinceByKey = new Map<string, string>();
  for (const p of pkg.provinces) {
    const type = p.place_type.startsWith('Thành phố') ? 'Thành phố' : 'Tỉnh';
    const row = provinceRow(p.province_code, p.name, type, REFORM_DATE, source);
    provinceNames.set(row.code, row.name);
    provinceByKey.set(provinceKey(row.short_name), row.code);
    provinceByKey.set(provinceKey(row.name), row.code);
    b.add(row);
  }
  const wardProvince = new Map<string, string>();
  for (const w of pkg.wards) {
    const code = pad5(w.ward_code);
    wardProvince.set(code, w.province_code);
    b.add(communeRow(code, w.name, undefined, w.province_code, provinceNames.get(w.province_code) ?? null, REFORM_DATE, source));
  }
  // Pre-reform communes: one version per old code, valid until the day before the reform. The
  // package's rows go through the decisions of mapping-check.ts (`vamco units check`) first.
  const repaired = repairMappings(pkg);
  const mappings: MappingRow[] = [];
  const oldSeen = new Set<string>();
  const preReform: UnitRow[] = [];
  for (const m of repaired.rows) {
    const oldProvinceCode = m.oldProvinceName ? oldProvinceByKey.get(provinceKey(m.oldProvinceName)) ?? null : null;
    const newProvinceCode = wardProvince.get(m.newCode) ?? (m.newProvinceName ? provinceByKey.get(provinceKey(m.newProvinceName)) ?? null : null);
    mappings.push({
      old_code: m.oldCode, old_name: m.oldName, old_district_name: m.oldDistrictName, old_province_name: m.oldProvinceName,
      old_province_code: oldProvinceCode, new_code: m.newCode, new_name: m.newName, new_province_code: newProvinceCode,
      kind: '', effective_from: REFORM_DATE, source,
    });
    if (m.oldCode && m.oldName && !oldSeen.has(m.oldCode)) {
      oldSeen.add(m.oldCode);
      const row = communeRow(m.oldCode, m.oldName, undefined, oldProvinceCode, m.oldProvinceName, null, source);
      row.district_name = m.oldDistrictName;
      row.valid_to = DAY_BEFORE_REFORM;
      preReform.push(row);
    }
  }
  const skipped = pkg.mappings.length - repaired.rows.length;
  classify(mappings);
  b.mappings.push(...mappings);
  for (const r of preReform) b.add(r);
  for (const a of BUILTIN_AMENDMENTS) applyFile(b, a, provinceNames);
  if (operator) applyFile(b, operator, provinceNames);
  return { units: b.rows(), mappings: b.mappings, skippedMappings: skipped };
}
