// Assembles every role in one process: store, registry snapshot, message log, gateway,
// admin API, demo. `vamco start` and the end-to-end tests both start the platform here.
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/index.js';
import path from 'node:path';
import { openStore, migrate, storeUnreachable, isUnreachable, type Store } from '../store/index.js';
import { SnapshotHolder, SNAPSHOT_CACHE_FILE, announceThrough, localNotifier, redisNotifier, registryChannel } from '../registry/index.js';
import { loadOrCreateNodeKey, type MessageLog, type NodeKey } from '../audit/index.js';
import { startGatewayRole } from './gateway-role.js';
import { createAdminServer, webConsole, type AdminServerOptions } from '../admin/index.js';
import { accountsAuthenticators, accountsPlugin, ensureFirstAdmin } from '../accounts/index.js';
import { accessRequestsPlugin } from '../access-requests/index.js';
import { dashboardPlugin } from '../dashboard/index.js';
import { Metrics } from '../monitoring/index.js';
import { startDemoBackend, ensureDemo, DEMO_LOCAL_HOST } from '../demo/index.js';
import { loadOrCreateAdminToken } from './admin-token.js';
import { forkGatewayWorkers, journalDetail, type WorkerLogs } from './cluster.js';
import { openNodeLog, shipIdleSlots } from './node-log.js';
import { startPublicAdminWing, registerPublicAdmin, PUBLICADMIN_LOCAL_HOST } from './publicadmin.js';
import { withStartLock } from './start-lock.js';
import { openOffline, storeDetail, type Degraded } from './offline-start.js';
import { publicAdminAdminPlugin } from './publicadmin-admin.js';
import { acquireNodeLease, lockDataDir, registerAdminToken, ClusterAdminTokens, type NodeLease } from '../node-identity/index.js';
import { bearerToken } from '../admin/server.js';
import { startEdocWing, type EdocWing } from './edoc.js';
import { startFederationWing } from './federation.js';
import type { PeerDirectories } from '../federation/index.js';
import { edocAdminPlugin } from './edoc-admin.js';
import { loadOrCreateCa, loadOrIssueServerCert, keptServerCert, keepPlatformCaCopy, keptPlatformCa, PKI_DIR, CA_COPY_FILE, type PlatformCa } from '../pki/index.js';
import { ensureDemoCert, type DemoCert } from './demo-cert.js';
import { tlsServerOptions, watchTlsFiles } from '../gateway/tls.js';
import { VamcoError } from '../core/errors.js';
import type tls from 'node:tls';

export interface Platform {
  config: Readonly<Config>;
  store: Store;
  nodeKey: NodeKey;
  messageLog: MessageLog;
  snapshots: SnapshotHolder;
  gatewayUrl: string;
  adminUrl: string;
  adminToken: string;
  adminTokenCreated: boolean;
  demoKey: string | null;
  /** The official document hub (served on the gateway's port under /edoc/v1/). */
  edoc: EdocWing;
  /** The platform CA (its key is null on a node that did not create it). Read on a start without the store, it throws STORE_UNAVAILABLE. */
  readonly ca: PlatformCa;
  /** Set while the node runs without its central database (started from its cached snapshot). */
  readonly degraded: Degraded | null;
  /** The HTTPS (mutual TLS) listener's URL; null when it is off or this node has no certificate to serve. */
  gatewayTlsUrl: string | null;
  /** The demo consumer's client certificate files, for the banner's mutual-TLS curl. */
  demoCert: DemoCert | null;
  /** Peers' signed directories as last fetched (issue 17). */
  directories: PeerDirectories;
  /** True when this start registered the demo and made its key (the banner shows it only then). */
  demoKeyCreated: boolean;
  /** The gateway's listening address as bound, e.g. 0.0.0.0:8080 (gatewayUrl is where to call it from here). */
  gatewayListen: string;
  /** The publicadmin backend when it had to leave VAMCO_PUBLICADMIN_PORT (taken) for another port. */
  publicAdminMoved: { wanted: number; url: string } | null;
  /** Set on the first start only: the platform admin's one-time console password. */
  firstAdmin: { username: string; oneTimePassword: string } | null;
  logger: Logger;
  /**
   * Graceful drain (SIGTERM): /readyz answers 503 for VAMCO_DRAIN_TIMEOUT while exchanges are
   * still served, so a balancer moves traffic away; then the node stops accepting, lets the
   * exchanges in progress finish and be logged, and stops.
   */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** A node started without its store that the store, once back, refuses (default: log, stop, exit 1). */
  onFatal?: (e: unknown, logger: Logger, stop: () => Promise<void>) => void;
  admin?: AdminServerOptions;
}

