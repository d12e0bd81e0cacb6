// Per-service, per-client rate limits (rate-limiter-flexible, memory backend). Limiters are
// rebuilt only for services whose limit changed, so counters survive snapshot reloads.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { SnapService } from '../registry/index.js';

export class RateLimits {
  private limiters = new Map<number, { text: string; limiter: RateLimiterMemory }>();

  private limiterFor(svc: SnapService): RateLimiterMemory | null {
    if (!svc.rateLimit) return null;
    const have = this.limiters.get(svc.id);
    if (have && have.text === svc.rateLimitText) return have.limiter;
    const limiter = new RateLimiterMemory({ points: svc.rateLimit.points, duration: svc.rateLimit.perSeconds });
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
