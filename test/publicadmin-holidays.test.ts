// The holiday table in the store on both engines: built-in rows kept in step with the shipped
// table, operator decisions validated and trailed, a new rule counting for deadlines from then
// on while dossiers already received keep theirs until an operator recomputes them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Kysely } from 'kysely';
import { listAdminTrail, recordAdminAction, verifyStore } from '../src/audit/index.js';
import { VamcoError } from '../src/core/errors.js';
import { createTestStore, testEngines, type TestStore } from '../src/store/testing.js';
import {
  addHolidayRules, deleteHolidayRule, listHolidayRules, seedHolidayRules, updateHolidayRule, loadCalendar, calendarYear,
} from '../src/publicadmin/calendar/holiday-rules.js';
import { recomputeDeadlines } from '../src/publicadmin/dossiers/deadlines.js';
import { createDossier, getDossierRecord, transitionDossier } from '../src/publicadmin/dossiers/dossiers.js';
import { upsertAgency } from '../src/publicadmin/agencies/agencies.js';
import { fromLayThuTuc, saveProcedure } from '../src/publicadmin/procedures/procedures.js';
import { padb } from '../src/publicadmin/tables.js';
import { BUILTIN_HOLIDAY_RULES } from '../src/publicadmin/calendar/builtin-holidays.js';

const AGENCY = '000.00.01.H97';
const PROC30 = '1.999030';

