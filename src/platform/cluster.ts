// Worker mode (VAMCO_WORKERS=N > 1): N gateway processes share the gateway port through
// node:cluster, so every core serves exchanges; the primary keeps the admin API, the demo and
// the edoc/federation wings.
//
// Each worker owns its message log: its own node key, journal and chain in
// <data dir>/workers/<slot> (node-log.ts), so an exchange's records never leave the process
// that serves it. Until issue 15 workers sent every record to the primary over IPC and waited
// for its acknowledgement: a structured clone each way and a hop on every answer's path, which
// cost more CPU per exchange than the worker saved (bench: 444 against 321 µs with one
// process). The journal made the old reason for one writer moot: records become durable in a
// file of the worker's own, and only the shipping into the store, off the answer's path,
// meets the other processes there. What crosses the process boundary now is rare: log health
// and journal backlog a few times a second (admin /readyz), drain, registry news, store-back.
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import pino, { type Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config/index.js';
import { VamcoError, type ErrorCode } from '../core/errors.js';
import { openStore, isUnreachable } from '../store/index.js';
import { SnapshotHolder } from '../registry/index.js';
import { loadOrCreateNodeKeyFile, type ExchangeRecord, type LogHealth, type MessageLog } from '../audit/index.js';
import { startGatewayRole } from './gateway-role.js';
import { keptPeerDirectories } from '../federation/index.js';
import { Metrics } from '../monitoring/index.js';
import { keptPlatformCa } from '../pki/index.js';
import { lockDataDir } from '../node-identity/index.js';
import { openOffline, storeDetail, type Degraded } from './offline-start.js';
import { openNodeLog, workerDir } from './node-log.js';

/** A worker's message log as it stands: for the primary's /readyz (health) and its journal backlog. */
interface LogNote { vamco: 'log-state'; nodeId: string; health: LogHealth; backlog: number | null; shippingError: string | null }
/** A worker that must not be replaced by another on its slot (its journal conflicts with the store): the primary stops. */
interface FatalNote { vamco: 'fatal'; message: string; code: ErrorCode }
/** The primary's central database came back: a worker started from the cached snapshot reads it again. */
interface StoreBackNote { vamco: 'store-back' }
/** A registry change was announced (notify.ts); null: announcements may have been missed. */
interface RegistryNote { vamco: 'registry'; version: number | null }

/** What the primary knows of its workers' logs. */
export interface WorkerLogs {
  /** Journal records not yet in the store, over every worker; the first shipping failure, if any. */
  journal(): { backlog: number; error: string | null };
  /** Why a worker's log cannot commit (null: every worker's can). */
  unhealthy(): string | null;
  /** The workers' node ids (each its own chain): witnessed like the primary's. */
  nodeIds(): string[];
}

export interface GatewayWorkers extends WorkerLogs {
  port: number | null; tlsPort: number | null; drain(): void; stop(): Promise<void>;
  /** The central database answers again: workers leave degraded mode (and later forks start normally). */
  storeBack(): void;
  /** Passes a registry change announcement on to the workers' snapshots. */
  registryChanged(version: number | null): void;
}

/** A free port now, for listeners the workers must share: port 0 in every worker would share one handle for HTTP and HTTPS. */
async function freePort(host: string): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r, j) => { s.once('error', j); s.listen(0, host, r); });
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** Forks the gateway workers and waits until they all listen; re-forks a worker that dies, on its slot. */
export async function forkGatewayWorkers(config: Readonly<Config>, logger: Logger, metrics: Metrics, localBackends: Readonly<Record<string, string>> = {},
  tls: { certFile: string; keyFile: string } | null = null,
  /** The primary's degraded state (it started without its database): a worker forked meanwhile starts from the cached snapshot too. */
  storeAway: () => Degraded | null = () => null,
  /** A worker reported what must stop the node (default: log it; the worker is not replaced). */
  onFatal: (e: VamcoError) => void = (e) => logger.fatal({ err: e.message }, 'gateway worker: fatal')): Promise<GatewayWorkers> {
  // The workers serve the certificate the primary chose (issued here, if the platform CA did it).
  const tlsPort = tls && config.gatewayTlsPort !== null ? (config.gatewayTlsPort || await freePort(config.gatewayHost)) : null;
  const tlsEnv: Record<string, string> = tls && tlsPort !== null
    ? { VAMCO_TLS_CERT: tls.certFile, VAMCO_TLS_KEY: tls.keyFile, VAMCO_GATEWAY_TLS_PORT: String(tlsPort) }
    : { VAMCO_GATEWAY_TLS_PORT: 'off' };
  const aggregator = new AggregatorRegistry();
  // /metrics on the admin port answers for all workers together.
  metrics.registry.metrics = () => aggregator.clusterMetrics();
  let stopping = false;
  let port: number | null = null;
  // Each slot's last word on its log; kept while its worker is replaced (its journal waits on disk).
  const logs = new Map<number, LogNote>();
  // Slots whose worker refused to go on (never replaced), and why.
  const fatal = new Map<number, VamcoError>();
  // Until every first worker listens, a refusal fails the start itself (startPlatform throws it).
  let started = false;
  const fork = (slot: number): Worker => {
    // The primary's own demo and publicadmin servers, for the workers' snapshots.
    const away = storeAway();
    const w = cluster.fork({ VAMCO_WORKER_SLOT: String(slot), VAMCO_LOCAL_BACKENDS: JSON.stringify(localBackends), ...tlsEnv, ...(away ? { VAMCO_STORE_AWAY: JSON.stringify(away) } : {}) });
    w.on('message', (m: LogNote | FatalNote) => {
      if (m?.vamco === 'log-state') logs.set(slot, m);
      if (m?.vamco === 'fatal') {
        const e = new VamcoError(m.code, m.message);
        fatal.set(slot, e);
        if (started) onFatal(e);
      }
    });
    // A worker still starting when the database came back missed the primary's word (a message
    // before its listener is lost): once it listens (its listener is set by then) it is told again.
    if (away) w.once('listening', () => { if (!storeAway() && w.isConnected()) w.send({ vamco: 'store-back' } satisfies StoreBackNote); });
    w.on('exit', (code, signal) => {
      if (stopping || fatal.has(slot)) return;
      logger.error({ slot, pid: w.process.pid, code, signal }, 'gateway worker died; starting another on its slot');
      setTimeout(() => { if (!stopping && !fatal.has(slot)) fork(slot); }, 500).unref();
    });
    return w;
  };
  // SIGTERM: each worker drains (a worker still starting has no handler yet and just ends); SIGKILL after a generous bound.
  const stopWorkers = async () => {
    stopping = true;
    const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    await Promise.all(live.map((w) => new Promise<void>((resolve) => {
      w.once('exit', () => resolve());
      // The worker drains: stops accepting, lets its exchanges finish and be logged, ships its journal, exits.
      w.process.kill('SIGTERM');
      setTimeout(() => w.process.kill('SIGKILL'), config.requestTimeoutMs + 5000).unref();
    })));
  };
  const workers = Array.from({ length: config.workers }, (_, i) => fork(i + 1));
  try {
    await Promise.all(workers.map((w, i) => new Promise<void>((resolve, reject) => {
      // HTTP first (when on), then HTTPS: a worker is up once its last listener is.
      const want = (config.gatewayHttp ? 1 : 0) + (tlsPort !== null ? 1 : 0);
      let seen = 0;
      w.on('listening', (addr) => {
        if (addr.port !== tlsPort) port = addr.port;
        if (++seen === want) resolve();
      });
      w.once('exit', (code) => reject(fatal.get(i + 1) ?? new Error(`gateway worker exited (${code}) before listening`)));
    })));
    // A refusal from a worker that already listened, while others still started, went to no onFatal.
    const refused = fatal.values().next().value;
    if (refused) throw refused;
  } catch (e) {
    // The caller gets no stop() from a failed start: the healthy workers would go on serving the
    // port (and a dead one be re-forked) until this process exits.
    await stopWorkers();
    throw e;
  }
  started = true;
  const tell = (m: StoreBackNote | RegistryNote | { vamco: 'drain' }) => {
    for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send(m);
  };
  return {
    port, tlsPort,
    drain() { tell({ vamco: 'drain' }); },
    storeBack() { tell({ vamco: 'store-back' }); },
    registryChanged(version) { tell({ vamco: 'registry', version }); },
    journal() {
      let backlog = 0;
      let error: string | null = null;
      for (let slot = 1; slot <= config.workers; slot++) {
        const n = logs.get(slot);
        // A worker (re)started and not yet told where its journal stands may hold records the store has not.
        if (!n || n.backlog === null) { error ??= `gateway worker ${slot} has not yet told how much of its journal is in the store`; continue; }
        backlog += n.backlog;
        error ??= n.shippingError;
      }
      return { backlog, error };
    },
    unhealthy() {
      for (const [slot, n] of logs) if (!n.health.ok) return `worker ${slot}'s message log cannot commit since ${n.health.since}: ${n.health.reason}`;
      return null;
    },
    nodeIds: () => [...logs.values()].map((n) => n.nodeId),
    stop: stopWorkers,
  };
}

