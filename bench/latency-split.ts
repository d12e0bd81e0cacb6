// Where Vamco's added latency goes at a fixed rate (issue 15): the paced client's view (as in
// `npm run bench`) beside the same exchanges seen from inside the process (bench/lib/latency-trace.ts):
// the exchange's own time, its backend call, the journal's synchronised writes as the process
// waits for them, the commit wait of a record (the metric the gateway keeps), the event loop's
// delay, and the disk's floor (write + fdatasync timed in a loop in the same data dir just before).
//   node dist/bench/latency-split.js    LATENCY_RATES=500,2000 LATENCY_SECONDS=10 LATENCY_ROUNDS=1
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort } from './lib/proc.js';
import { paced } from './lib/wrk.js';
import { startNginx } from './lib/nginx.js';
import { setupVamco, startVamco } from './lib/vamco.js';
import { fdatasyncFloor, pacedFloor, preallocatedFloor } from './lib/disk.js';

const rates = (process.env.LATENCY_RATES || '500,2000').split(',').map(Number).filter((n) => n > 0);
const seconds = Number(process.env.LATENCY_SECONDS || 10);
const rounds = Number(process.env.LATENCY_ROUNDS || 1);

interface Summary { n: number; meanMs: number; p50Ms: number; p90Ms: number; p99Ms: number }
interface Trace { exchange: Summary; backend: Summary; journalWrite: Summary; eventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number } }

async function commitSeconds(adminUrl: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const read = (name: string) => text.split('\n').filter((l) => l.startsWith(name)).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return { sum: read('vamco_message_log_commit_seconds_sum'), count: read('vamco_message_log_commit_seconds_count') };
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-latency-'));
  const traceOut = path.join(tmp, 'trace');
  const ng = await startNginx(path.join(tmp, 'nginx'), await freePort(), await freePort(), os.cpus().length);
  try {
    const setup = await setupVamco(path.join(tmp, 'v'), ng.backendUrl, {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${path.join(ROOT, 'dist/bench/lib/latency-trace.js')}`.trim(),
      VAMCO_LATENCY_TRACE_OUT: traceOut,
    });
    const adminPort = await freePort();
    const v = await startVamco(setup, { gatewayPort: await freePort(), adminPort, workers: 1 });
    const pid = v.proc.child.pid!;
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    const trace = async (): Promise<Trace> => {
      const file = `${traceOut}.${pid}`;
      fs.rmSync(file, { force: true });
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 200 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 25));
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Trace;
    };
    try {
      await paced(v.url, v.headers, 200, 2);
      const rows: Record<string, unknown>[] = [];
      for (let round = 1; round <= rounds; round++) {
        for (const rate of rates) {
          const floor = fdatasyncFloor(setup.dataDir, 300);
          const prealloc = preallocatedFloor(setup.dataDir, 300);
          const asleep = await pacedFloor(setup.dataDir, 300, 1);
          const direct = await paced(ng.backendUrl + '/item/1', {}, rate, seconds) as { p50Ms: number; p99Ms: number };
          await trace();
          const c0 = await commitSeconds(adminUrl);
          const client = await paced(v.url, v.headers, rate, seconds) as { p50Ms: number; p99Ms: number; errors: number };
          const inside = await trace();
          const c1 = await commitSeconds(adminUrl);
          const commitMeanMs = Math.round(((c1.sum - c0.sum) / Math.max(1, c1.count - c0.count)) * 1e6) / 1000;
          rows.push({ round, rate, seconds, loadAvg: os.loadavg().map((x) => Math.round(x * 10) / 10), floor, prealloc, paced: asleep, direct, client, inside, commitMeanMs });
          print(rows[rows.length - 1] as never);
        }
      }
      fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
      fs.writeFileSync(path.join(ROOT, 'bench/results/latency-split.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: os.cpus().length, rows }, null, 2));
    } finally {
      await v.stop();
    }
  } finally {
    await ng.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function print(r: { rate: number; round: number; loadAvg: number[]; floor: { p50Ms: number; p99Ms: number }; prealloc: { p50Ms: number; p99Ms: number }; paced: { p50Ms: number; p90Ms: number; p99Ms: number }; direct: { p50Ms: number; p99Ms: number }; client: { p50Ms: number; p99Ms: number; errors: number }; inside: Trace; commitMeanMs: number }): void {
  const i = r.inside;
  const s = (x: Summary) => `p50 ${x.p50Ms} p90 ${x.p90Ms} p99 ${x.p99Ms} mean ${x.meanMs} (n ${x.n})`;
  const r2 = (x: number) => Math.round(x * 1000) / 1000;
  console.log([
    `${r.rate} req/s, round ${r.round}, load ${r.loadAvg.join(' ')}`,
    `  paced client: direct p50 ${r.direct.p50Ms} p99 ${r.direct.p99Ms}; Vamco p50 ${r.client.p50Ms} p99 ${r.client.p99Ms} (errors ${r.client.errors}); added p50 ${r2(r.client.p50Ms - r.direct.p50Ms)} p99 ${r2(r.client.p99Ms - r.direct.p99Ms)}`,
    `  inside: exchange ${s(i.exchange)}`,
    `          backend call ${s(i.backend)}`,
    `          journal write (pool trip + O_DSYNC) ${s(i.journalWrite)}; writes per exchange ${r2(i.journalWrite.n / Math.max(1, i.exchange.n))}`,
    `          commit wait per record, mean ${r.commitMeanMs}; disk floor (write + fdatasync in a loop) p50 ${r.floor.p50Ms} p99 ${r.floor.p99Ms}; into a preallocated file p50 ${r.prealloc.p50Ms} p99 ${r.prealloc.p99Ms}`,
    `          the same, one write every 1 ms with the process asleep between: p50 ${r.paced.p50Ms} p90 ${r.paced.p90Ms} p99 ${r.paced.p99Ms}`,
    `          event loop delay p50 ${i.eventLoopDelay.p50Ms} p99 ${i.eventLoopDelay.p99Ms} max ${i.eventLoopDelay.maxMs}`,
    `          mean split: backend ${i.backend.meanMs} + 2 commits ${r2(2 * r.commitMeanMs)} + the rest ${r2(i.exchange.meanMs - i.backend.meanMs - 2 * r.commitMeanMs)} = exchange ${i.exchange.meanMs}`,
  ].join('\n'));
}

main().catch((e) => { console.error(e); process.exit(1); });
