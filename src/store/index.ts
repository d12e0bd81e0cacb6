export { openStore, ping, SECRET_KEY_FILE, SQLITE_FILE, type Store, type Engine, type OpenOptions } from './db.js';
export { migrate, type Migration } from './migrate.js';
export type * from './schema.js';
export { storeUnreachable, isUnreachable } from './reach.js';
