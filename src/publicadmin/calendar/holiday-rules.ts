// The holiday rule table in the store: built-in rows kept in step with the shipped table at
// start, operator rows (next year's decision) added through the admin API, the console or
// `vamco holiday add`. Every change is trailed. The calendar is rebuilt only when rules change;
// dossiers keep the due date they were given (see dossiers/deadlines.ts to recompute).
import { VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import { padb, type PaDb } from '../tables.js';
import { nfc } from '../text.js';
import { trail, type Who } from '../trail.js';
import { BUILTIN_HOLIDAY_RULES } from './builtin-holidays.js';
import { isWeekend, validateRule, WorkCalendar, type Compensation, type HolidayRule } from './working-days.js';
import { isoToJdn } from './lunar.js';

export interface StoredHolidayRule extends HolidayRule {
  id: number; ruleKey: string | null; builtin: boolean; enabled: boolean; source: string; createdAt: string;
}

const toRule = (r: any): StoredHolidayRule => ({
  id: Number(r.id), ruleKey: r.rule_key, kind: r.kind, name: r.name,
  month: r.month === null ? null : Number(r.month), day: r.day === null ? null : Number(r.day), date: r.date,
  offsetDays: Number(r.offset_days), lengthDays: Number(r.length_days), compensate: !!Number(r.compensate),
  compensation: (r.compensation ?? null) as Compensation | null,
  fromYear: r.from_year === null ? null : Number(r.from_year), toYear: r.to_year === null ? null : Number(r.to_year),
  enabled: !!Number(r.enabled), builtin: !!Number(r.builtin), source: r.source ?? '', createdAt: r.created_at,
});

/** The columns that define a rule (what an upgrade may change in a built-in row; `enabled` is the operator's). */
const definition = (r: HolidayRule) => ({
  kind: r.kind, name: nfc(r.name.trim()), month: r.month ?? null, day: r.day ?? null, date: r.date ?? null,
  offset_days: r.offsetDays ?? 0, length_days: r.lengthDays ?? 1, compensate: r.compensate ? 1 : 0,
  compensation: r.compensation ?? null, from_year: r.fromYear ?? null, to_year: r.toYear ?? null, source: nfc((r.source ?? '').trim()),
});

/**
 * Keeps the built-in rows equal to the shipped table: adds new ones, rewrites changed ones
 * (an operator's enable/disable is kept) and removes those no longer shipped — e.g. the
 * pre-issue-10 rows for Tết 2024/2025 that the corrected Tết rule now computes.
 */
export async function seedHolidayRules(store: Store): Promise<void> {
  const db = padb(store);
  const rows = await db.selectFrom('publicadmin_holiday_rules').selectAll().where('builtin', '=', 1).execute();
  const have = new Map(rows.map((r) => [r.rule_key!, r]));
  const shipped = new Set(BUILTIN_HOLIDAY_RULES.map((r) => r.ruleKey!));
  const now = new Date().toISOString();
  const same = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    Object.keys(a).every((k) => String(a[k] ?? '') === String(b[k] ?? ''));
  for (const r of BUILTIN_HOLIDAY_RULES) {
    const def = definition(r);
    const cur = have.get(r.ruleKey!);
    if (!cur) {
      await db.insertInto('publicadmin_holiday_rules').values({ ...def, rule_key: r.ruleKey!, enabled: 1, builtin: 1, created_at: now })
        .onConflict((oc) => oc.column('rule_key').doNothing()).execute();
    } else if (!same(def, cur as unknown as Record<string, unknown>)) {
      await db.updateTable('publicadmin_holiday_rules').set(def).where('id', '=', cur.id).execute();
    }
  }
  const gone = rows.filter((r) => !shipped.has(r.rule_key!)).map((r) => r.id);
  if (gone.length) await db.deleteFrom('publicadmin_holiday_rules').where('id', 'in', gone).execute();
}

export async function listHolidayRules(store: Store, opts: { year?: number } = {}): Promise<{ items: StoredHolidayRule[]; total: number }> {
  const rows = await padb(store).selectFrom('publicadmin_holiday_rules').selectAll().orderBy('id').execute();
  let items = rows.map(toRule);
  if (opts.year !== undefined) {
    const y = opts.year;
    items = items.filter((r) => (r.date ? r.date.startsWith(`${y}-`) : (r.fromYear == null || r.fromYear <= y) && (r.toYear == null || r.toYear >= y)));
  }
  return { items, total: items.length };
}

export async function getHolidayRule(store: Store, id: number): Promise<StoredHolidayRule> {
  const r = await padb(store).selectFrom('publicadmin_holiday_rules').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw new VamcoError('NOT_FOUND', `no holiday rule ${id}`);
  return toRule(r);
}

const describe = (cal: WorkCalendar, date: string) => {
  const d = isoToJdn(date);
  const off = cal.daysOff(Number(date.slice(0, 4))).find((x) => x.date === date);
  if (off) return `${off.name}${off.source ? ` — ${off.source}` : ''}`;
  return isWeekend(d) ? (new Date(date + 'T00:00:00Z').getUTCDay() === 6 ? 'a Saturday' : 'a Sunday') : 'an ordinary working day';
};

/**
 * Checks a dated row against the calendar it would join: a day off must fall on a working day,
 * a working day on a day that is not one — otherwise the row would change nothing, which is
 * almost always a mistyped date.
 */
function checkDated(r: HolidayRule, cal: WorkCalendar, existing: readonly StoredHolidayRule[]): void {
  if (r.kind !== 'day-off' && r.kind !== 'working-day') return;
  const dup = existing.find((e) => e.date === r.date && (e.kind === 'day-off' || e.kind === 'working-day'));
  if (dup) {
    throw new VamcoError('ALREADY_EXISTS', `${r.date} already has a ${dup.kind} row (#${dup.id} "${dup.name}"${dup.source ? `, ${dup.source}` : ''}); remove it first to change it`,
      { extra: { field: 'date', ruleId: dup.id } });
  }
  const working = cal.isWorkingDay(r.date!);
  if (r.kind === 'day-off' && !working) {
    throw new VamcoError('VALIDATION_FAILED', `${r.date} is already not a working day (${describe(cal, r.date!)}): a day-off row would change nothing`, { extra: { field: 'date' } });
  }
  if (r.kind === 'working-day' && working) {
    throw new VamcoError('VALIDATION_FAILED', `${r.date} is already a working day (${describe(cal, r.date!)}): a working-day row would change nothing`, { extra: { field: 'date' } });
  }
}

function checkOperatorRule(r: HolidayRule): HolidayRule {
  const rule: HolidayRule = { ...r, ruleKey: null, name: typeof r?.name === 'string' ? nfc(r.name.trim()) : r?.name, source: typeof r?.source === 'string' ? nfc(r.source.trim()) : r?.source };
  validateRule(rule);
  if (!rule.source) {
    throw new VamcoError('VALIDATION_FAILED', `holiday rule "${rule.name}": source is required — the decision or official letter with its number and date, e.g. "Văn bản 9859/VPCP-KGVX ngày 13/10/2025"`, { extra: { field: 'source' } });
  }
  return rule;
}

/**
 * Adds operator rules — typically one year's decision: a swap is a day-off row and a
 * working-day row — all or nothing, each checked against the calendar with the rows before it.
 */
export async function addHolidayRules(store: Store, inputs: readonly HolidayRule[], who: Who): Promise<StoredHolidayRule[]> {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new VamcoError('VALIDATION_FAILED', 'give at least one holiday rule');
  if (inputs.length > 50) throw new VamcoError('VALIDATION_FAILED', 'at most 50 rules at once');
  const rules = inputs.map(checkOperatorRule);
  const ids = await padb(store).transaction().execute(async (trx) => {
    const existing = (await trx.selectFrom('publicadmin_holiday_rules').selectAll().orderBy('id').execute()).map(toRule);
    const accepted: HolidayRule[] = [];
    for (const r of rules) {
      checkDated(r, new WorkCalendar([...existing, ...accepted]), existing);
      if (accepted.some((a) => a.date && a.date === r.date)) throw new VamcoError('VALIDATION_FAILED', `${r.date} is given twice`, { extra: { field: 'date' } });
      accepted.push(r);
    }
    const now = new Date().toISOString();
    const created: number[] = [];
    for (const r of accepted) {
      const row = await trx.insertInto('publicadmin_holiday_rules')
        .values({ ...definition(r), rule_key: null, enabled: r.enabled === false ? 0 : 1, builtin: 0, created_at: now })
        .returning('id').executeTakeFirstOrThrow();
      created.push(Number(row.id));
      await trail(trx, who, { action: 'publicadmin.holiday_rule.create', target: `holiday-rule:${row.id}`, after: { ...r, id: Number(row.id) } });
    }
    return created;
  });
  return Promise.all(ids.map((id) => getHolidayRule(store, id)));
}

/** Changes a rule. Built-in rules may only be enabled or disabled, so upgrades stay comparable. */
export async function updateHolidayRule(store: Store, id: number, patch: Partial<HolidayRule>, who: Who): Promise<StoredHolidayRule> {
  if (!patch || typeof patch !== 'object' || Object.keys(patch).length === 0) throw new VamcoError('VALIDATION_FAILED', 'nothing to change');
  await padb(store).transaction().execute(async (trx) => {
    const cur = await selectRule(trx, id);
    if (cur.builtin && Object.keys(patch).some((k) => k !== 'enabled')) {
      throw new VamcoError('CONFLICT', `holiday rule ${id} is built in: it can only be enabled or disabled; add an operator rule instead`);
    }
    const next: HolidayRule = cur.builtin ? { ...cur, enabled: patch.enabled } : checkOperatorRule({ ...cur, ...patch, kind: patch.kind ?? cur.kind });
    if (!cur.builtin) {
      const others = (await trx.selectFrom('publicadmin_holiday_rules').selectAll().where('id', '!=', id).execute()).map(toRule);
      if (next.enabled !== false) checkDated(next, new WorkCalendar(others), others);
    }
    await trx.updateTable('publicadmin_holiday_rules').set({ ...definition(next), enabled: next.enabled === false ? 0 : 1 }).where('id', '=', id).execute();
    await trail(trx, who, { action: 'publicadmin.holiday_rule.update', target: `holiday-rule:${id}`, before: cur, after: { ...next, id } });
  });
  return getHolidayRule(store, id);
}

export async function deleteHolidayRule(store: Store, id: number, who: Who): Promise<void> {
  await padb(store).transaction().execute(async (trx) => {
    const cur = await selectRule(trx, id);
    if (cur.builtin) throw new VamcoError('CONFLICT', `holiday rule ${id} is built in: disable it instead of deleting it`);
    await trx.deleteFrom('publicadmin_holiday_rules').where('id', '=', id).execute();
    await trail(trx, who, { action: 'publicadmin.holiday_rule.delete', target: `holiday-rule:${id}`, before: cur });
  });
}

async function selectRule(db: PaDb, id: number): Promise<StoredHolidayRule> {
  if (!Number.isInteger(id) || id < 1) throw new VamcoError('VALIDATION_FAILED', `"${id}" is not a holiday rule id`);
  const r = await db.selectFrom('publicadmin_holiday_rules').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw new VamcoError('NOT_FOUND', `no holiday rule ${id}`);
  return toRule(r);
}

let cached: { key: string; calendar: WorkCalendar } | undefined;

/** The calendar from the current rules (one small query; rebuilt only when rules differ). */
export async function loadCalendar(store: Store): Promise<WorkCalendar> {
  const { items } = await listHolidayRules(store);
  const key = JSON.stringify(items);
  if (cached?.key !== key) cached = { key, calendar: new WorkCalendar(items) };
  return cached.calendar;
}

/** A year as the current rules make it: days off and make-up working days, each with its source. */
export async function calendarYear(store: Store, year: number) {
  const cal = await loadCalendar(store);
  const items = cal.daysOff(year);
  const makeUp = cal.makeUpDays(year);
  return { year, items, total: items.length, makeUp, makeUpWorkingDays: makeUp.map((m) => m.date) };
}
