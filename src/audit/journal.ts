// The message log's durable point: append-only segment files in the node's data dir. A batch
// of records is encoded once and made durable with one synchronised write (group commit); the shipper (shipper.ts) later copies it into the platform's store. The
// journal holds this node's chain: each record carries its seq, prev_hash and hash.
//
// The segment is open with O_DSYNC: a write returns once its bytes are durable as an fdatasync
// would make them, so a group commit is one trip to libuv's pool instead of three (write,
// fdatasync, stat each took one; issue 15).
//
// Batches overlap (issue 15): each is given its offset when appended and written at once, while
// earlier ones may still be in flight, and is acknowledged only after every earlier batch was.
// With one write at a time a record waited for the batch before it and then for its own (the
// journal was busy ~60 % of the time at 500 req/s); the kernel syncs concurrent writes together.
// A batch that fails takes every batch appended after it down with it (they chain on its records):
// the writes still in flight are waited for, the segment cut back to the failed batch's offset.
//
// Segment file `<first seq, 20 digits>.seg`, a sequence of frames:
//   u32 LE payload length | u32 LE CRC-32 of the payload | payload (the row as UTF-8 JSON)
// A crash can leave a torn last frame (short, or bytes the disk never got): recovery keeps
// the whole frames before it and truncates the file there.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { GENESIS, type MessageRow } from './chain.js';

const HEADER = 8;
// A record is a few hundred bytes, or a body the provider opted in to log: 64 MiB bounds a
// garbage length read from a torn header.
const MAX_RECORD = 64 * 1024 * 1024;
const SEGMENT = /^(\d{20})\.seg$/;
// Every write to a segment is synchronised data (O_DSYNC: Linux runs the fdatasync inside the write).
const OPEN_FLAGS = fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_DSYNC;

export interface JournalHead { seq: number; hash: string }

export interface JournalOptions {
  /** A segment is closed and a new one started once it holds this many bytes (default 64 MiB). */
  segmentBytes?: number;
}

export const segmentName = (first: number): string => String(first).padStart(20, '0') + '.seg';

