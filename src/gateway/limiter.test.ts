// Rate limits: exact in one process; exact across processes sharing Redis (two RateLimits with
// their own connections stand for two nodes); enforced per node while Redis is unreachable.
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimits } from './limiter.js';
import { parseRateLimit } from '../core/duration.js';
import type { SnapService } from '../registry/index.js';

const REDIS_URL = process.env.VAMCO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function service(limit: string): SnapService {
  return { id: 7, key: 'GOV/X/prov/svc', rateLimit: parseRateLimit(limit), rateLimitText: limit } as SnapService;
}

async function allowed(limits: RateLimits, svc: SnapService, n: number, client = 1): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await limits.consume(svc, client)) === 0) ok++;
  return ok;
}

describe('rate limits', () => {
  const clients: Redis[] = [];
  const connect = (url = REDIS_URL) => {
    const c = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500, retryStrategy: () => 200, lazyConnect: false });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  const ready = (c: Redis) => new Promise<void>((resolve, reject) => {
    if (c.status === 'ready') return resolve();
    c.once('ready', () => resolve());
    setTimeout(() => reject(new Error(`Redis at ${REDIS_URL} not ready: the suite needs it (.ci/run starts it)`)), 30_000).unref();
  });
  afterEach(() => { for (const c of clients.splice(0)) c.disconnect(); });

  it('in memory: exactly the limit per client, a wait for the rest', async () => {
    const limits = new RateLimits();
    const svc = service('5/h');
    expect(await allowed(limits, svc, 12)).toBe(5);
    expect(await limits.consume(svc, 1)).toBeGreaterThan(3_000_000);
    expect(await allowed(limits, svc, 3, 2)).toBe(3);
  });

  it('on Redis: two nodes share one count, exactly the limit', async () => {
    const prefix = `vamco:test:${crypto.randomBytes(6).toString('hex')}`;
    const [a, b] = [connect(), connect()];
    await Promise.all([ready(a), ready(b)]);
    const nodeA = new RateLimits({ client: a, prefix });
    const nodeB = new RateLimits({ client: b, prefix });
    const svc = service('20/h');
    // Concurrent and interleaved: 60 attempts, 30 per node.
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? nodeA : nodeB).consume(svc, 1)));
    expect(results.filter((w) => w === 0)).toHaveLength(20);
    // Each node alone would have allowed 20: the count is the cluster's.
    expect(await allowed(nodeA, svc, 5)).toBe(0);
    expect(await allowed(nodeB, svc, 5)).toBe(0);
    // Another client has its own count.
    expect(await allowed(nodeB, svc, 25, 2)).toBe(20);
  });

  it('Redis unreachable: each node still enforces the limit in memory', async () => {
    const dead = connect('redis://127.0.0.1:1');
    const limits = new RateLimits({ client: dead, prefix: 'vamco:test:dead' });
    const svc = service('4/h');
    expect(await allowed(limits, svc, 10)).toBe(4);
    expect(await limits.consume(svc, 1)).toBeGreaterThan(0);
  });
});

