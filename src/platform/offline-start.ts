// A start with the central database unreachable (issue 13, item 1): the node serves from the
// registry snapshot it cached in its data dir, logs into its own journal, and finishes the
// start-up steps that need the database once it answers (platform.ts). Without a usable
// cached snapshot it does not start, and says why.
import path from 'node:path';
import type { Config } from '../config/index.js';
import { VamcoError } from '../core/errors.js';
import { readNodeKeyFile, type NodeKey } from '../audit/index.js';
import { readSnapshotCache, SNAPSHOT_CACHE_FILE, type CachedSnapshot } from '../registry/index.js';
import { loadKeyring, type Keyring } from '../secrets/index.js';
import { SECRET_KEY_FILE, type Store } from '../store/index.js';

/** What /readyz and the admin API's 503 say while the node runs without its database. */
export interface Degraded { since: string; reason: string; snapshotSavedAt: number }

export interface Offline {
  cached: CachedSnapshot;
  nodeKey: NodeKey;
  /** The key file's keyring, unchecked against the database until it is back. */
  ring: Keyring;
  /** Puts back the store's own keyring (opened and checked against the database). */
  restoreKeyring(): void;
}

/** Everything a start without the database needs from the data dir, or a clear refusal. */
export function openOffline(config: Readonly<Config>, store: Store, away: Error): Offline {
  const refuse = (why: string) => new VamcoError('STORE_UNAVAILABLE',
    `The central database is unreachable (${away.message}) and this node cannot start without it: ${why}. Start it when the database is reachable.`);
  const cacheFile = path.join(config.dataDir, SNAPSHOT_CACHE_FILE);
  const cached = readSnapshotCache(cacheFile);
  const nodeKey = readNodeKeyFile(config.dataDir);
  // A fresh data dir (a new node, or one wiped): nothing to serve from and no identity to log
  // under, so the operator is told it is the first start, not only that a file is missing.
  if ('error' in cached && !nodeKey) throw refuse(`its data dir ${config.dataDir} holds neither a cached registry snapshot (${cacheFile}) nor a node key: a node's first start needs the database`);
  if ('error' in cached) throw refuse(`it has no usable cached registry snapshot (${cached.error})`);
  if (!nodeKey) throw refuse(`there is no node key in ${config.dataDir}`);
  const ring = loadKeyring(config.secretKeyFile ?? path.join(config.dataDir, SECRET_KEY_FILE), { external: !!config.secretKeyFile });
  // Every reader of sealed values (snapshot, token keys, shared counters) opens them with the
  // key file alone meanwhile; the check against the database runs when it is back.
  const own = store.keyring;
  store.keyring = async () => ring;
  return { cached, nodeKey, ring, restoreKeyring: () => { store.keyring = own; } };
}

/** The store's part of /readyz: nothing while it is reachable. */
export function storeDetail(d: Degraded | null): Record<string, unknown> {
  if (!d) return {};
  return {
    store: {
      reachable: false, since: d.since, reason: d.reason,
      snapshot: { source: 'cache', savedAt: new Date(d.snapshotSavedAt).toISOString(), ageSeconds: Math.round((Date.now() - d.snapshotSavedAt) / 1000) },
    },
  };
}