// A string that JSON.stringify would escape: '"', '\\', control characters, and any surrogate
// (a lone one is written as \uXXXX; a pair is valid as it is, but rare here, so it takes the
// general path too).
const JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const jstr = (s: string | null | undefined): string => (s == null ? 'null' : JSON_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"');
const jnum = (n: number): string => (typeof n === 'number' && Number.isFinite(n) ? String(n) : JSON.stringify(n ?? null));

/**
 * A row as the JSON text JSON.stringify gives for its columns in this order (the same bytes,
 * so a frame reads back as before). Hand-written for the hot path: every record of every
 * exchange is encoded on the gateway's main thread, and on Node 20 JSON.stringify of a row took
 * 2.1 µs where this takes 1.2 µs (issue 15, measured alone): the keys are constants here, and
 * the values are mostly strings that need no escaping (ids, digests, times, hashes), which
 * this checks with one regular-expression test each instead of escaping character by character.
 */
export function rowJson(r: MessageRow): string {
  return '{"node_id":' + jstr(r.node_id) + ',"seq":' + jnum(r.seq) + ',"message_id":' + jstr(r.message_id)
    + ',"request_id":' + jstr(r.request_id) + ',"at":' + jstr(r.at) + ',"client":' + jstr(r.client)
    + ',"service":' + jstr(r.service) + ',"method":' + jstr(r.method) + ',"path":' + jstr(r.path)
    + ',"status":' + jnum(r.status) + ',"duration_ms":' + jnum(r.duration_ms) + ',"request_size":' + jnum(r.request_size)
    + ',"response_size":' + jnum(r.response_size) + ',"request_digest":' + jstr(r.request_digest)
    + ',"response_digest":' + jstr(r.response_digest) + ',"user_id":' + jstr(r.user_id) + ',"issue":' + jstr(r.issue)
    + ',"error_code":' + jstr(r.error_code) + ',"request_body":' + jstr(r.request_body) + ',"response_body":' + jstr(r.response_body)
    + ',"upstream":' + jstr(r.upstream) + ',"credential":' + jstr(r.credential) + ',"prev_hash":' + jstr(r.prev_hash)
    + ',"hash":' + jstr(r.hash) + '}';
}

// encodeRecords writes a batch into one reused scratch buffer, then copies it into a slice of
// a slab of its own. Measured alone per record (issue 15): sizing each row's text exactly
// first (Buffer.byteLength, which also flattens the text) cost 1.0 us and a buffer of its own
// per batch (Buffer.allocUnsafeSlow) 1.1 us, where the copy costs ~0.1. The slab is not Node's
// shared pool: the journal keeps batches for the shipper (up to RECENT_BYTES), so a slab holds
// only batches, and what they keep alive is those batches plus at most one slab.
const SLAB_BYTES = 256 * 1024;
/** A batch larger than this gets a buffer of its own, sized exactly (a slab would be mostly waste). */
const SLAB_MAX_TAKE = SLAB_BYTES / 8;
/** Beyond this worst case (large logged bodies) the batch is sized exactly instead of via scratch. */
const SCRATCH_MAX = 4 * 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(64 * 1024);
let slab = Buffer.allocUnsafeSlow(0);
let slabUsed = 0;

function take(n: number): Buffer {
  if (n > SLAB_MAX_TAKE) return Buffer.allocUnsafeSlow(n);
  if (slabUsed + n > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const b = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return b;
}

/** Writes each frame of `texts` into `buf` (which has room for them), checksummed; returns the end. */
function writeFrames(buf: Buffer, texts: readonly string[]): number {
  let off = 0;
  for (const text of texts) {
    const len = buf.write(text, off + HEADER, 'utf8');
    buf.writeUInt32LE(len, off);
    buf.writeUInt32LE(zlib.crc32(buf.subarray(off + HEADER, off + HEADER + len)), off + 4);
    off += HEADER + len;
  }
  return off;
}

/**
 * Frames for `rows`, in one buffer (one write), sized exactly. Never modified after: the
 * journal writes it, keeps it for the shipper, and the shipper copies it to the store's thread.
 */
export function encodeRecords(rows: readonly MessageRow[]): Buffer {
  const texts = new Array<string>(rows.length);
  // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
  let worst = 0;
  for (let i = 0; i < rows.length; i++) {
    texts[i] = rowJson(rows[i]);
    worst += HEADER + 3 * texts[i].length;
  }
  if (worst > SCRATCH_MAX) {
    let total = 0;
    for (const t of texts) total += HEADER + Buffer.byteLength(t, 'utf8');
    const buf = Buffer.allocUnsafeSlow(total);
    writeFrames(buf, texts);
    return buf;
  }
  if (scratch.length < worst) scratch = Buffer.allocUnsafeSlow(Math.max(worst, 2 * scratch.length));
  const end = writeFrames(scratch, texts);
  const out = take(end);
  scratch.copy(out, 0, 0, end);
  return out;
}

/**
 * The whole, intact frames at the start of `buf` (at most `max`), checked but not parsed:
 * `end` is the offset after the last. The shipper hands such bytes to the store's writer
 * thread, which parses them there (no parse and structured clone of every row on the main thread).
 */
export function scanFrames(buf: Buffer, max = Infinity): { count: number; end: number } {
  let count = 0;
  let off = 0;
  while (count < max && off + HEADER <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len === 0 || len > MAX_RECORD || off + HEADER + len > buf.length) break;
    if (zlib.crc32(buf.subarray(off + HEADER, off + HEADER + len)) !== buf.readUInt32LE(off + 4)) break;
    count++;
    off += HEADER + len;
  }
  return { count, end: off };
}

/** The whole, intact frames at the start of `buf` (at most `max`); `end` is the offset after the last. */
export function decodeRecords(buf: Buffer, max = Infinity): { rows: MessageRow[]; end: number } {
  const rows: MessageRow[] = [];
  let off = 0;
  while (rows.length < max && off + HEADER <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len === 0 || len > MAX_RECORD || off + HEADER + len > buf.length) break;
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (zlib.crc32(payload) !== buf.readUInt32LE(off + 4)) break;
    let row: MessageRow;
    try { row = JSON.parse(payload.toString('utf8')) as MessageRow; } catch { break; }
    // A record journalled before the credential column existed (an upgrade with a backlog).
    row.credential ??= null;
    rows.push(row);
    off += HEADER + len;
  }
  return { rows, end: off };
}

/**
 * The journal's own head (null: no record) and the bytes of a torn tail recovery cut off.
 * `nodeId`: the node_id of the head record (whose chain the journal holds). `tail`: the hashes
 * of the records recovery read to find the head, `from` on, so hashAt answers for them without
 * reading the segment again (the store's head is almost always among them).
 */
