import { describe, it, expect } from 'vitest';
import { tet, lunarToJdn, jdnToIso, jdnToLunar, isoToJdn, fromJdn, jdn } from './lunar.js';

describe('lunar calendar at UTC+7', () => {
  it.each([
    // Known Tết dates, including years where Vietnam and China differ (1985, 2007).
    [1985, '1985-01-21'], [2007, '2007-02-17'], [2020, '2020-01-25'], [2023, '2023-01-22'],
    [2024, '2024-02-10'], [2025, '2025-01-29'], [2026, '2026-02-17'], [2027, '2027-02-06'],
    [2028, '2028-01-26'],
    // The new moon is at 16:07 UT on 2 Feb 2030: 23:07 in Hà Nội but 00:07 on 3 Feb in Beijing,
    // so Vietnam's Tết is a day before China's (as in 2007).
    [2030, '2030-02-02'],
  ])('Tết %i is %s', (year, date) => {
    expect(tet(year)).toBe(date);
  });

  it.each([
    [2024, '2024-04-18'], [2025, '2025-04-07'], [2026, '2026-04-26'],
  ])('Hùng Kings\' day (10/3 lunar) %i is %s', (year, date) => {
    expect(jdnToIso(lunarToJdn(year, 3, 10))).toBe(date);
  });

  it('knows leap months (2023 had a leap 2nd month, 2025 a leap 6th)', () => {
    expect(jdnToLunar(isoToJdn('2023-03-22'))).toEqual({ year: 2023, month: 2, day: 1, leap: true });
    expect(jdnToLunar(isoToJdn('2025-07-25'))).toEqual({ year: 2025, month: 6, day: 1, leap: true });
  });

  // Regression: the "no leap month" marker was −1, which is also the index of the new moon of
  // 1999-12-08, so lunar month 11 of 1999 came out as a leap month. Every reference (the
  // astronomical new moons at UTC+7, the Vietnamese tables) has it as an ordinary month 11 of
  // 30 days, from 1999-12-08 to 2000-01-06; 1999-12-20 is 13/11/1999.
  it('has 1999-12-08 … 2000-01-06 as the ordinary month 11 of 1999, day by day', () => {
    expect(jdnToLunar(isoToJdn('1999-12-20'))).toEqual({ year: 1999, month: 11, day: 13, leap: false });
    const start = isoToJdn('1999-12-08');
    for (let d = 0; d < 30; d++) {
      expect(jdnToLunar(start + d)).toEqual({ year: 1999, month: 11, day: d + 1, leap: false });
    }
    expect(jdnToLunar(isoToJdn('1999-12-07'))).toMatchObject({ year: 1999, month: 10, leap: false });
    expect(jdnToLunar(isoToJdn('2000-01-07'))).toEqual({ year: 1999, month: 12, day: 1, leap: false });
    expect(jdnToIso(lunarToJdn(1999, 11, 13))).toBe('1999-12-20');
    expect(() => lunarToJdn(1999, 11, 1, true)).toThrow(/does not exist/);
  });

  it('round-trips Gregorian dates', () => {
    for (const n of [jdn(1900, 3, 1), jdn(2000, 2, 29), jdn(2099, 12, 31)]) expect(jdn(fromJdn(n).year, fromJdn(n).month, fromJdn(n).day)).toBe(n);
  });
});
