// The PostgreSQL driver, loaded only by a node configured with VAMCO_DATABASE_URL: with SQLite
// (the default) its fifteen files are never read, which the start-up time shows (issue 15).
// Synchronous (createRequire, pg is CommonJS) because openStore is.
import { createRequire } from 'node:module';
import type pgModule from 'pg';

let loaded: typeof pgModule | undefined;

export function loadPg(): typeof pgModule {
  if (!loaded) {
    loaded = createRequire(import.meta.url)('pg') as typeof pgModule;
    // int8 (bigint) and numeric come back as strings from pg by default; our values fit in a double.
    loaded.types.setTypeParser(20, (v) => Number(v));
    loaded.types.setTypeParser(1700, (v) => Number(v));
  }
  return loaded;
}
