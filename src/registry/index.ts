export * from './registry.js';
export { buildSnapshot, isAllowed, SnapshotHolder, type Snapshot, type SnapService, type SnapSubsystem, type SnapEndpoint } from './snapshot.js';
export { checkBackendUrl, isInternalAddress } from './backend-policy.js';
export { parseOpenApi, compilePathPattern } from './openapi.js';
export { hashApiKey } from './keys.js';
