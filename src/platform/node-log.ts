// The message log of one gateway process: its own key, its own journal, its own chain, shipped
// into the store in the background. A single-process node has one, in its data dir; in worker
// mode (VAMCO_WORKERS=N) each worker has its own in <data dir>/workers/<slot>, so no record
// crosses a process boundary (issue 15: sending every record to the primary over IPC cost a
// structured clone each way and a hop on the answer's path, and did not scale).
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { MessageLog, readMessageHead, readNodeKeyFile, type NodeKey } from '../audit/index.js';
import { lockDataDir, type DataDirLock } from '../node-identity/index.js';

export const WORKERS_DIR = 'workers';

/** Where gateway worker `slot` keeps its node key and journal. */
export const workerDir = (dataDir: string, slot: number): string => path.join(dataDir, WORKERS_DIR, String(slot));

export function openNodeLog(a: {
  store: Store; key: NodeKey; config: Readonly<Config>; logger: Logger;
  /** The process's own dir: the journal goes in <dir>/journal, the health probe writes here. */
  dir: string;
  offline?: boolean; newKey?: boolean; adminCheckpoints?: boolean;
}): Promise<MessageLog> {
  const { config, logger } = a;
  return MessageLog.open(a.store, a.key, {
    offline: !!a.offline,
    newKey: a.newKey,
    adminCheckpoints: a.adminCheckpoints,
    checkpointIntervalMs: config.checkpointIntervalMs,
    health: { commitTimeoutMs: config.logCommitTimeoutMs, dataDir: a.dir },
    journal: {
      dir: path.join(a.dir, 'journal'), segmentBytes: config.journalSegmentBytes, retentionMs: config.journalRetentionMs,
      onShipError: (e) => logger.warn({ node: a.key.nodeId, err: (e as Error)?.message ?? String(e) }, 'message log: the store refuses the journal\'s records; they wait in the journal and are shipped when it is back'),
      onShipRecover: () => logger.info({ node: a.key.nodeId }, 'message log: shipping from the journal into the store again'),
      onSetAside: (e) => logger.warn({ node: e.ownNodeId, journalNode: e.nodeId, seq: e.seq, movedTo: e.movedTo }, 'message log: the journal held another node\'s chain (the node key was replaced), all of it in the store: set aside, this node begins its own chain'),
    },
  });
}

/** The worker slots this data dir holds (a key in each), whether or not a worker runs on them now. */
export function workerSlots(dataDir: string): Array<{ slot: number; dir: string; key: NodeKey }> {
  const root = path.join(dataDir, WORKERS_DIR);
  let names: string[];
  try { names = fs.readdirSync(root); } catch { return []; }
  return names.filter((n) => /^[1-9]\d*$/.test(n)).map(Number).sort((x, y) => x - y).flatMap((slot) => {
    const dir = workerDir(dataDir, slot);
    const key = readNodeKeyFile(dir);
    return key ? [{ slot, dir, key }] : [];
  });
}

/**
 * Ships what the journals of slots no worker runs on now still hold (a worker killed before it
 * shipped, then VAMCO_WORKERS lowered or worker mode left): every acknowledged record reaches the
 * store, whatever the next start's settings. Needs the store (a start without it skips this).
 */
export async function shipIdleSlots(store: Store, config: Readonly<Config>, running: number, logger: Logger): Promise<void> {
  for (const s of workerSlots(config.dataDir)) {
    if (s.slot <= running || !fs.existsSync(path.join(s.dir, 'journal'))) continue;
    // The slot's own lock, as its worker takes it: a worker of a primary killed a moment ago may still be finishing a write.
    let lock: DataDirLock;
    try { lock = lockDataDir(s.dir); } catch (e) {
      logger.warn({ slot: s.slot, err: (e as Error)?.message ?? String(e) }, 'message log: a worker slot not running now is still in use; its journal is shipped at a later start');
      continue;
    }
    try {
      const stored = await readMessageHead(store, s.key.nodeId);
      const log = await openNodeLog({ store, key: s.key, config, logger, dir: s.dir, adminCheckpoints: false });
      const backlog = log.stats.lastSeq - stored.seq;
      try {
        // Shipped, or said not to be (close() alone keeps quiet about a store that refuses).
        await log.flush();
        if (backlog > 0) logger.info({ slot: s.slot, node: s.key.nodeId, records: backlog }, 'message log: shipped the journal of a worker slot not running now');
      } catch (e) {
        logger.warn({ slot: s.slot, node: s.key.nodeId, err: (e as Error)?.message ?? String(e) }, 'message log: the journal of a worker slot not running now could not be shipped; it stays in the journal and is shipped at a later start');
      } finally {
        await log.close();
      }
    } finally {
      lock.release();
    }
  }
}
