// metaservice: listMethods, allowedMethods and getOpenAPI of a provider subsystem, answered
// by the gateway itself from the snapshot, logged like any exchange.
import crypto from 'node:crypto';
import { metaserviceResponse, peerMetaservice } from '../metaservices.js';
import type { Exchange, StageFactory } from './context.js';

export const metaservice: StageFactory = (deps, outcome) => ({
  name: 'metaservice',
  async run(x: Exchange): Promise<void> {
    if (!x.metaservice) return;
    const ref = x.ref!;
    const out = ref.instance !== deps.config.instance
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
