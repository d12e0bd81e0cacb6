import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, afterEach, vi } from 'vitest';
import { tempDir } from '../store/testing.js';
import { GENESIS, hashMessage, toRowFields, type MessageRow } from './chain.js';
import { exchange } from './fixtures.js';
import { Journal, decodeRecords, encodeRecords, scanFrames, segmentName } from './journal.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
const dir = () => { const d = tempDir('vamco-journal-'); dirs.push(d); return path.join(d, 'journal'); };

/** Rows numbered after `head` and chained on it, as MessageLog makes them. */
function chain(head: { seq: number; hash: string }, n: number, from = head.seq + 1): MessageRow[] {
  let prev = head.hash;
  return Array.from({ length: n }, (_, i) => {
    const row = { ...toRowFields(exchange(from + i)), node_id: 'node-test', seq: from + i, prev_hash: prev } as MessageRow;
    row.hash = hashMessage(row);
    prev = row.hash;
    return row;
  });
}
const base = { seq: 0, hash: GENESIS };

describe('journal', () => {
  // The journal is where an acknowledged record becomes durable (issue 13, item 1), so an append
  // may resolve only once a synchronised write of its segment returned. Neither a kill -9 nor a
  // read-back would notice a missing sync (the page cache survives a killed process): this checks
  // the segment's descriptor is O_DSYNC (each write is an fdatasync, issue 15) and the
  // acknowledgement waits for the write holding the whole batch.
  it('acknowledges a batch only after its synchronised (O_DSYNC) write of the whole batch returned', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const writes: { fd: number; len: number; finish: () => void }[] = [];
    const real = fs.write;
    const spy = vi.spyOn(fs, 'write').mockImplementation(((fd: number, buf: Buffer, off: number, len: number, pos: number, cb: (e: NodeJS.ErrnoException | null, n: number) => void) => {
      let done = false;
      writes.push({ fd, len, finish: () => { if (!done) { done = true; real(fd, buf, off, len, pos, cb); } } });
    }) as unknown as typeof fs.write);
    try {
      const rows = chain(base, 3);
      let acknowledged = false;
      const appended = journal.append(rows).then(() => { acknowledged = true; });
      for (const end = Date.now() + 30_000; writes.length === 0;) {
        if (Date.now() > end) throw new Error('append never wrote');
        await new Promise((r) => setTimeout(r, 5));
      }
      // The descriptor written to is the segment's, and the kernel syncs every write on it.
      const flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${writes[0].fd}`, 'utf8'))![1], 8);
      expect(flags & fs.constants.O_DSYNC).toBe(fs.constants.O_DSYNC);
      expect(fs.fstatSync(writes[0].fd).ino).toBe(fs.statSync(path.join(d, segmentName(1))).ino);
      // Held at the write: not acknowledged, however long it takes.
      await new Promise((r) => setTimeout(r, 100));
      expect(acknowledged).toBe(false);
      expect(writes[0].len).toBe(encodeRecords(rows).length);
      writes[0].finish();
      await appended;
      expect(acknowledged).toBe(true);
      expect(writes).toHaveLength(1);
    } finally {
      spy.mockRestore();
      // A failed expectation must not leave close() waiting on a held write.
      for (const w of writes) w.finish();
      await journal.close();
    }
  });

  it('reads back what it appended, in order, across reopening', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const a = chain(base, 3);
    await journal.append(a);
    const b = chain(journal.head, 2);
    await journal.append(b);
    expect(journal.head).toEqual({ seq: 5, hash: b[1].hash });
    await journal.close();
    const again = Journal.open(d, base);
    expect(again.recovery).toEqual({ head: { seq: 5, hash: b[1].hash }, truncatedBytes: 0, segments: 1 });
    const { rows } = await again.journal.read(0, 100);
    expect(rows).toEqual([...a, ...b]);
    expect((await again.journal.read(3, 100)).rows.map((r) => r.seq)).toEqual([4, 5]);
    await again.journal.close();
  });

  it('recovers from a tail cut at every byte of its last record: the whole records stay, the torn one goes', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const rows = chain(base, 3);
    await journal.append(rows.slice(0, 2));
    await journal.append(rows.slice(2));
    await journal.close();
    const file = path.join(d, segmentName(1));
    const whole = fs.readFileSync(file);
    const lastStart = encodeRecords(rows.slice(0, 2)).length;
    expect(whole.length).toBe(encodeRecords(rows).length);
    for (let cut = lastStart; cut < whole.length; cut++) {
      fs.writeFileSync(file, whole.subarray(0, cut));
      const { journal: j, recovery } = Journal.open(d, base);
      expect(recovery.head, `cut at ${cut}`).toEqual({ seq: 2, hash: rows[1].hash });
      expect(recovery.truncatedBytes, `cut at ${cut}`).toBe(cut - lastStart);
      expect(fs.statSync(file).size).toBe(lastStart);
      // The chain continues from the last whole record, and the next append reads back whole.
      const next = chain(j.head, 1);
      await j.append(next);
      expect((await j.read(0, 10)).rows).toEqual([rows[0], rows[1], next[0]]);
      await j.close();
    }
  });

  it('refuses a last record whose bytes were damaged (checksum), and zeros the disk left behind', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const rows = chain(base, 2);
    await journal.append(rows);
    await journal.close();
    const file = path.join(d, segmentName(1));
    const whole = fs.readFileSync(file);
    const damaged = Buffer.from(whole);
    damaged[damaged.length - 3] ^= 0x20; // a flipped bit inside the last payload
    fs.writeFileSync(file, damaged);
    expect(Journal.open(d, base).recovery.head).toEqual({ seq: 1, hash: rows[0].hash });
    fs.writeFileSync(file, Buffer.concat([whole, Buffer.alloc(4096)]));
    const r = Journal.open(d, base);
    expect(r.recovery).toMatchObject({ head: { seq: 2, hash: rows[1].hash }, truncatedBytes: 4096 });
    await r.journal.close();
  });

  it('decodes nothing from a header whose length runs past the data', () => {
    const buf = encodeRecords(chain(base, 1));
    expect(decodeRecords(buf.subarray(0, 7)).rows).toEqual([]);
    const big = Buffer.from(buf);
    big.writeUInt32LE(0xffffffff, 0);
    expect(decodeRecords(big)).toEqual({ rows: [], end: 0 });
  });

  it('starts after the store\'s head when the journal is new or behind it', async () => {
    const d = dir();
    const stored = chain(base, 4);
    const storeHead = { seq: 4, hash: stored[3].hash };
    const { journal } = Journal.open(d, storeHead);
    expect(journal.head).toEqual(storeHead);
    const next = chain(journal.head, 1);
    expect(next[0].seq).toBe(5);
    await journal.append(next);
    expect(fs.existsSync(path.join(d, segmentName(5)))).toBe(true);
    expect((await journal.read(4, 10)).rows).toEqual(next);
    await journal.close();
  });

  it('rotates segments by size, reads across them, and prunes only shipped, closed, old ones', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base, { segmentBytes: 1000 });
    const all: MessageRow[] = [];
    for (let i = 0; i < 12; i++) {
      const r = chain(journal.head, 2);
      await journal.append(r);
      all.push(...r);
    }
    const segs = journal.segments();
    expect(segs.length).toBeGreaterThan(3);
    expect((await journal.read(0, 1000)).rows).toEqual(all);
    // A read cursor continues where the last read stopped.
    const first = await journal.read(0, 5);
    const rest = await journal.read(5, 1000, first.cursor);
    expect([...first.rows, ...rest.rows].map((r) => r.seq)).toEqual(all.map((r) => r.seq));
    // Nothing shipped: nothing pruned, however old.
    expect(journal.prune(0, 0, Date.now() + 1e9)).toBe(0);
    // Shipped up to the end of the second segment, but too recent for a 1 h retention.
    const shipped = segs[2].first - 1;
    expect(journal.prune(shipped, 3600_000)).toBe(0);
    expect(journal.prune(shipped, 0, Date.now() + 1000)).toBe(2);
    expect(journal.segments().map((s) => s.first)).toEqual(segs.slice(2).map((s) => s.first));
    // Everything shipped: the current segment stays.
    journal.prune(all.length, 0, Date.now() + 1000);
    expect(journal.segments().map((s) => s.first)).toEqual([segs[segs.length - 1].first]);
    await journal.close();
    expect(Journal.open(d, base).recovery.head).toEqual({ seq: 24, hash: all[23].hash });
  });

  it('hands the shipper frames byte for byte as on disk, from memory or the file, within max, across segments', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base, { segmentBytes: 2500 });
    const all: MessageRow[] = [];
    for (let i = 0; i < 10; i++) {
      const r = chain(journal.head, 3);
      await journal.append(r);
      all.push(...r);
    }
    expect(journal.segments().length).toBeGreaterThan(2);
    const onDisk = Buffer.concat(journal.segments().map((s) => fs.readFileSync(s.file)));
    // Rounds of at most 4 frames, each continuing from the last cursor: batches of 3 are split,
    // segments crossed, and the concatenation is exactly the files' bytes.
    const got: Buffer[] = [];
    let after = 0;
    let cursor: Awaited<ReturnType<typeof journal.readFrames>>['cursor'] | undefined;
    for (let round = 0; round < 100 && after < all.length; round++) {
      const f = await journal.readFrames(after, 4, cursor);
      expect(f.count).toBeGreaterThan(0);
      expect(f.count).toBeLessThanOrEqual(4);
      expect(scanFrames(f.frames)).toEqual({ count: f.count, end: f.frames.length });
      got.push(f.frames);
      const rows = decodeRecords(f.frames).rows;
      expect(rows.map((r) => r.seq)).toEqual(all.slice(after, after + f.count).map((r) => r.seq));
      after = Number(rows[rows.length - 1].seq);
      cursor = f.cursor;
    }
    expect(Buffer.concat(got).equals(onDisk)).toBe(true);
    // Nothing new: an empty read at the end.
    expect((await journal.readFrames(after, 4, cursor)).count).toBe(0);
    const more = chain(journal.head, 2);
    await journal.append(more);
    expect(decodeRecords((await journal.readFrames(after, 10, cursor)).frames).rows).toEqual(more);
    await journal.close();
  });

  it('refuses a batch written into a segment removed while open, and continues in a new one', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    await journal.append(chain(base, 1));
    fs.rmSync(path.join(d, segmentName(1)));
    await expect(journal.append(chain(journal.head, 1))).rejects.toThrow(/removed or replaced/);
    expect(journal.head.seq).toBe(1);
    await journal.probe();
    const next = chain(journal.head, 1);
    await journal.append(next);
    expect((await journal.read(1, 10)).rows).toEqual(next);
    fs.rmSync(d, { recursive: true });
    await expect(journal.probe()).rejects.toThrow(/journal directory is gone/);
    await journal.close();
  });
});
