// Mounts the edoc wing (issue 9): the hub on the gateway's port under /edoc/v1/, writing its
// steps into the platform's message log.
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { ExchangeRecord } from '../audit/index.js';
import type { SnapshotHolder } from '../registry/index.js';
import type { GatewayMount } from '../gateway/index.js';
import { createEdocHandler, EdocHub, EdocUpstream, EDOC_PREFIX } from '../edoc/index.js';
import { parseMemberId } from '../core/ids.js';

export interface EdocWing {
  hub: EdocHub;
  mount(g: { tokens: { verify(token: string): { sub: string; kh: string } | null } }): GatewayMount;
  /** The national axis link, when VAMCO_EDOC_UPSTREAM_URL is set. */
  upstream: EdocUpstream | null;
  stop(): Promise<void>;
}

export function edocHub(a: { store: Store; config: Readonly<Config>; log: { append(rec: ExchangeRecord): Promise<unknown> } }): EdocHub {
  const { config } = a;
  return new EdocHub({
    store: a.store, dataDir: config.dataDir, instance: config.instance, config: config.edoc, log: a.log,
    organId: config.edoc.organId ?? parseMemberId(config.operatorMember).memberCode,
  });
}

export function startEdocWing(a: { store: Store; config: Readonly<Config>; log: { append(rec: ExchangeRecord): Promise<unknown> }; snapshots: SnapshotHolder; logger: Logger }): EdocWing {
  const hub = edocHub(a);
  const upstream = a.config.edoc.upstream ? new EdocUpstream(hub, a.store, a.config.edoc.upstream, a.logger, a.config.edoc.maxBytes) : null;
  upstream?.start();
  // Retention runs hourly; a failed round is logged and tried again next hour.
  const prune = setInterval(() => { hub.prune().catch((err) => a.logger.warn({ err }, 'edoc retention')); }, 3_600_000);
  prune.unref();
  return {
    hub, upstream,
    stop: async () => { clearInterval(prune); await upstream?.stop(); },
    mount: (g) => ({
      prefix: EDOC_PREFIX,
      handle: createEdocHandler({ hub, instance: a.config.instance, snapshots: a.snapshots, tokens: g.tokens, maxBytes: a.config.edoc.maxBytes, logger: a.logger }),
    }),
  };
}
