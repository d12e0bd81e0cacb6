// The backend HTTP server of the four services. Only the gateway may call it: every request
// must carry the shared secret the gateway adds (X-Vamco-Backend-Secret).
import crypto from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';
import { toProblem, VamcoError } from '../../core/errors.js';
import { lazyValidators } from '../../core/lazy-validators.js';
import { fromFrameworkError } from '../../core/framework-errors.js';
import type { Store } from '../../store/index.js';
import type { Actor } from '../dossiers/dossiers.js';
import { SERVICE_ROUTES, type ServiceCode } from './routes.js';

// The node retries its database with waits doubling to 30 s (platform.ts): a client asked to come
// back in 5 s does not hammer it, and is not kept away long once the database is back.
const RETRY_AFTER_S = 5;

const sendProblem = (reply: FastifyReply, err: unknown, requestId?: string) => {
  const p = toProblem(err, requestId);
  if (err instanceof VamcoError && err.headers) reply.headers(err.headers);
  return reply.code(p.status).type('application/problem+json').send(p);
};

const header = (req: FastifyRequest, name: string): string | null => {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : null;
};

const actorOf = (req: FastifyRequest): Actor => ({
  client: header(req, 'x-road-client'), userId: header(req, 'x-road-userid'),
  requestId: header(req, 'x-road-id'), issue: header(req, 'x-road-issue'),
});

/** Maps fastify's own errors (validation, body parsing, size) to the platform's catalogue. */
export function asVamcoError(err: FastifyError | Error): VamcoError | Error {
  return fromFrameworkError(err) ?? err;
}

export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = asVamcoError(err);
    if (!(e instanceof VamcoError)) req.log.error({ err }, 'publicadmin request failed');
    return sendProblem(reply, e, header(req, 'x-road-id') ?? undefined);
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, new VamcoError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`), header(req, 'x-road-id') ?? undefined));
}

export interface PublicAdminBackendDeps {
  store: Store;
  sharedSecret: string;
  logLevel?: string;
  /**
   * Why the data cannot be read now (the node started without its central database, which holds
   * it), or null. While set every call is answered at once with 503 STORE_UNAVAILABLE, never
   * left waiting on a database that does not answer (issue 13, item 1).
   */
  unavailable?: () => string | null;
}

export async function buildPublicAdminApp(deps: PublicAdminBackendDeps): Promise<FastifyInstance> {
  if (!deps.sharedSecret) throw new VamcoError('VALIDATION_FAILED', 'publicadmin backend needs a shared secret');
  // Each route's schema compiled at its first request, not all at start (issue 15).
  const app = Fastify({ logger: { level: deps.logLevel ?? 'warn' }, bodyLimit: 1024 * 1024, schemaController: lazyValidators().schemaController });
  installProblemHandlers(app);
  const secret = crypto.createHash('sha256').update(deps.sharedSecret).digest();
  app.addHook('onRequest', async (req, reply) => {
    const got = header(req, 'x-vamco-backend-secret');
    // Compare digests so the comparison takes the same time whatever the length.
    const ok = got !== null && crypto.timingSafeEqual(crypto.createHash('sha256').update(got).digest(), secret);
    if (!ok) return sendProblem(reply, new VamcoError('UNAUTHENTICATED', 'this backend only answers the Vamco gateway'), header(req, 'x-road-id') ?? undefined);
    const why = deps.unavailable?.();
    if (why) return sendProblem(reply, new VamcoError('STORE_UNAVAILABLE', why, { headers: { 'retry-after': String(RETRY_AFTER_S) } }), header(req, 'x-road-id') ?? undefined);
  });
  for (const code of Object.keys(SERVICE_ROUTES) as ServiceCode[]) {
    await app.register(async (svc) => {
      for (const r of SERVICE_ROUTES[code].routes) {
        svc.route({
          method: r.method, url: r.path,
          schema: { ...(r.params ? { params: r.params } : {}), ...(r.query ? { querystring: r.query } : {}), ...(r.body ? { body: r.body } : {}) },
          handler: async (req, reply) => {
            const out = await r.handler({ store: deps.store, params: req.params, query: req.query ?? {}, body: req.body, actor: actorOf(req), req, reply });
            return reply.code(r.status ?? 200).send(out);
          },
        });
      }
    }, { prefix: `/${code}` });
  }
  return app;
}

export async function startPublicAdminBackend(deps: Omit<PublicAdminBackendDeps, 'logLevel'> & { config: Config; port?: number }): Promise<{ url: string; close(): Promise<void> }> {
  // The gateway logs every exchange already; this backend logs only its own troubles.
  const logLevel = ['debug', 'trace'].includes(deps.config.logLevel) ? deps.config.logLevel : 'warn';
  const app = await buildPublicAdminApp({ store: deps.store, sharedSecret: deps.sharedSecret, logLevel, unavailable: deps.unavailable });
  // Loopback only: the gateway is the one way in.
  await app.listen({ host: '127.0.0.1', port: deps.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : deps.port;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
