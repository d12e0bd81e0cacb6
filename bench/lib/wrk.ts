// Closed-loop load with wrk (C, cheap per request, so most of the two cores go to the server
// under test). Latency percentiles come from wrk's --latency table.
import path from 'node:path';
import { ROOT, mustRun } from './proc.js';

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses wrk read completely, whatever their status. */
  answered: number;
  non2xx: number;
  socketErrors: number;
  seconds: number;
  /** Filled in by the caller: CPU time of the target's processes per answered request. */
  cpuUsPerReq?: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot read the duration "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

export function parseWrk(out: string): LoadResult {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out);
    if (!m) throw new Error(`wrk: no ${p}% latency in:\n${out}`);
    return duration(m[1]);
  };
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!total || !rps) throw new Error(`wrk: unexpected output:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps: Number(rps[1]), p50Ms: pct('50'), p99Ms: pct('99'),
    answered: Number(total[1]), non2xx, socketErrors,
    seconds: Number(total[2]) * UNIT_MS[total[3]] / 1000,
  };
}

export interface WrkOptions { url: string; headers: Record<string, string>; connections: number; threads: number; seconds: number }

export async function wrk(o: WrkOptions): Promise<LoadResult> {
  const args = [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '--latency', '--timeout', '5s'];
  for (const [k, v] of Object.entries(o.headers)) args.push('-H', `${k}: ${v}`);
  args.push(o.url);
  return parseWrk(await mustRun('wrk', args));
}

/** The fixed-rate client (bench/paced.ts) in its own process: its JSON result. */
export async function paced(url: string, headers: Record<string, string>, rate: number, seconds: number): Promise<Record<string, unknown>> {
  const args = [path.join(ROOT, 'dist/bench/paced.js'), '--url', url, '--rate', String(rate), '--seconds', String(seconds)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  return JSON.parse(await mustRun(process.execPath, args));
}
