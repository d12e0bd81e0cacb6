// The audit wing: the hash-chained, signed message log and the admin trail.
export type {
  ExchangeRecord, NodeKey, MessageLogOptions, MessageLogStats, AdminAction, VerifyResult, MessageQuery,
  LoggedMessage, LoggedMessageDetail, AdminTrailItem, UpstreamLeg, LogHealth, InterruptedExchange, LogPosition,
} from './types.js';
export { loadOrCreateNodeKey, loadOrCreateNodeKeyFile, readNodeKeyFile } from './node-key.js';
export { MessageLog, readMessageHead } from './message-log.js';
export { recordAdminAction, listAdminTrail, type TrailQuery } from './admin-trail.js';
export { verifyStore } from './verify.js';
export { verifyReport, checkVerifyReport, keyFingerprint, REPORT_FORMAT, type VerifyReport } from './verify-report.js';
export { exportLog, verifyExportFile } from './export-file.js';
export { takeAnchor, readAnchorFile, checkAnchor, type Anchor } from './anchor.js';
export { checkpointAdminHead } from './checkpoints.js';
export { searchMessages, getMessage } from './search.js';
export { exportMessages, exportAdminTrail, csvField, EXPORT_MAX_ROWS, type TableFormat } from './table-export.js';
