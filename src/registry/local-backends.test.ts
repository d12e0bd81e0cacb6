import { describe, expect, it } from 'vitest';
import { localBackendUrl, resolveLocal } from './local-backends.js';

describe('local backends', () => {
  const local = { 'publicadmin.vamco.invalid': 'http://127.0.0.1:41234' };
  it('maps a registered local name to this node\'s server, keeping path and query', () => {
    expect(resolveLocal(new URL(`${localBackendUrl('publicadmin')}/units?x=1`), local).toString()).toBe('http://127.0.0.1:41234/units?x=1');
  });
  it('leaves other URLs and unknown local names alone', () => {
    expect(resolveLocal(new URL('https://api.example.vn/a'), local).toString()).toBe('https://api.example.vn/a');
    // A node that does not run the demo has no server for it: the name stays unresolvable.
    expect(resolveLocal(new URL(localBackendUrl('demo')), local).hostname).toBe('demo.vamco.invalid');
  });
});
