// The gateway role: backend pools, token key, rate limits, readiness and the HTTP server,
// started the same way in one process (platform.ts) and in each worker (cluster.ts).
import type http from 'node:http';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { KeyUsage, type SnapshotHolder } from '../registry/index.js';
import type { ExchangeRecord, LogHealth, LogPosition, NodeKey } from '../audit/index.js';
import { receiptIssuer } from '../federation/index.js';
import { createGatewayServer, listen, loadTokenKeys, TokenService, RateLimits, Upstreams, type GatewayMount, type GatewayDeps } from '../gateway/index.js';
import type { Metrics } from '../monitoring/index.js';
import { connectSharedCounters } from '../gateway/shared-counters.js';
import { BackendAuthenticators, UpstreamBudgets } from '../backend-auth/index.js';
import { AddressGuard } from '../preauth/index.js';
import { tlsServerOptions, watchTlsFiles, type TlsFiles } from '../gateway/tls.js';
import { platformCaCertificate, readClientCaFile } from '../pki/index.js';

export interface GatewayRole {
  /** The HTTP port (null when VAMCO_GATEWAY_PORT=off). */
  port: number | null;
  /** The HTTPS port (null when off, or when this node has no certificate to serve). */
  tlsPort: number | null;
  /** Ready while the snapshot is loaded, the database answers, the message log can commit (and `extraReady`, if given). */
  isReady(): boolean;
  whyNotReady(): string | null;
  stop(): Promise<void>;
}

