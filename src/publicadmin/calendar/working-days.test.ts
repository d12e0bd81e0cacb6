import { describe, it, expect } from 'vitest';
import { BUILTIN_HOLIDAY_RULES } from './builtin-holidays.js';
import { WorkCalendar, isIsoDate, validateRule } from './working-days.js';

const cal = new WorkCalendar(BUILTIN_HOLIDAY_RULES);
const at = (s: string) => new Date(s);

describe('working-day calendar', () => {
  // The "done when" dates: each crosses a published swap.
  it.each([
    // Công văn 9859/VPCP-KGVX (13/10/2025), Thông báo 9441/TB-BNV (16/10/2025): Mon 31/8/2026 off
    // (made up Sat 22/8), Tue 1/9 and Wed 2/9 off → Thu 3/9.
    ['2026-08-28T10:00:00+07:00', 1, '2026-09-03'],
    // Văn bản 12729/VPCP-KGVX (25/12/2025): 1/1 and Fri 2/1/2026 off (made up Sat 10/1) → Mon 5/1.
    ['2025-12-31T10:00:00+07:00', 1, '2026-01-05'],
    // Công văn 2450/VPCP-KGVX (12/4/2024): Mon 29/4/2024 off (made up Sat 4/5), 30/4, 1/5 → Thu 2/5.
    ['2024-04-26T10:00:00+07:00', 1, '2024-05-02'],
  ])('received %s with %i working day is due %s (published swap)', (received, days, due) => {
    expect(cal.dueDate(at(received), days)).toBe(due);
  });

  it.each([
    // received (local time)            days  due          why
    ['2026-04-28T09:00:00+07:00', 3, '2026-05-05'], // 30/4, 1/5 off, weekend skipped
    ['2026-04-24T10:00:00+07:00', 1, '2026-04-28'], // Hùng Kings 26/4/2026 is a Sunday → Monday 27/4 off
    ['2025-04-04T10:00:00+07:00', 1, '2025-04-08'], // Hùng Kings 7/4/2025 (Monday)
    ['2024-04-17T10:00:00+07:00', 1, '2024-04-19'], // Hùng Kings 18/4/2024 (Thursday)
    ['2026-02-13T10:00:00+07:00', 1, '2026-02-23'], // Tết Bính Ngọ: off 16–20 Feb 2026
    ['2026-02-12T10:00:00+07:00', 2, '2026-02-23'],
    ['2025-01-24T10:00:00+07:00', 1, '2025-02-03'], // Tết Ất Tỵ: off 27–31 Jan 2025
    ['2024-02-07T10:00:00+07:00', 1, '2024-02-15'], // Tết Giáp Thìn: off 8–14 Feb 2024
    // Tết Đinh Mùi (6/2/2027 is a Saturday; no decision yet): 5, 8, 9 Feb; Saturday 6/2 gives
    // Thursday 4/2, Sunday 7/2 gives Wednesday 10/2 → received 3/2, day 1 is 11/2.
    ['2027-02-03T10:00:00+07:00', 1, '2027-02-11'],
    ['2026-04-28T17:30:00+07:00', 3, '2026-05-06'], // after the 17:00 cut-off: as if received 29/4
    ['2026-04-25T10:00:00+07:00', 1, '2026-04-28'], // received on a Saturday: day 1 is the next working day
    ['2026-04-28T09:00:00+07:00', 0, '2026-04-28'], // same-day procedures
    ['2025-04-25T10:00:00+07:00', 1, '2025-04-26'], // make-up Saturday 26/4/2025 is a working day
    ['2027-09-01T10:00:00+07:00', 1, '2027-09-06'], // 2/9/2027 is a Thursday: the adjacent day is Friday 3/9 (as in 2021)
  ])('received %s with %i working days is due %s', (received, days, due) => {
    expect(cal.dueDate(at(received), days)).toBe(due);
  });

  it('names the source of every day off and make-up day', () => {
    for (const y of [2024, 2025, 2026, 2027]) {
      for (const d of [...cal.daysOff(y), ...cal.makeUpDays(y)]) expect(d.source, `${d.date} ${d.name}`).toMatch(/\S/);
    }
    expect(cal.makeUpDays(2026)).toEqual([
      { date: '2026-01-10', name: 'Làm bù cho thứ Sáu 2/1/2026', source: 'Văn bản 12729/VPCP-KGVX ngày 25/12/2025' },
      { date: '2026-08-22', name: 'Làm bù cho thứ Hai 31/8/2026', source: 'Văn bản 9859/VPCP-KGVX ngày 13/10/2025; Thông báo 9441/TB-BNV ngày 16/10/2025' },
    ]);
    expect(cal.daysOff(2027).filter((d) => d.compensatory).map((d) => d.date)).toEqual(['2027-02-04', '2027-02-10', '2027-05-03']);
  });

  it('an operator rule (decreed extra day off) changes the count', () => {
    const extra = new WorkCalendar([...BUILTIN_HOLIDAY_RULES, { kind: 'day-off', name: 'Nghỉ thêm', date: '2026-05-04', source: 'thử' }]);
    expect(extra.dueDate(at('2026-04-28T09:00:00+07:00'), 3)).toBe('2026-05-06');
  });

  it('rejects malformed rules with a clear message naming the field', () => {
    expect(() => new WorkCalendar([{ kind: 'lunar', name: 'x', month: 13, day: 1 }])).toThrow(/month must be 1–12/);
    expect(() => validateRule({ kind: 'day-off', name: 'x', date: '2027-02-30' })).toThrow(/real date/);
    expect(() => validateRule({ kind: 'solar', name: 'x', month: 4, day: 31 })).toThrow(/month 4 has no day 31/);
    expect(() => validateRule({ kind: 'tet' as never, name: 'x' })).toThrow(/kind must be one of/);
    expect(() => validateRule({ kind: 'lunar', name: 'x', month: 1, day: 1, compensation: 'sometimes' as never })).toThrow(/compensation must be/);
    try { validateRule({ kind: 'day-off', name: 'x', date: '2027-13-01' }); } catch (e) { expect((e as { extra?: unknown }).extra).toEqual({ field: 'date' }); }
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2027-02-29')).toBe(false);
  });
});
