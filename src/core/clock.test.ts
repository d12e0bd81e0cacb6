import { describe, expect, it } from 'vitest';
import { isoNow, isRecentIsoNow } from './clock.js';
import { isoTime } from '../audit/chain.js';

describe('isoNow and isRecentIsoNow (issue 15: timestamps made cheaply)', () => {
  it('writes what toISOString writes, at every millisecond of a second and across seconds, days and years', () => {
    const starts = [Date.UTC(2026, 10, 30, 15, 20, 7), Date.UTC(2026, 11, 31, 23, 59, 59), Date.UTC(2028, 1, 29, 0, 0, 0), 0];
    for (const s of starts) {
      for (let ms = 0; ms < 1000; ms++) expect(isoNow(s + ms)).toBe(new Date(s + ms).toISOString());
      expect(isoNow(s + 1000)).toBe(new Date(s + 1000).toISOString());
    }
    const now = Date.now();
    expect(isoNow()).toBe(new Date(isoNow()).toISOString());
    expect(Date.parse(isoNow())).toBeGreaterThanOrEqual(now);
  });

  it('times outside its four-digit years are written by Date itself', () => {
    for (const t of [-1, -86_400_001, Date.UTC(10000, 0, 1, 0, 0, 0, 5)]) expect(isoNow(t)).toBe(new Date(t).toISOString());
  });

  it('knows its own recent stamps, and nothing else', () => {
    const t = Date.UTC(2026, 10, 30, 15, 20, 7, 45);
    const own = isoNow(t);
    expect(isRecentIsoNow(own)).toBe(true);
    // The same instant written another way, another second, or not a time at all.
    for (const v of ['2026-11-30T15:20:07.45Z', '2026-11-30T15:20:07.045+00:00', '2026-11-30T15:21:07.045Z', '2026-11-30T15:20:07.04xZ',
      '2026-11-30T15:20:07.045z', '2026-11-30T15:20:07.0450', '2026-11-30 15:20:07.045Z']) expect(isRecentIsoNow(v), v).toBe(false);
  });

  it('forgets a second once 128 newer ones were stamped', () => {
    const t = Date.UTC(2031, 0, 1, 0, 0, 0, 1);
    const first = isoNow(t);
    for (let s = 1; s <= 127; s++) isoNow(t + s * 1000);
    expect(isRecentIsoNow(first)).toBe(true);
    isoNow(t + 128 * 1000);
    expect(isRecentIsoNow(first)).toBe(false);
    // Forgotten is only slower: the record's time is still checked and kept as it is.
    expect(isoTime(first, 'at')).toBe(first);
  });

  it('a record stamped by isoNow keeps its time through isoTime; other forms are still normalised or refused', () => {
    const own = isoNow(Date.UTC(2026, 1, 3, 4, 5, 6, 7));
    expect(isoTime(own, 'at')).toBe('2026-02-03T04:05:06.007Z');
    expect(isoTime('2026-02-03T04:05:06.7Z', 'at')).toBe('2026-02-03T04:05:06.700Z');
    expect(() => isoTime('2026-02-03T04:05:06.0a7Z', 'at')).toThrow(/not a valid time/);
  });
});