export interface JournalFound {
  head: JournalHead | null;
  truncatedBytes: number;
  nodeId?: string;
  tail?: { from: number; hashes: string[] };
}

/** What opening found: the head, and the bytes of a torn tail that recovery cut off. */
export interface JournalRecovery { head: JournalHead; truncatedBytes: number; segments: number }

// The shipper reads what was just made durable: the last batches' bytes are kept (up to this
// many) so it finds them here instead of opening, reading and closing the segment each round.
const RECENT_BYTES = 8 * 1024 * 1024;
// What the reader asks of a segment file at a time (more when one frame is longer).
const READ_CHUNK = 4 * 1024 * 1024;

export class Journal {
  private tail: Promise<unknown> = Promise.resolve();
  private listeners: Array<() => void> = [];
  /** Durable batches as written, in order: `buf` is at `offset` of segment `first`. */
  private recent: { first: number; offset: number; buf: Buffer }[] = [];
  private recentBytes = 0;
  /** End of the bytes given to batches of the current segment (durable or in flight): >= size. */
  private reserved: number;
  /** Where the next batch must continue the chain: the last batch appended (durable or not). */
  private next: JournalHead;
  /** Batches appended that wait for their offset (a segment to rotate, a failure to undo). */
  private waiting = 0;
  /** Writes in flight (their bytes may still land): a failed batch is cut back once they have. */
  private readonly writing = new Set<Promise<unknown>>();
  /** Bumped when a failed batch is undone: every batch appended before that fails with it. */
  private epoch = 0;
  private undoing = false;
  /** Where the segment must be cut back to before anything more is written (a cut that failed). */
  private cutTo: number | null = null;

  private constructor(
    readonly dir: string,
    private fd: number,
    private file: string,
    private ino: number,
    /** Durable bytes of the current segment: everything before is fdatasync'ed whole frames. */
    private size: number,
    private first: number,
    private current: JournalHead,
    private readonly segmentBytes: number,
  ) {
    this.reserved = size;
    this.next = { ...current };
  }

  /**
   * The journal in `dir` as it stands (created if missing), a torn tail cut off: its own head,
   * before open() continues it. null: it holds no record.
   */
  static recover(dir: string): JournalFound {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const segs = listSegments(dir);
    let head: JournalHead | null = null;
    let truncatedBytes = 0;
    let nodeId: string | undefined;
    let tail: JournalFound['tail'];
    for (let i = segs.length - 1; i >= 0 && !head; i--) {
      const file = path.join(dir, segmentName(segs[i]));
      const buf = fs.readFileSync(file);
      const { rows, end } = decodeRecords(buf);
      if (i === segs.length - 1 && end < buf.length) {
        // The torn tail of the last batch: never acknowledged (its fdatasync did not return).
        truncatedBytes = buf.length - end;
        const fd = fs.openSync(file, 'r+');
        try { fs.ftruncateSync(fd, end); fs.fdatasyncSync(fd); } finally { fs.closeSync(fd); }
      }
      if (rows.length) {
        const last = rows[rows.length - 1];
        head = { seq: Number(last.seq), hash: last.hash };
        nodeId = last.node_id;
        const from = Number(rows[0].seq);
        // Only a run numbered on without a gap can be looked up by position.
        if (head.seq - from === rows.length - 1) tail = { from, hashes: rows.map((r) => r.hash) };
      }
    }
    // Begun at the chain's very start (its one segment is the first) and never written to (not
    // even a torn write, which could be damage rather than a write cut short): nothing of this
    // chain was ever acknowledged, so its head is the genesis. A node that never logged an
    // exchange can then start without the store that would tell it so (issue 13).
    if (!head && !truncatedBytes && segs.length === 1 && segs[0] === 1) head = { seq: 0, hash: GENESIS };
    return { head, truncatedBytes, nodeId, tail };
  }