/** A gateway worker: snapshot, credentials, limits, pools, its own message log and the HTTP server. */
export async function startGatewayWorker(config: Readonly<Config>, logger: Logger = pino({ level: config.logLevel })): Promise<{ stop(): Promise<void> }> {
  if (config.workerSlot === null) throw new VamcoError('INTERNAL', 'A gateway worker is started by its primary, which gives it VAMCO_WORKER_SLOT');
  const dir = workerDir(config.dataDir, config.workerSlot);
  // One process per slot, as per data dir: a replacement never writes the journal of a worker still dying.
  const lock = lockDataDir(dir);
  const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, secretKeyFile: config.secretKeyFile, poolSize: 2 });
  const snapshots = new SnapshotHolder(store, config.snapshotPollMs, { local: config.localBackends });
  // Forked while the primary runs without its database: the same cached snapshot and key file
  // the primary started from (it wrote them; only the primary writes the cache). The worker's
  // poll loads the database's snapshot once it answers, as the primary's does.
  let degraded: Degraded | null = config.storeAway && { ...config.storeAway };
  const offline = config.storeAway ? openOffline(config, store, new Error(config.storeAway.reason)) : null;
  if (offline) snapshots.startFromCache(offline.cached, offline.ring);
  else await snapshots.start();
  // A key made now begins its chain at the genesis: such a slot may start without the store too.
  const { key, created } = loadOrCreateNodeKeyFile(dir);
  /** A refusal a replacement on this slot would meet again (its journal conflicts with the database): the primary stops instead. */
  const refuse = (e: VamcoError): Promise<never> => {
    logger.fatal({ slot: config.workerSlot, err: e.message }, 'gateway worker: the central database refuses this worker\'s journal');
    if (process.connected) process.send!({ vamco: 'fatal', message: e.message, code: e.code } satisfies FatalNote, undefined, undefined, () => process.exit(1));
    else process.exit(1);
    return new Promise<never>(() => {});
  };
  // Opened with the database (a replacement forked after it came back included), an older
  // journal that continued the chain on its own is refused here rather than at resume().
  const log: MessageLog = await openNodeLog({ store, key, config, logger, dir, offline: !!offline, newKey: created, adminCheckpoints: false })
    .catch((e: unknown) => (e instanceof VamcoError && e.code === 'JOURNAL_CONFLICT' ? refuse(e) : Promise.reject(e)));
  const metrics = new Metrics();
  metrics.watchJournal(() => { const s = log.shipping; return s && { backlog: s.backlog, failing: s.error !== null }; });
  AggregatorRegistry.setRegistries([metrics.registry]);
  new AggregatorRegistry(); // answers the primary's metric requests
  let toldBacklog = -1;
  const report = () => {
    if (!process.connected) return;
    const s = log.shipping;
    // Until the shipper has asked the store where this chain stands, the backlog is not known (not 0).
    const known = !s || s.shippedSeq !== null || s.error !== null;
    toldBacklog = known ? s?.backlog ?? 0 : -1;
    process.send!({ vamco: 'log-state', nodeId: key.nodeId, health: log.health, backlog: known ? toldBacklog : null, shippingError: s?.error ?? null } satisfies LogNote);
  };
  report();
  log.onHealth(report);
  const reporting = setInterval(report, 250);
  reporting.unref();
  // The primary's /readyz must not say "all shipped" after an answer whose record is not: the
  // first record after an empty backlog is told at once, before its answer leaves. Under load the
  // backlog never empties, so this costs one message per quiet spell, not one per record.
  const gatewayLog = {
    append: (rec: ExchangeRecord) => log.append(rec).then((pos) => { if (toldBacklog === 0) report(); return pos; }),
    get health() { return log.health; },
  };
  let draining = false;
  process.on('message', (m: { vamco?: string } | RegistryNote) => {
    if (m?.vamco === 'drain') draining = true;
    if (m?.vamco === 'registry') snapshots.heard((m as RegistryNote).version);
    if (m?.vamco === 'store-back' && degraded) {
      // The primary checked the key file against the database before saying so.
      offline?.restoreKeyring();
      void resumeLog();
    }
  });
  // This worker's chain, continued in its journal meanwhile, is registered and shipped now. The
  // database away again (a failover, a flapping link) is retried, as the primary's own store-back
  // is; a refusal (the journal conflicts with the database) stops the node.
  let resuming = false;
  const resumeLog = async () => {
    if (resuming) return;
    resuming = true;
    for (let wait = 1000; ; wait = Math.min(wait * 2, 30_000)) {
      try {
        await log.resume();
        degraded = null;
        return;
      } catch (e) {
        if (isUnreachable(e) || !(e instanceof VamcoError)) {
          logger.warn({ slot: config.workerSlot, err: (e as Error)?.message ?? String(e) }, 'gateway worker: the central database is away again; registering its chain later');
          await new Promise((r) => setTimeout(r, wait).unref());
          continue;
        }
        await refuse(e);
      }
    }
  };
  // Peers' directories: the primary fetches them into the data dir; workers read the kept copies (issue 17).
  const directories = keptPeerDirectories({ dataDir: config.dataDir, snapshots, logger });
  const gateway = await startGatewayRole({
    config, store, snapshots, log: gatewayLog, nodeKey: key, metrics, logger, extraReady: () => process.connected && !draining, directories,
    readyDetail: () => ({ ...journalDetail(log), ...storeDetail(degraded) }), ...(offline ? { platformCa: keptPlatformCa(config.dataDir) } : {}),
  });
  // Without the primary the port gets no more connections: stop (the journal keeps what was acknowledged).
  process.on('disconnect', () => process.exit(1));
  const stop = async () => {
    await gateway.stop();
    clearInterval(reporting);
    // Flushes and ships what the journal holds (while the store answers), signs a last checkpoint.
    await log.close().catch((e: unknown) => logger.error({ err: (e as Error)?.message ?? String(e) }, 'gateway worker: closing its message log failed; the journal keeps the records'));
    snapshots.stop();
    await store.close();
    lock.release();
  };
  return { stop };
}

/** /readyz's journal part: records not yet in the store, and whether shipping works. */
export function journalDetail(s: { backlog: number; error: string | null } | MessageLog | null): Record<string, unknown> {
  const j = s && 'shipping' in s ? s.shipping : s;
  return j ? { journal: { backlog: j.backlog, shipping: j.error ? `failing: ${j.error}` : 'ok' } } : {};
}

export const isGatewayWorker = (): boolean => cluster.isWorker;