async function code(p: Promise<unknown>): Promise<{ code: string; field?: unknown; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VamcoError) return { code: e.code, field: e.extra?.field, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe.each(testEngines())('holiday rules and deadlines in the store (%s)', (engine) => {
  let t: TestStore;
  const who = () => ({ actor: 'user:op', address: '10.0.0.9', trail: (db: Kysely<any>, e: Parameters<typeof recordAdminAction>[2]) => recordAdminAction(db, engine, e) });

  beforeAll(async () => {
    t = await createTestStore(engine);
    await seedHolidayRules(t.store);
    await upsertAgency(t.store, { code: AGENCY, name: 'Sở thử (H97)' }, 'upsert');
    await saveProcedure(t.store, fromLayThuTuc({ MATTHC: PROC30, TENTTHC: 'Thủ tục ba mươi ngày',
      CACHTHUCTHUCHIEN: [{ KENH: '1', THOIGIAN: [{ THOIGIANGIAIQUYET: '30', DONVITINH: 'Ngày làm việc' }] }] }));
  });
  afterAll(async () => { await t?.cleanup(); });

  it('keeps the built-in rows equal to the shipped table on every start, keeping an operator\'s disable', async () => {
    const db = padb(t.store);
    const now = new Date().toISOString();
    // What a store seeded before issue 10 holds: a Tết 2024 row entered from memory, the 2/9
    // rule without its start year, and an operator who disabled the Hùng Kings rule.
    await db.insertInto('publicadmin_holiday_rules').values({ rule_key: '2024-tet-extra', kind: 'day-off', name: 'Tết 2024', date: '2024-02-08', offset_days: 0, length_days: 1,
      compensate: 0, compensation: null, from_year: null, to_year: null, enabled: 1, builtin: 1, created_at: now, source: '', month: null, day: null }).execute();
    await db.updateTable('publicadmin_holiday_rules').set({ from_year: null, source: '' }).where('rule_key', '=', 'national-day-adjacent').execute();
    await db.updateTable('publicadmin_holiday_rules').set({ enabled: 0 }).where('rule_key', '=', 'hung-kings').execute();
    await seedHolidayRules(t.store);
    const { items } = await listHolidayRules(t.store);
    const builtin = items.filter((r) => r.builtin);
    expect(builtin.map((r) => r.ruleKey).sort()).toEqual(BUILTIN_HOLIDAY_RULES.map((r) => r.ruleKey).sort());
    expect(builtin.find((r) => r.ruleKey === 'national-day-adjacent')).toMatchObject({ fromYear: 2021, source: expect.stringContaining('45/2019/QH14') });
    expect(builtin.find((r) => r.ruleKey === 'hung-kings')!.enabled).toBe(false);
    expect(builtin.every((r) => r.source.length > 10)).toBe(true);
    await updateHolidayRule(t.store, builtin.find((r) => r.ruleKey === 'hung-kings')!.id, { enabled: true }, who());
  });

  it('refuses bad operator input with stable codes, naming the field', async () => {
    expect(await code(addHolidayRules(t.store, [{ kind: 'day-off', date: '2027-05-04', name: 'Nghỉ' }], who()))).toMatchObject({ code: 'VALIDATION_FAILED', field: 'source' });
    expect(await code(addHolidayRules(t.store, [{ kind: 'day-off', date: '2027-02-30', name: 'Nghỉ', source: 'VB 1/VPCP' }], who()))).toMatchObject({ code: 'VALIDATION_FAILED', field: 'date' });
    // A Saturday is already no working day; 6/2/2027 is Tết: a day-off row would change nothing.
    const sat = await code(addHolidayRules(t.store, [{ kind: 'day-off', date: '2027-05-08', name: 'Nghỉ', source: 'VB 1/VPCP' }], who()));
    expect(sat).toMatchObject({ code: 'VALIDATION_FAILED', field: 'date' });
    expect(sat.message).toMatch(/Saturday/);
    expect((await code(addHolidayRules(t.store, [{ kind: 'day-off', date: '2027-02-08', name: 'Nghỉ', source: 'VB 1/VPCP' }], who()))).message).toMatch(/Tết Âm lịch/);
    expect(await code(addHolidayRules(t.store, [{ kind: 'working-day', date: '2027-05-05', name: 'Làm', source: 'VB 1/VPCP' }], who()))).toMatchObject({ code: 'VALIDATION_FAILED', field: 'date' });
    // A shipped swap's date: already a row.
    expect(await code(addHolidayRules(t.store, [{ kind: 'working-day', date: '2026-08-22', name: 'Làm', source: 'VB 1/VPCP' }], who()))).toMatchObject({ code: 'ALREADY_EXISTS' });
    // All or nothing: the second row is bad, so the first is not added either.
    const before = (await listHolidayRules(t.store)).total;
    expect(await code(addHolidayRules(t.store, [
      { kind: 'day-off', date: '2027-04-30', name: 'x', source: 'VB 1/VPCP' }, // 30/4/2027 is already a holiday
    ], who()))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await code(addHolidayRules(t.store, [
      { kind: 'day-off', date: '2027-05-04', name: 'Nghỉ', source: 'VB 1/VPCP' },
      { kind: 'working-day', date: '2027-05-11', name: 'Làm', source: 'VB 1/VPCP' }, // a Tuesday: already working
    ], who()))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await listHolidayRules(t.store)).total).toBe(before);
    const builtinId = (await listHolidayRules(t.store)).items.find((r) => r.ruleKey === 'tet')!.id;
    expect(await code(updateHolidayRule(t.store, builtinId, { month: 2 }, who()))).toMatchObject({ code: 'CONFLICT' });
    expect(await code(deleteHolidayRule(t.store, builtinId, who()))).toMatchObject({ code: 'CONFLICT' });
    expect(await code(deleteHolidayRule(t.store, 999_999, who()))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('counts a new decision for deadlines from then on; received dossiers keep theirs until recomputed (trailed)', async () => {
    const received = '2026-11-20T10:00:00+07:00';
    const a = await createDossier(t.store, { procedureCode: PROC30, agencyCode: AGENCY, applicant: { name: 'Lê Thị B' }, receivedAt: received }, { client: 'test', userId: 'setup' });
    const finished = await createDossier(t.store, { procedureCode: PROC30, agencyCode: AGENCY, applicant: { name: 'C' }, receivedAt: received }, { client: 'test', userId: 'setup' });
    await transitionDossier(t.store, finished.code, { to: 9 }, { client: 'test', userId: 'setup' });
    const paused = await createDossier(t.store, { procedureCode: PROC30, agencyCode: AGENCY, applicant: { name: 'D' }, receivedAt: received }, { client: 'test', userId: 'setup' });
    await transitionDossier(t.store, paused.code, { to: 5, note: 'Thiếu giấy tờ' }, { client: 'test', userId: 'setup' });
    expect(a.dueDate).toBe('2027-01-04');

    // The operator enters a decision: Tuesday 1/12/2026 off, made up Saturday 12/12/2026.
    const added = await addHolidayRules(t.store, [
      { kind: 'day-off', date: '2026-12-01', name: 'Nghỉ thử nghiệm', source: 'Văn bản 1/VPCP-KGVX ngày 25/11/2026 (thử)' },
      { kind: 'working-day', date: '2026-12-12', name: 'Làm bù thử nghiệm', source: 'Văn bản 1/VPCP-KGVX ngày 25/11/2026 (thử)' },
    ], who());
    expect(added.map((r) => r.kind)).toEqual(['day-off', 'working-day']);
    const year = await calendarYear(t.store, 2026);
    expect(year.items.find((d) => d.date === '2026-12-01')).toMatchObject({ name: 'Nghỉ thử nghiệm', source: 'Văn bản 1/VPCP-KGVX ngày 25/11/2026 (thử)' });
    expect(year.makeUp.map((m) => m.date)).toEqual(['2026-01-10', '2026-08-22', '2026-12-12']);

    // From then on: a dossier received now counts with it (1/12 off, 12/12 worked).
    const cal = await loadCalendar(t.store);
    expect(cal.dueDate(new Date('2026-11-30T10:00:00+07:00'), 1)).toBe('2026-12-02');
    expect(cal.dueDate(new Date('2026-12-11T10:00:00+07:00'), 1)).toBe('2026-12-12');
    // Already received: unchanged.
    expect((await getDossierRecord(t.store, a.code)).dueDate).toBe('2027-01-04');

    const dry = await recomputeDeadlines(t.store, { dryRun: true, agencyCode: AGENCY }, { ...who(), client: 'console' });
    // 1/12 off and 12/12 worked cancel out over this window: the due date is the same.
    expect(dry).toMatchObject({ dryRun: true, changed: 0 });
    // Remove the make-up day: now the window loses one working day.
    await deleteHolidayRule(t.store, added[1].id, who());
    const dry2 = await recomputeDeadlines(t.store, { dryRun: true, agencyCode: AGENCY }, { ...who(), client: 'console' });
    expect(dry2).toMatchObject({ dryRun: true, checked: 1, changed: 1, items: [{ code: a.code, from: a.dueAt, to: '2027-01-05T10:00:00.000Z' }] });
    expect((await getDossierRecord(t.store, a.code)).dueDate).toBe('2027-01-04'); // a dry run changes nothing

    const done = await recomputeDeadlines(t.store, { agencyCode: AGENCY }, { ...who(), client: 'console' });
    expect(done).toMatchObject({ dryRun: false, changed: 1 });
    const after = await getDossierRecord(t.store, a.code);
    expect(after.dueDate).toBe('2027-01-05');
    expect(after.history.at(-1)).toMatchObject({ kind: 'deadline-recomputed', from: 2, to: 2, dueAt: '2027-01-05T10:00:00.000Z', by: { client: 'console', userId: 'user:op' } });
    expect((await getDossierRecord(t.store, finished.code)).dueAt).toBe(finished.dueAt);
    expect((await getDossierRecord(t.store, paused.code)).dueAt).toBe(paused.dueAt);
    expect((await recomputeDeadlines(t.store, {}, { ...who(), client: 'console' })).changed).toBe(0); // idempotent

    const trail = (await listAdminTrail(t.store, { actor: 'user:op', limit: 20 })).items;
    expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining([
      'publicadmin.holiday_rule.create', 'publicadmin.holiday_rule.delete', 'publicadmin.dossier_deadlines.recompute', 'publicadmin.holiday_rule.update',
    ]));
    expect(trail.find((e) => e.action === 'publicadmin.dossier_deadlines.recompute')).toMatchObject({
      target: 'dossiers', address: '10.0.0.9', after: { changed: 1, dossiers: [{ code: a.code, from: a.dueAt, to: '2027-01-05T10:00:00.000Z' }] },
    });
    expect(trail.find((e) => e.action === 'publicadmin.holiday_rule.create')!.after).toMatchObject({ source: 'Văn bản 1/VPCP-KGVX ngày 25/11/2026 (thử)' });
    expect(await verifyStore(t.store)).toMatchObject({ ok: true });
  });

  it('refuses bad recompute filters', async () => {
    expect(await code(recomputeDeadlines(t.store, { receivedFrom: '2026-13-01' }, { actor: 'x', client: 'console' }))).toMatchObject({ code: 'VALIDATION_FAILED', field: 'receivedFrom' });
  });
});
