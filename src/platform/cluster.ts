// Worker mode (VAMCO_WORKERS=N > 1): N gateway processes share the gateway port through
// node:cluster, so every core serves exchanges; the primary keeps the admin API, the demo,
// and the one message log.
//
// One coherent log: a worker sends its records to the primary over IPC (one message per
// event-loop turn, however many exchanges finished in it) and answers an exchange only after
// the primary acknowledges that the record's batch committed. The alternative, a chain per
// worker, would have N processes queueing on SQLite's single write lock (its busy handler
// sleeps whole milliseconds) and smaller batches each; one writer batches across workers, and
// its fsync never blocks a process that is serving requests.
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import pino, { type Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config/index.js';
import { VamcoError } from '../core/errors.js';
import { openStore } from '../store/index.js';
import { SnapshotHolder } from '../registry/index.js';
import { readNodeKeyFile, type ExchangeRecord, type LogHealth, type LogPosition, type MessageLog } from '../audit/index.js';
import { startGatewayRole } from './gateway-role.js';
import { keptPeerDirectories } from '../federation/index.js';
import { Metrics } from '../monitoring/index.js';
import { keptPlatformCa } from '../pki/index.js';
import { openOffline, storeDetail, type Degraded } from './offline-start.js';

interface LogBatch { vamco: 'log'; id: number; recs: ExchangeRecord[] }
interface LogAck { vamco: 'ack'; id: number; failed: { i: number; message: string }[]; positions?: Array<LogPosition | null> }
interface HealthNote { vamco: 'log-health'; health: LogHealth }
/** The primary's central database came back: a worker started from the cached snapshot reads it again. */
interface StoreBackNote { vamco: 'store-back' }
/** A registry change was announced (notify.ts); null: announcements may have been missed. */
interface RegistryNote { vamco: 'registry'; version: number | null }
type Pending = { resolve(pos: LogPosition | undefined): void; reject(e: unknown): void };

/** Worker side: `append` resolves once the primary has committed the record. */
export class IpcLog {
  private queue: ExchangeRecord[] = [];
  private queued: Pending[] = [];
  private waiting = new Map<number, Pending[]>();
  private nextId = 1;
  private scheduled = false;
  /** The primary's log health, as it last told us: this worker's /readyz and fast refusals. */
  health: LogHealth = { ok: true, reason: null, since: null };

  constructor() {
    process.on('message', (m: LogAck | HealthNote) => {
      if (m?.vamco === 'log-health') { this.health = m.health; return; }
      if (m?.vamco !== 'ack') return;
      const ws = this.waiting.get(m.id);
      if (!ws) return;
      this.waiting.delete(m.id);
      const bad = new Map(m.failed.map((f) => [f.i, f.message]));
      ws.forEach((w, i) => (bad.has(i) ? w.reject(new VamcoError('NOT_READY', bad.get(i))) : w.resolve(m.positions?.[i] ?? undefined)));
    });
  }

  append(rec: ExchangeRecord): Promise<LogPosition | undefined> {
    // The primary is gone: no record can become durable, and a 503 sent now would be an
    // answer without a record. Stop before anything else is written.
    if (!process.connected) process.exit(1);
    if (!this.health.ok) return Promise.reject(new VamcoError('NOT_READY', `The message log cannot commit: ${this.health.reason}`));
    return new Promise((resolve, reject) => {
      this.queue.push(rec);
      this.queued.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Everything appended in this turn of the event loop travels in one message.
        setImmediate(() => this.send());
      }
    });
  }

  private send(): void {
    this.scheduled = false;
    const id = this.nextId++;
    const msg: LogBatch = { vamco: 'log', id, recs: this.queue };
    this.waiting.set(id, this.queued);
    this.queue = [];
    this.queued = [];
    process.send!(msg, undefined, undefined, (err) => {
      if (!err) return;
      const ws = this.waiting.get(id);
      this.waiting.delete(id);
      ws?.forEach((w) => w.reject(new VamcoError('NOT_READY', 'Could not reach the message log', { cause: err })));
    });
  }

  get pending(): number { return this.waiting.size; }
}

/** Primary side: appends a worker's records (they join the log's current group commit). */
function serveLog(worker: Worker, log: MessageLog): void {
  const tell = (health: LogHealth) => { if (worker.isConnected()) worker.send({ vamco: 'log-health', health } satisfies HealthNote); };
  worker.once('online', () => tell(log.health));
  log.onHealth(tell);
  worker.on('message', (m: LogBatch) => {
    if (m?.vamco !== 'log') return;
    void Promise.allSettled(m.recs.map((r) => log.append(r))).then((rs) => {
      const failed: LogAck['failed'] = [];
      rs.forEach((r, i) => { if (r.status === 'rejected') failed.push({ i, message: (r.reason as Error)?.message ?? 'not committed' }); });
      // Positions let a worker sign receipts naming the record it answered from.
      const positions = rs.map((r) => (r.status === 'fulfilled' ? r.value : null));
      if (worker.isConnected()) worker.send({ vamco: 'ack', id: m.id, failed, positions } satisfies LogAck);
    });
  });
}

