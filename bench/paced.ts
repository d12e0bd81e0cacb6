// Fixed-rate (open-loop) load, wrk2-style: requests leave on a schedule whatever the answers
// do, so latency is the server's, not a closed loop's. Runs as its own process so its CPU is
// accounted apart from the server under test. Prints one JSON object.
//   node dist/bench/paced.js --url URL --rate 2000 --seconds 10 [--connections 128] [-H 'k: v']...
import { Pool } from 'undici';

interface Args { url: string; rate: number; seconds: number; connections: number; headers: Record<string, string> }

function parseArgs(argv: string[]): Args {
  // Enough connections that a short stall queues at the server, as with wrk2, not in this client.
  const a: Args = { url: '', rate: 2000, seconds: 10, connections: 128, headers: {} };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[++i];
    switch (argv[i - 1]) {
      case '--url': a.url = v; break;
      case '--rate': a.rate = Number(v); break;
      case '--seconds': a.seconds = Number(v); break;
      case '--connections': a.connections = Number(v); break;
      case '-H': { const c = v.indexOf(':'); a.headers[v.slice(0, c).trim().toLowerCase()] = v.slice(c + 1).trim(); break; }
      default: throw new Error(`unknown argument ${argv[i - 1]}`);
    }
  }
  if (!a.url) throw new Error('--url is required');
  return a;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const u = new URL(a.url);
  const pool = new Pool(u.origin, { connections: a.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const path = u.pathname + u.search;
  const total = Math.round(a.rate * a.seconds);
  // From the moment each request left; and from when it should have left (coordinated
  // omission: a stalled server also delays the requests queued behind it).
  const service = new Float64Array(total);
  const intended = new Float64Array(total);
  let done = 0;
  let ok = 0;
  let errors = 0;
  const statuses: Record<string, number> = {};
  let sent = 0;
  const t0 = performance.now() + 50;
  const interval = 1000 / a.rate;

  await new Promise<void>((finish) => {
    const fire = (i: number, plannedAt: number) => {
      const at = performance.now();
      pool.request({ path, method: 'GET', headers: a.headers }).then(async (r) => {
        await r.body.dump();
        const end = performance.now();
        service[i] = end - at;
        intended[i] = end - plannedAt;
        statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
        if (r.statusCode < 400) ok++; else errors++;
      }, () => {
        service[i] = intended[i] = NaN;
        errors++;
      }).finally(() => { if (++done === total) finish(); });
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * interval <= now) {
        fire(sent, t0 + sent * interval);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
    };
    setTimeout(tick, 50);
  });
  await pool.close();
  const clean = (x: Float64Array) => x.filter((v) => !Number.isNaN(v)).sort();
  const s = clean(service);
  const c = clean(intended);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  process.stdout.write(JSON.stringify({
    rate: a.rate, seconds: a.seconds, sent: total, ok, errors, statuses,
    p50Ms: r3(percentile(s, 50)), p90Ms: r3(percentile(s, 90)), p99Ms: r3(percentile(s, 99)), p999Ms: r3(percentile(s, 99.9)), maxMs: r3(s[s.length - 1]),
    corrected: { p50Ms: r3(percentile(c, 50)), p99Ms: r3(percentile(c, 99)) },
  }) + '\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e) => { process.stderr.write(String(e?.stack ?? e) + '\n'); process.exit(1); });
}
