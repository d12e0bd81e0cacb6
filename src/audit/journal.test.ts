import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, it, expect, afterEach, vi } from 'vitest';
import { tempDir } from '../store/testing.js';
import { GENESIS, hashMessage, toRowFields, type MessageRow } from './chain.js';
import { exchange } from './fixtures.js';
import { Journal, decodeRecords, encodeRecords, rowJson, scanFrames, segmentName, type JournalOptions, type ReadCursor } from './journal.js';

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
/** Every column of a message-log row, in the order the journal writes them. */
const rowTemplate: Record<keyof MessageRow, null> = {
  node_id: null, seq: null, message_id: null, request_id: null, at: null, client: null, service: null, method: null, path: null,
  status: null, duration_ms: null, request_size: null, response_size: null, request_digest: null, response_digest: null, user_id: null,
  issue: null, error_code: null, request_body: null, response_body: null, upstream: null, credential: null, prev_hash: null, hash: null,
};

/** A journal in a new directory holding `batches` appended batches of `size` records each. */
async function filled(opts: JournalOptions, batches: number, size: number) {
  const d = dir();
  const { journal } = Journal.open(d, base, opts);
  const all: MessageRow[] = [];
  for (let i = 0; i < batches; i++) {
    const r = chain(journal.head, size);
    await journal.append(r);
    all.push(...r);
  }
  return { d, journal, all };
}

