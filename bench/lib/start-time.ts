// Time from spawning `vamco start` (with the demo, as a new user runs it) to the gateway's
// /readyz answering 200: what the "cold start" is. Shared by the full bench and
// bench/start.ts (the start time alone, repeated, for A/B between builds).
import fs from 'node:fs';
import { CLI, freePort, start, waitHttp, type Proc } from './proc.js';

export interface Started {
  p: Proc; ms: number;
  /** CPU time the process (all its threads) had used when it was ready: steadier than `ms` on a busy machine. */
  cpuMs: number;
}

/** Starts Vamco on `dataDir` (empty: the first run; used before: a restart) and waits until it is ready. */
export async function timeToReady(dataDir: string, o: { cli?: string; node?: string; env?: Record<string, string> } = {}): Promise<Started> {
  const port = await freePort();
  const env = {
    ...process.env, VAMCO_DATA_DIR: dataDir, VAMCO_GATEWAY_HOST: '127.0.0.1', VAMCO_GATEWAY_PORT: String(port),
    VAMCO_ADMIN_PORT: String(await freePort()), VAMCO_DEMO_BACKEND_PORT: String(await freePort()), VAMCO_LOG_LEVEL: 'warn', ...o.env,
  };
  const t0 = Date.now();
  const p = start('vamco-demo', o.node ?? process.execPath, [o.cli ?? CLI, 'start'], { env });
  try {
    await waitHttp(`http://127.0.0.1:${port}/readyz`, { proc: p });
  } catch (e) {
    await p.stop();
    throw e;
  }
  const ms = Date.now() - t0;
  return { p, ms, cpuMs: Math.round(cpuUsOf(p.child.pid!) / 1000) };
}

/** User + system CPU time of a process so far, all its threads, µs (Linux /proc; USER_HZ is 100). */
export function cpuUsOf(pid: number): number {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 1e4;
}

/** The median; of an even count, the mean of the middle two, rounded. */
export const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2); };
