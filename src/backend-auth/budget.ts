// The shared budget towards an upstream: what the nation granted the province for one
// credential (say 100 calls a second), shared by every agency and service that uses it, so
// together they never exceed it. Counted per credential, not per client.
// Counters are in this process (rate-limiter-flexible's memory store) until the nodes' shared
// store (issue 13: Redis) lands; the interface is the gateway limiter's (ms to wait, 0 = go).
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { parseRateLimit } from '../core/duration.js';

export class UpstreamBudgets {
  private limiters = new Map<string, { text: string; limiter: RateLimiterMemory }>();

  /** Resolves to 0 when the call fits the budget, or the milliseconds until it would. */
  async consume(credential: string, budget: string | null): Promise<number> {
    if (!budget) return 0;
    let have = this.limiters.get(credential);
    if (!have || have.text !== budget) {
      const r = parseRateLimit(budget);
      have = { text: budget, limiter: new RateLimiterMemory({ points: r.points, duration: r.perSeconds }) };
      this.limiters.set(credential, have);
    }
    try {
      await have.limiter.consume(credential, 1);
      return 0;
    } catch (e) {
      if (e instanceof RateLimiterRes) return Math.max(1, e.msBeforeNext);
      throw e;
    }
  }

  /** Forgets the counters of credentials no longer in use. */
  prune(live: ReadonlySet<string>): void {
    for (const k of this.limiters.keys()) if (!live.has(k)) this.limiters.delete(k);
  }
}