export interface GatewayWorkers {
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

/** Forks the gateway workers and waits until they all listen; re-forks a worker that dies. */
export async function forkGatewayWorkers(config: Readonly<Config>, log: MessageLog, logger: Logger, metrics: Metrics, localBackends: Readonly<Record<string, string>> = {},
  tls: { certFile: string; keyFile: string } | null = null,
  /** The primary's degraded state (it started without its database): a worker forked meanwhile starts from the cached snapshot too. */
  storeAway: () => Degraded | null = () => null): Promise<GatewayWorkers> {
  // The workers serve the certificate the primary chose (issued here, if the platform CA did it).
  const tlsPort = tls && config.gatewayTlsPort !== null ? (config.gatewayTlsPort || await freePort(config.gatewayHost)) : null;
  const tlsEnv: Record<string, string> = tls && tlsPort !== null
    ? { VAMCO_TLS_CERT: tls.certFile, VAMCO_TLS_KEY: tls.keyFile, VAMCO_GATEWAY_TLS_PORT: String(tlsPort) }
    : { VAMCO_GATEWAY_TLS_PORT: 'off' };
  // Structured clone instead of JSON for the record batches.
  cluster.setupPrimary({ serialization: 'advanced' });
  const aggregator = new AggregatorRegistry();
  // /metrics on the admin port answers for all workers together.
  metrics.registry.metrics = () => aggregator.clusterMetrics();
  let stopping = false;
  let port: number | null = null;
  const fork = (): Worker => {
    // The primary's own demo and publicadmin servers, for the workers' snapshots.
    const away = storeAway();
    const w = cluster.fork({ VAMCO_LOCAL_BACKENDS: JSON.stringify(localBackends), ...tlsEnv, ...(away ? { VAMCO_STORE_AWAY: JSON.stringify(away) } : {}) });
    serveLog(w, log);
    // A worker still starting when the database came back missed the primary's word (a message
    // before its listener is lost): once it listens (its listener is set by then) it is told again.
    if (away) w.once('listening', () => { if (!storeAway() && w.isConnected()) w.send({ vamco: 'store-back' } satisfies StoreBackNote); });
    w.on('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ pid: w.process.pid, code, signal }, 'gateway worker died; starting another');
      setTimeout(fork, 500).unref();
    });
    return w;
  };
  const workers = Array.from({ length: config.workers }, fork);
  await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
    // HTTP first (when on), then HTTPS: a worker is up once its last listener is.
    const want = (config.gatewayHttp ? 1 : 0) + (tlsPort !== null ? 1 : 0);
    let seen = 0;
    w.on('listening', (addr) => {
      if (addr.port !== tlsPort) port = addr.port;
      if (++seen === want) resolve();
    });
    w.once('exit', (code) => reject(new Error(`gateway worker exited (${code}) before listening`)));
  })));
  return {
    port, tlsPort,
    drain() {
      for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send({ vamco: 'drain' });
    },
    storeBack() {
      for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send({ vamco: 'store-back' } satisfies StoreBackNote);
    },
    registryChanged(version) {
      for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send({ vamco: 'registry', version } satisfies RegistryNote);
    },
    async stop() {
      stopping = true;
      const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
      await Promise.all(live.map((w) => new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        // The worker drains: stops accepting, waits for its records' acks, then exits.
        w.process.kill('SIGTERM');
        setTimeout(() => w.process.kill('SIGKILL'), config.requestTimeoutMs + 5000).unref();
      })));
    },
  };
}

/** A gateway worker: snapshot, credentials, limits, pools and the HTTP server; no writes. */
export async function startGatewayWorker(config: Readonly<Config>, logger: Logger = pino({ level: config.logLevel })): Promise<{ stop(): Promise<void> }> {
  const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, secretKeyFile: config.secretKeyFile, poolSize: 2 });
  const snapshots = new SnapshotHolder(store, config.snapshotPollMs, { local: config.localBackends });
  // Forked while the primary runs without its database: the same cached snapshot and key file
  // the primary started from (it wrote them; only the primary writes the cache). The worker's
  // poll loads the database's snapshot once it answers, as the primary's does.
  let degraded: Degraded | null = config.storeAway && { ...config.storeAway };
  const offline = config.storeAway ? openOffline(config, store, new Error(config.storeAway.reason)) : null;
  if (offline) snapshots.startFromCache(offline.cached, offline.ring);
  else await snapshots.start();
  const metrics = new Metrics();
  AggregatorRegistry.setRegistries([metrics.registry]);
  new AggregatorRegistry(); // answers the primary's metric requests
  let draining = false;
  process.on('message', (m: { vamco?: string } | RegistryNote) => {
    if (m?.vamco === 'drain') draining = true;
    if (m?.vamco === 'registry') snapshots.heard((m as RegistryNote).version);
    if (m?.vamco === 'store-back' && degraded) {
      // The primary checked the key file against the database before saying so.
      offline?.restoreKeyring();
      degraded = null;
    }
  });
  // Peers' directories: the primary fetches them into the data dir; workers read the kept copies (issue 17).
  const directories = keptPeerDirectories({ dataDir: config.dataDir, snapshots, logger });
  const gateway = await startGatewayRole({
    config, store, snapshots, log: new IpcLog(), nodeKey: readNodeKeyFile(config.dataDir), metrics, logger, extraReady: () => process.connected && !draining, directories,
    readyDetail: () => storeDetail(degraded), ...(offline ? { platformCa: keptPlatformCa(config.dataDir) } : {}),
  });
  // Without the primary no record can become durable: stop at once rather than answer.
  process.on('disconnect', () => process.exit(1));
  const stop = async () => {
    await gateway.stop();
    snapshots.stop();
    await store.close();
  };
  return { stop };
}

export const isGatewayWorker = (): boolean => cluster.isWorker;
