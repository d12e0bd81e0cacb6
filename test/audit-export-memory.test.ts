// Issue 13, item 6: `audit export` streams. Proven with a heap too small to hold the log: the
// real CLI exports a message log several times the heap and the file verifies, while the same
// heap cannot hold the log's rows read at once (the control: without it, a small log would
// make the first check pass whatever the export did).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, migrate } from '../src/store/index.js';
import { tempDir } from '../src/store/testing.js';
import { loadOrCreateNodeKey, MessageLog } from '../src/audit/index.js';
import { exchange } from '../src/audit/fixtures.js';
import { CLI } from './helpers/platform.js';

const run = promisify(execFile);
const HEAP_MB = 64;
const RECORDS = 20_000;
const dir = tempDir('vamco-export-mem-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs node with a small heap; resolves with its exit code and output (never rejects). */
async function small(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [`--max-old-space-size=${HEAP_MB}`, ...args], {
      env: { ...process.env, VAMCO_DATA_DIR: dir, VAMCO_LOG_LEVEL: 'warn' }, timeout: 600_000, maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; signal?: string; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, stdout: x.stdout ?? '', stderr: `${x.signal ?? ''} ${x.stderr ?? ''}` };
  }
}

describe(`audit export of a log larger than a ${HEAP_MB} MB heap`, () => {
  it('streams: the CLI exports it in that heap and the file verifies; reading the rows at once does not fit', async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test builds first)`);
    const store = openStore({ dataDir: dir });
    try {
      await migrate(store.db, store.engine);
      await store.keyring();
      const key = await loadOrCreateNodeKey(store, dir);
      const log = await MessageLog.open(store, key, { checkpointIntervalMs: 0 });
      // Long paths make a log of ~150 MB out of few records (few records: a quick test; a page
      // holds at most 4 MiB of them, src/audit/store-chains.ts PAGE_BYTES).
      const padding = 'p'.repeat(7000);
      for (let i = 0; i < RECORDS; i += 5000) {
        await Promise.all(Array.from({ length: 5000 }, (_, k) => log.append(exchange(i + k, { path: `/citizens/${i + k}/${padding}` }))));
      }
      await log.checkpoint();
      await log.close();
    } finally {
      await store.close();
    }

    const file = path.join(dir, 'export.jsonl');
    const exported = await small([CLI, 'audit', 'export', '--out', file]);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`exported ${RECORDS} records`);
    expect(fs.statSync(file).size).toBeGreaterThan(2 * HEAP_MB * 1024 * 1024);
    const verified = await small([CLI, 'audit', 'verify', '--file', file]);
    expect(verified.stdout + verified.stderr).toMatch(new RegExp(`^OK: ${RECORDS} records verified`));

    // The control: the same heap cannot hold the log's rows at once.
    const whole = await small(['--input-type=module', '-e', `
      const { default: Database } = await import(${JSON.stringify(path.resolve('node_modules/better-sqlite3/lib/index.js'))});
      const db = new Database(${JSON.stringify(path.join(dir, 'vamco.db'))}, { readonly: true });
      const rows = db.prepare('select * from message_log').all();
      console.log('read', rows.length);`]);
    expect(whole.code).not.toBe(0);
    expect(whole.stdout).not.toContain('read');
    expect(whole.stderr).toMatch(/heap/i);
  }, 900_000);
});
