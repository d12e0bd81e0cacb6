import fs from 'node:fs';
import path from 'node:path';

export interface DiskFloor { p50Ms: number; p99Ms: number; samples: number }

/**
 * The floor of any durable exchange on this disk: a small write + fdatasync, timed in a loop in
 * Vamco's own data dir, in the same run as the latency it is compared with. Each exchange waits
 * for two commits (request record, outcome record), so twice this p50 is what the disk alone adds.
 * Appended, as the journal appends: the file grows, so each fdatasync also commits its new size.
 */
export function fdatasyncFloor(dir: string, n = 500): DiskFloor {
  return timedWrites(dir, n, false);
}

/**
 * The same writes into a file written whole beforehand (its size and blocks already on disk):
 * what a journal with preallocated segments would wait for. Measured beside fdatasyncFloor to
 * show what preallocation would save on this disk (not built: issue 15's latency section).
 */
export function preallocatedFloor(dir: string, n = 500): DiskFloor {
  return timedWrites(dir, n, true);
}

function timedWrites(dir: string, n: number, preallocated: boolean): DiskFloor {
  const file = path.join(dir, `fdatasync-probe-${process.pid}`);
  const buf = Buffer.alloc(256, 0x61);
  if (preallocated) {
    fs.writeFileSync(file, Buffer.alloc(n * buf.length));
    const f = fs.openSync(file, 'r+');
    try { fs.fsyncSync(f); } finally { fs.closeSync(f); }
  }
  const fd = fs.openSync(file, preallocated ? 'r+' : 'w');
  const t = new Float64Array(n);
  try {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      fs.writeSync(fd, buf, 0, buf.length, i * buf.length);
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
