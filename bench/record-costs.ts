// CPU per message-log record of the parts issue 15 changed, each measured alone on this machine
// (process CPU time, all threads, over many records; rounds interleaved so both sides of a
// comparison see the same load). Prints one JSON object.
//   node dist/bench/record-costs.js [rounds]   (after npm run build)
// - store insert: the shipper's path into SQLite (journal frames to the store's writer thread,
//   the real schema and indexes), message ids random (UUID v4) or time-ordered (UUID v7), in
//   transactions of 150 or 600 records (a 50 ms or 200 ms shipper round at 1,500 exchanges/s);
// - row JSON: a record's journal payload by JSON.stringify or by the journal's rowJson.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, migrate } from '../src/store/index.js';
import { GENESIS, hashMessage, toRowFields, type MessageRow } from '../src/audit/chain.js';
import { encodeRecords, rowJson } from '../src/audit/journal.js';
import { storeWriter } from '../src/audit/message-log.js';
import { uuidV7 } from '../src/gateway/stages/parse.js';
import { sampleRecord } from './log-write.js';

const rounds = Number(process.argv[2] || 3);
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };

function rows(n: number, firstSeq: number, prev: string, id: () => string): MessageRow[] {
  return Array.from({ length: n }, (_, i) => {
    const r = toRowFields({ ...sampleRecord(i), messageId: id() }) as MessageRow;
    Object.assign(r, { node_id: 'node-bench', seq: firstSeq + i, prev_hash: prev });
    r.hash = hashMessage(r);
    prev = r.hash;
    return r;
  });
}

async function storeInsert(ids: 'v4' | 'v7', batch: number, total: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-record-costs-'));
  const store = await openStore({ dataDir: dir });
  try {
    await migrate(store.db, store.engine);
    const w = storeWriter(store, true) as ReturnType<typeof storeWriter> & { close(): Promise<void> };
    const all = rows(total, 1, GENESIS, ids === 'v4' ? () => `DEV-${crypto.randomUUID()}` : () => `DEV-${uuidV7()}`);
    const frames = [];
    for (let i = 0; i < total; i += batch) frames.push(encodeRecords(all.slice(i, i + batch)));
    const t = cpu();
    for (const f of frames) await w.frames!(f, 0);
    const us = (cpu() - t) / total;
    await w.close();
    return us;
  } finally {
    await store.db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function rowJsonCost(encode: (r: MessageRow) => string, sample: MessageRow[]): number {
  const t = cpu();
  let n = 0;
  for (let k = 0; k < 20; k++) for (const r of sample) n += encode(r).length;
  if (n === 0) throw new Error('nothing encoded');
  return (cpu() - t) / (20 * sample.length);
}

async function main(): Promise<void> {
  const out: Record<string, number[]> = {};
  const add = (k: string, v: number) => (out[k] ??= []).push(Math.round(v * 100) / 100);
  const sample = rows(10_000, 1, GENESIS, () => `DEV-${uuidV7()}`);
  for (let r = 0; r < rounds; r++) {
    for (const batch of [150, 600]) {
      for (const ids of ['v4', 'v7'] as const) add(`storeInsertUs.${ids}.batch${batch}`, await storeInsert(ids, batch, 30_000));
    }
    add('rowJsonUs.JSON.stringify', rowJsonCost((x) => JSON.stringify(x), sample));
    add('rowJsonUs.rowJson', rowJsonCost(rowJson, sample));
  }
  process.stdout.write(JSON.stringify({ rounds, loadAvg: os.loadavg().map((x) => Math.round(x * 10) / 10), cpuUsPerRecord: out }) + '\n');
}

main().catch((e) => { process.stderr.write(`record-costs failed: ${e?.stack ?? e}\n`); process.exit(1); });
