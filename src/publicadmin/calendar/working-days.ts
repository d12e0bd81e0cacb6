// Working days in Asia/Ho_Chi_Minh: Saturday and Sunday off, public holidays off, both from
// one rule table an operator can extend. The rules as shipped follow the Labour Code 2019
// (Bộ luật Lao động 45/2019/QH14, art. 112): 1/1; Tết 5 days; Hùng Kings' day 10/3 lunar;
// 30/4; 1/5; 2/9 plus one adjacent day; a holiday falling on a weekly rest day gives a
// compensatory day off on the next working day. Each year the government fixes the exact Tết
// and bridge days; those decisions go in as one-off `day-off` / `working-day` rows.
import { VamcoError } from '../../core/errors.js';
import { fromJdn, isoToJdn, jdn, jdnToIso, lunarToJdn } from './lunar.js';

export type HolidayKind = 'solar' | 'lunar' | 'national-day-adjacent' | 'day-off' | 'working-day';
export const HOLIDAY_KINDS: readonly HolidayKind[] = ['solar', 'lunar', 'national-day-adjacent', 'day-off', 'working-day'];

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
  fromYear?: number | null;
  toYear?: number | null;
  enabled?: boolean;
}

/** Local hour from which a receipt counts as received the next day (end of office hours). */
export const RECEIPT_CUTOFF_HOUR = 17;
/** Local hour a due day ends (the result is due by the end of the office day). */
export const DUE_HOUR = 17;
const OFFSET_MS = 7 * 3600_000; // Asia/Ho_Chi_Minh: UTC+7 all year

export interface DayOff { date: string; name: string; compensatory?: boolean }

export class WorkCalendar {
  private readonly years = new Map<number, { off: Map<number, string>; work: Set<number> }>();
  constructor(readonly rules: readonly HolidayRule[]) {
    for (const r of rules) validateRule(r);
  }

