// The package's administrative units built once, when the platform is built (scripts/build.mjs),
// so that a first start reads ~24,000 finished rows instead of building them: building them was
// about half a second of a first start's main thread (issue 15, cold start including the first
// run). The file lies beside this module in dist/ and is used only when its key matches: the
// address package's version and the bytes of the code that builds the rows, so a package update
// without a rebuild, or `tsc` alone after an edit of that code, falls back to building them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ColumnRows } from '../tables.js';
import { buildUnits, packageVersion, PACKAGE_NAME, type BuiltUnits, type MappingRow, type UnitRow } from './dataset.js';

const FORMAT = 'vamco-units-prebuilt-1';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXT = path.extname(fileURLToPath(import.meta.url));
export const PREBUILT_FILE = path.join(HERE, 'units-prebuilt.json');

// Columns by position: the file is half the size of rows as objects and parses in half the time.
const UNIT_COLS = ['code', 'level', 'type', 'name', 'short_name', 'province_code', 'province_name', 'district_name', 'valid_from', 'valid_to', 'search_key', 'source'] as const satisfies ReadonlyArray<keyof UnitRow>;
const MAPPING_COLS = ['old_code', 'old_name', 'old_district_name', 'old_province_name', 'old_province_code', 'new_code', 'new_name', 'new_province_code', 'kind', 'effective_from', 'source'] as const satisfies ReadonlyArray<keyof MappingRow>;

/** The units and mappings as the load inserts them. */
export interface UnitColumns { units: ColumnRows; mappings: ColumnRows; skippedMappings: number }

interface PrebuiltFile { format: string; key: string; units: readonly unknown[][]; mappings: readonly unknown[][]; skippedMappings: number }

/**
 * The package's version, the builder's own code (the modules of `dir`, this folder, and the text
 * helpers they use) and the Unicode version of the running Node (the names' NFC and folding).
 */
export function prebuiltKey(dir = HERE): string {
  const h = crypto.createHash('sha256').update(`${FORMAT}\n${PACKAGE_NAME}@${packageVersion()}\nunicode ${process.versions.unicode}\n`);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(EXT) && !f.includes('.test.')).sort().map((f) => path.join(dir, f));
  for (const f of [...files, path.join(dir, '..', `text${EXT}`)]) h.update(`${path.basename(f)}\n`).update(fs.readFileSync(f));
  return h.digest('hex');
}

// A value a row lacks is null, as SQL binds it (the JSON file holds null there too).
const toColumns = <R>(rows: readonly R[], cols: ReadonlyArray<keyof R>): unknown[][] => rows.map((r) => cols.map((c) => r[c] ?? null));
const fromColumns = <R>(rows: readonly unknown[][], cols: ReadonlyArray<keyof R>): R[] =>
  rows.map((a) => { const r = {} as Record<keyof R, unknown>; cols.forEach((c, i) => { r[c] = a[i]; }); return r as R; });

/** Builds the package's units (no operator file) and writes them where readPrebuiltColumns looks. */
export function writePrebuilt(file = PREBUILT_FILE): { units: number; mappings: number } {
  const c = toUnitColumns(buildUnits());
  const out: PrebuiltFile = { format: FORMAT, key: prebuiltKey(), units: c.units.rows, mappings: c.mappings.rows, skippedMappings: c.skippedMappings };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(out));
  fs.renameSync(tmp, file);
  return { units: c.units.rows.length, mappings: c.mappings.rows.length };
}

/**
 * The prebuilt rows as the file holds them, column arrays, or undefined when there is no file, it
 * was built from other inputs or code, or a row is not an array of its table's columns (the load
 * then builds the rows instead of failing the start). A first start inserts these arrays as they
 * are: making 24,000 objects of them first, then arrays again for the insert, was ~50 ms of it.
 */
export function readPrebuiltColumns(file = PREBUILT_FILE): UnitColumns | undefined {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return undefined; }
  let f: PrebuiltFile;
  try { f = JSON.parse(text) as PrebuiltFile; } catch { return undefined; }
  if (f?.format !== FORMAT || f.key !== prebuiltKey() || !Array.isArray(f.units) || !Array.isArray(f.mappings)) return undefined;
  const shaped = (rows: readonly unknown[], n: number) => rows.every((r) => Array.isArray(r) && r.length === n);
  if (!shaped(f.units, UNIT_COLS.length) || !shaped(f.mappings, MAPPING_COLS.length)) return undefined;
  return { units: { cols: UNIT_COLS, rows: f.units }, mappings: { cols: MAPPING_COLS, rows: f.mappings }, skippedMappings: f.skippedMappings };
}

/** Built rows (objects) in the form the load inserts. */
export function toUnitColumns(built: BuiltUnits): UnitColumns {
  return { units: { cols: UNIT_COLS, rows: toColumns(built.units, UNIT_COLS) }, mappings: { cols: MAPPING_COLS, rows: toColumns(built.mappings, MAPPING_COLS) }, skippedMappings: built.skippedMappings };
}

/** The prebuilt units as rows (objects), or undefined as readPrebuiltColumns: what the tests compare with buildUnits(). */
export function readPrebuilt(file = PREBUILT_FILE): BuiltUnits | undefined {
  const c = readPrebuiltColumns(file);
  return c && { units: fromColumns<UnitRow>(c.units.rows, UNIT_COLS), mappings: fromColumns<MappingRow>(c.mappings.rows, MAPPING_COLS), skippedMappings: c.skippedMappings };
}
