// Working days in Asia/Ho_Chi_Minh: Saturday and Sunday off, public holidays off, both from
// one rule table an operator can extend. Recurring rules implement the Labour Code 2019
// (Bộ luật Lao động 45/2019/QH14, art. 112 and 111(3)); each year the government fixes the
// exact Tết days and may swap a working day for a weekend day, and those decisions go in as
// one-off `day-off` / `working-day` rows. Every row names its legal source.
import { VamcoError } from '../../core/errors.js';
import { fromJdn, isoToJdn, jdn, jdnToIso, lunarToJdn } from './lunar.js';

export type HolidayKind = 'solar' | 'lunar' | 'national-day-adjacent' | 'day-off' | 'working-day';
export const HOLIDAY_KINDS: readonly HolidayKind[] = ['solar', 'lunar', 'national-day-adjacent', 'day-off', 'working-day'];

/**
 * How a day of a holiday that falls on Saturday or Sunday is made up:
 * - `next-working-day`: the next day that is neither a weekend nor already off (Labour Code
 *   art. 111(3));
 * - `saturday-before-sunday-after`: a Saturday gives the working day before the holiday, a
 *   Sunday the one after — what the government decided for Tết in every year 2020–2025
 *   where a Tết day fell on a weekend (2020, 2021, 2023, 2024, 2025).
 */
export type Compensation = 'next-working-day' | 'saturday-before-sunday-after';
export const COMPENSATIONS: readonly Compensation[] = ['next-working-day', 'saturday-before-sunday-after'];

export interface HolidayRule {
  id?: number;
  /** Stable key of a built-in rule; null for an operator's own. */
  ruleKey?: string | null;
  kind: HolidayKind;
  name: string;
  /** solar / lunar / national-day-adjacent: the month and day the holiday is reckoned from. */
  month?: number | null;
  day?: number | null;
  /** day-off / working-day: the one date concerned (YYYY-MM-DD). */
  date?: string | null;
  /** First day off relative to month/day (e.g. −1 for Tết: the last day of the old year). */
  offsetDays?: number;
  lengthDays?: number;
  /** A day of this holiday on Saturday or Sunday gives a compensatory day off. */
  compensate?: boolean;
  /** How that compensatory day is chosen (default next-working-day). */
  compensation?: Compensation | null;
  fromYear?: number | null;
  toYear?: number | null;
  enabled?: boolean;
  /** The legal source: law article, or decision / official letter with its number and date. */
  source?: string | null;
}

/** Local hour from which a receipt counts as received the next day (end of office hours). */
export const RECEIPT_CUTOFF_HOUR = 17;
/** Local hour a due day ends (the result is due by the end of the office day). */
export const DUE_HOUR = 17;
const OFFSET_MS = 7 * 3600_000; // Asia/Ho_Chi_Minh: UTC+7 all year

export interface DayOff { date: string; name: string; source: string | null; compensatory?: boolean; weekend?: boolean }
export interface MakeUpDay { date: string; name: string; source: string | null }

interface Mark { name: string; source: string | null; compensatory?: boolean }

/**
 * The adjacent day of 2/9 (art. 112(1)(đ): "2/9 and one day immediately before or after"), by
 * the weekday of 2/9: the one that joins the holiday to a weekend, as every decision 2021–2026
 * chose it (Thu 2021 → Fri 3/9; Fri 2022 → Thu 1/9; Sat 2023 → Fri 1/9; Mon 2024 → Tue 3/9;
 * Tue 2025 → Mon 1/9; Wed 2026 → Tue 1/9). Sunday → Monday (with 2/9 made up on Tuesday).
 * Indexed by weekday, 0 = Sunday.
 */
const NATIONAL_DAY_ADJACENT = [+1, +1, -1, -1, +1, -1, -1] as const;

export class WorkCalendar {
  private readonly years = new Map<number, { off: Map<number, Mark>; work: Map<number, Mark> }>();
  constructor(readonly rules: readonly HolidayRule[]) {
    for (const r of rules) validateRule(r);
  }

