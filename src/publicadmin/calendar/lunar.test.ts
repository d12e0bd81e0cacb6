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

  it('round-trips Gregorian dates', () => {
    for (const n of [jdn(1900, 3, 1), jdn(2000, 2, 29), jdn(2099, 12, 31)]) expect(jdn(fromJdn(n).year, fromJdn(n).month, fromJdn(n).day)).toBe(n);
  });
});