describe('journal', () => {
  // encodeRecords writes rows with a hand-written encoder (issue 15): its bytes must be what
  // JSON.stringify gives, escapes and all, or a frame could read back as another record.
  it('encodes a row as JSON.stringify does, with every escape, and reads it back unchanged', () => {
    const [plain] = chain(base, 1);
    const awkward: MessageRow = {
      ...plain, seq: 2, client: 'a"b\\c', service: 'line\nbreak\ttab\u0001\u001f\u007f', path: '/r1/Tiếng Việt/😀/\u2028\u2029',
      issue: 'lone \ud800 high and \udfff low', user_id: 'C:\\only\\backslashes', method: '</script>', error_code: null, request_body: '{"x":[1,2]}', response_body: '\u0000',
      upstream: '{"scheme":"oauth2","status":200,"durationMs":0.1,"attempts":1,"tokenId":null}', credential: null,
      duration_ms: 0.1 + 0.2, request_size: 2 ** 53 - 1, response_size: 0, status: 0,
    };
    for (const row of [plain, awkward]) {
      const ordered = Object.fromEntries(Object.keys(rowTemplate).map((k) => [k, row[k as keyof MessageRow]]));
      expect(rowJson(row)).toBe(JSON.stringify(ordered));
      const frames = encodeRecords([row]);
      expect(frames.subarray(8).toString('utf8')).toBe(JSON.stringify(ordered));
      expect(decodeRecords(frames).rows).toEqual([ordered]);
    }
  });

  // Batches are written into one reused scratch buffer and copied into slices of a shared slab
  // (issue 15): a batch handed out must keep its bytes while later ones are encoded, whatever
  // their sizes (multi-byte text, a large logged body that takes the exactly sized path).
  it('keeps every encoded batch intact while later ones reuse the scratch buffer and fill slab after slab', () => {
    const rows = chain(base, 300);
    rows[7] = { ...rows[7], path: '/r1/Tiếng Việt/😀/\ud800' };
    rows[11] = { ...rows[11], response_body: 'x'.repeat(2 * 1024 * 1024) };
    const kept: { buf: Buffer; rows: MessageRow[]; text: string }[] = [];
    for (let i = 0, size = 1; i < rows.length; i += size, size = (size % 5) + 1) {
      const batch = rows.slice(i, i + size);
      const buf = encodeRecords(batch);
      kept.push({ buf, rows: batch, text: buf.toString('latin1') });
    }
    for (const k of kept) {
      expect(k.buf.toString('latin1')).toBe(k.text);
      const texts = k.rows.map(rowJson);
      expect(k.buf.length).toBe(texts.reduce((n, t) => n + 8 + Buffer.byteLength(t, 'utf8'), 0));
      expect(decodeRecords(k.buf).rows.map((r) => rowJson(r as MessageRow))).toEqual(texts.map((t) => rowJson(JSON.parse(t) as MessageRow)));
    }
  });

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
    const { d, journal, all } = await filled({ segmentBytes: 1000 }, 12, 2);
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
    const { journal, all } = await filled({ segmentBytes: 2500 }, 10, 3);
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

// The promises of the journal's writer and reader one by one (issue 11: each test fails when the
// promise it names breaks; docs/testing.md lists the planted bugs and the mutants they kill).
describe('journal promises', () => {
  const frameLength = (row: MessageRow) => encodeRecords([row]).length;
  const segmentFirsts = (j: Journal) => j.segments().map((s) => s.first);

  /** fs.write replaced for the next `calls` writes by `fake`; the real one afterwards. */
  function interceptWrites(fake: (real: typeof fs.write, args: [number, Buffer, number, number, number, (e: NodeJS.ErrnoException | null, n: number) => void]) => void) {
    const real = fs.write;
    return vi.spyOn(fs, 'write').mockImplementation(((...args: [number, Buffer, number, number, number, (e: NodeJS.ErrnoException | null, n: number) => void]) => fake(real, args)) as unknown as typeof fs.write);
  }

  it('writes batches appended without waiting in call order, each acknowledged with its head', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const rows = chain(base, 30);
    const heads: number[] = [];
    // Ten batches of 3 handed over at once: each at the offset after the one before, acknowledged in order.
    await Promise.all(Array.from({ length: 10 }, (_, i) => journal.append(rows.slice(i * 3, i * 3 + 3)).then(() => heads.push(journal.head.seq))));
    expect(heads).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    expect(journal.head).toEqual({ seq: 30, hash: rows[29].hash });
    expect(fs.readFileSync(path.join(d, segmentName(1))).equals(encodeRecords(rows))).toBe(true);
    await journal.close();
  });

  it('continues a short write until the whole batch is on disk', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const rows = chain(base, 4);
    // The kernel may write less than asked: 100 bytes at a time here.
    let writes = 0;
    const spy = interceptWrites((real, [fd, buf, off, len, pos, cb]) => { writes++; real(fd, buf, off, Math.min(len, 100), pos, cb); });
    try { await journal.append(rows); } finally { spy.mockRestore(); }
    expect(writes).toBe(Math.ceil(encodeRecords(rows).length / 100));
    await journal.close();
    const again = Journal.open(d, base);
    expect(again.recovery).toEqual({ head: { seq: 4, hash: rows[3].hash }, truncatedBytes: 0, segments: 1 });
    expect((await again.journal.read(0, 10)).rows).toEqual(rows);
    await again.journal.close();
  });

  it('leaves nothing of a batch whose write failed: neither read back nor recovered, and the chain goes on', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const acked = chain(base, 2);
    await journal.append(acked);
    const failed = chain(journal.head, 3);
    let notified = 0;
    journal.onAppend(() => { notified++; });
    // The first frame of the batch reaches the disk whole, then the device fails.
    const spy = interceptWrites((real, [fd, buf, off, , pos, cb]) =>
      real(fd, buf, off, frameLength(failed[0]), pos, (e) => cb(e ?? Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }), 0)));
    try {
      await expect(journal.append(failed)).rejects.toThrow(/EIO/);
    } finally { spy.mockRestore(); }
    expect(notified).toBe(0);
    expect(journal.head).toEqual({ seq: 2, hash: acked[1].hash });
    expect((await journal.read(0, 10)).rows).toEqual(acked);
    expect(fs.statSync(path.join(d, segmentName(1))).size).toBe(encodeRecords(acked).length);
    await journal.close();
    const again = Journal.open(d, base);
    expect(again.recovery).toEqual({ head: { seq: 2, hash: acked[1].hash }, truncatedBytes: 0, segments: 1 });
    // The next batch takes the failed one's numbers, as MessageLog numbers from the durable head.
    const next = chain(again.journal.head, 1);
    await again.journal.append(next);
    expect((await again.journal.read(0, 10)).rows).toEqual([...acked, ...next]);
    await again.journal.close();
  });

  // Overlapping batches (issue 15): a batch is written while the one before is still in flight,
  // and acknowledged only once every batch before it is.
  type WriteCall = { fd: number; buf: Buffer; off: number; len: number; pos: number; cb: (e: NodeJS.ErrnoException | null, n: number) => void };
  /** Holds every write until the test lets it go (to the disk, or failed as EIO). */
  function holdWrites() {
    const held: WriteCall[] = [];
    const real = fs.write;
    const spy = interceptWrites((_real, [fd, buf, off, len, pos, cb]) => { held.push({ fd, buf, off, len, pos, cb }); });
    const land = (w: WriteCall) => new Promise<void>((resolve) => real(w.fd, w.buf, w.off, w.len, w.pos, (e, n) => { w.cb(e, n); resolve(); }));
    const fail = (w: WriteCall) => w.cb(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }), 0);
    return { held, land, fail, restore: () => spy.mockRestore() };
  }
  const settledState = async (p: Promise<unknown>) => Promise.race([p.then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r('pending'), 50))]);

  it('writes a batch while the one before is still in flight, at the offset after it, and acknowledges them in order', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const a = chain(base, 2);
    const b = chain({ seq: 2, hash: a[1].hash }, 3);
    const w = holdWrites();
    let first: Promise<void>, second: Promise<void>;
    try {
      first = journal.append(a);
      second = journal.append(b);
      // Both handed to the disk before either returned: one write at a time would hold the second back.
      expect(w.held.map((x) => x.pos)).toEqual([0, encodeRecords(a).length]);
      // The second lands first: it is durable, but not acknowledged before the first is.
      await w.land(w.held[1]);
      expect(await settledState(second)).toBe('pending');
      expect(journal.head).toEqual(base);
      await w.land(w.held[0]);
    } finally { w.restore(); }
    await first!;
    expect(journal.head.seq).toBeGreaterThanOrEqual(2);
    await second!;
    expect(journal.head).toEqual({ seq: 5, hash: b[2].hash });
    expect(fs.readFileSync(path.join(d, segmentName(1))).equals(encodeRecords([...a, ...b]))).toBe(true);
    await journal.close();
    expect(Journal.open(d, base).recovery).toEqual({ head: { seq: 5, hash: b[2].hash }, truncatedBytes: 0, segments: 1 });
  });

  it('fails every batch appended after a failed one, even one already durable, and cuts the segment back to the failed one', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const acked = chain(base, 2);
    await journal.append(acked);
    const failed = chain(journal.head, 2);
    const after = chain({ seq: 4, hash: failed[1].hash }, 2);
    let notified = 0;
    journal.onAppend(() => { notified++; });
    const w = holdWrites();
    let p1: Promise<void>, p2: Promise<void>;
    try {
      p1 = journal.append(failed);
      p2 = journal.append(after);
      expect(w.held).toHaveLength(2);
      // The earlier batch fails while the later one is still being written: the later one's
      // records chain on records that are not there, so it must not be kept either, and the cut
      // waits for its write (made after the cut, it would leave it on disk past the end).
      w.fail(w.held[0]);
      expect(await settledState(p1!)).toBe('pending');
      expect(fs.statSync(path.join(d, segmentName(1))).size).toBe(encodeRecords(acked).length);
      await w.land(w.held[1]);
      expect(fs.statSync(path.join(d, segmentName(1))).size).toBe(encodeRecords([...acked, ...failed, ...after]).length);
      await expect(p1!).rejects.toThrow(/EIO/);
      await expect(p2!).rejects.toThrow(/earlier batch of the journal failed/);
    } finally { w.restore(); }
    expect(notified).toBe(0);
    expect(journal.head).toEqual({ seq: 2, hash: acked[1].hash });
    expect(fs.statSync(path.join(d, segmentName(1))).size).toBe(encodeRecords(acked).length);
    // A batch numbered on from the failed ones is refused before it is written; from the head, it is kept.
    await expect(journal.append(chain({ seq: 6, hash: after[1].hash }, 1))).rejects.toThrow(/does not continue the journal's chain/);
    const next = chain(journal.head, 1);
    await journal.append(next);
    expect((await journal.read(0, 10)).rows).toEqual([...acked, ...next]);
    await journal.close();
    expect(Journal.open(d, base).recovery).toEqual({ head: { seq: 3, hash: next[0].hash }, truncatedBytes: 0, segments: 1 });
  });

  it('recovers only up to a batch that never reached the disk when a later one did (a crash between them)', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const acked = chain(base, 2);
    await journal.append(acked);
    const lost = chain(journal.head, 2);
    const landed = chain({ seq: 4, hash: lost[1].hash }, 2);
    const w = holdWrites();
    let lostAppend: Promise<void>, landedAppend: Promise<void>;
    try {
      lostAppend = journal.append(lost);
      landedAppend = journal.append(landed);
      await w.land(w.held[1]);
      // The process dies here: the file holds the acknowledged batch, a hole, and the later batch.
      const size = fs.statSync(path.join(d, segmentName(1))).size;
      expect(size).toBe(encodeRecords([...acked, ...lost, ...landed]).length);
      expect(journal.head).toEqual({ seq: 2, hash: acked[1].hash });
      const found = Journal.recover(d);
      expect(found.head).toEqual({ seq: 2, hash: acked[1].hash });
      expect(found.truncatedBytes).toBe(size - encodeRecords(acked).length);
      w.fail(w.held[0]);
    } finally { w.restore(); }
    await expect(lostAppend!).rejects.toThrow(/EIO/);
    await expect(landedAppend!).rejects.toThrow(/earlier batch/);
    await journal.close();
  });

  it('gives a batch appended while the segment rotates the offset after the rotating one, not the same one', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base, { segmentBytes: 1 });
    const a = chain(base, 1);
    const s2 = chain({ seq: 1, hash: a[0].hash }, 2);
    const c = chain({ seq: 3, hash: s2[1].hash }, 1);
    // A full segment: the second batch waits for its offset and rotates. Another append arrives
    // in the middle of that rotation (a microtask queued while the new segment is opened).
    let pc: Promise<void> | undefined;
    const realOpen = fs.openSync;
    const spy = vi.spyOn(fs, 'openSync').mockImplementation(((file: fs.PathLike, ...rest: unknown[]) => {
      if (String(file).endsWith(segmentName(2)) && !pc) queueMicrotask(() => { pc = journal.append(c); });
      return (realOpen as (...x: unknown[]) => number)(file, ...rest);
    }) as typeof fs.openSync);
    try {
      await Promise.all([journal.append(a), journal.append(s2)]);
      await new Promise((r) => setImmediate(r));
      expect(pc).toBeDefined();
      await pc;
    } finally { spy.mockRestore(); }
    expect(journal.head).toEqual({ seq: 4, hash: c[0].hash });
    expect(fs.readFileSync(path.join(d, segmentName(2))).equals(encodeRecords([...s2]))).toBe(true);
    expect((await journal.read(0, 10)).rows).toEqual([...a, ...s2, ...c]);
    await journal.close();
    expect(Journal.open(d, base, { segmentBytes: 1 }).recovery.head).toEqual({ seq: 4, hash: c[0].hash });
  });

  it('cuts a failed batch back before writing anything more, when the first cut failed too', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const acked = chain(base, 2);
    await journal.append(acked);
    const failed = chain(journal.head, 3);
    // The first frame reaches the disk, the write then fails, and so does the cut back.
    const spy = interceptWrites((real, [fd, buf, off, , pos, cb]) =>
      real(fd, buf, off, frameLength(failed[0]), pos, (e) => cb(e ?? Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }), 0)));
    let cuts = 0;
    const realCut = fs.ftruncateSync;
    const cut = vi.spyOn(fs, 'ftruncateSync').mockImplementation(((fd: number, len?: number) => {
      if (++cuts <= 2) throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
      return realCut(fd, len);
    }) as typeof fs.ftruncateSync);
    try {
      await expect(journal.append(failed)).rejects.toThrow(/EIO/);
      spy.mockRestore();
      // Still failing: nothing is written after the failed batch's leftovers.
      await expect(journal.append(chain(journal.head, 1))).rejects.toThrow(/ftruncate/);
      expect(fs.statSync(path.join(d, segmentName(1))).size).toBe(encodeRecords(acked).length + frameLength(failed[0]));
      const next = chain(journal.head, 1);
      await journal.append(next);
      expect(cuts).toBe(3);
      expect(fs.readFileSync(path.join(d, segmentName(1))).equals(encodeRecords([...acked, ...next]))).toBe(true);
    } finally { spy.mockRestore(); cut.mockRestore(); }
    await journal.close();
  });

  it('refuses a batch that does not continue its chain, and writes nothing of it', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    await journal.append(chain(base, 2));
    const head = journal.head;
    await expect(journal.append(chain(head, 1, 4))).rejects.toThrow(/starts at seq 4, the journal is at seq 2/);
    await expect(journal.append(chain({ seq: 2, hash: 'f'.repeat(64) }, 1))).rejects.toThrow(/does not continue/);
    expect(fs.statSync(path.join(d, segmentName(1))).size).toBe(encodeRecords(chain(base, 2)).length);
    await journal.append(chain(head, 1));
    expect(journal.head.seq).toBe(3);
    await journal.close();
  });

  it('tells its listeners after each durable batch, not for an empty one', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const seen: number[] = [];
    journal.onAppend(() => seen.push(journal.head.seq));
    journal.onAppend(() => seen.push(-journal.head.seq));
    await journal.append(chain(base, 2));
    await journal.append([]);
    expect(journal.head.seq).toBe(2);
    await journal.append(chain(journal.head, 1));
    expect(seen).toEqual([2, -2, 3, -3]);
    expect(fs.statSync(path.join(d, segmentName(1))).size).toBe(encodeRecords(chain(base, 3)).length);
    await journal.close();
  });

  it('keeps its directory 0700 and every segment 0600 (operator guide: the data dir\'s modes)', async () => {
    const { d, journal } = await filled({ segmentBytes: 1 }, 3, 1);
    expect(fs.statSync(d).mode & 0o777).toBe(0o700);
    expect(journal.segments()).toHaveLength(3);
    for (const s of journal.segments()) expect(fs.statSync(s.file).mode & 0o777, s.file).toBe(0o600);
    await journal.close();
  });

  it('closes only after every append made before close() is durable', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const rows = chain(base, 6);
    const appended = [journal.append(rows.slice(0, 3)), journal.append(rows.slice(3))];
    await journal.close();
    await Promise.all(appended);
    expect(Journal.open(d, base).recovery.head).toEqual({ seq: 6, hash: rows[5].hash });
  });

  it('refuses a batch written into a segment replaced by another file at its path', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    await journal.append(chain(base, 1));
    const file = path.join(d, segmentName(1));
    fs.rmSync(file);
    fs.writeFileSync(file, '');
    await expect(journal.append(chain(journal.head, 1))).rejects.toThrow(/removed or replaced/);
    expect(journal.head.seq).toBe(1);
    await journal.close();
  });

  it('refuses an append after close and closes twice without harm', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    await journal.append(chain(base, 1));
    await journal.close();
    await expect(journal.append(chain(journal.head, 1))).rejects.toThrow(/closed/);
    await journal.close();
    expect(Journal.open(d, base).recovery.head.seq).toBe(1);
  });

  it('starts a new segment, named by its first record, once a segment holds segmentBytes', async () => {
    const d = dir();
    const rows = chain(base, 6);
    const batch = encodeRecords(rows.slice(0, 2)).length;
    // Exactly one batch of two fills a segment; the next batch goes to the next one.
    const { journal } = Journal.open(d, base, { segmentBytes: batch });
    for (let i = 0; i < 6; i += 2) await journal.append(rows.slice(i, i + 2));
    expect(segmentFirsts(journal)).toEqual([1, 3, 5]);
    for (const s of journal.segments()) expect(fs.statSync(s.file).size).toBe(batch);
    await journal.close();
    // One byte more and two batches fit.
    const d2 = dir();
    const { journal: j2 } = Journal.open(d2, base, { segmentBytes: batch + 1 });
    for (let i = 0; i < 6; i += 2) await j2.append(rows.slice(i, i + 2));
    expect(segmentFirsts(j2)).toEqual([1, 5]);
    await j2.close();
    // The default is 64 MiB: many batches share one segment.
    const d3 = dir();
    const { journal: j3 } = Journal.open(d3, base);
    for (let i = 0; i < 6; i += 2) await j3.append(rows.slice(i, i + 2));
    expect(segmentFirsts(j3)).toEqual([1]);
    await j3.close();
    // Reopened, the journal appends to its last segment.
    const again = Journal.open(d, base, { segmentBytes: 10 * batch });
    expect(again.recovery).toEqual({ head: { seq: 6, hash: rows[5].hash }, truncatedBytes: 0, segments: 3 });
    const next = chain(again.journal.head, 1);
    await again.journal.append(next);
    expect(segmentFirsts(again.journal)).toEqual([1, 3, 5]);
    expect((await again.journal.read(0, 100)).rows).toEqual([...rows, ...next]);
    await again.journal.close();
  });

  it('recovers the head from the previous segment when the last one lost its only write', async () => {
    const d = dir();
    const rows = chain(base, 4);
    const { journal } = Journal.open(d, base, { segmentBytes: 1 });
    await journal.append(rows.slice(0, 2));
    await journal.append(rows.slice(2));
    await journal.close();
    expect(segmentFirsts(journal)).toEqual([1, 3]);
    // The second segment's write was torn after 5 bytes.
    const last = path.join(d, segmentName(3));
    fs.writeFileSync(last, fs.readFileSync(last).subarray(0, 5));
    const { journal: j, recovery } = Journal.open(d, base, { segmentBytes: 1 << 20 });
    expect(recovery).toEqual({ head: { seq: 2, hash: rows[1].hash }, truncatedBytes: 5, segments: 2 });
    expect(fs.statSync(last).size).toBe(0);
    // The first segment was whole and is left as it was.
    expect(fs.readFileSync(path.join(d, segmentName(1))).equals(encodeRecords(rows.slice(0, 2)))).toBe(true);
    await j.append(rows.slice(2));
    expect((await j.read(0, 10)).rows).toEqual(rows);
    await j.close();
  });

  it('discards segments past the store\'s head left by a wiped journal, so what it appends reads back', async () => {
    const d = dir();
    const rows = chain(base, 2);
    const { journal } = Journal.open(d, base);
    await journal.append(rows);
    await journal.close();
    // Segments 5 and 7 hold no whole record (a journal wiped and rewritten, then cut short).
    fs.writeFileSync(path.join(d, segmentName(5)), Buffer.from('not a frame at all'));
    fs.writeFileSync(path.join(d, segmentName(7)), Buffer.from('torn'));
    const stored = chain(base, 4);
    const storeHead = { seq: 4, hash: stored[3].hash };
    const { journal: j, recovery } = Journal.open(d, storeHead);
    expect(recovery.head).toEqual(storeHead);
    expect(segmentFirsts(j)).toEqual([1, 5]);
    expect(fs.statSync(path.join(d, segmentName(5))).size).toBe(0);
    const next = chain(storeHead, 2);
    await j.append(next);
    expect((await j.read(4, 10)).rows).toEqual(next);
    await j.close();
    expect(Journal.open(d, storeHead).recovery.head).toEqual({ seq: 6, hash: next[1].hash });
  });

  it('keeps its own records when the store is as far as the journal, and a journal ahead of the store', async () => {
    const d = dir();
    const rows = chain(base, 3);
    const { journal } = Journal.open(d, base);
    await journal.append(rows);
    await journal.close();
    for (const storeHead of [{ seq: 3, hash: rows[2].hash }, { seq: 1, hash: rows[0].hash }]) {
      const { journal: j, recovery } = Journal.open(d, storeHead);
      expect(recovery).toEqual({ head: { seq: 3, hash: rows[2].hash }, truncatedBytes: 0, segments: 1 });
      expect((await j.read(0, 10)).rows).toEqual(rows);
      await j.close();
    }
  });

  it('tells the hash it holds for a seq: the record\'s own, the next record\'s prev_hash when its segment is gone, else nothing', async () => {
    const d = dir();
    const rows = chain(base, 9);
    // A segment per batch of three.
    const { journal } = Journal.open(d, base, { segmentBytes: 1 });
    for (let i = 0; i < 9; i += 3) await journal.append(rows.slice(i, i + 3));
    await journal.close();
    expect(segmentFirsts(journal)).toEqual([1, 4, 7]);
    // Every record, the first and last of a segment included; seq 0 is the genesis the first record chains on.
    for (const r of rows) expect(Journal.hashAt(d, r.seq)).toBe(r.hash);
    expect(Journal.hashAt(d, 0)).toBe(GENESIS);
    expect(Journal.hashAt(d, 10)).toBeNull();
    // Segment 4..6 pruned: seq 6 still known from seq 7's link, 5 not at all.
    fs.rmSync(path.join(d, segmentName(4)));
    expect(Journal.hashAt(d, 6)).toBe(rows[5].hash);
    expect(Journal.hashAt(d, 5)).toBeNull();
    // A segment whose records do not begin at its name's seq is still searched whole.
    const odd = dir();
    fs.mkdirSync(odd, { recursive: true });
    fs.writeFileSync(path.join(odd, segmentName(1)), encodeRecords(rows.slice(2, 5)));
    expect(Journal.hashAt(odd, 4)).toBe(rows[3].hash);
  });

  it('answers hashAt for the records recover() just read from memory, and the others from the disk as before', async () => {
    const d = dir();
    const rows = chain(base, 9);
    const { journal } = Journal.open(d, base, { segmentBytes: 1 });
    for (let i = 0; i < 9; i += 3) await journal.append(rows.slice(i, i + 3));
    await journal.close();
    const found = Journal.recover(d);
    expect(found).toMatchObject({ head: { seq: 9, hash: rows[8].hash }, nodeId: rows[8].node_id, tail: { from: 7 } });
    // The last segment gone from the disk: its records are still answered, from what recover() kept.
    fs.rmSync(path.join(d, segmentName(7)));
    for (const r of rows.slice(6)) expect(Journal.hashAt(d, r.seq, found)).toBe(r.hash);
    expect(Journal.hashAt(d, 9)).toBeNull();
    expect(Journal.hashAt(d, 5, found)).toBe(rows[4].hash);
    expect(Journal.hashAt(d, 10, found)).toBeNull();
  });

  it('ignores files in its directory that are not segments', async () => {
    const d = dir();
    const rows = chain(base, 2);
    fs.mkdirSync(d, { recursive: true });
    for (const f of ['notes.txt', '1.seg', `x${segmentName(9)}`, `${segmentName(9)}.bak`, segmentName(9).replace('.seg', '.sega')]) fs.writeFileSync(path.join(d, f), 'garbage');
    const { journal, recovery } = Journal.open(d, base);
    expect(recovery).toEqual({ head: base, truncatedBytes: 0, segments: 1 });
    await journal.append(rows);
    expect(segmentFirsts(journal)).toEqual([1]);
    expect((await journal.read(0, 10)).rows).toEqual(rows);
    await journal.close();
    expect(fs.readFileSync(path.join(d, `${segmentName(9)}.bak`), 'utf8')).toBe('garbage');
  });

  it('orders segments by number, not by name length or listing order', async () => {
    const { d, journal, all } = await filled({ segmentBytes: 1 }, 12, 1);
    expect(segmentFirsts(journal)).toEqual(all.map((r) => r.seq));
    expect((await journal.read(0, 100)).rows).toEqual(all);
    expect((await journal.read(9, 100)).rows).toEqual(all.slice(9));
    await journal.close();
    expect(Journal.open(d, base).recovery.head).toEqual({ seq: 12, hash: all[11].hash });
  });

  it('keeps a record\'s credential, and reads a record journalled before credentials as having none', () => {
    const [row] = chain(base, 1);
    const withCredential = { ...row, credential: 'api-key' } as MessageRow;
    expect(decodeRecords(encodeRecords([withCredential])).rows).toEqual([withCredential]);
    const { credential: _dropped, ...old } = row;
    const text = Buffer.from(JSON.stringify(old));
    const frame = Buffer.alloc(8 + text.length);
    frame.writeUInt32LE(text.length, 0);
    frame.writeUInt32LE(zlib.crc32(text), 4);
    text.copy(frame, 8);
    const [read] = decodeRecords(frame).rows;
    expect(read.credential).toBeNull();
    expect(read).toEqual({ ...old, credential: null });
  });

  it('checks frames without parsing: zeros, a bad checksum or an empty frame end them, max counts whole frames', () => {
    const rows = chain(base, 3);
    const buf = encodeRecords(rows);
    const ends = [1, 2, 3].map((n) => encodeRecords(rows.slice(0, n)).length);
    expect(scanFrames(buf)).toEqual({ count: 3, end: buf.length });
    expect(scanFrames(buf, 2)).toEqual({ count: 2, end: ends[1] });
    expect(scanFrames(buf, 0)).toEqual({ count: 0, end: 0 });
    expect(decodeRecords(buf, 2).end).toBe(ends[1]);
    // A disk that zeroed what it never wrote: eight zero bytes are a zero length with CRC 0.
    expect(scanFrames(Buffer.concat([buf, Buffer.alloc(64)]))).toEqual({ count: 3, end: buf.length });
    expect(scanFrames(Buffer.alloc(64))).toEqual({ count: 0, end: 0 });
    const flipped = Buffer.from(buf);
    flipped[ends[0] + 8 + 3] ^= 1; // inside the second payload
    expect(scanFrames(flipped)).toEqual({ count: 1, end: ends[0] });
    expect(decodeRecords(flipped)).toEqual({ rows: [rows[0]], end: ends[0] });
    const badSum = Buffer.from(buf);
    badSum[ends[1] + 4] ^= 1; // the third frame's checksum
    expect(scanFrames(badSum)).toEqual({ count: 2, end: ends[1] });
    // A length of exactly what is left is whole; one more is not.
    expect(scanFrames(buf.subarray(0, ends[0]))).toEqual({ count: 1, end: ends[0] });
    expect(scanFrames(buf.subarray(0, ends[0] + 8))).toEqual({ count: 1, end: ends[0] });
    expect(scanFrames(buf.subarray(0, ends[1] - 1))).toEqual({ count: 1, end: ends[0] });
  });

  it('stops decoding at a frame whose checksum holds but whose payload is not a record', () => {
    const rows = chain(base, 1);
    const text = Buffer.from('{"seq": 2, torn');
    const frame = Buffer.alloc(8 + text.length);
    frame.writeUInt32LE(text.length, 0);
    frame.writeUInt32LE(zlib.crc32(text), 4);
    text.copy(frame, 8);
    const buf = Buffer.concat([encodeRecords(rows), frame]);
    expect(decodeRecords(buf)).toEqual({ rows, end: buf.length - frame.length });
  });
});

