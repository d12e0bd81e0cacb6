// forward: the request goes to the service's backend, its body metered (size, SHA-256) as it
// streams, under the service's timeout. The backend's answer is left for relay.
import { errors as undiciErrors } from 'undici';
import { VamcoError, type ErrorCode } from '../../core/errors.js';
import { upstreamHeaders } from '../headers.js';
import { Meter } from '../meter.js';
import type { GatewayDeps } from '../types.js';
import type { Exchange, StageFactory } from './context.js';

export const forward: StageFactory = (deps) => ({
  name: 'forward',
  async run(x: Exchange): Promise<void> {
    const { req, res, config } = { req: x.req, res: x.res, config: deps.config };
    const svc = x.svc!;
    const declared = req.headers['content-length'];
    const hasBody = (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (hasBody) {
      x.meter = new Meter(config.maxBodyBytes, svc.logBodies ? config.logBufferBytes : 0);
      req.pipe(x.meter);
    }
    if (x.clientGone) throw new VamcoError('BAD_REQUEST', 'The client closed the connection');
    const ac = (x.abort = new AbortController());
    x.timer = setTimeout(() => { x.timedOut = true; ac.abort(); }, deps.upstreams.timeoutMs(svc));
    res.once('close', () => { if (!res.writableFinished) ac.abort(); });

    const base = svc.url.pathname === '/' ? '' : svc.url.pathname;
    // The service URL's own query stays; the consumer's is appended to it.
    const fixed = svc.url.search;
    const q = !x.query || x.query === '?' ? fixed : fixed ? `${fixed}&${x.query.slice(1)}` : x.query;
    x.upstream = await deps.upstreams.pool(svc).request({
      origin: svc.url.origin,
      path: (base + x.servicePath!.encoded || '/') + q,
      method: x.method as 'GET',
      headers: upstreamHeaders(req.headers, {
        client: x.client!, messageId: x.messageId, userId: x.userId ?? undefined, issue: x.issue ?? undefined,
        service: x.service!, backendAuth: svc.backendAuth,
      }),
      body: x.meter ?? null,
      signal: ac.signal,
    });
    deps.upstreams.success(svc.id);
  },
});

/**
 * The fault for an exchange that failed before its answer started: a body over the limit, the
 * service's timeout, or the backend's connection errors named as such. A half-open circuit's
 * probe that failed after connecting re-opens the circuit.
 */
export function toFault(x: Exchange, err: unknown, deps: GatewayDeps): unknown {
  let e: unknown = err;
  if (x.meter?.tooLarge) e = new VamcoError('PAYLOAD_TOO_LARGE', `The request body is larger than ${deps.config.maxBodyBytes} bytes`);
  else if (x.timedOut) e = new VamcoError('UPSTREAM_TIMEOUT', `The backend of ${x.service} did not answer within ${deps.upstreams.timeoutMs(x.svc!)} ms`);
  else if (!(err instanceof VamcoError)) e = classifyUpstreamError(err, x, deps);
  if (x.svc && e instanceof VamcoError && (e.code === 'UPSTREAM_TIMEOUT' || e.code === 'UPSTREAM_BAD_RESPONSE')) deps.upstreams.probeFailed(x.svc.id);
  return e;
}

function classifyUpstreamError(err: unknown, x: Exchange, deps: GatewayDeps): VamcoError {
  const e = err as { code?: string; message?: string };
  const where = `the backend of ${x.service}`;
  if (x.clientGone) return new VamcoError('BAD_REQUEST', 'The client closed the connection');
  let code: ErrorCode = 'UPSTREAM_BAD_RESPONSE';
  let connectFailure = false;
  if (err instanceof undiciErrors.ConnectTimeoutError || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
    code = 'UPSTREAM_UNREACHABLE'; connectFailure = true;
  } else if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET'].includes(e.code ?? '')) {
    code = 'UPSTREAM_UNREACHABLE'; connectFailure = e.code !== 'ECONNRESET';
  } else if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    code = 'UPSTREAM_TIMEOUT';
  }
  if (x.svc && connectFailure) deps.upstreams.failure(x.svc.id);
  const detail = code === 'UPSTREAM_UNREACHABLE' ? `Could not connect to ${where}` : code === 'UPSTREAM_TIMEOUT' ? `${where} timed out` : `${where} failed: ${e.code ?? 'connection error'}`;
  return new VamcoError(code, detail, { cause: err });
}
