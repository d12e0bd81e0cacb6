import fs from 'node:fs';
import path from 'node:path';

/**
 * The floor of any durable exchange on this disk: a small write + fdatasync, timed in a loop in
 * Vamco's own data dir, in the same run as the latency it is compared with. Each exchange waits
 * for two commits (request record, outcome record), so twice this p50 is what the disk alone adds.
 */
export function fdatasyncFloor(dir: string, n = 500): { p50Ms: number; p99Ms: number; samples: number } {
  const file = path.join(dir, `fdatasync-probe-${process.pid}`);
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.alloc(256, 0x61);
  const t = new Float64Array(n);
  try {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      fs.writeSync(fd, buf);
      fs.fdatasyncSync(fd);
      t[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  t.sort();
  const at = (p: number) => Math.round(t[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)] * 1000) / 1000;
  return { p50Ms: at(50), p99Ms: at(99), samples: n };
}