describe('journal reader', () => {
  const segmentFirsts = (j: Journal) => j.segments().map((s) => s.first);

  it('hands out only durable bytes: a frame past the last acknowledged write is not read', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const rows = chain(base, 3);
    await journal.append(rows.slice(0, 2));
    // A whole frame in the file that no append acknowledged (a write that had not returned).
    fs.appendFileSync(path.join(d, segmentName(1)), encodeRecords(rows.slice(2)));
    expect((await journal.read(0, 10)).rows).toEqual(rows.slice(0, 2));
    const f = await journal.readFrames(0, 10);
    expect(f.count).toBe(2);
    expect(f.frames.equals(encodeRecords(rows.slice(0, 2)))).toBe(true);
    expect((await journal.read(2, 10)).rows).toEqual([]);
    expect(journal.segments()).toEqual([{ first: 1, file: path.join(d, segmentName(1)), end: encodeRecords(rows.slice(0, 2)).length }]);
    await journal.close();
  });

  it('reads from the segment holding the next record, continues across segments, and stops at max', async () => {
    const { journal, all } = await filled({ segmentBytes: 1 }, 4, 3);
    expect(segmentFirsts(journal)).toEqual([1, 4, 7, 10]);
    for (let after = 0; after <= 12; after++) {
      expect((await journal.read(after, 100)).rows, `after ${after}`).toEqual(all.slice(after));
      expect((await journal.read(after, 2)).rows, `after ${after}, 2`).toEqual(all.slice(after, after + 2));
      const f = await journal.readFrames(after, 5);
      // From the segment holding after + 1: its first frames may be at or before `after`.
      const seg = [1, 4, 7, 10].filter((s) => s <= after + 1).pop()!;
      const fromSeg = all.filter((r) => r.seq >= seg);
      expect(decodeRecords(f.frames).rows, `frames after ${after}`).toEqual(fromSeg.slice(0, 5));
      expect(f.count).toBe(Math.min(5, fromSeg.length));
    }
    expect((await journal.read(0, 0)).rows).toEqual([]);
    await journal.close();
  });

  it('continues a read where its cursor stopped, also after reopening (from the files)', async () => {
    const { d, journal, all } = await filled({ segmentBytes: 1500 }, 8, 2);
    await journal.close();
    const { journal: j } = Journal.open(d, base, { segmentBytes: 1500 });
    for (const step of [1, 3, 5]) {
      const seqs: number[] = [];
      let after = 0;
      let cursor: Awaited<ReturnType<typeof j.readFrames>>['cursor'] | undefined;
      for (let round = 0; round < 50 && after < all.length; round++) {
        const f = await j.readFrames(after, step, cursor);
        expect(f.count).toBeGreaterThan(0);
        expect(f.count).toBeLessThanOrEqual(step);
        const rows = decodeRecords(f.frames).rows;
        expect(rows).toHaveLength(f.count);
        seqs.push(...rows.map((r) => r.seq));
        after = rows[rows.length - 1].seq;
        cursor = f.cursor;
      }
      expect(seqs, `step ${step}`).toEqual(all.map((r) => r.seq));
      const r = await j.read(0, step);
      const rest = await j.read(r.rows[r.rows.length - 1].seq, 100, r.cursor);
      expect([...r.rows, ...rest.rows]).toEqual(all);
    }
    await j.close();
  });

  it('reads a segment removed by hand as gone, also when its batches are still in memory', async () => {
    const d = dir();
    const rows = chain(base, 6);
    const { journal } = Journal.open(d, base, { segmentBytes: encodeRecords(rows.slice(0, 2)).length });
    await journal.append(rows.slice(0, 2));
    const first = await journal.readFrames(0, 1);
    expect(first.count).toBe(1);
    await journal.append(rows.slice(2, 4));
    await journal.append(rows.slice(4));
    expect(segmentFirsts(journal)).toEqual([1, 3, 5]);
    fs.rmSync(path.join(d, segmentName(1)));
    fs.rmSync(path.join(d, segmentName(3)));
    // The cursor stopped inside segment 1: what follows it is the gap, then segment 5.
    const f = await journal.readFrames(1, 10, first.cursor);
    expect(decodeRecords(f.frames).rows).toEqual(rows.slice(4));
    expect((await journal.read(0, 10)).rows).toEqual(rows.slice(4));
    await journal.close();
  });

  it('hands over frames from memory continuing a cursor exactly, batch after batch', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const all: MessageRow[] = [];
    let after = 0;
    let cursor: Awaited<ReturnType<typeof journal.readFrames>>['cursor'] | undefined;
    for (let i = 0; i < 6; i++) {
      const r = chain(journal.head, 3);
      await journal.append(r);
      all.push(...r);
      // Two rounds per batch of three: one frame and then two.
      for (const max of [1, 2]) {
        const f = await journal.readFrames(after, max, cursor);
        const got = decodeRecords(f.frames).rows;
        expect(got, `batch ${i}, max ${max}`).toEqual(all.slice(after, after + max));
        expect(f.count).toBe(max);
        expect(f.cursor).toEqual({ first: 1, offset: encodeRecords(all.slice(0, after + max)).length });
        after += max;
        cursor = f.cursor;
      }
    }
    // Two batches at once, then nothing left.
    const more = chain(journal.head, 4);
    await journal.append(more.slice(0, 2));
    await journal.append(more.slice(2));
    const f = await journal.readFrames(after, 10, cursor);
    expect(decodeRecords(f.frames).rows).toEqual(more);
    expect(f.frames.equals(encodeRecords(more))).toBe(true);
    const none = await journal.readFrames(after + 4, 10, f.cursor);
    expect(none.count).toBe(0);
    expect(none.cursor).toEqual(f.cursor);
    await journal.close();
  });

  it('reads back from the files a record larger than one read (a logged body of 5 MiB), and the records after it', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const [small] = chain(base, 1);
    const big = { ...chain({ seq: 1, hash: small.hash }, 1)[0], response_body: 'QUJD'.repeat(5 * 1024 * 256) } as MessageRow;
    big.hash = hashMessage(big);
    const after = chain({ seq: 2, hash: big.hash }, 2);
    await journal.append([small]);
    await journal.append([big]);
    await journal.append(after);
    await journal.close();
    // Reopened: nothing in memory, every read goes to the file.
    const { journal: j } = Journal.open(d, base);
    expect((await j.read(0, 10)).rows).toEqual([small, big, ...after]);
    expect((await j.read(1, 10)).rows).toEqual([big, ...after]);
    const f = await j.readFrames(1, 10);
    expect(f.count).toBe(4);
    expect(decodeRecords(f.frames).rows).toEqual([small, big, ...after]);
    await j.close();
  });

  it('hands over a batch too large to keep in memory from the file, between batches kept in memory', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    const a = chain(base, 2);
    // One record of 9 MiB: more than the 8 MiB of batches the journal keeps for the shipper.
    const big = { ...chain(journal.head, 1, 3)[0], prev_hash: a[1].hash, response_body: 'QUJD'.repeat(9 * 1024 * 256) } as MessageRow;
    big.hash = hashMessage(big);
    const c = chain({ seq: 3, hash: big.hash }, 2);
    await journal.append(a);
    const inside = await journal.readFrames(0, 1); // a cursor inside the first batch
    const atEnd = await journal.readFrames(0, 2); // and one at its end
    await journal.append([big]);
    await journal.append(c);
    // Round after round from the cursor, as the shipper reads: every record once, in order.
    const drain = async (after: number, cursor: ReadCursor) => {
      const got: MessageRow[] = [];
      for (let round = 0; round < 10; round++) {
        const f = await journal.readFrames(after, 10, cursor);
        if (!f.count) break;
        const rows = decodeRecords(f.frames).rows;
        got.push(...rows);
        after = rows[rows.length - 1].seq;
        cursor = f.cursor;
      }
      return got.map((r) => r.seq);
    };
    expect(await drain(1, inside.cursor)).toEqual([2, 3, 4, 5]);
    expect(await drain(2, atEnd.cursor)).toEqual([3, 4, 5]);
    expect((await journal.read(0, 10)).rows).toEqual([...a, big, ...c]);
    await journal.close();
  });

  it('prunes a closed segment once its last record is shipped and it is exactly retention old', async () => {
    const { d, journal, all } = await filled({ segmentBytes: 1 }, 3, 2);
    expect(segmentFirsts(journal)).toEqual([1, 3, 5]);
    const mtime = fs.statSync(path.join(d, segmentName(1))).mtimeMs;
    fs.utimesSync(path.join(d, segmentName(3)), new Date(mtime), new Date(mtime));
    const retention = 60_000;
    // Record 2 (the first segment's last) not shipped: nothing goes.
    expect(journal.prune(1, retention, mtime + retention)).toBe(0);
    // Shipped, but one millisecond short of the retention.
    expect(journal.prune(2, retention, mtime + retention - 1)).toBe(0);
    expect(segmentFirsts(journal)).toEqual([1, 3, 5]);
    expect(journal.prune(2, retention, mtime + retention)).toBe(1);
    expect(segmentFirsts(journal)).toEqual([3, 5]);
    // Everything shipped: the open segment stays, whatever its age.
    expect(journal.prune(6, 0, mtime + 1e9)).toBe(1);
    expect(segmentFirsts(journal)).toEqual([5]);
    expect((await journal.read(0, 10)).rows).toEqual(all.slice(4));
    await journal.close();
  });

  it('keeps the open segment when the probe finds it in place, and starts a new one when it was removed', async () => {
    const d = dir();
    const { journal } = Journal.open(d, base);
    await journal.append(chain(base, 1));
    await journal.probe();
    await journal.append(chain(journal.head, 1));
    expect(segmentFirsts(journal)).toEqual([1]);
    fs.rmSync(path.join(d, segmentName(1)));
    await journal.probe();
    expect(segmentFirsts(journal)).toEqual([3]);
    const next = chain(journal.head, 1);
    await journal.append(next);
    expect(segmentFirsts(journal)).toEqual([3]);
    expect((await journal.read(0, 10)).rows).toEqual(next);
    await journal.close();
  });
});

// Last in the file: ~500 reopenings (seconds), so that a mutation run reaches it only for the
// mutants no quicker test kills.
describe('journal recovery, byte by byte', () => {
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
});
