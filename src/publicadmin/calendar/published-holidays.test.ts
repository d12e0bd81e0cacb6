// Every published day off and make-up day 2020–2026 for the public sector (cán bộ, công chức,
// viên chức: Saturday and Sunday are the weekly rest days), against the calendar the shipped
// rules compute. "Days off" are the weekdays not worked; "make-up days" the weekend days worked.
// The facts come from the decisions named per year, as reported by the Government portal
// (baochinhphu.vn), VNA/VietnamPlus, Vietnam News, SGGP and VnExpress, cross-checked with the
// MIT-licensed vacanza/holidays Vietnamese calendar; docs/publicadmin.md lists the sources.
import { describe, it, expect } from 'vitest';
import { BUILTIN_HOLIDAY_RULES } from './builtin-holidays.js';
import { isWeekend, WorkCalendar, type HolidayRule } from './working-days.js';
import { fromJdn, jdn, jdnToIso } from './lunar.js';

interface Published { sources: string[]; daysOff: string[]; makeUp: string[] }

const PUBLISHED: Record<number, Published> = {
  2020: {
    sources: [
      'Tết 23–29/1/2020: văn bản của Văn phòng Chính phủ (10/2019) đồng ý đề xuất của Bộ LĐTBXH (VnExpress, VietnamNet 8/10/2019)',
      'Other holidays: Bộ luật Lao động 10/2012/QH13 Điều 115 (one day for 2/9 until 2020)',
    ],
    daysOff: ['01-01', '01-23', '01-24', '01-27', '01-28', '01-29', '04-02', '04-30', '05-01', '09-02'],
    makeUp: [],
  },
  2021: {
    sources: [
      'Thông báo 4875/TB-LĐTBXH (12/2020): Tết 10–16/2/2021, Quốc khánh 2–5/9/2021 (2/9 and the day after)',
      'SGGP 9/12/2020: 1–3/1, 21/4, 30/4–3/5 (1/5 on a Saturday, made up Monday 3/5)',
    ],
    daysOff: ['01-01', '02-10', '02-11', '02-12', '02-15', '02-16', '04-21', '04-30', '05-03', '09-02', '09-03'],
    makeUp: [],
  },
  2022: {
    sources: [
      'Công văn 245/VPCP-KGVX (11/1/2022): Tết 31/1–4/2/2022, Quốc khánh 1–2/9/2022',
      'SGGP (2022): Giỗ Tổ Sunday 10/4 made up Monday 11/4; 30/4 and 1/5 on a weekend made up 2–3/5; 1/1 Saturday made up Monday 3/1',
    ],
    daysOff: ['01-03', '01-31', '02-01', '02-02', '02-03', '02-04', '04-11', '05-02', '05-03', '09-01', '09-02'],
    makeUp: [],
  },
  2023: {
    sources: [
      'Văn bản 8056/VPCP-KGVX (1/12/2022): Tết 20–26/1/2023, Quốc khánh 1–4/9/2023',
      'VietnamPlus 30/1/2023: Giỗ Tổ Saturday 29/4 and 30/4 Sunday made up 2–3/5; 1/1 Sunday made up Monday 2/1',
    ],
    daysOff: ['01-02', '01-20', '01-23', '01-24', '01-25', '01-26', '05-01', '05-02', '05-03', '09-01', '09-04'],
    makeUp: [],
  },
  2024: {
    sources: [
      'Văn bản 8662/VPCP-KGVX (3/11/2023), Thông báo 5015/TB-LĐTBXH (22/11/2023): Tết 8–14/2/2024, Quốc khánh 31/8–3/9/2024',
      'Công văn 2450/VPCP-KGVX (12/4/2024): Monday 29/4 off, Saturday 4/5 worked',
    ],
    daysOff: ['01-01', '02-08', '02-09', '02-12', '02-13', '02-14', '04-18', '04-29', '04-30', '05-01', '09-02', '09-03'],
    makeUp: ['05-04'],
  },
  2025: {
    sources: [
      'Văn bản 8726/VPCP-KGVX (26/11/2024): Tết 27–31/1/2025 (with the weekends 25/1–2/2), 30/4–4/5 with Friday 2/5 swapped for Saturday 26/4, Quốc khánh 30/8–2/9/2025',
      'baochinhphu.vn 4/3/2025: Giỗ Tổ 7/4 (Monday); 30/4–4/5 "compensated by working on April 26"',
    ],
    daysOff: ['01-01', '01-27', '01-28', '01-29', '01-30', '01-31', '04-07', '04-30', '05-01', '05-02', '09-01', '09-02'],
    makeUp: ['04-26'],
  },
  2026: {
    sources: [
      'Văn bản 12729/VPCP-KGVX (25/12/2025): 1–4/1/2026, Friday 2/1 swapped for Saturday 10/1',
      'Văn bản 9859/VPCP-KGVX (13/10/2025), Thông báo 9441/TB-BNV (16/10/2025): Tết 16–20/2/2026 (with the weekends 14–22/2); Quốc khánh 29/8–2/9/2026, Monday 31/8 swapped for Saturday 22/8',
      'Giỗ Tổ Sunday 26/4 made up Monday 27/4; 30/4–3/5 (Vietnam Briefing, 2026 schedule)',
    ],
    daysOff: ['01-01', '01-02', '02-16', '02-17', '02-18', '02-19', '02-20', '04-27', '04-30', '05-01', '08-31', '09-01', '09-02'],
    makeUp: ['01-10', '08-22'],
  },
};

