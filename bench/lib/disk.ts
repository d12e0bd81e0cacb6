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

/**
 * The same appending writes, one every `gapMs` with the process asleep in between, as the journal
 * writes at a fixed rate: on this KVM guest an isolated synchronous write waits longer than one in
 * a tight loop (p90 ~1 ms against ~0.1; faster again with the cores kept busy), most likely the
 * idle virtual CPU's wake-up when the disk answers, which a tight loop never lets it reach.
 */
export async function pacedFloor(dir: string, n = 500, gapMs = 1): Promise<DiskFloor & { p90Ms: number }> {
  const file = path.join(dir, `fdatasync-paced-${process.pid}`);
  const buf = Buffer.alloc(256, 0x61);
  const fd = fs.openSync(file, 'w');
  const t = new Float64Array(n);
  try {
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setTimeout(r, gapMs));
      t[i] = timedWrite(fd, buf, i);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return { ...percentiles(t), p90Ms: percentile(t, 90) };
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
    for (let i = 0; i < n; i++) t[i] = timedWrite(fd, buf, i);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return percentiles(t);
}

/** Write `buf` into slot `i` of the file and fdatasync it: the time both took, in ms. */
function timedWrite(fd: number, buf: Buffer, i: number): number {
  const t0 = process.hrtime.bigint();
  fs.writeSync(fd, buf, 0, buf.length, i * buf.length);
  fs.fdatasyncSync(fd);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function percentile(t: Float64Array, p: number): number {
  const sorted = Float64Array.from(t).sort();
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 1000) / 1000;
}

function percentiles(t: Float64Array): DiskFloor {
  return { p50Ms: percentile(t, 50), p99Ms: percentile(t, 99), samples: t.length };
}
