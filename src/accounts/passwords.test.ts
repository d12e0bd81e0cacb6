import { describe, it, expect } from 'vitest';
import { checkPasswordStrength, dummyHash, generatePassword, hashPassword, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('hashes with scrypt, verifies, and normalises Vietnamese text to NFC', async () => {
    const h = await hashPassword('Mật khẩu rất dài');
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('Mật khẩu rất dài', h)).toBe(true);
    // The same words typed in decomposed form (NFD) still match.
    expect(await verifyPassword('Mật khẩu rất dài'.normalize('NFD'), h)).toBe(true);
    expect(await verifyPassword('mật khẩu rất dài', h)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });

  it('generates readable one-time passwords that pass the strength check', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const p = generatePassword();
      expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{16}$/);
      expect(checkPasswordStrength(p)).toBeNull();
      seen.add(p);
    }
    expect(seen.size).toBe(50);
    expect(checkPasswordStrength('short')?.detail).toMatch(/at least/);
    expect(checkPasswordStrength('short')?.reason).toBe('password_short');
    expect(checkPasswordStrength('aaaaaaaaaaaa')?.detail).toMatch(/different/);
  });
});

describe('password rules', () => {
  it('takes 10 to 256 characters with at least four different ones, and says which rule failed', () => {
    expect(checkPasswordStrength('abcdabcdab')).toBeNull();
    expect(checkPasswordStrength('abcdabcda')).toEqual({ detail: 'A password needs at least 10 characters', reason: 'password_short', params: { min: 10 } });
    expect(checkPasswordStrength('abcd'.repeat(64))).toBeNull();
    expect(checkPasswordStrength('abcd'.repeat(64) + 'a')).toEqual({ detail: 'A password may have at most 256 characters', reason: 'password_long', params: { max: 256 } });
    expect(checkPasswordStrength('abcabcabcabc')).toEqual({ detail: 'A password needs more different characters', reason: 'password_varied' });
    expect(checkPasswordStrength(undefined as unknown as string)).toMatchObject({ reason: 'password_short' });
  });

  it('refuses stored hashes of another algorithm or without a key, and a wrong password for a real one', async () => {
    const h = await hashPassword('mật khẩu đúng 1');
    const [, n, r, p, salt, key] = h.split('$');
    expect([n, r, p]).toEqual(['32768', '8', '1']);
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    expect(await verifyPassword('mật khẩu đúng 1', h.replace(/^scrypt/, 'bcrypt'))).toBe(false);
    expect(await verifyPassword('mật khẩu đúng 1', h.slice(0, h.lastIndexOf('$') + 1))).toBe(false);
    expect(await verifyPassword('mật khẩu đúng 2', h)).toBe(false);
    // The parameters are read from the hash: a hash made with others still verifies.
    const light = await hashPassword('mật khẩu đúng 1', { N: 1 << 10, r: 4, p: 1 });
    expect(light).toMatch(/^scrypt\$1024\$4\$1\$/);
    expect(await verifyPassword('mật khẩu đúng 1', light)).toBe(true);
    // Two hashes of one password differ (a fresh salt each time).
    expect(await hashPassword('mật khẩu đúng 1')).not.toBe(h);
  });

  it('generates passwords of the length asked for', () => {
    expect(generatePassword(40)).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{40}$/);
    expect(generatePassword(1)).toHaveLength(1);
  });

  it('has one dummy hash to verify against when the user does not exist', async () => {
    const d = await dummyHash();
    expect(d).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await dummyHash()).toBe(d);
    expect(await verifyPassword('', d)).toBe(false);
  });
});
