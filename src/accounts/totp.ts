// TOTP (RFC 6238) over HOTP (RFC 4226), HMAC-SHA1, 6 digits, 30-second steps: what every
// authenticator app implements. Written on node:crypto so there is nothing to trust but it.
import crypto from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(buf: Buffer): string {
  let bits = 0, value = 0, out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0, value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new Error(`"${ch}" is not a base32 character`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export function hotp(key: Buffer, counter: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac(algorithm, key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(bin % 10 ** digits).padStart(digits, '0');
}

export const STEP_SECONDS = 30;
export const timeStep = (unixMs: number): number => Math.floor(unixMs / 1000 / STEP_SECONDS);

export function totp(key: Buffer, unixMs: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  return hotp(key, timeStep(unixMs), digits, algorithm);
}

/**
 * Checks a code against the steps around now (±1: clocks drift, people type slowly) and
 * returns the matching step, so the caller can refuse a code that was already used.
 */
export function verifyTotp(secretBase32: string, code: string, unixMs: number, window = 1): number | null {
  const clean = String(code ?? '').replace(/\s/g, '');
  if (!/^\d{6}$/.test(clean)) return null;
  const key = base32Decode(secretBase32);
  const now = timeStep(unixMs);
  let match: number | null = null;
  for (let s = now - window; s <= now + window; s++) {
    // Compare every candidate in constant time and do not stop early.
    if (crypto.timingSafeEqual(Buffer.from(hotp(key, s)), Buffer.from(clean))) match = s;
  }
  return match;
}

export const newTotpSecret = (): string => base32Encode(crypto.randomBytes(20));

export function otpauthUri(secretBase32: string, account: string, issuer: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${secretBase32}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=${STEP_SECONDS}`;
}
