import crypto from 'node:crypto';
import { VamcoError } from '../core/errors.js';

// API keys are 256 random bits, so a plain SHA-256 is enough to store them: nobody can
// brute-force the pre-image, and the gateway finds a key with one hash and one map lookup
// instead of a slow password hash per request.
export function newApiKey(): { key: string; hash: string; prefix: string } {
  const key = 'vmk_' + crypto.randomBytes(32).toString('base64url');
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * When a new key expires, from what an operator types: a duration from now ("90d", "12h",
 * "30m"), a day ("31/12/2026" or "2026-12-31": the key works to the end of that day in Vietnam
 * time, UTC+7, as the console shows every date), or an ISO moment with its offset. Empty: never.
 * A moment not in the future is refused: a key that could never be used is a typo.
 */
export function parseKeyExpiry(text: string | null | undefined, now = Date.now()): string | null {
  const v = (text ?? '').trim();
  if (!v) return null;
  let at: number;
  const dur = /^(\d+)\s*(s|m|h|d)$/.exec(v);
  const vn = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (dur) at = now + Number(dur[1]) * UNIT_MS[dur[2] as keyof typeof UNIT_MS];
  else if (vn || iso) {
    const [y, m, d] = vn ? [Number(vn[3]), Number(vn[2]), Number(vn[1])] : [Number(iso![1]), Number(iso![2]), Number(iso![3])];
    const day = new Date(Date.UTC(y, m - 1, d));
    if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) throw new VamcoError('VALIDATION_FAILED', `"${v}" is not a day of the calendar`);
    // The start of the next day in UTC+7.
    at = Date.UTC(y, m - 1, d + 1) - 7 * UNIT_MS.h;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && Number.isFinite(Date.parse(v))) at = Date.parse(v);
  else throw new VamcoError('VALIDATION_FAILED', `"${v}" is not an expiry: give a duration (90d, 12h, 30m), a day (dd/mm/yyyy or yyyy-mm-dd) or an ISO moment with offset`);
  if (at <= now) throw new VamcoError('VALIDATION_FAILED', `The expiry ${new Date(at).toISOString()} is not in the future`);
  return new Date(at).toISOString();
}
