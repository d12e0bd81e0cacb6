// Per-service, per-client rate limits (rate-limiter-flexible). One node counts in memory; with
// VAMCO_REDIS_URL every node counts in the same Redis keys, so a limit holds for the cluster,
// not per node. While Redis is unreachable each node falls back to its own in-memory counter
// (the insurance limiter): limits stay enforced, per node, instead of failing requests.
// Limiters are rebuilt only for services whose limit changed, so counters survive snapshot reloads.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { SnapService } from '../registry/index.js';

export interface SharedCounters {
  client: Redis;
  /** Keys start with this: unique per platform, so platforms sharing a Redis never mix counts. */
  prefix: string;
}

export class RateLimits {
  private limiters = new Map<number, { text: string; limiter: RateLimiterAbstract }>();

  constructor(private shared?: SharedCounters) {}

  private limiterFor(svc: SnapService): RateLimiterAbstract | null {
    if (!svc.rateLimit) return null;
    const have = this.limiters.get(svc.id);
    if (have && have.text === svc.rateLimitText) return have.limiter;
    const window = { points: svc.rateLimit.points, duration: svc.rateLimit.perSeconds };
    const limiter = this.shared
      ? new RateLimiterRedis({
        ...window, storeClient: this.shared.client,
        // The service's id and limit in the key: a changed limit starts a fresh count, like in memory.
        keyPrefix: `${this.shared.prefix}:${svc.key}:${svc.rateLimitText}`,
        // Not connected: go to the insurance limiter at once rather than queue behind a reconnect.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(window),
      })
      : new RateLimiterMemory(window);
    this.limiters.set(svc.id, { text: svc.rateLimitText!, limiter });
    return limiter;
  }

  /** Resolves to 0 when allowed, or the milliseconds to wait before the next try. */
  async consume(svc: SnapService, clientId: number): Promise<number> {
    const limiter = this.limiterFor(svc);
    if (!limiter) return 0;
    try {
      await limiter.consume(clientId, 1);
      return 0;
    } catch (e) {
      if (e instanceof RateLimiterRes) return Math.max(1, e.msBeforeNext);
      throw e;
    }
  }
}
