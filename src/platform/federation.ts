// The federation wing in a running platform: the witness and directory endpoints on the gateway
// port and the loop that sends this node's checkpoints to its witnesses.
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { NodeKey } from '../audit/index.js';
import type { GatewayMount } from '../gateway/index.js';
import { FEDERATION_PREFIX, Witness, directoryPublisher, federationHandler, startPeerDirectories, startWitnessing, type PeerDirectories } from '../federation/index.js';
import { pinDirectoryKey, type SnapshotHolder } from '../registry/index.js';
import { recordAdminAction } from '../audit/index.js';

export interface FederationWing { mount(): GatewayMount; witnessing: { tick(): Promise<void> }; directories: PeerDirectories; stop(): void }

export function startFederationWing(a: { store: Store; config: Readonly<Config>; nodeKey: NodeKey; snapshots: SnapshotHolder; logger: Logger;
  /** This node's other chains (its gateway workers'), witnessed with its own. */
  localNodes?: () => string[] }): FederationWing {
  const f = a.config.federation;
  const witness = f.witnessAccept.length ? new Witness({ store: a.store, key: a.nodeKey, instance: a.config.instance, accept: f.witnessAccept }) : null;
  const witnessing = startWitnessing({ store: a.store, key: a.nodeKey, config: a.config, logger: a.logger, localNodes: a.localNodes });
  const directory = f.directoryPublish ? directoryPublisher({ key: a.nodeKey, config: a.config, current: () => a.snapshots.current }) : null;
  const handle = federationHandler({ witness, directory, logger: a.logger });
  const directories = startPeerDirectories({
    dataDir: a.config.dataDir, snapshots: a.snapshots, intervalMs: f.directoryFetchIntervalMs, logger: a.logger,
    pin: async (instance, key) => { const pinned = await pinDirectoryKey({ store: a.store, config: a.config }, instance, key); if (pinned) await a.snapshots.poll(); return pinned; },
    // Not a registry change: only the trail entry, so an operator sees when and which key was refused.
    refused: (instance, r) => a.store.db.transaction().execute((trx) => recordAdminAction(trx, a.store.engine, {
      actor: 'system', action: 'peer.directory-refused', target: instance, address: null, before: null, after: { instance, ...r },
    })),
  });
  return { mount: () => ({ prefix: FEDERATION_PREFIX, handle }), witnessing, directories, stop: () => { witnessing.stop(); directories.stop(); } };
}
