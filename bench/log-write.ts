// Message-log write benchmark: durable records per second through MessageLog's group commit,
// and how long each appender waits for its commit, at several numbers of requests in flight.
// SQLite always; PostgreSQL too when VAMCO_BENCH_DATABASE_URL is set (a fresh database is
// created under it and dropped after). Prints one JSON object when run directly.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, migrate, type Store } from '../src/store/index.js';
import { loadOrCreateNodeKey, MessageLog, type ExchangeRecord } from '../src/audit/index.js';
import { percentile } from './paced.js';

export interface LogWriteResult {
  engine: string;
  inFlight: number;
  seconds: number;
  records: number;
  recordsPerSec: number;
  batches: number;
  meanBatch: number;
  waitP50Ms: number;
  waitP99Ms: number;
}

export function sampleRecord(i: number): ExchangeRecord {
  const id = crypto.randomUUID();
  return {
    messageId: id, requestId: id, at: new Date().toISOString(), client: 'DEV/GOV/000.00.00.B02/consumer',
    service: 'DEV/GOV/000.00.00.B01/backend/echo', method: 'GET', path: `/r1/DEV/GOV/000.00.00.B01/backend/echo/item/${i}`,
    status: 200, durationMs: 0.731, requestSize: 0, responseSize: 208,
    requestDigest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    responseDigest: '5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef',
    userId: null, issue: null, errorCode: null,
  };
}

/** `inFlight` appenders each append, wait for the commit, and append again, for `seconds`. */
export async function logWrite(store: Store, dataDir: string, inFlight: number, seconds: number): Promise<LogWriteResult> {
  const key = await loadOrCreateNodeKey(store, dataDir);
  const log = await MessageLog.open(store, key, { checkpointIntervalMs: 0 });
  const before = log.stats;
  const waits: number[] = [];
  const stopAt = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < stopAt) {
      const t = performance.now();
      await log.append(sampleRecord(n++));
      waits.push(performance.now() - t);
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  const after = log.stats;
  await log.close();
  const sorted = Float64Array.from(waits).sort();
  const batches = after.batches - before.batches;
  const records = after.appended - before.appended;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    engine: store.engine, inFlight, seconds: r3(elapsed), records, recordsPerSec: Math.round(records / elapsed),
    batches, meanBatch: r3(records / Math.max(1, batches)), waitP50Ms: r3(percentile(sorted, 50)), waitP99Ms: r3(percentile(sorted, 99)),
  };
}

export async function logWriteSuite(seconds: number, levels = [1, 16, 64, 256]): Promise<LogWriteResult[]> {
  const out: LogWriteResult[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-bench-log-'));
  try {
    const store = openStore({ dataDir: dir });
    await migrate(store.db, store.engine);
    for (const c of levels) out.push(await logWrite(store, dir, c, seconds));
    await store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const base = process.env.VAMCO_BENCH_DATABASE_URL;
  if (base) {
    const name = `vamco_bench_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const u = new URL(base);
    u.pathname = '/' + name;
    const pdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-bench-logpg-'));
    try {
      const store = openStore({ dataDir: pdir, databaseUrl: u.toString() });
      await migrate(store.db, store.engine);
      for (const c of levels) out.push(await logWrite(store, pdir, c, seconds));
      await store.close();
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      fs.rmSync(pdir, { recursive: true, force: true });
    }
  }
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  logWriteSuite(Number(process.env.BENCH_LOG_SECONDS ?? 3)).then((r) => {
    for (const x of r) process.stdout.write(JSON.stringify(x) + '\n');
  }).catch((e) => { process.stderr.write(String(e?.stack ?? e) + '\n'); process.exit(1); });
}
