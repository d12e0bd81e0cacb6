export * from './registry.js';
export { buildSnapshot, isAllowed, peerService, xroadClientFor, type SnapPeer, apiKeyHolder, liveKey, type SnapKey, SnapshotHolder, type SnapshotHolderOptions, type RegistryRows, type Snapshot, type SnapService, type SnapSubsystem, type SnapEndpoint, type SnapClientCert } from './snapshot.js';
export { localNotifier, redisNotifier, registryChannel, announceThrough, type RegistryNotifier } from './notify.js';
export { SNAPSHOT_CACHE_FILE, readSnapshotCache, writeSnapshotCache, encodeSnapshotCache, decodeSnapshotCache, type CachedSnapshot } from './snapshot-cache.js';
export { addClientCert, listClientCerts, getClientCert, revokeClientCert, type ClientCertView } from './client-certs.js';
export { checkBackendUrl, isInternalAddress } from './backend-policy.js';
export { localBackendUrl, resolveLocal, LOCAL_BACKEND_DOMAIN, type LocalBackends } from './local-backends.js';
export { parseOpenApi, compilePathPattern, anonymiseOpenApi } from './openapi.js';
export { hashApiKey, parseKeyExpiry } from './keys.js';
export { KeyUsage, KEY_USAGE_FLUSH_MS } from './key-usage.js';
export {
  addPeer, listPeers, getPeer, removePeer, allowOutbound, listOutbound, denyOutbound, grantForeign, listForeignRights, getForeignRight, revokeForeign, isForeignClient,
  openPeerCert, PEER_TYPES, setPeerTrust, readDirectoryKeys, pinDirectoryKey, setDirectoryKey, type PeerType, type PeerInput, type PeerView, type OutboundView, type ForeignRightView,
} from './peers.js';
