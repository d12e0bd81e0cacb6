// Connection pools to service backends (undici), one per service so each gets its own
// connect timeout and TLS settings (the service's CA bundle, its provider's client certificate:
// a pool is made again only when they change, never per request), plus a small circuit breaker: after repeated connection failures the
// gateway answers 503 at once for a while instead of making every consumer wait.
import { Pool, buildConnector } from 'undici';
import type { SnapService } from '../registry/index.js';
import type { BackendTls } from '../backend-auth/index.js';
import { connectLookup, type BackendPolicy, type Resolver } from '../registry/backend-policy.js';

/** `probingSince`: when the half-open probe started (0: none). */
interface Circuit { failures: number; openUntil: number; probingSince: number }

const FAILURE_THRESHOLD = 5;
const OPEN_MS = 10_000;

/**
 * undici's connector, keeping the reason of a TLS failure that happens after the handshake. In
 * TLS 1.3 the client finishes first, so a backend that wants a client certificate refuses it
 * with an alert after the request went out; undici then reports "other side closed" and the
 * alert (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED) would be lost. It becomes that error's cause.
 */
function tlsConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const base = buildConnector(options);
  return (opts, cb) => base(opts, (err, socket) => {
    if (socket) {
      let tlsError: (Error & { code?: string }) | null = null;
      socket.prependListener('error', (e: Error & { code?: string; cause?: unknown }) => {
        if (!tlsError && /^ERR_(SSL|TLS)_/.test(e.code ?? '')) tlsError = e;
        else if (tlsError && e !== tlsError && e.code === 'UND_ERR_SOCKET' && !e.cause) e.cause = tlsError;
      });
    }
    (cb as (e: Error | null, s: typeof socket) => void)(err, socket);
  });
}

export class Upstreams {
  private pools = new Map<number, { origin: string; connectTimeout: number; tls: BackendTls | null; pool: Pool }>();
  private circuits = new Map<number, Circuit>();

  /**
   * `policy`: the backend policy applied again to every address a connection goes to (names
   * are resolved at connect time, so one that now points inside is refused: DNS rebinding).
   */
  constructor(private defaults: { connectTimeoutMs: number; defaultTimeoutMs: number; policy?: BackendPolicy; resolver?: Resolver }) {}

  pool(svc: SnapService): Pool {
    const connectTimeout = svc.connectTimeoutMs ?? this.defaults.connectTimeoutMs;
    const have = this.pools.get(svc.id);
    const tls = svc.tls ?? null;
    if (have && have.origin === svc.url.origin && have.connectTimeout === connectTimeout && have.tls?.id === tls?.id) return have.pool;
    if (have) void have.pool.close().catch(() => {});
    const connect = {
      timeout: connectTimeout,
      ...(this.defaults.policy ? { lookup: connectLookup(this.defaults.policy, Number(svc.url.port || (svc.url.protocol === 'https:' ? 443 : 80)), this.defaults.resolver) } : {}),
    };
    const pool = new Pool(svc.url.origin, {
      connections: 128,
      pipelining: 1,
      connect: svc.url.protocol === 'https:' ? tlsConnector({
        ...connect,
        // Certificates are always verified (rejectUnauthorized stays true, whatever the environment says).
        rejectUnauthorized: true, minVersion: 'TLSv1.2',
        ...(tls?.ca ? { ca: tls.ca } : {}),
        ...(tls?.cert ? { cert: tls.cert, key: tls.key! } : {}),
      }) : connect,
      keepAliveTimeout: 4_000,
      // The gateway enforces its own per-request timeouts; these are upper bounds.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.pools.set(svc.id, { origin: svc.url.origin, connectTimeout, tls, pool });
    return pool;
  }

  timeoutMs(svc: SnapService): number {
    return svc.timeoutMs ?? this.defaults.defaultTimeoutMs;
  }

  /** False when the circuit is open (answer 503 without trying). */
  allow(serviceId: number, now = Date.now()): boolean {
    const c = this.circuits.get(serviceId);
    if (!c || c.openUntil === 0) return true;
    if (now < c.openUntil) return false;
    // Half-open: one request probes the backend. A probe that ends in neither success nor a
    // connection failure (timeout, reset, client gone) must not keep the circuit shut for
    // good, so after OPEN_MS another request may probe.
    if (c.probingSince && now - c.probingSince < OPEN_MS) return false;
    c.probingSince = now;
    return true;
  }

  success(serviceId: number): void {
    const c = this.circuits.get(serviceId);
    if (c) this.circuits.delete(serviceId);
  }

  failure(serviceId: number, now = Date.now()): void {
    const c = this.circuits.get(serviceId) ?? { failures: 0, openUntil: 0, probingSince: 0 };
    c.failures++;
    if (c.probingSince || c.failures >= FAILURE_THRESHOLD) {
      c.openUntil = now + OPEN_MS;
      c.probingSince = 0;
    }
    this.circuits.set(serviceId, c);
  }

  /** A half-open probe that timed out or failed after connecting re-opens the circuit. */
  probeFailed(serviceId: number, now = Date.now()): void {
    const c = this.circuits.get(serviceId);
    if (c?.probingSince) this.failure(serviceId, now);
  }

  /** Drops pools of services that no longer exist. */
  prune(live: Set<number>): void {
    for (const [id, p] of this.pools) {
      if (!live.has(id)) {
        void p.pool.close().catch(() => {});
        this.pools.delete(id);
        this.circuits.delete(id);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.pool.destroy().catch(() => {})));
    this.pools.clear();
  }
}
