// metaservice: listMethods, allowedMethods and getOpenAPI of a provider subsystem, answered
// by the gateway itself from the snapshot (or a peer's directory, or, for an X-Road instance,
// its security server), logged like any exchange.
import crypto from 'node:crypto';
import { metaserviceResponse, peerMetaservice } from '../metaservices.js';
import type { Exchange, StageFactory } from './context.js';
import type { GatewayDeps } from '../types.js';
import { VamcoError } from '../../core/errors.js';
import { xroadClientFor } from '../../registry/index.js';
import { askSecurityServer, servicesOf } from '../xroad-metaservices.js';

export const metaservice: StageFactory = (deps, outcome) => ({
  name: 'metaservice',
  async run(x: Exchange): Promise<void> {
    if (!x.metaservice) return;
    const ref = x.ref!;
    const out = x.peer?.type === 'xroad' ? await xroadPeerMethods(x, deps)
      : ref.instance !== deps.config.instance
      ? peerMetaservice(x.metaservice, { directory: deps.directories?.content(ref.instance) ?? null, snap: x.snap, instance: ref.instance, providerKey: ref.providerKey, client: x.clientSub, query: x.query, method: x.method })
      : metaserviceResponse(x.metaservice, { snap: x.snap, config: deps.config, providerKey: ref.providerKey, client: x.clientSub, query: x.query, method: x.method });
    const body = Buffer.from(JSON.stringify(out.body));
    await outcome.logDurably(x, outcome.record(x, out.status, {
      responseSize: body.length, responseDigest: crypto.createHash('sha256').update(body).digest('hex'),
    }));
    outcome.finishMetrics(x, out.status);
    x.res.writeHead(out.status, { 'content-type': 'application/json', 'content-length': body.length, ...outcome.xroadHeaders(x) });
    x.res.end(body);
    x.finished = true;
  },
});

/**
 * listMethods / allowedMethods of a subsystem of an X-Road instance, asked of the security
 * server peer as a regular r1 call of this platform's client there (PR-MREST §4), the security
 * server's request id and hash kept in the record as for any call through it.
 */
async function xroadPeerMethods(x: Exchange, deps: GatewayDeps): Promise<{ status: number; body: unknown }> {
  const peer = x.peer!;
  const svc = x.svc!;
  if (x.method !== 'GET') throw new VamcoError('METHOD_NOT_ALLOWED', `${x.metaservice} answers GET only`);
  if (!x.clientSub) throw new VamcoError('ACCESS_DENIED', `${x.client} is a member, not a subsystem: only a subsystem is a client at the X-Road security server of ${peer.instance}`);
  const headers: Record<string, string> = { 'x-road-client': xroadClientFor(peer, x.clientSub), 'x-road-id': x.messageId };
  if (x.userId) headers['x-road-userid'] = x.userId;
  if (x.issue) headers['x-road-issue'] = x.issue;
  const t = performance.now();
  const leg = (x.upstreamLeg = { scheme: 'xroad', status: 0, durationMs: 0, attempts: 1, tokenId: null as string | null });
  try {
    const got = await askSecurityServer(deps.upstreams.pool(svc), peer, x.metaservice!, { path: svc.url.pathname, headers, timeoutMs: deps.upstreams.timeoutMs(svc), leg });
    const ref = x.ref!;
    let services = servicesOf(got, ref);
    if (x.metaservice === 'allowedMethods') {
      // What X-Road lets this platform's client call, and this platform lets the local client call.
      const client = x.clientSub;
      services = services.filter((s) => !!x.snap.outbound.get(`${ref.instance}/${ref.providerKey}/${s.service_code}`)?.has(client.id));
    }
    return { status: 200, body: { service: services } };
  } finally {
    leg.durationMs = performance.now() - t;
  }
}
