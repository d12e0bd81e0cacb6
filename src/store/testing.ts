// Test support: a fresh store per test file on each engine. PostgreSQL runs only when
// VAMCO_TEST_DATABASE_URL is set; each run creates its own database and drops it after.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import { openStore, type Store, type Engine } from './db.js';
import { migrate } from './migrate.js';

export interface TestStore { store: Store; dataDir: string; databaseUrl?: string; cleanup(): Promise<void> }

export const testEngines = (): Engine[] => (process.env.VAMCO_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite']);

export function tempDir(prefix = 'vamco-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Creates an empty PostgreSQL database and returns its URL and a function that drops it. */
export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.VAMCO_TEST_DATABASE_URL;
  if (!base) throw new Error('VAMCO_TEST_DATABASE_URL is not set');
  const name = `vamco_t_${Date.now().toString(36)}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function createTestStore(engine: Engine): Promise<TestStore> {
  const dataDir = tempDir();
  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  if (engine === 'postgres') {
    const d = await createPgDatabase();
    databaseUrl = d.url;
    drop = d.drop;
  }
  const store = openStore({ dataDir, databaseUrl });
  await migrate(store.db, store.engine);
  // As at a platform's start: the key file exists before anything seals with it.
  await store.keyring();
  return {
    store, dataDir, databaseUrl,
    async cleanup() {
      await store.close();
      if (drop) await drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