  private year(y: number) {
    let cached = this.years.get(y);
    if (cached) return cached;
    const off = new Map<number, Mark>();
    const work = new Map<number, Mark>();
    const active = this.rules.filter((r) => r.enabled !== false && (r.fromYear == null || r.fromYear <= y) && (r.toYear == null || r.toYear >= y));
    const toCompensate: Array<{ d: number; rule: HolidayRule; first: number; last: number }> = [];
    for (const r of active) {
      let first: number | undefined;
      if (r.kind === 'solar') first = jdn(y, r.month!, r.day!);
      else if (r.kind === 'lunar') first = lunarToJdn(y, r.month!, r.day!);
      else if (r.kind === 'national-day-adjacent') {
        const d = jdn(y, r.month!, r.day!);
        first = d + NATIONAL_DAY_ADJACENT[weekday(d)];
      }
      if (first === undefined) continue;
      const start = first + (r.offsetDays ?? 0);
      const length = r.lengthDays ?? 1;
      for (let i = 0; i < length; i++) {
        const d = start + i;
        off.set(d, { name: r.name, source: r.source ?? null });
        if (r.compensate && isWeekend(d)) toCompensate.push({ d, rule: r, first: start, last: start + length - 1 });
      }
    }
    // Compensatory days, in date order, each on a day neither a weekend nor already off.
    for (const { d, rule } of toCompensate.sort((a, b) => a.d - b.d)) {
      const backwards = rule.compensation === 'saturday-before-sunday-after' && weekday(d) === 6;
      let c = backwards ? d - 1 : d + 1;
      while (isWeekend(c) || off.has(c)) c += backwards ? -1 : 1;
      off.set(c, { name: `Nghỉ bù ${rule.name}`, source: rule.source ?? null, compensatory: true });
    }
    // One-off decisions last: they override what the recurring rules computed.
    for (const r of active) {
      if (r.kind !== 'day-off' && r.kind !== 'working-day') continue;
      const d = isoToJdn(r.date!);
      if (fromJdn(d).year !== y) continue;
      const mark = { name: r.name, source: r.source ?? null };
      if (r.kind === 'day-off') { off.set(d, mark); work.delete(d); } else { work.set(d, mark); off.delete(d); }
    }
    cached = { off, work };
    this.years.set(y, cached);
    return cached;
  }

  /** Whether a local date (Julian day number) is a working day. */
  isWorkingJdn(d: number): boolean {
    const y = this.year(fromJdn(d).year);
    if (y.work.has(d)) return true;
    return !isWeekend(d) && !y.off.has(d);
  }

  isWorkingDay(iso: string): boolean {
    return this.isWorkingJdn(isoToJdn(iso));
  }

  /** Days the rules mark off in a year (holidays on a weekend included, flagged), with names and sources. */
  daysOff(year: number): DayOff[] {
    return [...this.year(year).off.entries()].sort((a, b) => a[0] - b[0]).map(([d, m]) => ({
      date: jdnToIso(d), name: m.name, source: m.source,
      ...(m.compensatory ? { compensatory: true } : {}), ...(isWeekend(d) ? { weekend: true } : {}),
    }));
  }

  /** Weekend days that are working days (make-up days) in a year. */
  makeUpDays(year: number): MakeUpDay[] {
    return [...this.year(year).work.entries()].filter(([d]) => isWeekend(d)).sort((a, b) => a[0] - b[0])
      .map(([d, m]) => ({ date: jdnToIso(d), name: m.name, source: m.source }));
  }

  /**
   * The due date of a dossier received at `receivedAt` with `days` working days.
   * Day 1 is the first working day after the day of receipt; a receipt at or after
   * RECEIPT_CUTOFF_HOUR local time counts as received the next calendar day. With 0 days the
   * result is due the day of (effective) receipt, or the next working day when that is a day off.
   */
  dueDate(receivedAt: Date, days: number): string {
    if (!Number.isInteger(days) || days < 0 || days > 3650) throw new VamcoError('VALIDATION_FAILED', `processing days must be a whole number 0–3650, got ${days}`);
    const local = new Date(receivedAt.getTime() + OFFSET_MS);
    let d = jdn(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate());
    if (local.getUTCHours() >= RECEIPT_CUTOFF_HOUR) d += 1;
    if (days === 0) {
      while (!this.isWorkingJdn(d)) d++;
      return jdnToIso(d);
    }
    let counted = 0;
    while (counted < days) {
      d++;
      if (this.isWorkingJdn(d)) counted++;
    }
    return jdnToIso(d);
  }

