// Password hashing with scrypt from node:crypto. The parameters are stored in the hash, so
// they can be raised later without invalidating existing accounts.
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (pw: string | Buffer, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>;

// N=2^15, r=8: ~50-100 ms per hash on these machines, OWASP's scrypt minimum is 2^17 with r=8/p=1
// for 128 MiB; we use 2^15 (32 MiB) so a burst of logins cannot exhaust a small server's memory.
const DEFAULT = { N: 1 << 15, r: 8, p: 1 };
const KEYLEN = 32;

export const MIN_PASSWORD_LENGTH = 10;

export async function hashPassword(password: string, params = DEFAULT): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password.normalize('NFC'), salt, KEYLEN, { ...params, maxmem: 256 * params.N * params.r });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !key) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password.normalize('NFC'), Buffer.from(salt, 'base64url'), expected.length, { ...params, maxmem: 256 * params.N * params.r });
  return crypto.timingSafeEqual(actual, expected);
}

/** A hash of a random password: verifying against it costs the same as a real one (no user-exists timing oracle). */
let dummy: Promise<string> | undefined;
export const dummyHash = (): Promise<string> => (dummy ??= hashPassword(crypto.randomBytes(16).toString('hex')));

// No 0/O/1/l/I: one-time passwords are read off a terminal and typed by hand.
const READABLE = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function generatePassword(length = 16): string {
  let out = '';
  while (out.length < length) {
    for (const b of crypto.randomBytes(length)) {
      // Rejection sampling keeps every character equally likely.
      if (b < 256 - (256 % READABLE.length) && out.length < length) out += READABLE[b % READABLE.length];
    }
  }
  return out;
}

/** What is wrong with a new password, as an English detail and a reason the console translates. */
export function checkPasswordStrength(password: string): { detail: string; reason: string; params?: Record<string, number> } | null {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) return { detail: `A password needs at least ${MIN_PASSWORD_LENGTH} characters`, reason: 'password_short', params: { min: MIN_PASSWORD_LENGTH } };
  if (password.length > 256) return { detail: 'A password may have at most 256 characters', reason: 'password_long', params: { max: 256 } };
  if (new Set(password).size < 4) return { detail: 'A password needs more different characters', reason: 'password_varied' };
  return null;
}
