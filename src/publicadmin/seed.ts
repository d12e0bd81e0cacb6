// Start-up loading of reference data: units (skipped when unchanged), built-in holiday rules,
// and in demo mode the sample procedures and agencies (added only when missing).
import type { Store } from '../store/index.js';
import { seedHolidayRules } from './calendar/holiday-rules.js';
import { upsertAgency } from './agencies/agencies.js';
import { DEMO_AGENCIES, DEMO_PROCEDURES } from './procedures/demo-procedures.js';
import { fromLayThuTuc, saveProcedure } from './procedures/procedures.js';
import { padb } from './tables.js';
import { loadUnits } from './units/units.js';

export async function seedPublicAdmin(store: Store, opts: { unitsFile?: string; demo?: boolean } = {}): Promise<void> {
  await loadUnits(store, opts.unitsFile);
  await seedHolidayRules(store);
  if (!opts.demo) return;
  const db = padb(store);
  for (const r of DEMO_PROCEDURES) {
    const have = await db.selectFrom('publicadmin_procedures').select('code').where('code', '=', r.MATTHC).executeTakeFirst();
    if (!have) await saveProcedure(store, fromLayThuTuc(r, 'demo'));
  }
  for (const a of DEMO_AGENCIES) {
    const have = await db.selectFrom('publicadmin_agencies').select('code').where('code', '=', a.code).executeTakeFirst();
    if (!have) await upsertAgency(store, a, 'upsert');
  }
}
