import { describe, it, expect } from 'vitest';
import { checkPasswordStrength, generatePassword, hashPassword, verifyPassword } from './passwords.js';

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
