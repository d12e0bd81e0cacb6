// CPU per exchange of one or more Vamco builds, split by thread, under the same wrk load one
// after the other: what the issue-15 profile work was measured with.
//   node dist/bench/cpu-split.js [BUILD_DIR ...]   (default: this checkout; each one built)
//   CPU_SPLIT_SECONDS=15 CPU_SPLIT_PROF=DIR (each Vamco under --cpu-prof, profiles in DIR/<n>)
//   CPU_SPLIT_WORKERS=N: each Vamco with VAMCO_WORKERS=N; the split is then given for the
//   primary and for the workers (summed), each process's threads named as below.
//   CPU_SPLIT_RATE=N: the measured window is bench/paced.ts at N req/s instead of wrk. Every
//   build then serves the same requests per second: with wrk a build that gets less of a busy
//   machine serves fewer, and its fixed costs per second (timers, GC of a quiet heap) weigh
//   more per exchange, which on a shared 2-core box moved the figure more than the builds did.
// Threads: `main`; `store-writer` is the SQLite writer thread (the last thread created, the
// shipper's inserts); `pool` libuv's four threads (file writes, fdatasync, stat); `v8` V8's
// helpers (GC). Thread names come from the order Node creates them (Linux /proc).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, freePort, sleep } from './lib/proc.js';
import { wrk, paced } from './lib/wrk.js';
import { startNginx } from './lib/nginx.js';
import { setupVamco, startVamco, countRecords } from './lib/vamco.js';

const seconds = Number(process.env.CPU_SPLIT_SECONDS || 15);
const profDir = process.env.CPU_SPLIT_PROF || '';
const rate = Number(process.env.CPU_SPLIT_RATE || 0);
const workers = Number(process.env.CPU_SPLIT_WORKERS || 1);

/** A process's children (gateway workers), from /proc. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch { /* exited */ }
  }
  return out;
}

function threadTicks(pid: number): Map<number, { ticks: number; comm: string }> {
  const out = new Map<number, { ticks: number; comm: string }>();
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out.set(Number(t), { ticks: Number(f[11]) + Number(f[12]), comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')) });
    } catch { /* exited */ }
  }
  return out;
}

async function main(): Promise<void> {
  const builds = process.argv.slice(2).length ? process.argv.slice(2).map((d) => path.resolve(d)) : [ROOT];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-cpu-split-'));
  const ng = await startNginx(path.join(tmp, 'nginx'), await freePort(), await freePort(), os.cpus().length);
  try {
    for (const [i, build] of builds.entries()) {
      const cli = path.join(build, 'dist/src/cli/main.js');
      const setup = await setupVamco(path.join(tmp, `v${i}`), ng.backendUrl, {}, cli);
      const v = await startVamco(setup, {
        gatewayPort: await freePort(), adminPort: await freePort(), cli, workers,
        cpuProfDir: profDir ? path.join(profDir, String(i)) : undefined,
      });
      try {
        const pid = v.proc.child.pid!;
        const procs = workers > 1 ? [pid, ...childPids(pid)] : [pid];
        const ticks = () => procs.map((p) => threadTicks(p));
        await wrk({ url: v.url, headers: v.headers, connections: 50, threads: 2, seconds: 3 });
        const before = countRecords(setup.dataDir);
        const t0 = ticks();
        const r = rate > 0
          ? await paced(v.url, v.headers, rate, seconds).then((p) => {
            const q = p as { ok: number; errors: number; p50Ms: number; p99Ms: number };
            return { rps: (q.ok + q.errors) / seconds, answered: q.ok + q.errors, p50Ms: q.p50Ms, p99Ms: q.p99Ms };
          })
          : await wrk({ url: v.url, headers: v.headers, connections: 50, threads: 2, seconds });
        const t1 = ticks();
        // Records reach the store from the journal a shipper round later: count until it holds still.
        let records = -1;
        for (let k = 0; k < 100; k++) {
          await sleep(300);
          const n = countRecords(setup.dataDir) - before;
          if (n === records && n >= r.answered) break;
          records = n;
        }
        // In creation order: main, V8's platform threads (up to the first idle one after them), libuv's pool, the writer thread last.
        const split: Record<string, number> = {};
        procs.forEach((p, i) => {
          const before = t0[i];
          const now = t1[i];
          const prefix = procs.length === 1 ? '' : i === 0 ? 'primary:' : 'workers:';
          const tids = [...now.keys()].filter((t) => !now.get(t)!.comm.startsWith('v8:')).sort((a, b) => a - b);
          for (const k of ['main', 'v8', 'pool', 'store-writer', 'profiler']) split[prefix + k] ??= 0;
          for (const [tid, th] of now) {
            const d = (th.ticks - (before.get(tid)?.ticks ?? 0)) * 1e4; // USER_HZ 100: a tick is 10,000 µs
            const idx = tids.indexOf(tid);
            const k = th.comm.startsWith('v8:') ? 'profiler' : idx === 0 ? 'main' : idx === tids.length - 1 ? 'store-writer' : idx <= 5 ? 'v8' : 'pool';
            split[prefix + k] += d;
          }
        });
        const us = (x: number) => Math.round(x / Math.max(1, r.answered));
        const total = Object.values(split).reduce((a, b) => a + b, 0);
        process.stdout.write(JSON.stringify({
          build, workers, rate: rate || null, rps: Math.round(r.rps), p50Ms: r.p50Ms, p99Ms: r.p99Ms, answered: r.answered, missing: Math.max(0, r.answered - records),
          cpuUsPerExchange: us(total), byThread: Object.fromEntries(Object.entries(split).map(([k, x]) => [k, us(x)])),
          loadAvg: os.loadavg().map((x) => Math.round(x * 10) / 10),
        }) + '\n');
      } finally {
        await v.stop('SIGINT');
      }
    }
  } finally {
    await ng.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => { process.stderr.write(`cpu-split failed: ${e?.stack ?? e}\n`); process.exit(1); });
