// The gateway's HTTP server: /r1 exchanges, POST /token, /listClients, health.
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { VamcoError } from '../core/errors.js';
import { clientErrorHandler, clientErrorReason, problemAnswer } from '../core/client-error.js';
import { splitTarget } from './path.js';
import { renderFault, sendFault, sendProblem } from './fault.js';
import { createExchangeHandler } from './exchange.js';
import { listClients, listClientsWantsJson, clientListXml } from './metaservices.js';
import { xroadClientLists } from './xroad-metaservices.js';
import { hashApiKey, liveKey } from '../registry/index.js';
import type { GatewayDeps } from './types.js';

const TOKEN_BODY_LIMIT = 8 * 1024;

/**
 * Reads a small body. One over the limit is refused with 413 (the answer closes the connection);
 * its rest is read and dropped rather than the socket destroyed, which would cut the answer
 * off before the client could read it.
 */
function readSmallBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () => new VamcoError('PAYLOAD_TOO_LARGE', `The body is larger than ${limit} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', function onData(c: Buffer) {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The gateway's server: plain HTTP, or HTTPS with `tlsOptions` (tls.ts). */
export function createGatewayServer(deps: GatewayDeps, tlsOptions?: https.ServerOptions): http.Server {
  const exchange = createExchangeHandler(deps);
  const { config } = deps;

  const xroadClients = xroadClientLists({ upstreams: deps.upstreams, logger: deps.logger });

  async function token(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): Promise<void> {
    if (req.method !== 'POST') throw new VamcoError('METHOD_NOT_ALLOWED', 'Use POST /token');
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const raw = await readSmallBody(req, TOKEN_BODY_LIMIT);
    let params: Record<string, unknown>;
    if (type === 'application/x-www-form-urlencoded') params = Object.fromEntries(new URLSearchParams(raw));
    else if (type === 'application/json') {
      try {
        params = JSON.parse(raw || '{}');
      } catch {
        throw new VamcoError('BAD_REQUEST', 'The body is not valid JSON');
      }
      if (!params || typeof params !== 'object' || Array.isArray(params)) throw new VamcoError('BAD_REQUEST', 'The body must be a JSON object');
    } else throw new VamcoError('UNSUPPORTED_MEDIA_TYPE', 'Send application/x-www-form-urlencoded (RFC 6749) or application/json');
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    let clientId = str(params.client_id);
    let secret = str(params.client_secret);
    const basic = req.headers.authorization;
    if (typeof basic === 'string' && /^basic /i.test(basic)) {
      const [u, p] = Buffer.from(basic.slice(6).trim(), 'base64').toString('utf8').split(':');
      try {
        clientId = decodeURIComponent(u ?? '');
        secret = decodeURIComponent(p ?? '');
      } catch {
        throw new VamcoError('INVALID_CLIENT', 'Malformed Basic credentials', { extra: { error: 'invalid_client' } });
      }
    }
    if (params.grant_type !== 'client_credentials') {
      throw new VamcoError('BAD_REQUEST', 'grant_type must be client_credentials', { extra: { error: 'unsupported_grant_type' } });
    }
    if (!clientId || !secret) throw new VamcoError('INVALID_CLIENT', 'client_id and client_secret are required', { extra: { error: 'invalid_client' } });
    const snap = deps.snapshots.current;
    const keyHash = hashApiKey(String(secret));
    const entry = snap.keys.get(keyHash);
    try {
      liveKey(entry);
    } catch (e) {
      // OAuth 2.0 (RFC 6749 §5.2) answers a client whose secret no longer works with invalid_client; the detail says why.
      throw new VamcoError('INVALID_CLIENT', (e as Error).message, { extra: { error: 'invalid_client' }, headers: { 'www-authenticate': 'Basic realm="vamco"' } });
    }
    const sub = entry === undefined ? undefined : snap.subsystemsById.get(entry.subsystemId);
    const want = clientId.startsWith(config.instance + '/') ? clientId.slice(config.instance.length + 1) : clientId;
    if (!sub || sub.key !== want) {
      throw new VamcoError('INVALID_CLIENT', 'Unknown client or wrong secret', { extra: { error: 'invalid_client' }, headers: { 'www-authenticate': 'Basic realm="vamco"' } });
    }
    const issued = await deps.tokens.issue(`${config.instance}/${sub.key}`, keyHash);
    json(res, 200, { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn }, { 'cache-control': 'no-store', 'x-road-request-id': requestId });
  }

  const serverOptions: http.ServerOptions = {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: config.headersTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Node checks header/request timeouts only every 30 s by default; slow-loris clients
    // would hold sockets that long.
    connectionsCheckingInterval: 1000,
    maxHeaderSize: 16 * 1024,
    insecureHTTPParser: false,
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const t0 = performance.now();
    const url = req.url ?? '/';
    if (url.startsWith('/r1/') && !url.startsWith('/r1/listClients')) {
      exchange(req, res, t0).catch((err) => {
        // exchange() answers its own errors; reaching here is a bug, never a reason to die.
        deps.logger.error({ err }, 'gateway exchange failed');
        res.destroy();
      });
      return;
    }
    const mount = deps.mounts?.find((m) => url.startsWith(m.prefix));
    if (mount) {
      mount.handle(req, res).catch((err) => {
        deps.logger.error({ err }, 'gateway mount failed');
        res.destroy();
      });
      return;
    }
    const requestId = crypto.randomUUID();
    const { path, query } = splitTarget(url);
    (async () => {
      if (path === '/healthz') return json(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        const ready = deps.isReady();
        const reason = ready ? undefined : deps.whyNotReady?.() ?? undefined;
        return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', ...(reason ? { reason } : {}), registryVersion: deps.snapshots.current?.version, ...deps.readyDetail?.() });
      }
      if (path === '/token') {
        const wait = deps.guard?.retryAfterMs(req.socket.remoteAddress) ?? 0;
        if (wait) {
          deps.metrics.preAuthRefused.inc({ server: 'gateway' });
          const seconds = Math.ceil(wait / 1000);
          throw new VamcoError('ADDRESS_RATE_LIMITED', `Too many failed authentications from this address: try again in ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
        }
        try {
          return await token(req, res, requestId);
        } catch (e) {
          if (e instanceof VamcoError && e.status < 500) deps.guard?.failed(req.socket.remoteAddress);
          throw e;
        }
      }
      if (path === '/listClients' || path === '/r1/listClients') {
        if (req.method !== 'GET') throw new VamcoError('METHOD_NOT_ALLOWED', 'listClients answers GET only');
        const inst = new URLSearchParams(query.slice(1)).get('xRoadInstance') ?? undefined;
        // Another instance's clients: from the last good copy of that peer's signed directory, or
        // asked of the security server of an X-Road instance.
        const peer = inst && inst !== config.instance ? deps.snapshots.current.peers.get(inst) : undefined;
        const list = peer?.type === 'xroad' ? await xroadClients(peer)
          : inst && inst !== config.instance ? { member: deps.directories?.content(inst)?.members ?? [] } : listClients(deps.snapshots.current, config, inst);
        // PR-META §2: XML (clientList) unless Accept names application/json.
        if (listClientsWantsJson(req.headers.accept)) return json(res, 200, list, {}, 'application/json; charset=utf-8');
        const xml = clientListXml(list);
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(xml) });
        res.end(xml);
        return;
      }
      throw new VamcoError('NOT_FOUND', 'Not a gateway route: call /r1/{instance}/{class}/{member}/{subsystem}/{service}/…');
    })().catch((err) => {
      if (!(err instanceof VamcoError)) deps.logger.error({ err, requestId }, 'gateway error');
      const close: Record<string, string> = req.complete ? {} : { connection: 'close' };
      // /token speaks OAuth2 (RFC 6749 §5.2) and keeps problem+json; the rest speaks X-Road.
      if (path === '/token') sendProblem(res, err, requestId, close);
      else sendFault(res, err, requestId, req.headers.accept, close);
    });
  };
  // The same handler behind HTTPS: https.Server has http.Server's request API.
  const server = (tlsOptions ? https.createServer({ ...serverOptions, ...tlsOptions }, handler) : http.createServer(serverOptions, handler)) as http.Server;
  /** /token (OAuth2) and the wings' own prefixes answer problem+json; the rest of this port speaks X-Road. */
  const speaksProblem = (target: string): boolean =>
    target === '/token' || target.startsWith('/token?') || !!deps.mounts?.some((m) => target.startsWith(m.prefix));
  // An expectation other than 100-continue (PR-REST §4.3: support for others is optional):
  // Node would answer a bare 417; on this port the refusal is a fault like any other.
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const e = new VamcoError('BAD_REQUEST', `Expect: ${String(req.headers.expect).slice(0, 100)} is not supported (only 100-continue)`);
    if (speaksProblem(req.url ?? '/')) sendProblem(res, e, crypto.randomUUID(), { connection: 'close' });
    else sendFault(res, e, crypto.randomUUID(), req.headers.accept, { connection: 'close' });
  });
  // A malformed request never reaches the handler; answer it with an error body, not a bare
  // close: /token and the wings' prefixes keep their problem+json, everything else on this
  // port (/r1 above all, or a target that could not be read) gets X-Road's fault: 400
  // Client.BadRequest, the Accept of the broken request honoured when it could be read.
  server.on('clientError', clientErrorHandler((err, head) => {
    if (head.target && speaksProblem(head.target)) return problemAnswer(err, head);
    const f = renderFault(new VamcoError('BAD_REQUEST', clientErrorReason(err)), crypto.randomUUID(), head.accept);
    return { status: f.status, headers: { 'content-type': f.contentType, 'x-road-error': f.type }, body: f.body };
  }));
  return server;
}

export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
