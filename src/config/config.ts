// One config schema, read once from the environment (and explicit overrides from the
// command line), then frozen. Nothing else in the code reads process.env.
import os from 'node:os';
import path from 'node:path';
import { VamcoError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { DEFAULT_MEMBER_CLASSES, isValidPart } from '../core/ids.js';
import { loadEdocConfig, type EdocConfig } from '../edoc/config.js';
import { loadFederationConfig, type FederationConfig } from '../federation/config.js';

export interface Config {
  instance: string;
  dataDir: string;
  databaseUrl?: string;
  /** The key file that seals secrets in the database; {dataDir}/secret.key when not set. */
  secretKeyFile?: string;
  gatewayHost: string;
  gatewayPort: number;
  /** False when VAMCO_GATEWAY_PORT=off: the gateway answers over HTTPS only. */
  gatewayHttp: boolean;
  /**
   * The HTTPS (and mutual TLS) listener's port; null when VAMCO_GATEWAY_TLS_PORT=off. Defaults
   * to 8443, or to 0 (any free port) when VAMCO_GATEWAY_PORT is 0, as tests and side-by-side runs set it.
   */
  gatewayTlsPort: number | null;
  /** The gateway's certificate and key files (PEM), reloaded when they change; when absent the platform CA issues one. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Extra roots (and their intermediates) trusted for client certificates, e.g. the government CA. */
  clientCaFile?: string;
  /** VAMCO_ADMIN_TLS=1: the admin API and console answer over HTTPS (same certificate), with Secure cookies and HSTS. */
  adminTls: boolean;
  adminHost: string;
  adminPort: number;
  /** Hosts or CIDR ranges an operator allows as backends although they are internal. */
  backendAllow: readonly string[];
  maxBodyBytes: number;
  /** Responses up to this size are held so their digest is in the record before they are sent. */
  logBufferBytes: number;
  defaultTimeoutMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  tokenTtlSeconds: number;
  checkpointIntervalMs: number;
  /** A message-log commit slower than this refuses exchanges and makes the node not ready. */
  logCommitTimeoutMs: number;
  /** The message log's journal (<data dir>/journal): a segment is closed at this many bytes. */
  journalSegmentBytes: number;
  /** Journal segments already shipped into the store are removed once older than this. */
  journalRetentionMs: number;
  snapshotPollMs: number;
  logLevel: string;
  demo: boolean;
  demoBackendPort: number;
  redisUrl?: string;
  /** How long a Redis counter command may take before the node counts in memory instead. */
  redisTimeoutMs: number;
  /** Gateway processes: 1 serves everything in one process; N > 1 forks N gateway workers. */
  workers: number;
  /** The platform operator's member ("CLASS/CODE"): provider of the publicadmin services. */
  operatorMember: string;
  /**
   * The server code of the platform's X-Road security-server identity,
   * {instance}/{operatorMember}/{serverCode}: what X-Road-Security-Server must name (VAMCO_SERVER_CODE).
   */
  serverCode: string;
  /** Member classes registrations may use (VAMCO_MEMBER_CLASSES; DEFAULT_MEMBER_CLASSES when absent). */
  memberClasses?: readonly string[];
  operatorName: string;
  publicAdmin: boolean;
  publicAdminPort: number;
  /** An operator-supplied administrative-units file (docs/publicadmin.md). */
  unitsFile?: string;
  /**
   * Proxies whose X-Forwarded-Proto and X-Forwarded-For the admin server believes (addresses,
   * CIDR ranges, "loopback"); false: none. Only VAMCO_TRUST_PROXY sets it.
   */
  trustProxy: string | false;
  /** Failed authentications per address within preAuthWindowMs before it is refused unheard (0: off). */
  preAuthFailures: number;
  preAuthWindowMs: number;
  /**
   * Without VAMCO_TRUST_PROXY: X-Forwarded-Proto (only makes cookies Secure) is believed from
   * loopback, X-Forwarded-For from nobody: any local process could otherwise choose the address
   * the admin trail records and the login limits count.
   */
  forwardedProtoFromLoopback: boolean;
  /** How long a node's lease on its key lasts without renewal (a clone waits this long after a crash elsewhere). */
  nodeLeaseTtlMs: number;
  /** The official document hub (docs/edoc.md). */
  edoc: EdocConfig;
  /** Witnesses, receipts and peers (issue 17). */
  federation: FederationConfig;
  /** SIGTERM: how long /readyz answers 503 while the node still serves, before it stops accepting. */
  drainTimeoutMs: number;
  /** Set by a primary for its gateway workers only: its demo and publicadmin servers (local-backends.ts). */
  localBackends: Readonly<Record<string, string>>;
  /**
   * Set by a primary for its gateway workers only, while it runs without its central database:
   * since when, why, and when the cached registry snapshot was saved. Such a worker starts from
   * that snapshot (offline-start.ts) instead of reading the database.
   */
  storeAway: Readonly<{ since: string; reason: string; snapshotSavedAt: number }> | null;
  /** Set by a primary for each gateway worker: its slot (1..N), whose key and journal live in <data dir>/workers/<slot>. */
  workerSlot: number | null;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new VamcoError('VALIDATION_FAILED', `${name}=${raw} is not an integer between ${min} and ${max}`);
  }
  return n;
}

