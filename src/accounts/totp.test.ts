import { describe, it, expect } from 'vitest';
import { base32Decode, base32Encode, hotp, newTotpSecret, otpauthUri, totp, verifyTotp } from './totp.js';

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

describe('TOTP enrolment and the check window', () => {
  it('verifies one step either side of now and no further, and names the matching step', () => {
    const secret = base32Encode(SEEDS.sha1);
    const t = 1111111111 * 1000;
    const step = Math.floor(1111111111 / 30);
    const code = totp(SEEDS.sha1, t);
    expect(verifyTotp(secret, code, t - 30_000)).toBe(step);
    expect(verifyTotp(secret, code, t + 30_000)).toBe(step);
    expect(verifyTotp(secret, code, t - 60_000)).toBeNull();
    expect(verifyTotp(secret, code, t + 60_000)).toBeNull();
    // A wider window is the caller's choice.
    expect(verifyTotp(secret, code, t + 60_000, 2)).toBe(step);
  });

  it('reads a code typed with spaces, and refuses anything but six digits', () => {
    const secret = base32Encode(SEEDS.sha1);
    const t = 1111111111 * 1000;
    const code = totp(SEEDS.sha1, t);
    expect(verifyTotp(secret, ` ${code.slice(0, 3)} ${code.slice(3)} `, t)).toBe(Math.floor(1111111111 / 30));
    expect(verifyTotp(secret, `${code}0`, t)).toBeNull();
    expect(verifyTotp(secret, `x${code}`, t)).toBeNull();
    expect(verifyTotp(secret, undefined as unknown as string, t)).toBeNull();
  });

  it('refuses a secret that is not base32 and ignores padding, dashes and case (RFC 4648 §6)', () => {
    expect(() => base32Decode('MZXW1')).toThrow('"1" is not a base32 character');
    expect(base32Decode('mzxw-6ytb-oi==').toString()).toBe('foobar');
    expect(base32Encode(Buffer.from('f'))).toBe('MY');
    expect(base32Decode('MY').toString()).toBe('f');
  });

  it('makes 160-bit secrets and the otpauth URI authenticator apps read (Key Uri Format)', () => {
    const a = newTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(a)).toHaveLength(20);
    expect(newTotpSecret()).not.toBe(a);
    expect(otpauthUri('JBSWY3DPEHPK3PXP', 'an@so.gov.vn', 'Vamco DEV')).toBe(
      'otpauth://totp/Vamco%20DEV%3Aan%40so.gov.vn?secret=JBSWY3DPEHPK3PXP&issuer=Vamco%20DEV&algorithm=SHA1&digits=6&period=30');
  });
});
