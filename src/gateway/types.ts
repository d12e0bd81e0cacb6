import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { SnapshotHolder } from '../registry/index.js';
import type { ExchangeRecord } from '../audit/index.js';
import type { Metrics } from '../monitoring/index.js';
import type { TokenService } from './tokens.js';
import type { RateLimits } from './limiter.js';
import type { Upstreams } from './upstream.js';

export interface GatewayDeps {
  config: Readonly<Config>;
  snapshots: SnapshotHolder;
  log: { append(rec: ExchangeRecord): Promise<void> };
  tokens: TokenService;
  metrics: Metrics;
  logger: Logger;
  limits: RateLimits;
  upstreams: Upstreams;
  isReady(): boolean;
}
