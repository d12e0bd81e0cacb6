// The admin HTTP API (fastify, port 4000): /api/v1, its OpenAPI document, health, metrics.
import crypto from 'node:crypto';
import type https from 'node:https';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import { VamcoError, toProblem } from '../core/errors.js';
import { toOpenApi30 } from '../core/openapi-30.js';
import { fromFrameworkError } from '../core/framework-errors.js';
import { answerClientError } from '../core/client-error.js';
import { lazyValidators } from '../core/lazy-validators.js';
import { AddressGuard } from '../preauth/index.js';
import type { Principal } from './principal.js';
import type { AdminDeps } from './types.js';
import { registryRoutes } from './routes/registry.js';
import { auditRoutes } from './routes/audit.js';

const isLoopback = (a: string | undefined): boolean => !!a && (/^127\./.test(a) || a === '::1' || /^::ffff:127\./i.test(a));

declare module 'fastify' {
  interface FastifyRequest { viaHttps: boolean }
}

export interface AdminServerOptions {
  /** Extra route plugins mounted under /api/v1 (other wings: accounts, publicadmin, …). */
  plugins?: FastifyPluginAsync<AdminDeps>[];
  /** Plugins mounted at the root (e.g. the web console). */
  rootPlugins?: FastifyPluginAsync<AdminDeps>[];
  /** VAMCO_ADMIN_TLS: serve HTTPS with these options (certificate, key, TLS versions and suites). */
  https?: https.ServerOptions;
}

/** Sent on every answer over the admin listener's own TLS: browsers then refuse plain HTTP to it for a year. */
export const HSTS = 'max-age=31536000';

// RFC 6750 §2.1: "Bearer", one or more spaces, the token (visible ASCII). Nothing is trimmed:
// String.prototype.trim would turn "Bearer <NBSP>" into an empty token.
const BEARER = /^Bearer +([\x21-\x7e]+)$/i;

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = BEARER.exec(header);
  return m ? m[1] : null;
}

function tokenMatches(given: string | null, expected: string): boolean {
  // An empty expected token (a damaged token file) matches nothing, never everything.
  if (!given || expected.length < 32) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export async function createAdminServer(deps: AdminDeps, opts: AdminServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 5 * 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
    connectionTimeout: deps.config.requestTimeoutMs,
    // Slow clients: see the gateway; same reason.
    http: { headersTimeout: deps.config.headersTimeoutMs, connectionsCheckingInterval: 1000 } as never,
    // Over TLS Fastify makes an https server from these options alone: the same timeouts go along.
    ...(opts.https ? { https: { ...opts.https, headersTimeout: deps.config.headersTimeoutMs, connectionsCheckingInterval: 1000 } as never } : {}),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    // Each route's schema compiled at its first request, not all at start (issue 15).
    schemaController: lazyValidators().schemaController,
    routerOptions: { ignoreTrailingSlash: true },
    // Behind a TLS-terminating proxy the client's scheme and address come from X-Forwarded-*:
    // session cookies are then Secure, and the admin trail holds the real address.
    trustProxy: deps.config.trustProxy,
    // A malformed pipelined request waits for the answer before it, as on the gateway.
    clientErrorHandler: answerClientError,
  });
  // In front of every route: an address that failed to authenticate too often (401s: wrong
  // token, no session, wrong password or code) is refused before any session lookup or
  // password hash. req.ip is the proxy's client only when VAMCO_TRUST_PROXY names the proxy.
  const guard = new AddressGuard({ failures: deps.config.preAuthFailures, windowMs: deps.config.preAuthWindowMs }, (address, failures, forMs) => {
    deps.metrics.preAuthBlocked.inc({ server: 'admin' });
    deps.logger?.warn({ address, failures, seconds: forMs / 1000 }, 'address refused before authentication: too many failed authentications');
  });
  app.addHook('onRequest', async (req) => {
    const wait = guard.retryAfterMs(req.ip);
    if (!wait) return;
    deps.metrics.preAuthRefused.inc({ server: 'admin' });
    const seconds = Math.ceil(wait / 1000);
    throw new VamcoError('ADDRESS_RATE_LIMITED', `Too many failed authentications from this address: try again in ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
  });
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode === 401) guard.failed(req.ip);
  });
  // Whether the client reached us over HTTPS: this listener's own TLS, or from a trusted proxy's
  // X-Forwarded-Proto, or by default from a loopback proxy's, whose X-Forwarded-For stays unread.
  app.decorateRequest('viaHttps', false);
  // HSTS only where this listener itself speaks TLS (a proxy in front sets its own), on every
  // answer: errors and refusals included.
  if (opts.https) app.addHook('onSend', async (_req, reply) => { reply.header('strict-transport-security', HSTS); });
  app.addHook('onRequest', async (req) => {
    req.viaHttps = req.protocol === 'https' || (deps.config.forwardedProtoFromLoopback && isLoopback(req.socket.remoteAddress)
      && String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim().toLowerCase() === 'https');
  });

  app.setErrorHandler((err, req, reply) => {
    const e = fromFrameworkError(err);
    if (!e) req.log.error({ err }, 'admin error');
    const p = toProblem(e, req.id);
    reply.code(p.status).type('application/problem+json').headers(e?.headers ?? {}).send(p);
  });
  app.setNotFoundHandler((req, reply) => {
    const p = toProblem(new VamcoError('NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`), req.id);
    reply.code(404).type('application/problem+json').send(p);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Vamco admin API', version: '1', description: 'Registry, access rights, credentials and audit of a Vamco exchange platform' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // TypeBox writes `const` and empty `required` lists that OpenAPI 3.0 has no place for.
    transformObject: (d) => toOpenApi30('openapiObject' in d ? d.openapiObject : d.swaggerObject),
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const ready = deps.isReady();
    reply.code(ready ? 200 : 503);
    const reason = ready ? undefined : deps.whyNotReady?.() ?? undefined;
    return { status: ready ? 'ready' : 'not ready', ...(reason ? { reason } : {}), ...deps.readyDetail?.() };
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  await app.register(async (api) => {
    api.addHook('onRequest', async (req) => {
      if (req.url.startsWith('/api/v1/openapi.json')) return;
      // Never answered from the node's cache: every read and write here needs the database.
      const away = deps.storeUnavailable?.();
      if (away) throw new VamcoError('STORE_UNAVAILABLE', away, { headers: { 'retry-after': '10' } });
      let p: Principal | null = null;
      if (tokenMatches(bearerToken(req.headers.authorization), deps.adminToken)) {
        p = { kind: 'admin-token', actor: 'admin-token', name: 'Platform admin token', role: 'platform_admin' };
      }
      for (const a of deps.authenticators ?? []) {
        if (p) break;
        p = await a(req);
      }
      if (p) req.principal = p;
      else if (!req.url.startsWith('/api/v1/auth/')) throw new VamcoError('UNAUTHENTICATED', 'Send Authorization: Bearer <admin token> or log in');
    });
    api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await api.register(registryRoutes, deps);
    await api.register(auditRoutes, deps);
    for (const p of opts.plugins ?? []) await api.register(p, deps);
  }, { prefix: '/api/v1' });
  for (const p of opts.rootPlugins ?? []) await app.register(p, deps);
  return app;
}
