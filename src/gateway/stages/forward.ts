// forward: the request goes to the service's backend, its body metered (size, SHA-256) as it
// streams, under the service's timeout, with the gateway's own credential towards the backend
// where the service has one (src/backend-auth) and within the credential's shared budget.
// The backend's answer is left for relay.
import { EventEmitter } from 'node:events';
import { errors as undiciErrors } from 'undici';
import { VamcoError, reason, type ErrorCode } from '../../core/errors.js';
import { tlsFailure } from '../../backend-auth/index.js';
import { upstreamHeaders, type UpstreamHeaderInput } from '../headers.js';
import { Meter } from '../meter.js';
import type { GatewayDeps } from '../types.js';
import type { Readable } from 'node:stream';
import type { Exchange, StageFactory, UpstreamAnswer } from './context.js';
import { soapJsonAnswer, soapJsonRequest, soapPassThrough } from './soap.js';
import type { AppliedAuth } from '../../backend-auth/index.js';
import { RECEIPT_REQUEST_VALUE, asXroadRequest, xroadAnswerReference, xroadFault } from '../../federation/index.js';
import { xroadClientFor } from '../../registry/index.js';

/**
 * Cancels the call to the backend (timeout, consumer gone). undici takes an EventEmitter with
 * `aborted` as its signal; an AbortController per exchange (an EventTarget, an AbortSignal and
 * their listener bookkeeping) was ~2% of the gateway's main thread in a profile.
 */