  private year(y: number) {
    let cached = this.years.get(y);
    if (cached) return cached;
    const off = new Map<number, string>();
    const work = new Set<number>();
    const active = this.rules.filter((r) => r.enabled !== false && (r.fromYear == null || r.fromYear <= y) && (r.toYear == null || r.toYear >= y));
    const toCompensate: Array<[number, string]> = [];
    for (const r of active) {
      let first: number | undefined;
      if (r.kind === 'solar') first = jdn(y, r.month!, r.day!);
      else if (r.kind === 'lunar') first = lunarToJdn(y, r.month!, r.day!);
      else if (r.kind === 'national-day-adjacent') {
        // The adjacent day is the one that joins the holiday to a weekend: the day after when
        // the holiday is a Monday, otherwise the day before.
        const d = jdn(y, r.month!, r.day!);
        first = weekday(d) === 1 ? d + 1 : d - 1;
      }
      if (first === undefined) continue;
      for (let i = 0; i < (r.lengthDays ?? 1); i++) {
        const d = first + (r.offsetDays ?? 0) + i;
        off.set(d, r.name);
        if (r.compensate && isWeekend(d)) toCompensate.push([d, r.name]);
      }
    }
    // Compensatory days: the next day that is neither a weekend nor already off.
    for (const [d, name] of toCompensate.sort((a, b) => a[0] - b[0])) {
      let c = d + 1;
      while (isWeekend(c) || off.has(c)) c++;
      off.set(c, `Nghỉ bù ${name}`);
    }
    // One-off decisions last: they override what the recurring rules computed.
    for (const r of active) {
      if (r.kind !== 'day-off' && r.kind !== 'working-day') continue;
      const d = isoToJdn(r.date!);
      if (fromJdn(d).year !== y) continue;
      if (r.kind === 'day-off') { off.set(d, r.name); work.delete(d); } else { work.add(d); off.delete(d); }
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

  /** Days off other than ordinary weekends in a year, with their names. */
  daysOff(year: number): DayOff[] {
    const y = this.year(year);
    return [...y.off.entries()].sort((a, b) => a[0] - b[0])
      .map(([d, name]) => ({ date: jdnToIso(d), name, ...(name.startsWith('Nghỉ bù') ? { compensatory: true } : {}) }));
  }
  /** Weekend days that are working days (make-up days) in a year. */
  makeUpDays(year: number): string[] {
    return [...this.year(year).work].filter(isWeekend).sort((a, b) => a - b).map(jdnToIso);
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
const isWeekend = (d: number): boolean => weekday(d) === 0 || weekday(d) === 6;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function validateRule(r: HolidayRule): void {
  const bad = (msg: string) => { throw new VamcoError('VALIDATION_FAILED', `holiday rule "${r.name ?? ''}": ${msg}`); };
  if (!HOLIDAY_KINDS.includes(r.kind)) bad(`kind must be one of ${HOLIDAY_KINDS.join(', ')}`);
  if (!r.name || typeof r.name !== 'string') bad('name is required');
  if (r.kind === 'day-off' || r.kind === 'working-day') {
    if (!r.date || !ISO_DATE.test(r.date) || Number.isNaN(Date.parse(r.date))) bad('date must be YYYY-MM-DD');
  } else {
    const maxDay = r.kind === 'lunar' ? 30 : 31;
    if (!Number.isInteger(r.month) || r.month! < 1 || r.month! > 12) bad('month must be 1–12');
    if (!Number.isInteger(r.day) || r.day! < 1 || r.day! > maxDay) bad(`day must be 1–${maxDay}`);
    if (r.lengthDays != null && (!Number.isInteger(r.lengthDays) || r.lengthDays < 1 || r.lengthDays > 30)) bad('lengthDays must be 1–30');
    if (r.offsetDays != null && (!Number.isInteger(r.offsetDays) || Math.abs(r.offsetDays) > 30)) bad('offsetDays must be −30–30');
  }
}

/**
 * The rules Vamco ships. Recurring ones implement the Labour Code; the one-off rows record
 * the government's published decisions for recent years (Tết and bridge days), facts from the
 * notices of the Ministry of Home Affairs / Ministry of Labour for those years.
 */
export const BUILTIN_HOLIDAY_RULES: readonly HolidayRule[] = [
  { ruleKey: 'new-year', kind: 'solar', name: 'Tết Dương lịch', month: 1, day: 1, compensate: true },
  { ruleKey: 'tet', kind: 'lunar', name: 'Tết Âm lịch', month: 1, day: 1, offsetDays: -1, lengthDays: 5, compensate: true },
  { ruleKey: 'hung-kings', kind: 'lunar', name: 'Giỗ Tổ Hùng Vương', month: 3, day: 10, compensate: true },
  { ruleKey: 'reunification', kind: 'solar', name: 'Ngày Chiến thắng', month: 4, day: 30, compensate: true },
  { ruleKey: 'labour-day', kind: 'solar', name: 'Ngày Quốc tế lao động', month: 5, day: 1, compensate: true },
  { ruleKey: 'national-day', kind: 'solar', name: 'Quốc khánh', month: 9, day: 2, compensate: true },
  { ruleKey: 'national-day-adjacent', kind: 'national-day-adjacent', name: 'Quốc khánh (ngày liền kề)', month: 9, day: 2, compensate: true },
  // Tết Giáp Thìn 2024: off 8–14 Feb.
  { ruleKey: '2024-tet-extra', kind: 'day-off', name: 'Tết Âm lịch (theo quyết định năm 2024)', date: '2024-02-08' },
  { ruleKey: '2024-tet-back', kind: 'working-day', name: 'Đi làm lại sau Tết 2024', date: '2024-02-15' },
  // Tết Ất Tỵ 2025: off 25 Jan – 2 Feb.
  { ruleKey: '2025-tet-extra', kind: 'day-off', name: 'Tết Âm lịch (theo quyết định năm 2025)', date: '2025-01-27' },
  { ruleKey: '2025-tet-back', kind: 'working-day', name: 'Đi làm lại sau Tết 2025', date: '2025-02-03' },
  // 30/4–1/5 2025: off 30 Apr – 4 May, Friday 2 May swapped with Saturday 26 Apr.
  { ruleKey: '2025-may-bridge', kind: 'day-off', name: 'Hoán đổi ngày làm việc 2/5/2025', date: '2025-05-02' },
  { ruleKey: '2025-may-makeup', kind: 'working-day', name: 'Làm bù cho ngày 2/5/2025', date: '2025-04-26' },
];
