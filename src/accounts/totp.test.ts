import { describe, it, expect } from 'vitest';
import { base32Decode, base32Encode, hotp, totp, verifyTotp } from './totp.js';

// RFC 6238 appendix B: the seeds are ASCII, 8 digits.
const SEEDS = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(VECTORS)('T=%i gives the RFC vectors for SHA-1, SHA-256 and SHA-512', (t, s1, s256, s512) => {
    expect(totp(SEEDS.sha1, t * 1000, 8, 'sha1')).toBe(s1);
    expect(totp(SEEDS.sha256, t * 1000, 8, 'sha256')).toBe(s256);
    expect(totp(SEEDS.sha512, t * 1000, 8, 'sha512')).toBe(s512);
  });

  it('matches RFC 4226 HOTP vectors', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, i) => expect(hotp(SEEDS.sha1, i)).toBe(code));
  });

  it('round-trips base32 (RFC 4648 vectors)', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI').toString()).toBe('foobar');
    expect(base32Decode('mzxw 6ytb oi======').toString()).toBe('foobar');
  });

  it('accepts the neighbouring steps only, and reports the matching step', () => {
    const secret = base32Encode(SEEDS.sha1);
    const t = 1111111111 * 1000;
    const code = totp(SEEDS.sha1, t);
    expect(verifyTotp(secret, code, t)).toBe(Math.floor(1111111111 / 30));
    expect(verifyTotp(secret, code, t + 30_000)).not.toBeNull();
    expect(verifyTotp(secret, code, t + 95_000)).toBeNull();
    expect(verifyTotp(secret, '12345', t)).toBeNull();
    expect(verifyTotp(secret, 'abcdef', t)).toBeNull();
  });
});
