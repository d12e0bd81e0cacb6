export { createGatewayServer, listen } from './server.js';
export { TokenService, loadTokenKeys, tokenKeys, type TokenKeys } from './tokens.js';
export { RateLimits } from './limiter.js';
export { Upstreams } from './upstream.js';
export type { GatewayDeps, GatewayMount } from './types.js';
export { presentedCert, certSubsystem, type PresentedCert } from './client-cert.js';
export { listClients, serviceEntry, type ClientList } from './metaservices.js';
