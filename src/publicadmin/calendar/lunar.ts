// The Vietnamese lunisolar calendar, computed astronomically for any year.
//
// Rules of the calendar (the same as the Chinese one, but reckoned at UTC+7, which is why
// Tết sometimes falls a day or a month apart from the Chinese new year, e.g. 1985, 2007):
//  - a month starts on the local day of a new moon;
//  - the month containing the winter solstice is month 11;
//  - when 13 months lie between two months 11, the first of them (after month 11) that
//    contains no principal term (trung khí: the sun's longitude crossing a multiple of 30°)
//    is a leap month and repeats the previous month's number.
// Astronomy from J. Meeus, "Astronomical Algorithms" (2nd ed.): new moons (ch. 49) and the
// sun's apparent longitude (ch. 25, low accuracy, ~0.01°). Accuracy is minutes, so a result can
// only be wrong when a new moon or principal term falls within minutes of local midnight.

const RAD = Math.PI / 180;
const LOCAL_OFFSET_DAYS = 7 / 24; // Asia/Ho_Chi_Minh is UTC+7, no daylight saving since 1975
const SYNODIC = 29.530588861;

/** Julian day number (integer, noon-based) of a Gregorian date. */
export function jdn(year: number, month: number, day: number): number {
  const a = Math.floor((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  return day + Math.floor((153 * m + 2) / 5) + 365 * y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) - 32045;
}

/** Gregorian date of a Julian day number. */
export function fromJdn(n: number): { year: number; month: number; day: number } {
  const a = n + 32044;
  const b = Math.floor((4 * a + 3) / 146097);
  const c = a - Math.floor((146097 * b) / 4);
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return {
    day: e - Math.floor((153 * m + 2) / 5) + 1,
    month: m + 3 - 12 * Math.floor(m / 10),
    year: 100 * b + d - 4800 + Math.floor(m / 10),
  };
}

/** ΔT = TT − UT in days (Espenak & Meeus polynomial fits; good to seconds for 1900–2150). */
function deltaT(year: number): number {
  let s: number;
  const t = year - 2000;
  if (year >= 2005 && year < 2050) s = 62.92 + 0.32217 * t + 0.005589 * t * t;
  else if (year >= 1986 && year < 2005) s = 63.86 + 0.3345 * t - 0.060374 * t ** 2 + 0.0017275 * t ** 3 + 0.000651814 * t ** 4 + 0.00002373599 * t ** 5;
  else if (year >= 1961 && year < 1986) { const u = year - 1975; s = 45.45 + 1.067 * u - u * u / 260 - u ** 3 / 718; }
  else if (year >= 1941 && year < 1961) { const u = year - 1950; s = 29.07 + 0.407 * u - u * u / 233 + u ** 3 / 2547; }
  else if (year >= 1920 && year < 1941) { const u = year - 1920; s = 21.2 + 0.84493 * u - 0.0761 * u * u + 0.0020936 * u ** 3; }
  else if (year >= 2050 && year < 2150) { const u = (year - 1820) / 100; s = -20 + 32 * u * u - 0.5628 * (2150 - year); }
  else { const u = (year - 1820) / 100; s = -20 + 32 * u * u; }
  return s / 86400;
}

/** Instant (Julian date, UT) of new moon number k (k = 0 is the new moon of 2000-01-06). */
export function newMoonJd(k: number): number {
  const T = k / 1236.85;
  const T2 = T * T, T3 = T2 * T, T4 = T3 * T;
  let jde = 2451550.09766 + SYNODIC * k + 0.00015437 * T2 - 0.00000015 * T3 + 0.00000000073 * T4;
  const E = 1 - 0.002516 * T - 0.0000074 * T2;
  const M = (2.5534 + 29.1053567 * k - 0.0000014 * T2 - 0.00000011 * T3) * RAD;
  const Mp = (201.5643 + 385.81693528 * k + 0.0107582 * T2 + 0.00001238 * T3 - 0.000000058 * T4) * RAD;
  const F = (160.7108 + 390.67050284 * k - 0.0016118 * T2 - 0.00000227 * T3 + 0.000000011 * T4) * RAD;
  const O = (124.7746 - 1.56375588 * k + 0.0020672 * T2 + 0.00000215 * T3) * RAD;
  const sin = Math.sin;
  jde += -0.4072 * sin(Mp) + 0.17241 * E * sin(M) + 0.01608 * sin(2 * Mp) + 0.01039 * sin(2 * F)
    + 0.00739 * E * sin(Mp - M) - 0.00514 * E * sin(Mp + M) + 0.00208 * E * E * sin(2 * M)
    - 0.00111 * sin(Mp - 2 * F) - 0.00057 * sin(Mp + 2 * F) + 0.00056 * E * sin(2 * Mp + M)
    - 0.00042 * sin(3 * Mp) + 0.00042 * E * sin(M + 2 * F) + 0.00038 * E * sin(M - 2 * F)
    - 0.00024 * E * sin(2 * Mp - M) - 0.00017 * sin(O) - 0.00007 * sin(Mp + 2 * M)
    + 0.00004 * sin(2 * Mp - 2 * F) + 0.00004 * sin(3 * M) + 0.00003 * sin(Mp + M - 2 * F)
    + 0.00003 * sin(2 * Mp + 2 * F) - 0.00003 * sin(Mp + M + 2 * F) + 0.00003 * sin(Mp - M + 2 * F)
    - 0.00002 * sin(Mp - M - 2 * F) - 0.00002 * sin(3 * Mp + M) + 0.00002 * sin(4 * Mp);
  // Planetary arguments (each at most ~30 s).
  const planetary: Array<[number, number, number]> = [
    [299.77, 0.107408, 0.000325], [251.88, 0.016321, 0.000165], [251.83, 26.651886, 0.000164],
    [349.42, 36.412478, 0.000126], [84.66, 18.206239, 0.00011], [141.74, 53.303771, 0.000062],
    [207.14, 2.453732, 0.00006], [154.84, 7.30686, 0.000056], [34.52, 27.261239, 0.000047],
    [207.19, 0.121824, 0.000042], [291.34, 1.844379, 0.00004], [161.72, 24.198154, 0.000037],
    [239.56, 25.513099, 0.000035], [331.55, 3.592518, 0.000023],
  ];
  for (const [a, b, c] of planetary) {
    const arg = a + b * k - (a === 299.77 ? 0.009173 * T2 : 0);
    jde += c * sin(arg * RAD);
  }
  const year = 2000 + k / 12.3685;
  return jde - deltaT(year);
}

/** The sun's apparent ecliptic longitude in degrees [0, 360) at a Julian date (UT). */
export function sunLongitude(jd: number): number {
  const T = (jd - 2451545) / 36525;
  const L0 = 280.46646 + 36000.76983 * T + 0.0003032 * T * T;
  const M = (357.52911 + 35999.05029 * T - 0.0001537 * T * T) * RAD;
  const C = (1.914602 - 0.004817 * T - 0.000014 * T * T) * Math.sin(M)
    + (0.019993 - 0.000101 * T) * Math.sin(2 * M) + 0.000289 * Math.sin(3 * M);
  const omega = (125.04 - 1934.136 * T) * RAD;
  const lambda = L0 + C - 0.00569 - 0.00478 * Math.sin(omega);
  return ((lambda % 360) + 360) % 360;
}

/** Local (UTC+7) day number of an instant. */
const localDay = (jd: number): number => Math.floor(jd + 0.5 + LOCAL_OFFSET_DAYS);
/** Instant of local midnight at the start of a local day number. */
const localMidnight = (day: number): number => day - 0.5 - LOCAL_OFFSET_DAYS;

/** Local day on which new moon k falls. */
const newMoonDay = (k: number): number => localDay(newMoonJd(k));

/** Local day of the winter solstice of a Gregorian year. */
function solsticeDay(year: number): number {
  let jd = jdn(year, 12, 21);
  for (let i = 0; i < 20; i++) {
    const diff = ((270 - sunLongitude(jd) + 540) % 360) - 180;
    jd += diff * (365.2422 / 360);
    if (Math.abs(diff) < 1e-7) break;
  }
  return localDay(jd);
}

/** Number k of the new moon that starts the month containing local day `day`. */
function monthIndexContaining(day: number): number {
  let k = Math.floor((day - 2451550.1) / SYNODIC);
  while (newMoonDay(k + 1) <= day) k++;
  while (newMoonDay(k) > day) k--;
  return k;
}

/** Whether the month starting at new moon k holds a principal term. */
function hasPrincipalTerm(k: number): boolean {
  const a = Math.floor(sunLongitude(localMidnight(newMoonDay(k))) / 30);
  const b = Math.floor(sunLongitude(localMidnight(newMoonDay(k + 1))) / 30);
  return a !== b;
}

export interface LunarMonth {
  /** Lunar year the month belongs to (changes at month 1). */
  year: number;
  month: number;
  leap: boolean;
  /** Julian day number of day 1 of the month. */
  start: number;
  length: number;
}

const spanCache = new Map<number, LunarMonth[]>();

/** The months from month 11 of lunar year Y−1 up to (not including) month 11 of year Y. */
function span(y: number): LunarMonth[] {
  const cached = spanCache.get(y);
  if (cached) return cached;
  const k0 = monthIndexContaining(solsticeDay(y - 1));
  const k1 = monthIndexContaining(solsticeDay(y));
  const leapYear = k1 - k0 === 13;
  // No sentinel number here: every integer, −1 included (the new moon of 1999-12-08), is a
  // real new-moon index, so "no leap month" must be a value no index can take.
  let leapK: number | undefined;
  if (leapYear) {
    for (let k = k0 + 1; k < k1; k++) if (!hasPrincipalTerm(k)) { leapK = k; break; }
  }
  const months: LunarMonth[] = [];
  let label = 11;
  let year = y - 1;
  for (let k = k0; k < k1; k++) {
    const leap = k === leapK;
    if (k > k0 && !leap) {
      label = label % 12 + 1;
      if (label === 1) year = y;
    }
    const start = newMoonDay(k);
    months.push({ year, month: label, leap, start, length: newMoonDay(k + 1) - start });
  }
  spanCache.set(y, months);
  return months;
}

/** Gregorian date (as a Julian day number) of a lunar date. */
export function lunarToJdn(year: number, month: number, day: number, leap = false): number {
  const spans = month >= 11 ? span(year + 1) : span(year);
  const m = spans.find((x) => x.year === year && x.month === month && x.leap === leap);
  if (!m) throw new RangeError(`lunar month ${month}${leap ? ' (leap)' : ''} of ${year} does not exist`);
  if (day < 1 || day > m.length) throw new RangeError(`lunar month ${month}/${year} has ${m.length} days`);
  return m.start + day - 1;
}

/** Lunar date of a Gregorian date. */
export function jdnToLunar(n: number): { year: number; month: number; day: number; leap: boolean } {
  const { year } = fromJdn(n);
  for (const y of [year, year + 1]) {
    for (const m of span(y)) {
      if (n >= m.start && n < m.start + m.length) return { year: m.year, month: m.month, day: n - m.start + 1, leap: m.leap };
    }
  }
  throw new RangeError('date outside the computed range');
}

/** ISO date (YYYY-MM-DD) of a Julian day number, and back. */
export function jdnToIso(n: number): string {
  const d = fromJdn(n);
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}
export function isoToJdn(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number);
  return jdn(y, m, d);
}

/** Tết (lunar new year's day) of a year, as YYYY-MM-DD. */
export const tet = (year: number): string => jdnToIso(lunarToJdn(year, 1, 1));
