export { openStore, ping, type Store, type Engine, type OpenOptions } from './db.js';
export { migrate, type Migration } from './migrate.js';
export type * from './schema.js';
export { loadOrCreateSecret } from './secrets.js';