  /**
   * The hash the journal in `dir` holds for record `seq`: the record's own, or the prev_hash of
   * the record after it (seq's segment pruned); null when it holds neither. `found` (what
   * recover() just said of `dir`) answers for the records it read without touching the disk;
   * otherwise this reads one segment, two when seq ends one, and parses only the frames it looks at.
   */
  static hashAt(dir: string, seq: number, found?: JournalFound): string | null {
    const t = found?.tail;
    if (t && seq >= t.from && seq < t.from + t.hashes.length) return t.hashes[seq - t.from];
    const segs = listSegments(dir);
    const at = segs.findLastIndex((s) => s <= seq);
    const look = (rows: MessageRow[]) => {
      for (const r of rows) {
        if (Number(r.seq) === seq) return r.hash;
        if (Number(r.seq) === seq + 1) return r.prev_hash;
      }
      return null;
    };
    for (let i = Math.max(0, at); i <= at + 1 && i < segs.length; i++) {
      const buf = fs.readFileSync(path.join(dir, segmentName(segs[i])));
      // A segment's records are numbered on from its first: seq's frame is found without parsing those before it.
      const { end: skip, count } = scanFrames(buf, Math.max(0, seq - segs[i]));
      const rows = decodeRecords(buf.subarray(skip), 2).rows;
      let hash = look(rows);
      // Nothing where seq should be: the segment ends before it when its last record is below
      // seq (no need to parse it all); else its records are not numbered from its name.
      if (hash === null && skip && (rows.length || lastSeq(buf, count) >= seq)) hash = look(decodeRecords(buf).rows);
      if (hash !== null) return hash;
    }
    return null;
  }

  /**
   * Opens (creates) the journal in `dir`, truncating a torn tail. `base` is the head the store
   * already holds for this node: a journal behind it (new, or wiped) starts after it. `found` is
   * what recover() said of this dir, when the caller asked first.
   */
  static open(dir: string, base: JournalHead, opts: JournalOptions = {}, found: JournalFound = Journal.recover(dir)): { journal: Journal; recovery: JournalRecovery } {
    const segs = listSegments(dir);
    let head = found.head;
    const truncatedBytes = found.truncatedBytes;
    let first: number;
    if (!head || head.seq < base.seq) {
      // Nothing here the store does not have (with the store reachable, MessageLog.open checked
      // that it holds this head's record): continue the store's chain in a fresh segment.
      head = { ...base };
      first = base.seq + 1;
      const last = segs[segs.length - 1];
      if (last !== undefined && last >= first) {
        // Left by a journal that was wiped and rewritten: not ours to keep appending to.
        for (const s of segs.filter((x) => x >= first)) fs.rmSync(path.join(dir, segmentName(s)));
      }
    } else {
      first = segs[segs.length - 1];
    }
    const file = path.join(dir, segmentName(first));
    const fd = fs.openSync(file, OPEN_FLAGS, 0o600);
    const st = fs.fstatSync(fd);
    syncDir(dir);
    const journal = new Journal(dir, fd, file, st.ino, st.size, first, head, Math.max(HEADER + 1, opts.segmentBytes ?? 64 * 1024 * 1024));
    return { journal, recovery: { head: { ...head }, truncatedBytes, segments: listSegments(dir).length } };
  }

  /** The durable head: the last record whose synchronised write returned. */
  get head(): JournalHead { return { ...this.current }; }

  /** Called after every durable batch (the shipper listens). */
  onAppend(fn: () => void): void { this.listeners.push(fn); }

  /**
   * Writes `rows` (numbered after the last batch appended, chained on its hash) and resolves once
   * they and every batch appended before are durable. A failed batch leaves nothing behind, and
   * every batch appended before its failure was undone fails with it.
   */
  append(rows: readonly MessageRow[]): Promise<void> {
    if (!rows.length) return this.tail.then(() => {});
    const first = rows[0];
    // A batch that does not continue the chain would be a gap or a fork on disk: refused before it
    // is written (MessageLog numbers from the journal's head after any failure, so it never is).
    if (Number(first.seq) !== this.next.seq + 1 || first.prev_hash !== this.next.hash) {
      return Promise.reject(new Error(`the batch does not continue the journal's chain: it starts at seq ${first.seq}, the journal is at seq ${this.next.seq}`));
    }
    const buf = encodeRecords(rows);
    const last = rows[rows.length - 1];
    const head = { seq: Number(last.seq), hash: last.hash };
    this.next = head;
    const epoch = this.epoch;
    let at = -1;
    let written: Promise<void> | null = null;
    if (this.fd >= 0 && !this.waiting && !this.undoing && this.cutTo === null && this.reserved < this.segmentBytes) {
      at = this.reserved;
      this.reserved += buf.length;
      written = this.track(this.writeBytes(buf, at));
    } else {
      this.waiting++;
    }
    const run = this.tail.then(() => this.finish(buf, head, epoch, at, written));
    this.tail = run.catch(() => {});
    return run;
  }