export class UpstreamAbort extends EventEmitter {
  aborted = false;
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

export const forward: StageFactory = (deps, outcome) => ({
  name: 'forward',
  async run(x: Exchange): Promise<void> {
    const { req } = x;
    const { config } = deps;
    const svc = x.svc!;
    const spec = svc.backendAuth;
    const auth = spec && spec.scheme !== 'none' ? deps.backendAuth.get({ credential: svc.backendCredential!, spec }) : null;
    if (spec?.budget) {
      // What the nation granted the province for this credential, shared by every agency.
      const waitMs = await deps.budgets.consume(svc.backendCredential!, spec.budget);
      if (waitMs > 0) {
        throw new VamcoError('UPSTREAM_BUDGET_EXHAUSTED', `The shared budget of ${spec.budget} towards the backend of ${x.service} (${svc.backendCredential}) is used up; retry after ${Math.ceil(waitMs / 1000)} s`, {
          headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) }, extra: { retryAfterMs: waitMs },
        });
      }
    }
    // Fail closed: nothing reaches the provider unless its request record is durable (a log
    // that cannot commit refuses here, and the exchange answers 503 NOT_READY).
    await outcome.logRequest(x);
    const declared = req.headers['content-length'];
    const hasBody = (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (hasBody) {
      x.meter = new Meter(config.maxBodyBytes, svc.logBodies ? config.logBufferBytes : 0);
      req.pipe(x.meter);
    }
    if (x.clientGone) throw new VamcoError('BAD_REQUEST', 'The client closed the connection');
    const ac = (x.abort = new UpstreamAbort());
    x.timer = setTimeout(() => { x.timedOut = true; ac.abort(); }, deps.upstreams.timeoutMs(svc));
    // The consumer gone from here on: the exchange's close listener aborts `ac` (exchange.ts).

    const base = svc.url.pathname === '/' ? '' : svc.url.pathname;
    // The service URL's own query stays; the consumer's is appended to it.
    const fixed = svc.url.search;
    const q = !x.query || x.query === '?' ? fixed : fixed ? `${fixed}&${x.query.slice(1)}` : x.query;
    let path = (base + x.servicePath!.encoded || '/') + q;
    const headerInput: UpstreamHeaderInput = {
      client: x.client!, messageId: x.messageId, requestId: x.requestId, authorizationConsumed: x.authorizationConsumed,
      userId: x.userId ?? undefined, issue: x.issue ?? undefined, service: x.service!, backendAuth: null,
    };
    let body: Buffer | Readable | null = x.meter;
    let replaced: Record<string, string> | null = null;
    if (x.soapMode === 'pass') body = (await soapPassThrough(x)).body;
    else if (x.soapMode === 'json') {
      const m = await soapJsonRequest(x, config.maxBodyBytes);
      body = m.body;
      replaced = m.headers;
      path = (base || '/') + q; // the SOAP endpoint itself: the operation is in the envelope
    }
    const headersWith = (auth: Record<string, string> | null) => {
      headerInput.backendAuth = auth;
      const h = upstreamHeaders(req.headers, headerInput);
      // A security server peer is called as one of its information systems, as this platform's client there (issue 17, item 6).
      if (x.peer?.type === 'xroad') asXroadRequest(h, xroadClientFor(x.peer, x.clientSub!));
      // A peer platform always signs what it answers (issue 17): relay checks and keeps the receipt.
      else if (x.peer) h['x-vamco-receipt'] = RECEIPT_REQUEST_VALUE;
      if (replaced) {
        // The body is the gateway's envelope: its own type and action; the length undici sets.
        for (const k of ['content-type', 'content-length', 'transfer-encoding', 'soapaction']) delete h[k];
        Object.assign(h, replaced);
      }
      return h;
    };
    const done = async (answer: UpstreamAnswer) => {
      x.upstream = x.soapMode === 'json' ? await soapJsonAnswer(x, answer, config.maxBodyBytes) : answer;
      deps.upstreams.success(svc.id);
    };
    if (x.peer) {
      // The call to the peer is the record's upstream leg; relay adds the receipt's place to it.
      const t = performance.now();
      // The leg's scheme marks the peer's type in the record ('peer': a Vamco platform, 'xroad': a security server).
      const xroad = x.peer.type === 'xroad';
      const leg = (x.upstreamLeg = { scheme: xroad ? 'xroad' : 'peer', status: 0, durationMs: 0, attempts: 1, tokenId: null as string | null });
      try {
        const answer = await deps.upstreams.pool(svc).request({ origin: svc.url.origin, path, method: x.method as 'GET', headers: headersWith(null), body, signal: ac });
        leg.status = answer.statusCode;
        if (xroad) {
          leg.tokenId = xroadAnswerReference(answer.headers);
          const fault = await xroadFault(answer, x.peer.instance);
          if (fault) throw fault;
        }
        return await done(answer);
      } finally {
        leg.durationMs = performance.now() - t;
      }
    }
    if (!auth) {
      return done(await deps.upstreams.pool(svc).request({
        origin: svc.url.origin, path, method: x.method as 'GET', headers: headersWith(null), body, signal: ac,
      }));
    }

    // With a credential: the call is the upstream leg of the record (status, duration, attempts,
    // token id; never the token). A scheme that may retry after a 401 (OAuth2) needs the body
    // again, so it is read whole first (within the body limit).
    const t = performance.now();
    const leg = (x.upstreamLeg = { scheme: auth.scheme, status: 0, durationMs: 0, attempts: 0, tokenId: null as string | null });
    if (body && !Buffer.isBuffer(body) && auth.retriesOn401) {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      body = Buffer.concat(chunks);
    }
    const url = new URL(svc.url.origin + path);
    const send = async (applied: AppliedAuth) => {
      leg.attempts++;
      leg.tokenId = applied.tokenId;
      const answer = await deps.upstreams.pool(svc).request({
        origin: svc.url.origin, path, method: x.method as 'GET', headers: headersWith(applied.headers), body, signal: ac,
      });
      leg.status = answer.statusCode;
      leg.durationMs = performance.now() - t;
      return answer;
    };
    let answer;
    try {
      let applied = await auth.apply(x.method, url);
      answer = await send(applied);
      if (answer.statusCode === 401 && auth.retriesOn401) {
        // RFC 6750 3.1: the token was refused (expired or revoked early): one new token, one retry.
        await answer.body.dump();
        applied = await auth.afterUnauthorized(applied, x.method, url);
        answer = await send(applied);
      }
    } finally {
      leg.durationMs = performance.now() - t;
    }
    await done(answer);
  },
});

