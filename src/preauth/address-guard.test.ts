import { describe, it, expect } from 'vitest';
import { AddressGuard, addressKey } from './index.js';

describe('AddressGuard', () => {
  it('blocks an address for the window once it reaches the limit, and only that address', () => {
    const blocked: string[] = [];
    const g = new AddressGuard({ failures: 3, windowMs: 60_000 }, (k) => blocked.push(k));
    const t = 1_000_000;
    g.failed('10.0.0.1', t); g.failed('10.0.0.1', t + 1);
    expect(g.retryAfterMs('10.0.0.1', t + 2)).toBe(0);
    g.failed('10.0.0.1', t + 2);
    expect(g.retryAfterMs('10.0.0.1', t + 3)).toBe(59_999);
    expect(g.retryAfterMs('10.0.0.2', t + 3)).toBe(0);
    expect(g.retryAfterMs('10.0.0.1', t + 60_002)).toBe(0);
    expect(blocked).toEqual(['10.0.0.1']);
  });

  it('forgets failures of an old window', () => {
    const g = new AddressGuard({ failures: 2, windowMs: 1000 });
    g.failed('10.0.0.1', 0);
    g.failed('10.0.0.1', 1500);
    expect(g.retryAfterMs('10.0.0.1', 1501)).toBe(0);
  });

  it('counts IPv6 by /64 and IPv4-mapped addresses as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
    const g = new AddressGuard({ failures: 2, windowMs: 60_000 });
    g.failed('2001:db8:1:2::a', 0); g.failed('2001:db8:1:2::b', 0);
    expect(g.retryAfterMs('2001:db8:1:2::c', 1)).toBeGreaterThan(0);
  });

  it('tracks a bounded number of addresses, keeping the blocked ones', () => {
    const size = (g: AddressGuard) => (g as unknown as { entries: Map<string, unknown> }).entries.size;
    const g = new AddressGuard({ failures: 2, windowMs: 60_000, maxAddresses: 100 });
    g.failed('192.0.2.1', 0); g.failed('192.0.2.1', 0);
    for (let i = 0; i < 1000; i++) g.failed(`198.51.${i >> 8}.${i & 255}`, 1);
    expect(size(g)).toBeLessThanOrEqual(100);
    expect(g.retryAfterMs('192.0.2.1', 2)).toBeGreaterThan(0);
    // Every address blocked: still bounded.
    const all = new AddressGuard({ failures: 1, windowMs: 60_000, maxAddresses: 100 });
    for (let i = 0; i < 1000; i++) all.failed(`198.51.${i >> 8}.${i & 255}`, 1);
    expect(size(all)).toBeLessThanOrEqual(100);
  });

  it('is off at 0', () => {
    const g = new AddressGuard({ failures: 0, windowMs: 60_000 });
    for (let i = 0; i < 10; i++) g.failed('10.0.0.1');
    expect(g.retryAfterMs('10.0.0.1')).toBe(0);
  });
});