function dur(env: Env, name: string, dflt: string): number {
  return parseDuration(env[name] || dflt);
}

function memberClasses(raw: string | undefined): readonly string[] {
  if (!raw) return DEFAULT_MEMBER_CLASSES;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.find((c) => !isValidPart(c));
  if (bad !== undefined || !list.length) throw new VamcoError('VALIDATION_FAILED', `VAMCO_MEMBER_CLASSES=${raw} is not a comma-separated list of member classes`);
  return list;
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Readonly<Config> {
  const instance = env.VAMCO_INSTANCE || 'DEV';
  if (!isValidPart(instance)) {
    throw new VamcoError('VALIDATION_FAILED', `VAMCO_INSTANCE=${instance} is not a valid X-Road instance code`);
  }
  if (env.VAMCO_SERVER_CODE && !isValidPart(env.VAMCO_SERVER_CODE)) {
    throw new VamcoError('VALIDATION_FAILED', `VAMCO_SERVER_CODE=${env.VAMCO_SERVER_CODE} is not a valid X-Road server code`);
  }
  const httpOff = env.VAMCO_GATEWAY_PORT === 'off';
  const gatewayPort = httpOff ? 8080 : int(env, 'VAMCO_GATEWAY_PORT', 8080, 0, 65535);
  const tlsOff = env.VAMCO_GATEWAY_TLS_PORT === 'off';
  if (httpOff && tlsOff) throw new VamcoError('VALIDATION_FAILED', 'VAMCO_GATEWAY_PORT and VAMCO_GATEWAY_TLS_PORT are both off: the gateway would not listen at all');
  if (!!env.VAMCO_TLS_CERT !== !!env.VAMCO_TLS_KEY) throw new VamcoError('VALIDATION_FAILED', 'Set VAMCO_TLS_CERT and VAMCO_TLS_KEY together (the certificate and its key), or neither');
  const cfg: Config = {
    instance,
    dataDir: path.resolve(env.VAMCO_DATA_DIR || './data'),
    databaseUrl: env.VAMCO_DATABASE_URL || undefined,
    secretKeyFile: env.VAMCO_SECRET_KEY_FILE ? path.resolve(env.VAMCO_SECRET_KEY_FILE) : undefined,
    gatewayHost: env.VAMCO_GATEWAY_HOST || '0.0.0.0',
    gatewayPort,
    gatewayHttp: !httpOff,
    gatewayTlsPort: tlsOff ? null : int(env, 'VAMCO_GATEWAY_TLS_PORT', !httpOff && gatewayPort === 0 ? 0 : 8443, 0, 65535),
    tlsCertFile: env.VAMCO_TLS_CERT ? path.resolve(env.VAMCO_TLS_CERT) : undefined,
    tlsKeyFile: env.VAMCO_TLS_KEY ? path.resolve(env.VAMCO_TLS_KEY) : undefined,
    clientCaFile: env.VAMCO_CLIENT_CA_FILE ? path.resolve(env.VAMCO_CLIENT_CA_FILE) : undefined,
    adminTls: env.VAMCO_ADMIN_TLS === '1' || env.VAMCO_ADMIN_TLS === 'true',
    adminHost: env.VAMCO_ADMIN_HOST || '127.0.0.1',
    adminPort: int(env, 'VAMCO_ADMIN_PORT', 4000, 0, 65535),
    backendAllow: (env.VAMCO_BACKEND_ALLOW || '').split(',').map((s) => s.trim()).filter(Boolean),
    maxBodyBytes: int(env, 'VAMCO_MAX_BODY_BYTES', 50 * 1024 * 1024, 1),
    logBufferBytes: int(env, 'VAMCO_LOG_BUFFER_BYTES', 1024 * 1024, 0),
    defaultTimeoutMs: dur(env, 'VAMCO_DEFAULT_TIMEOUT', '30s'),
    connectTimeoutMs: dur(env, 'VAMCO_CONNECT_TIMEOUT', '5s'),
    headersTimeoutMs: dur(env, 'VAMCO_HEADERS_TIMEOUT', '10s'),
    requestTimeoutMs: dur(env, 'VAMCO_REQUEST_TIMEOUT', '120s'),
    keepAliveTimeoutMs: dur(env, 'VAMCO_KEEPALIVE_TIMEOUT', '5s'),
    tokenTtlSeconds: int(env, 'VAMCO_TOKEN_TTL', 300, 10, 86400),
    checkpointIntervalMs: dur(env, 'VAMCO_CHECKPOINT_INTERVAL', '10s'),
    logCommitTimeoutMs: dur(env, 'VAMCO_LOG_COMMIT_TIMEOUT', '5s'),
    journalSegmentBytes: int(env, 'VAMCO_JOURNAL_SEGMENT_BYTES', 64 * 1024 * 1024, 64 * 1024),
    journalRetentionMs: dur(env, 'VAMCO_JOURNAL_RETENTION', '24h'),
    snapshotPollMs: dur(env, 'VAMCO_SNAPSHOT_POLL', '250ms'),
    logLevel: env.VAMCO_LOG_LEVEL || 'info',
    demo: env.VAMCO_DEMO !== '0',
    demoBackendPort: int(env, 'VAMCO_DEMO_BACKEND_PORT', 8090, 0, 65535),
    redisUrl: env.VAMCO_REDIS_URL || undefined,
    redisTimeoutMs: dur(env, 'VAMCO_REDIS_TIMEOUT', '500ms'),
    operatorMember: env.VAMCO_OPERATOR_MEMBER || 'GOV/LGSP',
    serverCode: env.VAMCO_SERVER_CODE || 'vamco',
    memberClasses: memberClasses(env.VAMCO_MEMBER_CLASSES),
    operatorName: (env.VAMCO_OPERATOR_NAME || 'Đơn vị vận hành LGSP').normalize('NFC'),
    publicAdmin: env.VAMCO_PUBLICADMIN !== '0',
    publicAdminPort: int(env, 'VAMCO_PUBLICADMIN_PORT', 8091, 0, 65535),
    unitsFile: env.VAMCO_UNITS_FILE || undefined,
    trustProxy: !env.VAMCO_TRUST_PROXY || env.VAMCO_TRUST_PROXY === 'none' ? false : env.VAMCO_TRUST_PROXY,
    forwardedProtoFromLoopback: !env.VAMCO_TRUST_PROXY,
    preAuthFailures: int(env, 'VAMCO_PREAUTH_FAILURES', 100, 0),
    preAuthWindowMs: dur(env, 'VAMCO_PREAUTH_WINDOW', '60s'),
    nodeLeaseTtlMs: dur(env, 'VAMCO_NODE_LEASE_TTL', '30s'),
    edoc: loadEdocConfig(env),
    federation: loadFederationConfig(env),
    drainTimeoutMs: dur(env, 'VAMCO_DRAIN_TIMEOUT', '10s'),
    localBackends: Object.freeze(env.VAMCO_LOCAL_BACKENDS ? JSON.parse(env.VAMCO_LOCAL_BACKENDS) as Record<string, string> : {}),
    storeAway: env.VAMCO_STORE_AWAY ? Object.freeze(JSON.parse(env.VAMCO_STORE_AWAY) as Config['storeAway']) : null,
    workerSlot: env.VAMCO_WORKER_SLOT ? int(env, 'VAMCO_WORKER_SLOT', 1, 1, 256) : null,
    workers: env.VAMCO_WORKERS === 'auto' ? os.availableParallelism() : int(env, 'VAMCO_WORKERS', 1, 1, 256),
    ...overrides,
  };
  return Object.freeze({ ...cfg, backendAllow: Object.freeze([...cfg.backendAllow]), memberClasses: Object.freeze([...(cfg.memberClasses ?? DEFAULT_MEMBER_CLASSES)]) });
}