  /** The instant a dossier is due: the end (DUE_HOUR) of its due date, local time. */
  dueAt(receivedAt: Date, days: number): Date {
    return endOfLocalDay(this.dueDate(receivedAt, days));
  }
}

export function endOfLocalDay(iso: string): Date {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d, DUE_HOUR) - OFFSET_MS);
}

/** Local date (YYYY-MM-DD, Asia/Ho_Chi_Minh) of an instant. */
export function localDate(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday, for a Julian day number. */
export const weekday = (d: number): number => (d + 1) % 7;
export const isWeekend = (d: number): boolean => weekday(d) === 0 || weekday(d) === 6;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Years the calendar computes (the lunar calendar's range). */
export const MIN_YEAR = 1901;
export const MAX_YEAR = 2199;

/** Whether a string is a real calendar date YYYY-MM-DD in the supported range (2027-02-30 is not). */
export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < MIN_YEAR || y > MAX_YEAR) return false;
  const back = fromJdn(jdn(y, mo, d));
  return back.year === y && back.month === mo && back.day === d;
}

/** Checks one rule; a problem answers VALIDATION_FAILED naming the field. */
export function validateRule(r: HolidayRule): void {
  const bad = (field: string, msg: string) => {
    throw new VamcoError('VALIDATION_FAILED', `holiday rule "${r?.name ?? ''}": ${msg}`, { extra: { field } });
  };
  if (!r || typeof r !== 'object') throw new VamcoError('VALIDATION_FAILED', 'a holiday rule must be an object');
  if (!HOLIDAY_KINDS.includes(r.kind)) bad('kind', `kind must be one of ${HOLIDAY_KINDS.join(', ')}`);
  if (!r.name || typeof r.name !== 'string' || !r.name.trim()) bad('name', 'name is required');
  if (r.name.length > 200) bad('name', 'name is at most 200 characters');
  if (r.source != null && (typeof r.source !== 'string' || r.source.length > 500)) bad('source', 'source is text of at most 500 characters');
  for (const f of ['fromYear', 'toYear'] as const) {
    const v = r[f];
    if (v != null && (!Number.isInteger(v) || v < MIN_YEAR || v > MAX_YEAR)) bad(f, `${f} must be a year ${MIN_YEAR}–${MAX_YEAR}`);
  }
  if (r.fromYear != null && r.toYear != null && r.fromYear > r.toYear) bad('toYear', 'toYear is before fromYear');
  if (r.kind === 'day-off' || r.kind === 'working-day') {
    if (!isIsoDate(r.date)) bad('date', `date must be a real date YYYY-MM-DD in ${MIN_YEAR}–${MAX_YEAR}, got "${r.date ?? ''}"`);
  } else {
    const maxDay = r.kind === 'lunar' ? 30 : 31;
    if (!Number.isInteger(r.month) || r.month! < 1 || r.month! > 12) bad('month', 'month must be 1–12');
    if (!Number.isInteger(r.day) || r.day! < 1 || r.day! > maxDay) bad('day', `day must be 1–${maxDay}`);
    if (r.kind === 'solar' && r.day! > new Date(Date.UTC(2024, r.month!, 0)).getUTCDate()) bad('day', `month ${r.month} has no day ${r.day}`);
    if (r.lengthDays != null && (!Number.isInteger(r.lengthDays) || r.lengthDays < 1 || r.lengthDays > 30)) bad('lengthDays', 'lengthDays must be 1–30');
    if (r.offsetDays != null && (!Number.isInteger(r.offsetDays) || Math.abs(r.offsetDays) > 30)) bad('offsetDays', 'offsetDays must be −30–30');
    if (r.compensation != null && !COMPENSATIONS.includes(r.compensation)) bad('compensation', `compensation must be one of ${COMPENSATIONS.join(', ')}`);
  }
}
