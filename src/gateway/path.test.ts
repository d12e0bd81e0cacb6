import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { normaliseServicePath, splitTarget } from './path.js';

describe('service path normalisation', () => {
  it('canonicalises encoding so the authorised path is the forwarded path', () => {
    expect(normaliseServicePath(['a', '%7e', 'b%20c'])).toEqual({ decoded: '/a/~/b c', encoded: '/a/~/b%20c' });
    expect(normaliseServicePath([])).toEqual({ decoded: '/', encoded: '' });
    expect(normaliseServicePath(['pets', ''])).toEqual({ decoded: '/pets/', encoded: '/pets/' });
  });

  it.each([['..'], ['%2e%2e'], ['.%2E'], ['.'], ['a%2fb'], ['a%5Cb'], ['a\\b'], ['%00'], ['%zz']])('rejects %s', (seg) => {
    expect(() => normaliseServicePath(['x', seg, 'y'])).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
  });

  it('rejects empty middle segments', () => {
    expect(() => normaliseServicePath(['a', '', 'b'])).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
  });

  it('never lets a forwarded path climb out of the service base (property)', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 6 }), (segs) => {
      const raw = segs.map((s) => encodeURIComponent(s));
      try {
        const n = normaliseServicePath(raw);
        const resolved = new URL('http://h/base' + n.encoded).pathname;
        expect(resolved.startsWith('/base')).toBe(true);
        expect(decodeURIComponent(n.encoded)).toBe(n.decoded === '/' && raw.length === 0 ? '' : n.decoded);
      } catch (e) {
        expect((e as { code?: string }).code).toBe('INVALID_PATH');
      }
    }));
  });

  it('splits the query off', () => {
    expect(splitTarget('/a/b?x=1&y')).toEqual({ path: '/a/b', query: '?x=1&y' });
    expect(splitTarget('/a')).toEqual({ path: '/a', query: '' });
  });
});
