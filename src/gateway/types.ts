import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { SnapshotHolder } from '../registry/index.js';
import type { ExchangeRecord, LogHealth, LogPosition } from '../audit/index.js';
import type { ReceiptIssuer } from '../federation/index.js';
import type { Metrics } from '../monitoring/index.js';
import type { TokenService } from './tokens.js';
import type { RateLimits } from './limiter.js';
import type { Upstreams } from './upstream.js';
import type { BackendAuthenticators, UpstreamBudgets } from '../backend-auth/index.js';
import type { AddressGuard } from '../preauth/index.js';
import type { ClientList, serviceEntry } from './metaservices.js';

export interface GatewayDeps {
  config: Readonly<Config>;
  snapshots: SnapshotHolder;
  /** append resolves with the record's position where the log knows it (receipts name it). */
  log: { append(rec: ExchangeRecord): Promise<LogPosition | undefined | void>; readonly health?: LogHealth };
  /** Signs receipts for answers whose request asks for one (absent: none are given). */
  receipts?: ReceiptIssuer;
  tokens: TokenService;
  /** Notes each API key's use (flushed to the store in batches, off the request path); absent: not noted. */
  keyUsage?: { used(keyId: number): void };
  metrics: Metrics;
  logger: Logger;
  limits: RateLimits;
  upstreams: Upstreams;
  /** Credentials towards backends (tokens cached per credential) and their shared budgets. */
  backendAuth: BackendAuthenticators;
  budgets: UpstreamBudgets;
  /** The per-address limit in front of authentication (absent: none). */
  guard?: AddressGuard;
  isReady(): boolean;
  /** Why the node is not ready (null when it is): what /readyz says. */
  whyNotReady?(): string | null;
  /** More for /readyz's body (the store's state on a node started without it). */
  readyDetail?(): Record<string, unknown>;
  /** Peers' directories (issue 17): what listClients answers for another instance (absent: nothing). */
  directories?: { content(instance: string): { members: ClientList['member']; services: Array<ReturnType<typeof serviceEntry>>; openapi?: Record<string, Record<string, unknown>> } | null };
  /** Wings served on the gateway's port under their own prefix (the edoc hub's /edoc/v1/). */
  mounts?: readonly GatewayMount[];
}

/** A wing's handler on the gateway; it answers everything under `prefix` itself, errors included. */
export interface GatewayMount {
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}
