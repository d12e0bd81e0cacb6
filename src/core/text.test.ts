import { describe, it, expect } from 'vitest';
import { checkName, optionalName } from './text.js';
import { isValidPart, parseMemberId } from './ids.js';

describe('names', () => {
  it('keeps Vietnamese as written (NFC, trimmed) and refuses what would not read as itself', () => {
    expect(checkName('  Sở Tư pháp tỉnh Tây Ninh ', 'name')).toBe('Sở Tư pháp tỉnh Tây Ninh');
    expect(checkName('Sở Tư pháp'.normalize('NFD'), 'name')).toBe('Sở Tư pháp'.normalize('NFC'));
    for (const [text, why] of [
      ['a\nb', /U\+000A/], ['a\tb', /U\+0009/], ['a\u0085b', /U\+0085/], ['a\u202Eb', /U\+202E/], ['a\u2066b', /U\+2066/],
      ['a\u200Bb', /U\+200B/], ['a\u200Fb', /U\+200F/], ['a\uFEFFb', /U\+FEFF/], ['a\u2028b', /U\+2028/], ['a\uD800b', /lone surrogate/],
      ['', /must not be empty/], ['x'.repeat(201), /at most 200 characters/],
    ] as const) expect(() => checkName(text, 'The name')).toThrow(why);
    expect(checkName('𝔘'.repeat(200), 'n')).toHaveLength(400); // counted in characters, not UTF-16 units
    expect(optionalName('   ', 'n')).toBeNull();
    expect(optionalName(undefined, 'n')).toBeNull();
  });

  it('refuses "." and ".." as identifier parts', () => {
    expect(isValidPart('.')).toBe(false);
    expect(isValidPart('..')).toBe(false);
    expect(isValidPart('...')).toBe(true);
    expect(isValidPart('000.00.00.H59')).toBe(true);
    expect(() => parseMemberId('GOV/..')).toThrow(/not "\." or "\.\."/);
  });
});