export async function startGatewayRole(a: {
  config: Readonly<Config>; store: Store; snapshots: SnapshotHolder; log: { append(rec: ExchangeRecord): Promise<LogPosition | undefined | void>; readonly health?: LogHealth };
  /** The node's key: it signs receipts (none are given without it). */
  nodeKey?: NodeKey | null;
  metrics: Metrics; logger: Logger; extraReady?: () => boolean;
  /** More for /readyz's body (the store's state on a node started without it). */
  readyDetail?: () => Record<string, unknown>;
  /** Wings served on the gateway port (the edoc hub), given the gateway's token service. */
  mounts?: (g: { tokens: TokenService }) => GatewayMount[];
  /** The certificate and key the HTTPS listener serves (default: VAMCO_TLS_CERT/VAMCO_TLS_KEY). */
  tls?: { certFile: string; keyFile: string } | null;
  /** Peers' directories, for listClients of their instances. */
  directories?: GatewayDeps['directories'];
  /** The platform CA's certificate, given on a start without the database (the kept copy); default: read from the store. */
  platformCa?: string | null;
}): Promise<GatewayRole> {
  const { config, store, snapshots } = a;
  // The gateway's own port joins the policy once bound: a backend name that comes to point at it is refused too.
  const ownPorts: number[] = [];
  const upstreams = new Upstreams({ connectTimeoutMs: config.connectTimeoutMs, defaultTimeoutMs: config.defaultTimeoutMs, policy: { allow: config.backendAllow, ownPorts } });
  const shared = config.redisUrl ? await connectSharedCounters(config.redisUrl, store, config.instance, a.logger, config.redisTimeoutMs) : undefined;
  // Shared budgets towards upstreams count in the same Redis as the rate limits, when there is one.
  const budgets = new UpstreamBudgets(shared);
  const backendAuth = new BackendAuthenticators({
    tokenTimeoutMs: config.defaultTimeoutMs,
    onTokenFetch: (credential, t) => a.logger.info({ credential, tokenId: t.id, expiresAt: new Date(t.expiresAt).toISOString() }, 'upstream token fetched'),
  });
  snapshots.onChange((s) => {
    upstreams.prune(new Set([...[...s.services.values()].map((x) => x.id), ...[...s.peers.values()].map((p) => p.id)]));
    // Tokens and budget counters of credentials no longer configured are dropped.
    const live = new Set([...s.services.values()].flatMap((x) => (x.backendCredential ? [x.backendCredential] : [])));
    backendAuth.prune(live);
    budgets.prune(live);
  });
  const tokens = new TokenService(await loadTokenKeys(store), `vamco:${config.instance}`, config.tokenTtlSeconds);
  // Without a durable log the gateway must not answer exchanges: not ready then. The shared
  // database being away is not a reason: the journal holds the records, the last snapshot routes.
  const whyNotReady = (): string | null => {
    if (!snapshots.current) return 'the registry snapshot is not loaded yet';
    const h = a.log.health;
    if (h && !h.ok) return `the message log cannot commit since ${h.since}: ${h.reason}`;
    if (a.extraReady && !a.extraReady()) return 'draining (SIGTERM), its identity lease lost, or the process that holds its message log gone';
    return null;
  };
  const isReady = () => whyNotReady() === null;
  const guard = new AddressGuard({ failures: config.preAuthFailures, windowMs: config.preAuthWindowMs }, (address, failures, forMs) => {
    // The sample that goes to the log: one line per blocked address, not one per refusal.
    a.metrics.preAuthBlocked.inc({ server: 'gateway' });
    a.logger.warn({ address, failures, seconds: forMs / 1000 }, 'address refused before authentication: too many failed authentications');
  });
  const receipts = a.nodeKey ? receiptIssuer({ instance: config.instance, key: a.nodeKey, store, logger: a.logger }) : undefined;
  // Each node (each worker) notes its keys' uses and writes them in batches, off the request path.
  const keyUsage = new KeyUsage(store, { logger: a.logger });
  keyUsage.start();
  const deps = { config, snapshots, log: a.log, receipts, tokens, keyUsage, metrics: a.metrics, logger: a.logger, limits: new RateLimits(shared), upstreams, backendAuth, budgets, isReady, whyNotReady, readyDetail: a.readyDetail, guard, mounts: a.mounts?.({ tokens }), directories: a.directories };
  const servers: http.Server[] = [];
  let port: number | null = null;
  if (config.gatewayHttp) {
    const server = createGatewayServer(deps);
    port = await listen(server, config.gatewayPort, config.gatewayHost);
    servers.push(server);
    ownPorts.push(port);
  }
  let tlsPort: number | null = null;
  let unwatch = () => {};
  const tlsFiles = a.tls !== undefined ? a.tls : config.tlsCertFile && config.tlsKeyFile ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile } : null;
  if (config.gatewayTlsPort !== null && tlsFiles) {
    // Client certificates are checked against the platform CA and the operator's roots file,
    // re-read with the certificate when a watched file changes.
    const platformCa = a.platformCa !== undefined ? a.platformCa : await platformCaCertificate(store);
    const files: TlsFiles = { ...tlsFiles, clientCas: () => [...(platformCa ? [platformCa] : []), ...(config.clientCaFile ? readClientCaFile(config.clientCaFile) : [])] };
    const tlsServer = createGatewayServer(deps, tlsServerOptions(files));
    tlsPort = await listen(tlsServer, config.gatewayTlsPort, config.gatewayHost);
    servers.push(tlsServer);
    ownPorts.push(tlsPort);
    unwatch = watchTlsFiles(tlsServer as unknown as tls.Server, files, [tlsFiles.certFile, tlsFiles.keyFile, ...(config.clientCaFile ? [config.clientCaFile] : [])], a.logger);
  } else if (config.gatewayTlsPort !== null) {
    a.logger.warn('gateway HTTPS off on this node: no VAMCO_TLS_CERT/VAMCO_TLS_KEY and no key of the platform CA here to issue a certificate');
  }
  return {
    port, tlsPort, isReady, whyNotReady,
    async stop() {
      unwatch();
      // In-flight exchanges may run as long as a request may: they finish and are logged.
      await Promise.all(servers.map((s) => closeServer(s, config.requestTimeoutMs)));
      await upstreams.close();
      await keyUsage.stop();
      shared?.close();
    },
  };
}

/**
 * Stops accepting, lets requests in progress finish (closing each keep-alive connection as soon
 * as it falls idle), and cuts what is still open after `graceMs`.
 */
export function closeServer(server: http.Server, graceMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
