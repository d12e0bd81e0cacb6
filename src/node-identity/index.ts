// One identity per node: one process per data dir (a file lock), one live process per node
// key in the cluster (a lease in the shared store), and cluster-wide admin tokens.
export { lockDataDir, LOCK_FILE, LOCK_INFO_FILE, type DataDirLock } from './lock.js';
export { acquireNodeLease, type NodeLease, type LeaseOptions } from './lease.js';
export { registerAdminToken, ClusterAdminTokens } from './admin-tokens.js';