function defaultFatal(e: unknown, logger: Logger, stop: () => Promise<void>): void {
  const msg = (e as Error)?.message ?? String(e);
  logger.fatal({ err: msg }, 'the central database is back and refuses this node: stopping');
  process.stderr.write(`error: ${msg}${e instanceof VamcoError ? ` (${e.code})` : ''}\n`);
  void stop().catch(() => {}).finally(() => process.exit(1));
}

export async function startPlatform(config: Readonly<Config>, opts: StartOptions = {}): Promise<Platform> {
  const logger = opts.logger ?? pino({ level: config.logLevel });
  const cleanups: (() => Promise<void> | void)[] = [];
  let draining = false;
  let drainWorkers = () => {};
  let storeBack = () => {};
  // Once, whoever asks (a signal, a fatal report from each of several workers): a second run
  // would close the store and release the data dir's lock under the first.
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    for (const c of [...cleanups].reverse()) await c();
  })());
  try {
    // Before anything is opened or registered: a second start on this data dir stops here.
    const lock = lockDataDir(config.dataDir);
    cleanups.push(() => lock.release());
    const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, secretKeyFile: config.secretKeyFile });
    cleanups.push(() => store.close());
    for (const f of store.dataDir.fixed) logger.warn({ path: f.path, mode: f.was }, 'data dir: mode was too open; restricted to the owner');
    // The central database away at start: serve from the cached snapshot (offline-start.ts).
    const away = config.databaseUrl ? await storeUnreachable(config.databaseUrl) : null;
    const offline = away ? openOffline(config, store, away) : null;
    let degraded: Degraded | null = offline && { since: new Date().toISOString(), reason: away!.message, snapshotSavedAt: offline.cached.savedAt };
    if (offline) logger.warn({ reason: away!.message, snapshotSavedAt: new Date(offline.cached.savedAt).toISOString() }, 'central database unreachable: starting from the cached registry snapshot (degraded: admin API 503, records wait in the journal)');
    if (!offline) {
      await migrate(store.db, store.engine);
      // Opens (first start: creates) the secret key file and checks it against the database.
      await store.keyring();
    }
    const nodeKey = offline ? offline.nodeKey : await loadOrCreateNodeKey(store, config.dataDir);
    // A copy of this node's key live elsewhere stops the start before it registers anything
    // (offline: once the store is back, see below).
    const leaseOptions = { dataDir: config.dataDir, ttlMs: config.nodeLeaseTtlMs, logger };
    let lease: NodeLease = offline ? { held: () => true, release: async () => {} } : await acquireNodeLease(store, nodeKey.nodeId, leaseOptions);
    cleanups.push(() => lease.release());
    const admin = loadOrCreateAdminToken(config.dataDir);
    if (!offline) await registerAdminToken(store, nodeKey.nodeId, admin.token);
    const metrics = new Metrics();
    // Every node's series carry its id, so one Prometheus sees the cluster node by node.
    metrics.registry.setDefaultLabels({ node: nodeKey.nodeId });
    const ctx = { store, config };
    // Registry changes made on this node are announced once committed: to this process, and
    // with Redis to every node, which reload at once (the poll stays, for when Redis is away).
    const notifier = config.redisUrl
      ? await redisNotifier(config.redisUrl, await registryChannel(store, config.instance), { timeoutMs: config.redisTimeoutMs, logger, onPublishError: () => metrics.registryNotifyFailures.inc() })
      : localNotifier();
    announceThrough(store, notifier);
    cleanups.push(() => { announceThrough(store, null); return notifier.close(); });

    // This node's own servers for the backends every node runs: registered under names that
    // resolve here (local-backends.ts), so no start re-points a service at its own ports.
    const localBackends: Record<string, string> = {};
    const demoBackend = config.demo ? await startDemoBackend(config.demoBackendPort) : null;
    if (demoBackend) {
      cleanups.push(() => demoBackend.close());
      localBackends[DEMO_LOCAL_HOST] = demoBackend.url;
    }
    let publicAdminMoved: Platform['publicAdminMoved'] = null;
    if (config.publicAdmin) {
      // Started with the database away too: its services then answer at once with 503
      // STORE_UNAVAILABLE (their data is in that database) instead of failing to resolve or
      // waiting on it, and serve again, on the same address, once the start-up is complete.
      const wing = await startPublicAdminWing(ctx, () => degraded && `The public-administration data is in the platform's central database, which this node has not reached since ${degraded.since}; ask again later`);
      cleanups.push(() => wing.close());
      localBackends[PUBLICADMIN_LOCAL_HOST] = wing.url;
      if (wing.moved) {
        publicAdminMoved = { wanted: config.publicAdminPort, url: wing.url };
        logger.warn({ wanted: config.publicAdminPort, url: wing.url }, 'publicadmin backend: port taken, listening on another');
      }
    }
    // Built-in registrations one node at a time (several nodes may start on an empty database).
    const builtIns = () => withStartLock(store, async () => {
      // Independent of one another, so they run together: on a first start the CA's key and the
      // first admin's password hash (scrypt) are made on libuv's threads while this thread loads
      // the publicadmin reference data (issue 15). All settle before the start goes on or fails.
      const [ca, firstAdmin, demo] = await allOf([
        // The platform CA is made by the first start (its key stays in this data dir).
        loadOrCreateCa(store, config.dataDir, { instance: config.instance, operatorName: config.operatorName }),
        // Only the very first start creates the platform admin; its one-time password goes to this node's banner.
        ensureFirstAdmin(store),
        demoBackend ? ensureDemo(ctx) : null,
        config.publicAdmin ? registerPublicAdmin(ctx) : null,
      ] as const);
      // Kept for a later start without the database: its HTTPS listener checks client certificates against it.
      keepPlatformCaCopy(config.dataDir, ca.certPem);
      return { firstAdmin, demo, ca };
    });
    const { firstAdmin, demo, ca } = offline ? { firstAdmin: null, demo: null, ca: null } : await builtIns();
    // The demo's client certificate (first start, on the node that holds the CA key): the
    // banner's second curl calls over mutual TLS with it and no API key.
    const demoCert = demo && ca && config.gatewayTlsPort !== null ? await ensureDemoCert(ctx, ca) : null;
    // The HTTPS listeners' certificate (gateway, and the admin API with VAMCO_ADMIN_TLS): the
    // operator's files, or one the platform CA issued.
    // Without the database: the copy of the platform CA an earlier start kept, and the
    // certificate it issued here (renewal waits for the database and the CA).
    const keptCa = offline ? keptPlatformCa(config.dataDir) : null;
    const serverCert = config.gatewayTlsPort === null && !config.adminTls ? null
      : config.tlsCertFile && config.tlsKeyFile ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile }
        : ca ? await loadOrIssueServerCert(ca, config.dataDir, { instance: config.instance, operatorName: config.operatorName })
          : keptCa ? keptServerCert(config.dataDir, keptCa) : null;
    // Asked for TLS, the console never falls back to plain HTTP (its cookies would travel in clear).
    if (config.adminTls && !serverCert) throw new VamcoError('VALIDATION_FAILED', 'VAMCO_ADMIN_TLS is set but this node has no certificate to serve: set VAMCO_TLS_CERT and VAMCO_TLS_KEY (the platform CA\'s key, which could issue one, is not in this data dir)');
    // Offline the gateway's HTTPS (mutual TLS) listener comes up as it would have with the
    // database: the certificate is a file here, the client roots are the kept copy of the
    // platform CA (and VAMCO_CLIENT_CA_FILE), the registered client certificates are in the
    // cached snapshot. Only a data dir without that copy (written by every start since it was
    // introduced) keeps it off: client certificates could not be checked.
    const tlsFiles = config.gatewayTlsPort === null || (offline && !keptCa) ? null : serverCert;
    if (offline && config.gatewayTlsPort !== null && !keptCa) logger.warn(`gateway HTTPS off until the next start: it was started without the central database and ${path.join(config.dataDir, PKI_DIR, CA_COPY_FILE)}, the platform CA it checks client certificates against, is not in the data dir`);

    // The log's durable point is this node's journal; the shipper copies it into the store.
    const messageLog = await openNodeLog({ store, key: nodeKey, config, logger, dir: config.dataDir, offline: !!offline });
    if (messageLog.recovery?.truncatedBytes) logger.warn({ bytes: messageLog.recovery.truncatedBytes }, 'message log: the journal\'s torn last write was cut off (never acknowledged)');
    cleanups.push(() => messageLog.close());
    // Worker slots left with records no worker will ship now (VAMCO_WORKERS lowered).
    const idleSlots = () => shipIdleSlots(store, config, config.workers > 1 ? config.workers : 0, logger);
    if (!offline) await idleSlots();
    metrics.watchJournal(() => { const s = messageLog.shipping; return s && { backlog: s.backlog, failing: s.error !== null }; });
    const snapshots = new SnapshotHolder(store, config.snapshotPollMs, {
      local: localBackends, cacheFile: path.join(config.dataDir, SNAPSHOT_CACHE_FILE),
      onCacheError: (e) => logger.warn({ err: (e as Error)?.message ?? String(e) }, 'registry snapshot: could not cache it in the data dir (a start without the database would use an older one, or none)'),
    });
    if (offline) snapshots.startFromCache(offline.cached, offline.ring);
    else await snapshots.start();
    cleanups.push(() => snapshots.stop());
    notifier.listen((v) => snapshots.heard(v));
    const edoc = startEdocWing({ store, config, log: messageLog, snapshots, logger });
    cleanups.push(() => edoc.stop());
    // In worker mode each worker's chain is witnessed too (their ids once they run).
    let workerNodes: () => string[] = () => [];
    const federation = startFederationWing({ store, config, nodeKey, snapshots, logger, localNodes: () => workerNodes() });
    cleanups.push(async () => federation.stop());

    let gatewayPort: number | null;
    let gatewayTlsPort: number | null;
    let isReady: () => boolean;
    let whyNotReady: () => string | null;
    let workerLogs: WorkerLogs | null = null;
    if (config.workers > 1) {
      // Worker mode: the gateways run in forked processes, each with its own log (cluster.ts).
      // Started without the database, the workers start from the cached snapshot too and
      // hear from this process when it is back.
      const workers = await forkGatewayWorkers(config, logger, metrics, localBackends, tlsFiles, () => degraded, (e) => (opts.onFatal ?? defaultFatal)(e, logger, stop));
      workerLogs = workers;
      workerNodes = () => workers.nodeIds();
      storeBack = () => workers.storeBack();
      // The workers hear of registry changes from this process (one Redis subscription per node).
      notifier.listen((v) => workers.registryChanged(v));
      drainWorkers = () => workers.drain();
      cleanups.push(() => workers.stop());
      gatewayPort = workers.port;
      gatewayTlsPort = workers.tlsPort;
      whyNotReady = () => {
        if (!snapshots.current) return 'the registry snapshot is not loaded yet';
        const h = messageLog.health;
        if (!h.ok) return `the message log cannot commit since ${h.since}: ${h.reason}`;
        const w = workers.unhealthy();
        if (w) return w;
        if (draining) return 'draining (SIGTERM): this node stops shortly';
        return lease.held() ? null : 'this node\'s lease on its identity is not held';
      };
      isReady = () => whyNotReady() === null;
    } else {
      const gateway = await startGatewayRole({ config, store, snapshots, log: messageLog, nodeKey, metrics, logger, extraReady: () => lease.held() && !draining, readyDetail: () => storeDetail(degraded), mounts: (g) => [edoc.mount(g), federation.mount()], tls: tlsFiles, directories: federation.directories,
        ...(offline ? { platformCa: keptCa } : {}) });
      cleanups.push(() => gateway.stop());
      gatewayPort = gateway.port;
      gatewayTlsPort = gateway.tlsPort;
      isReady = gateway.isReady;
      whyNotReady = gateway.whyNotReady;
    }

    const ownPorts = [gatewayPort, gatewayTlsPort].filter((p): p is number => p !== null);
    const adminOpts = {
      ...opts.admin,
      plugins: [accountsPlugin, accessRequestsPlugin, dashboardPlugin, edocAdminPlugin(edoc.hub), ...(opts.admin?.plugins ?? []), ...(config.publicAdmin ? [publicAdminAdminPlugin] : [])],
      rootPlugins: [...(opts.admin?.rootPlugins ?? []), webConsole],
    };
    const clusterTokens = new ClusterAdminTokens(store);
    const authenticators = [
      ...accountsAuthenticators(store, { instance: config.instance }),
      // Another node's admin token (this node's own is checked first by the admin server).
      async (req: { headers: { authorization?: string } }) => (await clusterTokens.matches(bearerToken(req.headers.authorization)))
        ? { kind: 'admin-token' as const, actor: 'admin-token', name: 'Platform admin token (cluster)', role: 'platform_admin' as const } : null,
    ];
    // The journals of this node: its own and, in worker mode, every worker's.
    const readyDetail = () => {
      const own = messageLog.shipping;
      const w = workerLogs?.journal();
      const j = own && { backlog: own.backlog + (w?.backlog ?? 0), error: own.error ?? w?.error ?? null };
      return { ...journalDetail(j), ...storeDetail(degraded) };
    };
    const adminTlsFiles = config.adminTls ? serverCert! : null;
    const adminApp: FastifyInstance = await createAdminServer({ config, store, nodeKey, metrics, adminToken: admin.token, isReady, whyNotReady, readyDetail, ownPorts, authenticators, logger, directories: federation.directories,
      storeUnavailable: () => degraded && `The central database is unreachable (since ${degraded.since}: ${degraded.reason}); this node serves exchanges from its registry snapshot cached ${degraded.snapshotSavedAt ? new Date(degraded.snapshotSavedAt).toISOString() : ''}, and what needs the database waits for it` },
      adminTlsFiles ? { ...adminOpts, https: tlsServerOptions(adminTlsFiles) } : adminOpts);
    await adminApp.listen({ port: config.adminPort, host: config.adminHost });
    cleanups.push(() => adminApp.close());
    if (adminTlsFiles) {
      // A renewed certificate reaches the console as it reaches the gateway: without a restart.
      const unwatch = watchTlsFiles(adminApp.server as unknown as tls.Server, adminTlsFiles, [adminTlsFiles.certFile, adminTlsFiles.keyFile], logger, 'admin');
      cleanups.push(async () => unwatch());
    }
    const adminPort = (adminApp.server.address() as { port: number }).port;
    ownPorts.push(adminPort);

    if (offline) {
      // Back to normal once the store answers: the start-up steps skipped, then shipping.
      let stopped = false;
      cleanups.push(() => { stopped = true; });
      const finish = async () => {
        await migrate(store.db, store.engine);
        // The key file was used unchecked meanwhile: now it is checked against the database.
        offline.restoreKeyring();
        await store.keyring();
        // A live node elsewhere with this key: stop, as a start would (NODE_ALREADY_RUNNING).
        lease = await acquireNodeLease(store, nodeKey.nodeId, leaseOptions);
        await registerAdminToken(store, nodeKey.nodeId, admin.token);
        await builtIns();
        await messageLog.resume();
        await idleSlots();
        await snapshots.poll();
      };
      void (async () => {
        for (let wait = 1000; degraded && !stopped; wait = Math.min(wait * 2, 30_000)) {
          await new Promise((r) => setTimeout(r, wait).unref());
          if (stopped) return;
          try {
            const still = await storeUnreachable(config.databaseUrl!);
            if (still) { degraded.reason = still.message; continue; }
            await finish();
            degraded = null;
            storeBack();
            logger.warn('central database reachable again: start-up completed, shipping the journal, degraded mode over');
          } catch (e) {
            if (isUnreachable(e)) continue;
            // The store answered and refused this node (its key live elsewhere, another key file):
            // it must not go on serving, exactly as a start would not have begun.
            (opts.onFatal ?? defaultFatal)(e, logger, stop);
            return;
          }
        }
      })();
    }

    const host = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
    return {
      config, store, nodeKey, messageLog, snapshots, logger,
      get degraded() { return degraded && { ...degraded }; },
      // With HTTP off, the HTTPS address is the one to call.
      gatewayUrl: gatewayPort !== null ? `http://${host(config.gatewayHost)}:${gatewayPort}` : `https://${host(config.gatewayHost)}:${gatewayTlsPort}`,
      gatewayTlsUrl: gatewayTlsPort !== null ? `https://${host(config.gatewayHost)}:${gatewayTlsPort}` : null,
      demoCert: gatewayTlsPort !== null ? demoCert : null,
      directories: federation.directories,
      adminUrl: `${adminTlsFiles ? 'https' : 'http'}://${host(config.adminHost)}:${adminPort}`,
      gatewayListen: `${config.gatewayHost.includes(':') ? `[${config.gatewayHost}]` : config.gatewayHost}:${gatewayPort ?? gatewayTlsPort}`,
      adminToken: admin.token, adminTokenCreated: admin.created, demoKey: demo?.key ?? null, demoKeyCreated: !!demo?.created, firstAdmin, publicAdminMoved, edoc,
      get ca() {
        if (!ca) throw new VamcoError('STORE_UNAVAILABLE', 'This node started without the central database: the platform CA is read from it at the next start');
        return ca;
      },
      async drain() {
        draining = true;
        drainWorkers();
        logger.info({ drainMs: config.drainTimeoutMs }, 'draining: /readyz answers 503, exchanges still served');
        await new Promise((r) => setTimeout(r, config.drainTimeoutMs));
        await stop();
      },
      stop,
    };
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
}

/**
 * Promise.all that waits for every step to settle before it fails: a failed start must not
 * leave a sibling step still writing (keys, registrations) after the store is closed.
 */
async function allOf<T extends readonly unknown[]>(steps: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
