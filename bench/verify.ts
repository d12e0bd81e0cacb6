// audit verify speed: records per second that `verifyStore` checks, on a message log of
// BENCH_VERIFY_RECORDS records (default 200,000) spread over BENCH_VERIFY_NODES node chains
// (default 2), with checkpoints. SQLite always; PostgreSQL too when VAMCO_BENCH_DATABASE_URL is
// set (a fresh database under it, dropped after). Prints one JSON line per engine.
//   npx tsc -p tsconfig.json && node dist/bench/verify.js
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, migrate, type Store } from '../src/store/index.js';
import { loadOrCreateNodeKey, MessageLog, verifyStore, type ExchangeRecord } from '../src/audit/index.js';

const RECORDS = Number(process.env.BENCH_VERIFY_RECORDS || 200_000);
const NODES = Number(process.env.BENCH_VERIFY_NODES || 2);

// Records come in exchanges' pairs, as the gateway writes them: a request record (status 0)
// and its outcome, with one request id, so verify finds no interrupted exchange.
const run = crypto.randomUUID();
function rec(i: number): ExchangeRecord {
  return {
    messageId: crypto.randomUUID(), requestId: `${run}-${i >> 1}`, at: new Date(Date.UTC(2026, 0, 1) + i).toISOString(), client: 'DEV/GOV/000.00.00.B02/consumer',
    service: 'DEV/GOV/000.00.00.B01/backend/echo', method: 'GET', path: `/r1/DEV/GOV/000.00.00.B01/backend/echo/item/${i}`,
    status: i % 2 ? 200 : 0, durationMs: 0.731, requestSize: 0, responseSize: 208,
    requestDigest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    responseDigest: '5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef',
    userId: null, issue: null, errorCode: null,
  };
}

async function fill(store: Store): Promise<void> {
  for (let n = 0; n < NODES; n++) {
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-bench-key-'));
    const key = await loadOrCreateNodeKey(store, keyDir);
    const log = await MessageLog.open(store, key, { checkpointIntervalMs: 0, maxBatch: 2000 });
    const per = Math.floor(RECORDS / NODES);
    for (let i = 0; i < per; i += 2000) {
      await Promise.all(Array.from({ length: Math.min(2000, per - i) }, (_, j) => log.append(rec(i + j))));
      if (i % 50_000 === 0) await log.checkpoint();
    }
    await log.close();
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
}

async function measure(engine: string, store: Store): Promise<void> {
  await migrate(store.db, store.engine);
  await fill(store);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await verifyStore(store);
  const s = (performance.now() - t0) / 1000;
  // CPU seconds of every thread of the process: on a shared machine, wall time also counts others' load.
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({
    engine, nodes: NODES, ok: r.ok, records: r.records, checkpoints: r.checkpoints, interrupted: r.interrupted, seconds: +s.toFixed(2),
    recordsPerSec: Math.round(r.records / s), cpuSeconds: +((c.user + c.system) / 1e6).toFixed(2),
  }));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-bench-verify-'));
try {
  const store = openStore({ dataDir: dir });
  try { await measure('sqlite', store); } finally { await store.close(); }
  const base = process.env.VAMCO_BENCH_DATABASE_URL;
  if (base) {
    const name = `vamco_bv_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const u = new URL(base);
    u.pathname = '/' + name;
    const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-bench-verify-pg-'));
    const pgStore = openStore({ dataDir: pgDir, databaseUrl: u.toString() });
    try { await measure('postgres', pgStore); } finally {
      await pgStore.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      fs.rmSync(pgDir, { recursive: true, force: true });
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
