export { createAdminServer, type AdminServerOptions } from './server.js';
export { authorize, visibleMember, type Principal, type Authenticator, type Role } from './principal.js';
export type { AdminDeps } from './types.js';
export { webConsole, WEB_DIST } from './console.js';
