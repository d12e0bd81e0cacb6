import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Metrics } from '../monitoring/index.js';
import type { Authenticator } from './principal.js';
import type { NodeKey } from '../audit/types.js';
import type { DirectoryContent } from '../federation/index.js';

export interface AdminDeps {
  config: Readonly<Config>;
  store: Store;
  metrics: Metrics;
  adminToken: string;
  /** Tried in order after the built-in admin-token check. */
  authenticators?: Authenticator[];
  isReady(): boolean;
  /** Why the node is not ready (null when it is): what /readyz says. */
  whyNotReady?(): string | null;
  /** More for /readyz to say either way (the message log's journal backlog). */
  readyDetail?(): Record<string, unknown>;
  /** Why the central database cannot be used now (the node started without it), or null: the API answers 503 STORE_UNAVAILABLE meanwhile. */
  storeUnavailable?(): string | null;
  /** Ports the platform listens on, filled in once bound; backends may not point at them. */
  ownPorts?: number[];
  /** This node's key: it signs the integrity report (absent: no signed report). */
  nodeKey?: NodeKey;
  /** Where warnings go (a blocked address, say); silent when absent. */
  logger?: Logger;
  /** Peers' signed directories as last fetched (issue 17): their services join the catalogue, marked foreign. */
  directories?: { content(instance: string): DirectoryContent | null };
}
