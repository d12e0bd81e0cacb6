import { describe, it, expect } from 'vitest';
import { WorkCalendar, BUILTIN_HOLIDAY_RULES } from './working-days.js';

const cal = new WorkCalendar(BUILTIN_HOLIDAY_RULES);
const at = (s: string) => new Date(s);

describe('working-day calendar', () => {
  it.each([
    // received (local time)            days  due          why
    ['2026-04-28T09:00:00+07:00', 3, '2026-05-05'], // 30/4, 1/5 off, weekend skipped (issue's case)
    ['2026-04-24T10:00:00+07:00', 1, '2026-04-28'], // Hùng Kings 26/4/2026 is a Sunday → Monday 27/4 off
    ['2025-04-04T10:00:00+07:00', 1, '2025-04-08'], // Hùng Kings 7/4/2025 (Monday)
    ['2024-04-17T10:00:00+07:00', 1, '2024-04-19'], // Hùng Kings 18/4/2024 (Thursday)
    ['2026-02-13T10:00:00+07:00', 1, '2026-02-23'], // Tết Bính Ngọ: off 16–20 Feb 2026
    ['2026-02-12T10:00:00+07:00', 2, '2026-02-23'],
    ['2025-01-24T10:00:00+07:00', 1, '2025-02-03'], // Tết Ất Tỵ: off 27–31 Jan 2025 (decided)
    ['2024-02-07T10:00:00+07:00', 1, '2024-02-15'], // Tết Giáp Thìn: off 8–14 Feb 2024 (decided)
    ['2027-02-04T10:00:00+07:00', 1, '2027-02-12'], // Tết Đinh Mùi (6/2/2027 Sat): 5–9 Feb + comp. 10, 11 Feb (no decision yet)
    ['2026-04-28T17:30:00+07:00', 3, '2026-05-06'], // after the 17:00 cut-off: as if received 29/4
    ['2026-04-25T10:00:00+07:00', 1, '2026-04-28'], // received on a Saturday: day 1 is the next working day
    ['2026-04-28T09:00:00+07:00', 0, '2026-04-28'], // same-day procedures
    ['2025-04-25T10:00:00+07:00', 1, '2025-04-26'], // make-up Saturday 26/4/2025 is a working day
  ])('received %s with %i working days is due %s', (received, days, due) => {
    expect(cal.dueDate(at(received), days)).toBe(due);
  });

  it('lists Tết and compensatory days', () => {
    const off2027 = cal.daysOff(2027).map((d) => d.date);
    expect(off2027).toEqual(expect.arrayContaining(['2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11']));
    expect(cal.makeUpDays(2025)).toEqual(['2025-04-26']);
  });

  it('an operator rule (decreed extra day off) changes the count', () => {
    const extra = new WorkCalendar([...BUILTIN_HOLIDAY_RULES, { kind: 'day-off', name: 'Nghỉ thêm', date: '2026-05-04' }]);
    expect(extra.dueDate(at('2026-04-28T09:00:00+07:00'), 3)).toBe('2026-05-06');
  });

  it('rejects malformed rules with a clear message', () => {
    expect(() => new WorkCalendar([{ kind: 'lunar', name: 'x', month: 13, day: 1 }])).toThrow(/month must be 1–12/);
  });
});
