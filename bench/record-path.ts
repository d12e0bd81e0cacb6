// CPU of one exchange's record path on the gateway's main thread, for one or more builds in
// one process, rounds interleaved (issue 15): the arrival stamp, the generated message id, and
// for each of the exchange's two records the record object, its validation (toRowFields), its
// chain hash and its journal frame. What cpu-split measures end to end, without the sockets,
// the disk and the other threads, so a change of a few µs is not lost in a shared machine's noise.
//   node dist/bench/record-path.js [BUILD_DIR ...]   (default: this checkout; each one built)
// Prints one line per build: µs per exchange in each round, and their median.
import crypto from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib/proc.js';

type Row = Record<string, unknown> & { hash: string };
interface Built {
  dir: string;
  one: () => void;
}

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

async function load(dir: string): Promise<Built> {
  const mod = (p: string) => import(pathToFileURL(path.join(dir, 'dist/src', p)).href);
  const chain = await mod('audit/chain.js');
  const journal = await mod('audit/journal.js');
  const parse = await mod('gateway/stages/parse.js');
  const outcome = (await mod('gateway/stages/outcome.js')).createOutcome({});
  // Builds before core/clock.ts stamped with toISOString.
  const clock = await mod('core/clock.js').catch(() => null);
  const stamp: () => string = clock ? () => clock.isoNow() : () => new Date().toISOString();
  // The fields of an exchange the record reads (stages/context.ts), as the bench's GET has them.
  const x = {
    messageId: '', requestId: '', at: '', client: 'DEV/GOV/1001/client', service: 'DEV/GOV/1002/provider/echo', method: 'GET',
    target: '/r1/DEV/GOV/1002/provider/echo/items/1', t0: performance.now(), meter: null, userId: null, issue: null,
    upstreamLeg: null, credential: 'api-key', certFingerprint: null,
  };
  let seq = 0;
  let prev = chain.GENESIS as string;
  const frame = (rec: unknown) => {
    const r = chain.toRowFields(rec) as Row;
    Object.assign(r, { node_id: 'node-0123456789ab', seq: ++seq, prev_hash: prev });
    r.hash = chain.hashMessage(r);
    prev = r.hash;
    journal.encodeRecords([r]);
  };
  return {
    dir,
    one: () => {
      x.at = stamp();
      x.requestId = crypto.randomUUID();
      x.messageId = `DEV-${parse.uuidV7()}`;
      frame(outcome.record(x, 0, { requestSize: 0, requestDigest: null }));
      frame(outcome.record(x, 200, { responseSize: 208, responseDigest: EMPTY }));
    },
  };
}

async function main(): Promise<void> {
  const dirs = process.argv.slice(2).length ? process.argv.slice(2).map((d) => path.resolve(d)) : [ROOT];
  const builds = await Promise.all(dirs.map(load));
  for (const b of builds) for (let i = 0; i < 30_000; i++) b.one();
  const rounds = 7;
  const n = 50_000;
  const us = new Map<Built, number[]>(builds.map((b) => [b, []]));
  for (let k = 0; k < rounds; k++) {
    for (const b of builds) {
      const t = process.cpuUsage();
      for (let i = 0; i < n; i++) b.one();
      const d = process.cpuUsage(t);
      us.get(b)!.push((d.user + d.system) / n);
    }
  }
  for (const b of builds) {
    const v = us.get(b)!;
    const median = [...v].sort((p, q) => p - q)[(rounds - 1) / 2];
    process.stdout.write(JSON.stringify({ build: b.dir, usPerExchange: v.map((z) => Math.round(z * 10) / 10), median: Math.round(median * 10) / 10 }) + '\n');
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