  /** Resolves once every append made before the call has settled (the head is then final). */
  async settled(): Promise<void> { await this.tail; }

  /** Runs in append order, once every earlier batch has settled: acknowledges this one, or undoes it. */
  private async finish(buf: Buffer, head: JournalHead, epoch: number, at: number, written: Promise<void> | null): Promise<void> {
    try {
      if (!written) {
        // Its offset is given now: nothing earlier is in flight, and nothing later was written.
        // Synchronous up to the reservation, later appends held back (`waiting`) until it is made:
        // one let through between a rotation and this reservation would take the same offset.
        try {
          if (epoch !== this.epoch) throw undone();
          if (this.fd < 0) throw new Error('the journal is closed');
          if (this.cutTo !== null) this.cut(this.cutTo);
          if (this.size >= this.segmentBytes) this.rotate();
          at = this.size;
          this.reserved = at + buf.length;
          written = this.track(this.writeBytes(buf, at));
        } finally {
          this.waiting--;
        }
      }
      await written;
      if (epoch !== this.epoch) throw undone();
      // Written into a file nobody can read back (the segment or the data dir removed): not
      // durable. Asked on this thread: a path look-up costs less than a trip to the pool.
      const st = fs.statSync(this.file, { throwIfNoEntry: false });
      if (!st || st.ino !== this.ino) throw new Error(`the journal segment was removed or replaced while open: ${this.file}`);
    } catch (e) {
      if (epoch === this.epoch) await this.undo(at);
      throw e;
    }
    this.size = at + buf.length;
    this.current = head;
    // Only durable bytes are kept. Over the bound (the store away, nobody shipping) nothing more
    // is kept, and a later read that finds a gap goes to the disk.
    if (this.recentBytes + buf.length <= RECENT_BYTES) {
      this.recent.push({ first: this.first, offset: at, buf });
      this.recentBytes += buf.length;
    }
    for (const f of this.listeners) f();
  }

  /**
   * A batch at `at` failed (-1: before any of it was written): once every write in flight has
   * landed (later batches, written already, must not land after the cut), the segment is cut
   * back to `at`, and every batch appended until now fails (their records chain on the failed ones).
   */
  private async undo(at: number): Promise<void> {
    this.undoing = true;
    try {
      while (this.writing.size) await Promise.allSettled([...this.writing]);
      // A batch that failed must not be read back as records later: cut back to the last whole
      // one. Later batches written whole lie beyond it, so a cut that fails is tried again before
      // anything more is written (appended at `at`, a shorter batch would leave some of them after
      // its end, whole and checksummed, to be recovered or shipped).
      if (at >= 0) {
        this.cutTo = at;
        this.cut(at);
      }
    } catch { /* cutTo stays set: the next append tries the cut first, and fails while it fails */ } finally {
      // Every earlier batch was acknowledged: the durable size is where the next one goes.
      this.reserved = this.size;
      this.next = { ...this.current };
      this.epoch++;
      this.undoing = false;
    }
  }

  private cut(at: number): void {
    fs.ftruncateSync(this.fd, at);
    fs.fdatasyncSync(this.fd);
    this.cutTo = null;
  }

  private track(p: Promise<void>): Promise<void> {
    this.writing.add(p);
    const done = () => { this.writing.delete(p); };
    p.then(done, done);
    return p;
  }

