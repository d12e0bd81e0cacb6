import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, tempDir, testEngines, type TestStore } from '../../store/testing.js';
import { padb } from '../tables.js';
import { buildUnits, type BuiltUnits } from './dataset.js';
import { prebuiltKey, readPrebuilt, writePrebuilt } from './prebuilt.js';
import { loadUnits } from './units.js';

// The units the build writes (scripts/build.mjs) are the rows buildUnits makes, and a first
// start uses them only when they were made from this package and this code.
const dir = tempDir('vamco-units-prebuilt-');
const file = path.join(dir, 'units-prebuilt.json');
let built: BuiltUnits;
beforeAll(() => { built = buildUnits(); writePrebuilt(file); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Rewrites the prebuilt file through `edit` (its JSON as an object). */
function edited(name: string, edit: (f: { key: string; units: unknown[][] }) => void): string {
  const f = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(f);
  const out = path.join(dir, name);
  fs.writeFileSync(out, JSON.stringify(f));
  return out;
}

describe('prebuilt administrative units', () => {
  it('reads back exactly the rows buildUnits makes, every field of every row', () => {
    expect(built.units.length).toBeGreaterThan(10_000);
    expect(built.mappings.length).toBeGreaterThan(10_000);
    expect(readPrebuilt(file)).toEqual(built);
  });

  it('is not used when missing, unreadable, or made from another package or other code (its key)', () => {
    expect(readPrebuilt(path.join(dir, 'none.json'))).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'cut.json'), fs.readFileSync(file, 'utf8').slice(0, 1000));
    expect(readPrebuilt(path.join(dir, 'cut.json'))).toBeUndefined();
    expect(readPrebuilt(edited('other-key.json', (f) => { f.key = f.key.replace(/^./, (c) => (c === '0' ? '1' : '0')); }))).toBeUndefined();
    // A row that is not an array of its table's columns (the key still matching): built instead, not a failed start.
    expect(readPrebuilt(edited('short-row.json', (f) => { f.units[5] = f.units[5]!.slice(1); }))).toBeUndefined();
    expect(readPrebuilt(edited('object-row.json', (f) => { (f.units as unknown[])[5] = { code: '01' }; }))).toBeUndefined();
  });

  it('has a key that changes with any byte of the code that builds the rows', () => {
    // A copy of this folder and of the text helpers beside it: the same bytes, the same key.
    const here = path.dirname(fileURLToPath(import.meta.url));
    const copy = path.join(dir, 'code', 'units');
    fs.mkdirSync(copy, { recursive: true });
    for (const f of fs.readdirSync(here)) if (f.endsWith('.ts')) fs.copyFileSync(path.join(here, f), path.join(copy, f));
    fs.copyFileSync(path.join(here, '..', 'text.ts'), path.join(copy, '..', 'text.ts'));
    const key = prebuiltKey(copy);
    expect(key).toBe(prebuiltKey());
    for (const f of [path.join(copy, 'dataset.ts'), path.join(copy, 'mapping-check.ts'), path.join(copy, '..', 'text.ts')]) {
      const bytes = fs.readFileSync(f);
      fs.writeFileSync(f, Buffer.concat([bytes, Buffer.from(' ')]));
      expect(prebuiltKey(copy), f).not.toBe(key);
      fs.writeFileSync(f, bytes);
      expect(prebuiltKey(copy)).toBe(key);
    }
  });
});

const UNIT_COLS = ['code', 'level', 'type', 'name', 'short_name', 'province_code', 'province_name', 'district_name', 'valid_from', 'valid_to', 'search_key', 'source'] as const;
const MAPPING_COLS = ['old_code', 'old_name', 'old_district_name', 'old_province_name', 'old_province_code', 'new_code', 'new_name', 'new_province_code', 'kind', 'effective_from', 'source'] as const;
/** Rows as sorted JSON texts of the given columns: the stored rows compared with the built ones, every field. */
const texts = (rows: readonly object[], cols: readonly string[]) => rows.map((r) => JSON.stringify(cols.map((c) => (r as Record<string, unknown>)[c] ?? null))).sort();

describe.each(testEngines())('loading units with a prebuilt file on %s', (engine) => {
  let t: TestStore;
  beforeAll(async () => { t = await createTestStore(engine); });
  afterAll(async () => { await t.cleanup(); });
  const nameOf = async (code: string) => (await padb(t.store).selectFrom('publicadmin_units').select('name').where('code', '=', code).where('valid_to', 'is', null).executeTakeFirst())?.name;

  it('loads the file\'s rows when its key matches, and builds them when it does not', async () => {
    const code = built.units[0]!.code;
    // A file with one name changed and the key kept: the store shows that name, so the file was read.
    const marked = edited('marked.json', (f) => { f.units[0]![3] = 'Prebuilt marker'; });
    const r = await loadUnits(t.store, undefined, { prebuiltFile: marked });
    expect(r).toEqual({ loaded: true, units: built.units.length, mappings: built.mappings.length });
    expect(await nameOf(code)).toBe('Prebuilt marker');
    // Every stored field is the built one (but the marked name): the insert puts each value in its column.
    const units = await padb(t.store).selectFrom('publicadmin_units').select(UNIT_COLS).execute();
    expect(texts(units, UNIT_COLS)).toEqual(texts(built.units.map((u, i) => (i === 0 ? { ...u, name: 'Prebuilt marker' } : u)), UNIT_COLS));
    const mappings = await padb(t.store).selectFrom('publicadmin_unit_mappings').select(MAPPING_COLS).execute();
    expect(texts(mappings, MAPPING_COLS)).toEqual(texts(built.mappings, MAPPING_COLS));

    // The same marked file with another key: built instead (a new store, as the load is skipped when unchanged).
    const t2 = await createTestStore(engine);
    try {
      const stale = edited('marked-stale.json', (f) => { f.units[0]![3] = 'Prebuilt marker'; f.key = 'stale'; });
      await loadUnits(t2.store, undefined, { prebuiltFile: stale });
      const row = await padb(t2.store).selectFrom('publicadmin_units').select('name').where('code', '=', code).where('valid_to', 'is', null).executeTakeFirst();
      expect(row?.name).toBe(built.units[0]!.name);
    } finally {
      await t2.cleanup();
    }
  });
});
