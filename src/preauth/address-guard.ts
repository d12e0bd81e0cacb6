// A per-address limit in front of authentication. Every refusal of a caller that has not
// proved who it is (a wrong key or token, a missing credential, a bad password) counts
// against its address; past the limit within the window the address is refused at once,
// before any key lookup, token check or password hash, and those refusals are counted, not
// logged one by one. An authenticated caller never adds to the count.
// In memory and per process: cheap on the hot path; with N workers an address gets up to N
// times the limit before every process refuses it.
import net from 'node:net';

export interface AddressGuardOptions {
  /** Failed authentications per address within the window before it is refused (0: off). */
  failures: number;
  windowMs: number;
  /** Most addresses tracked at once (a spray of addresses cannot grow memory without bound). */
  maxAddresses?: number;
}

interface Entry { failures: number; windowEnds: number; blockedUntil: number }

/** The key an address is counted under: IPv4 as is, IPv6 by its /64 (one host's usual share). */
export function addressKey(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!net.isIPv6(address)) return address;
  const [head, tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':') + '::/64';
}

export class AddressGuard {
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;

  constructor(private readonly o: AddressGuardOptions, private readonly onBlock?: (key: string, failures: number, forMs: number) => void) {
    this.max = o.maxAddresses ?? 100_000;
  }

  get enabled(): boolean { return this.o.failures > 0; }

  /** Milliseconds until the address may try again; 0 when it may now. */
  retryAfterMs(address: string | undefined, now = Date.now()): number {
    if (!this.enabled) return 0;
    const key = addressKey(address);
    const e = key === undefined ? undefined : this.entries.get(key);
    return e && e.blockedUntil > now ? e.blockedUntil - now : 0;
  }

  /** Counts one failed authentication from the address. */
  failed(address: string | undefined, now = Date.now()): void {
    if (!this.enabled) return;
    const key = addressKey(address);
    if (key === undefined) return;
    let e = this.entries.get(key);
    if (!e || e.windowEnds <= now) {
      if (!e && this.entries.size >= this.max) this.sweep(now);
      e = { failures: 0, windowEnds: now + this.o.windowMs, blockedUntil: e?.blockedUntil ?? 0 };
      this.entries.set(key, e);
    }
    e.failures++;
    if (e.failures >= this.o.failures && e.blockedUntil <= now) {
      e.blockedUntil = now + this.o.windowMs;
      this.onBlock?.(key, e.failures, this.o.windowMs);
    }
  }

  private sweep(now: number): void {
    for (const [k, e] of this.entries) if (e.windowEnds <= now && e.blockedUntil <= now) this.entries.delete(k);
    // Still full: forget the oldest (Map keeps insertion order), unblocked ones first; memory
    // stays bounded even when a spray of addresses each earns a block.
    for (const blockedToo of [false, true]) {
      for (const [k, e] of this.entries) {
        if (this.entries.size < this.max * 0.9) return;
        if (blockedToo || e.blockedUntil <= now) this.entries.delete(k);
      }
    }
  }
}
