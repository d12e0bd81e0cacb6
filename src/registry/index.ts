export * from './registry.js';
export { buildSnapshot, isAllowed, SnapshotHolder, type Snapshot, type SnapService, type SnapSubsystem, type SnapEndpoint } from './snapshot.js';
export { checkBackendUrl, isInternalAddress } from './backend-policy.js';
export { localBackendUrl, resolveLocal, LOCAL_BACKEND_DOMAIN, type LocalBackends } from './local-backends.js';
export { parseOpenApi, compilePathPattern } from './openapi.js';
export { hashApiKey } from './keys.js';
