// Which journal? Issue 13 lets the message log's local durable point be our own segment files
// or a dedicated per-node SQLite file with no secondary indexes, whichever measures faster.
// Both are driven by the same group commit (one batch in flight, up to 256 records, records
// chained and hashed the same way) with `inFlight` appenders each waiting for its record to be
// durable. Reported: durable records/s, wait p50/p99, and the process's CPU per record (all
// threads: the SQLite commits run on a writer thread). `node dist/bench/journal-format.js`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GENESIS, hashMessage, toRowFields, type MessageRow } from '../src/audit/chain.js';
import { Journal } from '../src/audit/journal.js';
import { sqliteThreadWriter } from '../src/audit/sqlite-writer.js';
import { percentile } from './paced.js';
import { sampleRecord } from './log-write.js';

type Write = (rows: MessageRow[]) => Promise<void>;

async function drive(write: Write, inFlight: number, seconds: number) {
  const queue: Array<{ row: MessageRow; done(): void; fail(e: unknown): void }> = [];
  let busy = false;
  let seq = 0;
  let prev = GENESIS;
  let batches = 0;
  const pump = () => {
    if (busy || !queue.length) return;
    busy = true;
    const batch = queue.splice(0, 256);
    for (const w of batch) { w.row.seq = ++seq; w.row.prev_hash = prev; w.row.hash = hashMessage(w.row); prev = w.row.hash; }
    write(batch.map((w) => w.row)).then(() => { batches++; for (const w of batch) w.done(); }, (e) => { for (const w of batch) w.fail(e); })
      .finally(() => { busy = false; setImmediate(pump); });
  };
  const waits: number[] = [];
  const stopAt = performance.now() + seconds * 1000;
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < stopAt) {
      const t = performance.now();
      const row = { ...toRowFields(sampleRecord(n++)), node_id: 'node-bench', seq: 0, prev_hash: '', hash: '' } as MessageRow;
      await new Promise<void>((done, fail) => { queue.push({ row, done, fail }); setImmediate(pump); });
      waits.push(performance.now() - t);
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(waits).sort();
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    inFlight, records: waits.length, recordsPerSec: Math.round(waits.length / elapsed), meanBatch: r3(waits.length / Math.max(1, batches)),
    waitP50Ms: r3(percentile(sorted, 50)), waitP99Ms: r3(percentile(sorted, 99)), cpuUsPerRecord: r3((cpu.user + cpu.system) / waits.length),
  };
}

const COLUMNS = ['node_id', 'seq', 'message_id', 'request_id', 'at', 'client', 'service', 'method', 'path', 'status', 'duration_ms', 'request_size', 'response_size',
  'request_digest', 'response_digest', 'user_id', 'issue', 'error_code', 'request_body', 'response_body', 'upstream', 'prev_hash', 'hash'];

async function main() {
  const seconds = Number(process.env.BENCH_LOG_SECONDS ?? 3);
  const levels = (process.env.BENCH_IN_FLIGHT ?? '1,16,64,256').split(',').map(Number);
  const out: Record<string, unknown>[] = [];
  for (const inFlight of levels) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-bench-journal-'));
    try {
      const { journal } = Journal.open(path.join(dir, 'journal'), { seq: 0, hash: GENESIS });
      out.push({ journal: 'segment files', ...await drive((rows) => journal.append(rows), inFlight, seconds) });
      await journal.close();
      // The per-node SQLite alternative: its own file, primary key only, WAL, synchronous FULL.
      const file = path.join(dir, 'journal.db');
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.exec(`create table message_log (${COLUMNS.map((c) => `${c} ${c === 'seq' || c === 'status' || c.endsWith('_size') ? 'integer' : c === 'duration_ms' ? 'real' : 'text'}`).join(', ')}, primary key (node_id, seq)) without rowid`);
      db.close();
      const w = sqliteThreadWriter(file, `insert into message_log (${COLUMNS.join(', ')}) values (${COLUMNS.map((c) => '@' + c).join(', ')})`, {});
      out.push({ journal: 'SQLite file, no secondary index', ...await drive((rows) => w(rows), inFlight, seconds) });
      await w.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const x of out) process.stdout.write(JSON.stringify(x) + '\n');
}

main().catch((e) => { process.stderr.write(String(e?.stack ?? e) + '\n'); process.exit(1); });
