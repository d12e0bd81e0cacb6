// Identifiers in admin URLs use ":" (not an X-Road identifier character) or an encoded "/"
// between parts: /api/v1/services/GOV:000.00.00.H59:hotich:khaisinh.
import { VamcoError } from '../core/errors.js';

export function idParam(raw: string): string {
  try {
    return decodeURIComponent(raw).replace(/:/g, '/');
  } catch {
    throw new VamcoError('INVALID_IDENTIFIER', `"${raw}" is not a valid identifier (malformed percent-encoding)`);
  }
}

export function intParam(raw: string, what = 'id'): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new VamcoError('VALIDATION_FAILED', `${what} must be a positive integer`);
  return n;
}

export const memberOf = (id: string): string => id.split('/').slice(0, 2).join('/');