  private async writeBytes(buf: Buffer, at: number): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      // O_DSYNC: durable when the write returns.
      const { bytesWritten } = await writeAt(this.fd, buf, off, buf.length - off, at + off);
      off += bytesWritten;
    }
  }

  // Synchronous: called where no other append may get in between (see finish).
  private rotate(): void {
    const first = this.current.seq + 1;
    const file = path.join(this.dir, segmentName(first));
    const fd = fs.openSync(file, OPEN_FLAGS, 0o600);
    const st = fs.fstatSync(fd);
    syncDir(this.dir);
    fs.closeSync(this.fd);
    // Only reopenIfReplaced rotates with a cut still owed: that file is no longer at its path, so nothing reads it.
    Object.assign(this, { fd, file, ino: st.ino, size: st.size, reserved: st.size, first, cutTo: null });
    // What the shipper reads of older segments comes from their files (a segment removed by hand
    // must read as gone, as it would without this copy).
    this.recent = [];
    this.recentBytes = 0;
  }

  /**
   * Health probe: is the open segment still the file at its path? A segment removed by hand is
   * replaced by a new one (its records are gone; verify will show the gap); a data dir
   * removed is an error until it is back.
   */
  async probe(): Promise<void> {
    // Asked first without holding appends back (every 250 ms, and the file is almost always
    // there); a segment to swap goes through the queue, later appends waiting behind it: no write
    // may be in flight on a segment being swapped.
    await this.settled();
    const { file, ino } = this;
    const st = await fs.promises.stat(file).catch(() => null);
    if (st && st.ino === ino) return;
    await this.serially(() => this.reopenIfReplaced());
  }

  /** Runs `fn` once every earlier append has settled, with every later one waiting for its offset until it is done. */
  private serially(fn: () => Promise<void> | void): Promise<void> {
    this.waiting++;
    const run = this.tail.then(fn).finally(() => { this.waiting--; });
    this.tail = run.catch(() => {});
    return run;
  }

  private async reopenIfReplaced(): Promise<void> {
    const st = await fs.promises.stat(this.file).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
    if (st && st.ino === this.ino) return;
    if (!fs.existsSync(this.dir)) throw new Error(`the journal directory is gone: ${this.dir}`);
    this.size = this.segmentBytes; // the next append starts a new segment
    this.rotate();
  }

  /** Segment first seqs, and the durable end of each (the current one's durable size). */
  segments(): { first: number; file: string; end: number | null }[] {
    return listSegments(this.dir).map((first) => ({ first, file: path.join(this.dir, segmentName(first)), end: first === this.first ? this.size : null }));
  }

  /**
   * Up to `max` records after `afterSeq`, read from disk (only durable bytes), with a cursor to
   * continue from. `from` is the cursor a previous read returned.
   */
  async read(afterSeq: number, max: number, from?: ReadCursor): Promise<{ rows: MessageRow[]; cursor: ReadCursor }> {
    const rows: MessageRow[] = [];
    const cursor = await this.scan(afterSeq, max, from, (buf, left) => {
      const got = decodeRecords(buf, left);
      const before = rows.length;
      for (const r of got.rows) if (Number(r.seq) > afterSeq) rows.push(r);
      return { count: rows.length - before, end: got.end };
    });
    return { rows, cursor };
  }

  /**
   * Like read(), but the records' frames as they are on disk (checked, not parsed), from the
   * segment holding afterSeq + 1: the first frames may be at or before afterSeq unless `from`
   * is the cursor that read up to afterSeq. `count` frames in `frames`.
   */
  async readFrames(afterSeq: number, max: number, from?: ReadCursor): Promise<{ frames: Buffer; count: number; cursor: ReadCursor }> {
    if (from) {
      const kept = this.fromRecent(from, max);
      if (kept) return kept;
    }
    const parts: Buffer[] = [];
    let count = 0;
    const cursor = await this.scan(afterSeq, max, from, (buf, left) => {
      const got = scanFrames(buf, left);
      if (got.count) parts.push(buf.subarray(0, got.end));
      count += got.count;
      return got;
    });
    return { frames: parts.length === 1 ? parts[0] : Buffer.concat(parts), count, cursor };
  }

  /**
   * The frames from `from` on, taken from the batches kept in memory, when they continue there
   * without a gap; null sends the caller to the disk. Batches before `from` are let go.
   */
  private fromRecent(from: ReadCursor, max: number): { frames: Buffer; count: number; cursor: ReadCursor } | null {
    let drop = 0;
    for (const r of this.recent) {
      if (r.first > from.first || (r.first === from.first && r.offset + r.buf.length > from.offset)) break;
      drop++;
    }
    if (drop) {
      for (const r of this.recent.splice(0, drop)) this.recentBytes -= r.buf.length;
    }
    const start = this.recent[0];
    if (!start || start.first !== from.first || start.offset > from.offset) return null;
    const parts: Buffer[] = [];
    let count = 0;
    let offset = from.offset;
    for (const r of this.recent) {
      if (count >= max || r.first !== from.first || r.offset !== offset && parts.length) break;
      // Frame boundaries from the lengths alone: these bytes are what was written and synced.
      let off = offset - r.offset;
      const begin = off;
      while (count < max && off < r.buf.length) {
        off += HEADER + r.buf.readUInt32LE(off);
        count++;
      }
      parts.push(r.buf.subarray(begin, off));
      offset = r.offset + off;
    }
    return { frames: parts.length === 1 ? parts[0] : Buffer.concat(parts), count, cursor: { first: from.first, offset } };
  }

  /** Reads whole frames after `afterSeq` through `take` until it has taken `max`; returns where it stopped. */
  private async scan(afterSeq: number, max: number, from: ReadCursor | undefined, take: (buf: Buffer, left: number) => { count: number; end: number }): Promise<ReadCursor> {
    const segs = this.segments();
    // The segment holding afterSeq + 1: the last one starting at or before it (or the first after a gap).
    let idx = -1;
    for (let i = 0; i < segs.length; i++) if (segs[i].first <= afterSeq + 1) idx = i;
    if (idx < 0) idx = segs.length ? 0 : -1;
    let taken = 0;
    let cursor: ReadCursor = from ?? { first: -1, offset: 0 };
    for (let i = Math.max(0, idx); i >= 0 && i < segs.length && taken < max; i++) {
      const s = segs[i];
      let offset = cursor.first === s.first ? cursor.offset : 0;
      const fh = await fs.promises.open(s.file, 'r').catch(() => null);
      if (!fh) continue;
      try {
        const end = s.end ?? (await fh.stat()).size;
        let chunk = READ_CHUNK;
        while (taken < max && offset < end) {
          const want = Math.min(end - offset, chunk);
          const buf = Buffer.allocUnsafe(want);
          const { bytesRead } = await fh.read(buf, 0, want, offset);
          const got = take(buf.subarray(0, bytesRead), max - taken);
          if (got.end === 0) {
            // A frame longer than the chunk (a logged body can make a record of tens of MiB):
            // read it whole. Without this the reader stopped there for good, and the shipper
            // with it (or skipped the rest of the segment when a later one existed).
            const frame = bytesRead >= HEADER ? HEADER + buf.readUInt32LE(0) : 0;
            if (frame > want && frame <= end - offset && frame <= HEADER + MAX_RECORD) { chunk = frame; continue; }
            break;
          }
          chunk = READ_CHUNK;
          taken += got.count;
          offset += got.end;
        }
      } finally {
        await fh.close();
      }
      cursor = { first: s.first, offset };
    }
    return cursor;
  }

  /**
   * Removes closed segments whose every record is shipped (seq <= shippedSeq) and whose file is
   * older than `retentionMs`. Returns how many were removed.
   */
  prune(shippedSeq: number, retentionMs: number, now = Date.now()): number {
    const segs = listSegments(this.dir);
    let removed = 0;
    for (let i = 0; i + 1 < segs.length; i++) {
      if (segs[i] === this.first || segs[i + 1] - 1 > shippedSeq) continue;
      const file = path.join(this.dir, segmentName(segs[i]));
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (!st || now - st.mtimeMs < retentionMs) continue;
      fs.rmSync(file, { force: true });
      removed++;
    }
    return removed;
  }

  async close(): Promise<void> {
    await this.serially(() => { if (this.fd >= 0) { fs.closeSync(this.fd); this.fd = -1; } });
  }
}

const undone = () => new Error('an earlier batch of the journal failed to be written, and this one, appended after it, was not kept');

export interface ReadCursor { first: number; offset: number }

/** The seq of frame `count` (1-based) of `buf`, whose first `count` frames scanFrames checked: found by their lengths alone. */
function lastSeq(buf: Buffer, count: number): number {
  let off = 0;
  for (let i = 1; i < count; i++) off += HEADER + buf.readUInt32LE(off);
  return Number(decodeRecords(buf.subarray(off), 1).rows[0]?.seq);
}

function listSegments(dir: string): number[] {
  const out: number[] = [];
  for (const f of fs.readdirSync(dir)) {
    const m = SEGMENT.exec(f);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

// A new segment's directory entry must be durable too, or a crash could lose the whole file.
function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}

const writeAt = (fd: number, buf: Buffer, off: number, len: number, pos: number) => new Promise<{ bytesWritten: number }>((resolve, reject) => {
  fs.write(fd, buf, off, len, pos, (e, bytesWritten) => (e ? reject(e) : resolve({ bytesWritten })));
});
