import { VamcoError } from './errors.js';

type Unit = 'ms' | 's' | 'm' | 'h';

/**
 * Parses "30s", "500ms", "2m"; a bare number is in `bareUnit` (milliseconds for the
 * environment and the admin API; the CLI passes seconds, as its help and the console count).
 */
export function parseDuration(text: string | number, bareUnit: Unit = 'ms'): number {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new VamcoError('VALIDATION_FAILED', `"${text}" is not a duration (e.g. 500ms, 30s, 2m)`);
  const n = Number(m[1]);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? bareUnit) as Unit];
  return Math.round(n * mult);
}

export interface RateLimit { points: number; perSeconds: number }

/** Parses "50/s", "600/m", "1000/h". */
export function parseRateLimit(text: string): RateLimit {
  const m = /^\s*(\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hour)\s*$/.exec(text);
  if (!m || Number(m[1]) < 1) throw new VamcoError('VALIDATION_FAILED', `"${text}" is not a rate limit (e.g. 50/s, 600/m)`);
  const unit = m[2][0];
  return { points: Number(m[1]), perSeconds: unit === 's' ? 1 : unit === 'm' ? 60 : 3600 };
}

export const formatRateLimit = (r: RateLimit): string => `${r.points}/${r.perSeconds === 1 ? 's' : r.perSeconds === 60 ? 'm' : 'h'}`;

/** dd/mm/yyyy HH:mm in Vietnam time (UTC+7, no daylight saving), as the console shows moments; '—' for none. */
export function vnDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const s = new Date(Date.parse(iso) + 7 * 3_600_000).toISOString();
  return `${s.slice(8, 10)}/${s.slice(5, 7)}/${s.slice(0, 4)} ${s.slice(11, 16)}`;
}
