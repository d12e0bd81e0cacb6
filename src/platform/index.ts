export { startPlatform, type Platform, type StartOptions } from './platform.js';
export { loadOrCreateAdminToken } from './admin-token.js';
