// The shared budget towards an upstream: what the nation granted the province for one
// credential (say 100 calls a second), shared by every agency and service that uses it, so
// together they never exceed it. Counted per credential, not per client. With VAMCO_REDIS_URL
// every node counts in the same Redis keys (the budget holds for the cluster); while Redis is
// unreachable each node counts in memory, as the gateway's rate limits do.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseRateLimit } from '../core/duration.js';

/** The cluster's counters (the gateway's SharedCounters). */
export interface BudgetCounters { client: Redis; prefix: string }

export class UpstreamBudgets {
  private limiters = new Map<string, { text: string; limiter: RateLimiterAbstract }>();

  constructor(private readonly shared?: BudgetCounters) {}

  /** Resolves to 0 when the call fits the budget, or the milliseconds until it would. */
  async consume(credential: string, budget: string | null): Promise<number> {
    if (!budget) return 0;
    let have = this.limiters.get(credential);
    if (!have || have.text !== budget) {
      const r = parseRateLimit(budget);
      const window = { points: r.points, duration: r.perSeconds };
      // The credential's name holds a client id and a URL: hashed into the key.
      const id = crypto.createHash('sha256').update(credential).digest('hex').slice(0, 24);
      const limiter = this.shared
        ? new RateLimiterRedis({
          ...window, storeClient: this.shared.client, keyPrefix: `${this.shared.prefix}:upstream:${id}:${budget}`,
          rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(window),
        })
        : new RateLimiterMemory(window);
      have = { text: budget, limiter };
      this.limiters.set(credential, have);
    }
    try {
      await have.limiter.consume('all', 1);
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
