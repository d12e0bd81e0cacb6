// The Redis connection behind cluster-wide rate limits (VAMCO_REDIS_URL). Commands fail fast
// (no offline queue, a short timeout) so a Redis outage costs an exchange microseconds, not a
// stall: the limiter then counts in memory until Redis answers again.
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { SharedCounters } from './limiter.js';

export async function connectSharedCounters(url: string, store: Store, instance: string, logger: Logger, commandTimeoutMs = 500): Promise<SharedCounters & { close(): void }> {
  // Loaded here, not at the top: a node without VAMCO_REDIS_URL never reads its files (issue 15).
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: commandTimeoutMs, connectTimeout: 2000,
    // Reconnect for ever, at most every 2 s.
    retryStrategy: (n) => Math.min(n * 200, 2000),
  });
  let down = false;
  client.on('error', (err) => {
    if (!down) logger.warn({ err: err.message }, 'Redis unreachable: rate limits count per node until it is back');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info('Redis back: rate limits count across the cluster again');
    down = false;
  });
  // Derived from the platform's key file: the same on every node of this platform, another on
  // any other platform sharing the Redis, and nothing an outsider can predict.
  const tag = (await store.keyring()).derive('vamco/rate-limit-keys').toString('hex').slice(0, 16);
  return { client, prefix: `vamco:rl:${instance}:${tag}`, close: () => client.disconnect() };
}
