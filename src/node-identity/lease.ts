// One live process per node key across the cluster. A node holds a lease on its key in the
// shared store and renews it; a second process with the same key (a cloned data dir or image)
// finds the lease live and refuses to start, instead of writing a second chain under the same
// node id. The holder is host + data dir: the same node restarted in place (after a crash, its
// data-dir lock is free) takes its own lease back at once; anywhere else waits for expiry.
import os from 'node:os';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { VamcoError } from '../core/errors.js';
import type { Store } from '../store/index.js';

export interface NodeLease {
  /** False once a renewal found the lease taken by someone else: this node must not log. */
  held(): boolean;
  release(): Promise<void>;
}

export interface LeaseOptions {
  dataDir: string;
  ttlMs: number;
  logger?: Logger;
  /** For tests: another host name than this machine's. */
  host?: string;
  now?: () => number;
}

export async function acquireNodeLease(store: Store, nodeId: string, o: LeaseOptions): Promise<NodeLease> {
  const host = o.host ?? os.hostname();
  const holder = `${host}:${o.dataDir}`;
  const now = o.now ?? Date.now;
  await store.db.transaction().execute(async (trx) => {
    if (store.engine === 'postgres') await sql`select pg_advisory_xact_lock(727275)`.execute(trx);
    const row = await trx.selectFrom('node_leases').selectAll().where('node_id', '=', nodeId).executeTakeFirst();
    const t = now();
    if (row && row.holder !== holder && Number(row.expires_at) > t) {
      throw new VamcoError('NODE_ALREADY_RUNNING',
        `Node ${nodeId} is already running on ${row.host} (data dir ${row.data_dir}, pid ${row.pid}, lease renewed ${row.renewed_at}). `
        + 'This data dir holds a copy of that node\'s key (a cloned data dir or image?): give this node its own identity by removing '
        + `node-key.pem from ${o.dataDir}, or stop the other node and start this one after its lease expires (${Math.ceil((Number(row.expires_at) - t) / 1000)} s).`);
    }
    const at = new Date(t).toISOString();
    const values = { holder, host, data_dir: o.dataDir, pid: process.pid, started_at: at, renewed_at: at, expires_at: t + o.ttlMs };
    if (row) await trx.updateTable('node_leases').set(values).where('node_id', '=', nodeId).execute();
    else await trx.insertInto('node_leases').values({ node_id: nodeId, ...values }).execute();
  });
  let held = true;
  let renewing: Promise<void> | undefined;
  const renew = async () => {
    try {
      const t = now();
      const r = await store.db.updateTable('node_leases').set({ renewed_at: new Date(t).toISOString(), expires_at: t + o.ttlMs, pid: process.pid })
        .where('node_id', '=', nodeId).where('holder', '=', holder).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0 && held) {
        held = false;
        o.logger?.error({ nodeId }, 'node lease taken over by another process with this node key: this node stops serving exchanges');
      }
    } catch (err) {
      // The shared store is away: the lease stays ours until it expires; renewed when it is back.
      o.logger?.warn({ err: (err as Error).message }, 'node lease not renewed (shared store unreachable)');
    }
  };
  const timer = setInterval(() => { renewing = renew(); }, Math.max(100, Math.floor(o.ttlMs / 3)));
  timer.unref();
  return {
    held: () => held,
    async release() {
      clearInterval(timer);
      await renewing;
      // Only our own lease: a clean stop lets a replacement start at once.
      await store.db.deleteFrom('node_leases').where('node_id', '=', nodeId).where('holder', '=', holder).execute().catch(() => {});
    },
  };
}
