import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { normaliseServicePath, splitTarget } from './path.js';

describe('service path normalisation', () => {
  // PR-REST 1.0.4 §4.1: the provider gets the path as the consumer sent it; authorisation
  // decides on the decoded path.
  it('forwards the consumer\'s own encoding and authorises the decoded path (PR-REST §4.1)', () => {
    expect(normaliseServicePath(['a', '%7e', 'b%20c'])).toEqual({ decoded: '/a/~/b c', encoded: '/a/%7e/b%20c' });
    // "%3B" is not the ";" of a path parameter to the backend: it stays encoded.
    expect(normaliseServicePath(['x%3By', 'a;b'])).toEqual({ decoded: '/x;y/a;b', encoded: '/x%3By/a;b' });
    // What may not appear raw in a path is escaped.
    expect(normaliseServicePath(['a"b'])).toEqual({ decoded: '/a"b', encoded: '/a%22b' });
    expect(normaliseServicePath([])).toEqual({ decoded: '/', encoded: '' });
    expect(normaliseServicePath(['pets', ''])).toEqual({ decoded: '/pets/', encoded: '/pets/' });
  });

  // The fault's message says which rule the path broke (the client sees it).
  const DOT = 'Dot segments ("." and "..") are not allowed in the path';
  const SLASH = 'Encoded slashes and backslashes are not allowed in the path';
  it.each([['..', DOT], ['%2e%2e', DOT], ['.%2E', DOT], ['.', DOT], ['..;x', DOT], ['a%2fb', SLASH], ['a%5Cb', SLASH], ['a\\b', SLASH],
    ['%00', 'NUL is not allowed in the path'], ['%zz', 'The request path has malformed percent-encoding']])('rejects %s', (seg, message) => {
    expect(() => normaliseServicePath(['x', seg, 'y'])).toThrow(expect.objectContaining({ code: 'INVALID_PATH', message }));
  });

  it('rejects empty middle segments', () => {
    expect(() => normaliseServicePath(['a', '', 'b'])).toThrow(expect.objectContaining({ code: 'INVALID_PATH', message: 'The request path has an empty segment ("//")' }));
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