const peerName = (p: { type: string; instance: string }) => (p.type === 'xroad' ? `X-Road security server peer ${p.instance}` : `peer ${p.instance}`);

/**
 * The fault for an exchange that failed before its answer started: a body over the limit, the
 * service's timeout, or the backend's connection errors named as such. A half-open circuit's
 * probe that failed after connecting re-opens the circuit.
 */
export function toFault(x: Exchange, err: unknown, deps: GatewayDeps): unknown {
  let e: unknown = err;
  if (x.meter?.tooLarge) e = new VamcoError('PAYLOAD_TOO_LARGE', `The request body is larger than ${deps.config.maxBodyBytes} bytes`);
  else if (x.timedOut) e = new VamcoError('UPSTREAM_TIMEOUT', `${x.peer ? `${peerName(x.peer)} (for ${x.service})` : `The backend of ${x.service}`} did not answer within ${deps.upstreams.timeoutMs(x.svc!)} ms`);
  else if (!(err instanceof VamcoError)) e = classifyUpstreamError(err, x, deps);
  if (x.svc && e instanceof VamcoError && (e.code === 'UPSTREAM_TIMEOUT' || e.code === 'UPSTREAM_BAD_RESPONSE')) deps.upstreams.probeFailed(x.svc.id);
  return e;
}

function classifyUpstreamError(err: unknown, x: Exchange, deps: GatewayDeps): VamcoError {
  const e = err as { code?: string; message?: string };
  const where = x.peer ? `${peerName(x.peer)} (${x.peer.url}) for ${x.service}` : `the backend of ${x.service}`;
  if (x.clientGone) return new VamcoError('BAD_REQUEST', 'The client closed the connection');
  let code: ErrorCode = 'UPSTREAM_BAD_RESPONSE';
  let connectFailure = false;
  // In TLS 1.3 a refused client certificate arrives as the cause of "other side closed" (upstream.ts).
  const tlsCode = x.svc?.url.protocol !== 'https:' ? undefined : tlsFailure(e.code) ? e.code : (e as { cause?: { code?: string } }).cause?.code;
  const tls = tlsFailure(tlsCode);
  if (tls) {
    // A wrong CA, host name or refused client certificate: named, never retried in plain text.
    // Not a connection failure for the circuit: it fails at once and says why.
    deps.logger.warn({ err, service: x.service, reason: tls.reason }, 'TLS towards the backend failed');
    return new VamcoError('UPSTREAM_TLS_FAILED', `TLS towards ${where} failed: ${tls.what} [${tlsCode}]`, reason(tls.reason, { service: x.service ?? '' }));
  }
  if (err instanceof undiciErrors.ConnectTimeoutError || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
    code = 'UPSTREAM_UNREACHABLE'; connectFailure = true;
  } else if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET'].includes(e.code ?? '')) {
    code = 'UPSTREAM_UNREACHABLE'; connectFailure = e.code !== 'ECONNRESET';
  } else if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    code = 'UPSTREAM_TIMEOUT';
  } else if (e.code === 'EBACKENDREFUSED') {
    // The name now resolves where backends may not be (registry/backend-policy.ts, connectLookup).
    deps.logger.warn({ err, service: x.service }, 'backend connection refused by the backend policy');
    code = 'UPSTREAM_UNREACHABLE'; connectFailure = true;
  }
  if (x.svc && connectFailure) deps.upstreams.failure(x.svc.id);
  const detail = code === 'UPSTREAM_UNREACHABLE' ? `Could not connect to ${where}` : code === 'UPSTREAM_TIMEOUT' ? `${where} timed out` : `${where} failed: ${e.code ?? 'connection error'}`;
  return new VamcoError(code, detail, { cause: err });
}