/** The weekdays not worked and the weekend days worked in a year, as MM-DD. */
function computed(rules: readonly HolidayRule[], year: number): { daysOff: string[]; makeUp: string[] } {
  const cal = new WorkCalendar(rules);
  const daysOff: string[] = [];
  const makeUp: string[] = [];
  for (let d = jdn(year, 1, 1); fromJdn(d).year === year; d++) {
    const working = cal.isWorkingJdn(d);
    if (!isWeekend(d) && !working) daysOff.push(jdnToIso(d).slice(5));
    if (isWeekend(d) && working) makeUp.push(jdnToIso(d).slice(5));
  }
  return { daysOff, makeUp };
}

describe('the shipped holiday table reproduces every published year', () => {
  it.each(Object.keys(PUBLISHED).map(Number))('%i: days off and make-up days as published', (year) => {
    const p = PUBLISHED[year];
    expect(p.sources.length).toBeGreaterThan(0);
    expect(computed(BUILTIN_HOLIDAY_RULES, year)).toEqual({ daysOff: p.daysOff, makeUp: p.makeUp });
  });

  // The recurring rules alone (no dated row) must give each published year except its swaps:
  // that is what makes them trustworthy for a year whose decision is not entered yet.
  it.each(Object.keys(PUBLISHED).map(Number))('%i: the recurring rules alone give everything but the swaps', (year) => {
    const recurring = BUILTIN_HOLIDAY_RULES.filter((r) => !r.date);
    const swaps = BUILTIN_HOLIDAY_RULES.filter((r) => r.date?.startsWith(`${year}-`));
    const swappedOff = swaps.filter((r) => r.kind === 'day-off').map((r) => r.date!.slice(5));
    const got = computed(recurring, year);
    expect(got.daysOff).toEqual(PUBLISHED[year].daysOff.filter((d) => !swappedOff.includes(d)));
    expect(got.makeUp).toEqual([]);
  });

  it('has a source on every shipped row, and dated rows only for swaps (a day off paired with a worked weekend day)', () => {
    for (const r of BUILTIN_HOLIDAY_RULES) expect(r.source, r.ruleKey!).toMatch(/\S{4,}/);
    const dated = BUILTIN_HOLIDAY_RULES.filter((r) => r.date);
    expect(dated.filter((r) => r.kind === 'day-off').length).toBe(dated.filter((r) => r.kind === 'working-day').length);
    for (const r of dated) expect(r.source).toMatch(/\d+\/(VPCP-KGVX|TB-BNV|TB-LĐTBXH)/);
  });

  it('gives 2/9 its adjacent day only from 2021', () => {
    expect(computed(BUILTIN_HOLIDAY_RULES, 2020).daysOff.filter((d) => d.startsWith('09-'))).toEqual(['09-02']);
    // 2027 and 2032: 2/9 on a Thursday, so Friday 3/9 (as decided in 2021).
    expect(computed(BUILTIN_HOLIDAY_RULES, 2027).daysOff.filter((d) => d.startsWith('09-'))).toEqual(['09-02', '09-03']);
    expect(computed(BUILTIN_HOLIDAY_RULES, 2032).daysOff.filter((d) => d.startsWith('09-'))).toEqual(['09-02', '09-03']);
  });
});
