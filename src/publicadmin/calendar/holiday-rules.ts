// The holiday rule table in the store: built-in rows seeded at start, operator rows added
// through the admin API. The calendar is rebuilt only when the rules change.
import { VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import { padb } from '../tables.js';
import { nfc } from '../text.js';
import { BUILTIN_HOLIDAY_RULES, validateRule, WorkCalendar, type HolidayRule } from './working-days.js';

const toRule = (r: any): HolidayRule & { id: number; builtin: boolean } => ({
  id: Number(r.id), ruleKey: r.rule_key, kind: r.kind, name: r.name, month: r.month, day: r.day, date: r.date,
  offsetDays: Number(r.offset_days), lengthDays: Number(r.length_days), compensate: !!Number(r.compensate),
  fromYear: r.from_year, toYear: r.to_year, enabled: !!Number(r.enabled), builtin: !!Number(r.builtin),
});

const toRow = (r: HolidayRule) => ({
  rule_key: r.ruleKey ?? null, kind: r.kind, name: nfc(r.name), month: r.month ?? null, day: r.day ?? null, date: r.date ?? null,
  offset_days: r.offsetDays ?? 0, length_days: r.lengthDays ?? 1, compensate: r.compensate ? 1 : 0,
  from_year: r.fromYear ?? null, to_year: r.toYear ?? null, enabled: r.enabled === false ? 0 : 1,
});

/** Inserts built-in rules that are missing; never overwrites what an operator changed. */
export async function seedHolidayRules(store: Store): Promise<void> {
  const db = padb(store);
  const have = new Set((await db.selectFrom('publicadmin_holiday_rules').select('rule_key').where('builtin', '=', 1).execute()).map((r) => r.rule_key));
  const now = new Date().toISOString();
  for (const r of BUILTIN_HOLIDAY_RULES) {
    if (have.has(r.ruleKey!)) continue;
    await db.insertInto('publicadmin_holiday_rules').values({ ...toRow(r), builtin: 1, created_at: now })
      .onConflict((oc) => oc.column('rule_key').doNothing()).execute();
  }
}

export async function listHolidayRules(store: Store) {
  const rows = await padb(store).selectFrom('publicadmin_holiday_rules').selectAll().orderBy('id').execute();
  const items = rows.map(toRule);
  return { items, total: items.length };
}

export async function addHolidayRule(store: Store, input: HolidayRule) {
  const rule = { ...input, ruleKey: null };
  validateRule(rule);
  const row = await padb(store).insertInto('publicadmin_holiday_rules')
    .values({ ...toRow(rule), builtin: 0, created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow();
  return getHolidayRule(store, Number(row.id));
}

export async function getHolidayRule(store: Store, id: number) {
  const r = await padb(store).selectFrom('publicadmin_holiday_rules').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw new VamcoError('NOT_FOUND', `no holiday rule ${id}`);
  return toRule(r);
}

/** Changes a rule. Built-in rules may only be enabled or disabled, so upgrades stay comparable. */
export async function updateHolidayRule(store: Store, id: number, patch: Partial<HolidayRule>) {
  const cur = await getHolidayRule(store, id);
  if (cur.builtin && Object.keys(patch).some((k) => k !== 'enabled')) {
    throw new VamcoError('CONFLICT', `holiday rule ${id} is built in: it can only be enabled or disabled; add an operator rule instead`);
  }
  const next: HolidayRule = { ...cur, ...patch, kind: patch.kind ?? cur.kind };
  validateRule(next);
  await padb(store).updateTable('publicadmin_holiday_rules').set(toRow(next)).where('id', '=', id).execute();
  return getHolidayRule(store, id);
}

export async function deleteHolidayRule(store: Store, id: number): Promise<void> {
  const cur = await getHolidayRule(store, id);
  if (cur.builtin) throw new VamcoError('CONFLICT', `holiday rule ${id} is built in: disable it instead of deleting it`);
  await padb(store).deleteFrom('publicadmin_holiday_rules').where('id', '=', id).execute();
}

let cached: { key: string; calendar: WorkCalendar } | undefined;

/** The calendar from the current rules (one small query; rebuilt only when rules differ). */
export async function loadCalendar(store: Store): Promise<WorkCalendar> {
  const { items } = await listHolidayRules(store);
  const key = JSON.stringify(items);
  if (cached?.key !== key) cached = { key, calendar: new WorkCalendar(items) };
  return cached.calendar;
}
