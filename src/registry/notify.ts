// Registry change notifications (issue 13, item 4). Every node polls the registry version
// (VAMCO_SNAPSHOT_POLL); a committed change is also announced, so nodes reload at once instead of
// at their next poll: in this process always, and to every node of the platform over a Redis
// channel when VAMCO_REDIS_URL is set. An announcement is only a shortcut: one lost (Redis down,
// a node reconnecting) is caught by the poll, and announcing never fails or delays the change.
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';

/** The registry version after a change: all an announcement carries (no secrets, nothing to trust). */
export interface RegistryNotifier {
  /** After the change committed: tell this process's listeners and every other node. Never throws, never waits. */
  announce(version: number): void;
  /**
   * fn(version) for every change announced (this node's own too); fn(null) when announcements
   * may have been missed (the subscription is back after an outage): check now.
   */
  listen(fn: (version: number | null) => void): void;
  close(): Promise<void>;
}

/** Announcements within this process only: what a node without Redis has. */
export function localNotifier(): RegistryNotifier {
  const listeners: ((v: number | null) => void)[] = [];
  return {
    announce(version) { tell(listeners, version); },
    listen(fn) { listeners.push(fn); },
    async close() { listeners.length = 0; },
  };
}

function tell(listeners: ((v: number | null) => void)[], v: number | null): void {
  // A listener's failure must not reach the change that announced it.
  for (const l of listeners) try { l(v); } catch { /* the poll catches up */ }
}

// The notifier registry changes on a store announce through (mutate() in registry.ts). Kept by
// store rather than passed in every RegistryCtx: every path that changes the registry on this
// store (admin API, access requests, publicadmin, federation) announces, none can forget to.
const byStore = new WeakMap<Store, RegistryNotifier>();

export function announceThrough(store: Store, notifier: RegistryNotifier | null): void {
  if (notifier) byStore.set(store, notifier);
  else byStore.delete(store);
}

/** Called by mutate() once its transaction committed. */
export function announceChange(store: Store, version: number): void {
  byStore.get(store)?.announce(version);
}

/**
 * The platform's channel: its name derived from the platform's key file, like the rate-limit
 * keys (shared-counters.ts), so it is the same on every node of this platform, another on any
 * other platform sharing the Redis, and nothing an outsider can predict.
 */
export async function registryChannel(store: Store, instance: string): Promise<string> {
  const tag = (await store.keyring()).derive('vamco/registry-channel').toString('hex').slice(0, 16);
  return `vamco:registry:${instance}:${tag}`;
}

export interface RedisNotifierOptions {
  /** The longest a publish may take (VAMCO_REDIS_TIMEOUT); it is never awaited by the change. */
  timeoutMs: number;
  logger: Logger;
  /** Counts an announcement Redis did not take (the metric). */
  onPublishError?: () => void;
}

/**
 * Announcements over Redis pub/sub on `channel`, and in this process as localNotifier's. Two
 * connections: a subscriber (a Redis connection in subscriber mode can publish nothing) and a
 * publisher. ioredis is loaded only here, so a node without Redis never touches it.
 */
export async function redisNotifier(url: string, channel: string, o: RedisNotifierOptions): Promise<RegistryNotifier & { readonly failures: number }> {
  const { Redis } = await import('ioredis');
  const local = localNotifier();
  const listeners: ((v: number | null) => void)[] = [];
  local.listen((v) => tell(listeners, v));
  // Reconnect for ever, at most every 2 s (as the rate-limit connection does).
  const retryStrategy = (n: number) => Math.min(n * 200, 2000);
  // A publish waits for the connection at most timeoutMs (commandTimeout also bounds one queued
  // while connecting, so the announcements of a start are not lost to the handshake) and is
  // dropped when a reconnect attempt fails.
  const pub = new Redis(url, { commandTimeout: o.timeoutMs, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy });
  pub.on('error', () => { /* reported by the publishes that fail */ });
  // The subscriber waits for Redis however long it takes and subscribes again by itself after a
  // reconnect (ioredis's autoResubscribe).
  const sub = new Redis(url, { maxRetriesPerRequest: null, connectTimeout: 2000, retryStrategy });
  let failures = 0;
  let publishFailing = false;
  let subDown = false;
  let closed = false;
  sub.on('error', (err: Error) => {
    if (!subDown) o.logger.warn({ err: err.message }, 'Redis unreachable: registry changes reach this node by polling (VAMCO_SNAPSHOT_POLL) until it is back');
    subDown = true;
  });
  sub.on('ready', () => {
    if (subDown) o.logger.info('Redis back: registry changes reach this node as they are made again');
    subDown = false;
    // Changes announced while the subscription was away (or before it first came up) were not
    // heard: one check of the version catches up.
    tell(listeners, null);
  });
  sub.on('message', (ch: string, msg: string) => {
    const v = Number(msg);
    // Anything else on the channel is ignored: at worst a forged version costs one cheap check.
    if (ch === channel && Number.isSafeInteger(v) && v > 0) tell(listeners, v);
  });
  sub.subscribe(channel).catch(() => { /* closed before it came up */ });
  return {
    get failures() { return failures; },
    announce(version) {
      local.announce(version);
      if (closed) return;
      pub.publish(channel, String(version)).then(() => {
        if (publishFailing) o.logger.info('Redis back: registry changes are announced to every node again');
        publishFailing = false;
      }, (err: Error) => {
        failures++;
        o.onPublishError?.();
        // Once per outage, not once per change.
        if (!publishFailing) o.logger.warn({ err: err.message }, 'Redis did not take a registry change announcement: the other nodes see the change at their next poll (VAMCO_SNAPSHOT_POLL)');
        publishFailing = true;
      });
    },
    listen(fn) { listeners.push(fn); },
    async close() {
      closed = true;
      listeners.length = 0;
      pub.disconnect();
      sub.disconnect();
    },
  };
}
