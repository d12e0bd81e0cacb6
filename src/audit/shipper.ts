// Ships the journal into the platform's store, where search, the console and `audit verify`
// read it. In seq order, a batch per transaction, insert-or-ignore on (node_id, seq): a batch
// shipped again (the node died after the store committed it and before it knew) changes
// nothing. Where to start is the store's own head for this node, so there is no "shipped"
// marker that could disagree with the store. While the store is away the records wait in the
// journal and the shipper retries.
import type { Journal, JournalHead, ReadCursor } from './journal.js';
import type { MessageRow } from './chain.js';
import type { FramesWritten } from './sqlite-writer.js';

/** Inserts rows, ignoring any (node_id, seq) already stored; one transaction. */
export type ShipWriter = ((rows: MessageRow[]) => Promise<void>) & {
  /**
   * The same for journal frames (records with seq > afterSeq), parsed where they are inserted:
   * the SQLite writer thread. Parsing every row on the main thread and cloning it to the thread
   * was most of the shipping's main-thread cost (profile).
   */
  frames?(frames: Buffer, afterSeq: number): Promise<FramesWritten>;
};

export interface ShipperOptions {
  /** Records per store transaction (default 1,000). */
  batch?: number;
  /**
   * How long a durable append waits before its round ships (default 200 ms; drain() ships at
   * once). A round per journal commit cost more than the exchanges: under load the store's
   * writer thread spent ~75 µs per exchange on small transactions (one WAL sync and the same
   * b-tree pages rewritten each time), and each round opens, lists and reads the journal again.
   * 50 ms rounds (~150 records at 1,500 exchanges/s) still cost the writer thread ~1.5 µs more
   * per record than 200 ms rounds (~600 records), measured alone (issue 15); search and the
   * console see a record up to 200 ms later, an exchange's answer waits for none of it.
   */
  delayMs?: number;
  /** Wait before retrying after the store failed (default 1 s). */
  retryMs?: number;
  /** Shipped segments older than this are removed (default 24 h); checked after shipping. */
  retentionMs?: number;
  onError?: (e: unknown) => void;
  onRecover?: () => void;
}

export class Shipper {
  // Records up to here are confirmed in the store (a lower bound after a failure).
  private shippedHead: JournalHead | null = null;
  // After a failure the store may hold more than we know: ask it before shipping again.
  private reask = true;
  private cursor: ReadCursor | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private retry: NodeJS.Timeout | null = null;
  private pending: NodeJS.Timeout | null = null;
  private stopped = false;
  // Not started yet: a node started without its store ships nothing until the store is back
  // and the node registered there (appends meanwhile just wait in the journal).
  private started = false;
  private waiters: Array<{ seq: number; resolve(): void; reject(e: unknown): void }> = [];
  /** The last failure, while the store refuses (null when shipping works). */
  lastError: unknown = null;
  shippedRecords = 0;
  private lastPrune = 0;

  constructor(
    private readonly journal: Journal,
    private readonly write: ShipWriter,
    /** This node's head in the store. */
    private readonly storeHead: () => Promise<JournalHead>,
    private readonly o: ShipperOptions = {},
  ) {
    journal.onAppend(() => this.soon());
  }

  /** What the store holds of this node's chain, as far as the shipper knows (null before it asked). */
  get shipped(): JournalHead | null { return this.shippedHead ? { ...this.shippedHead } : null; }

  /** Records durable in the journal and not yet in the store. */
  get backlog(): number { return this.shippedHead ? Math.max(0, this.journal.head.seq - this.shippedHead.seq) : 0; }

  start(): void { this.started = true; this.kick(); }

  /** Ships after the delay: appends made meanwhile join the same round. */
  private soon(): void {
    if (this.stopped || this.pending || !this.started) return;
    const ms = this.o.delayMs ?? 200;
    if (ms <= 0) return this.kick();
    this.pending = setTimeout(() => { this.pending = null; this.kick(); }, ms);
    // The records are durable in the journal: a process may exit before they are shipped.
    this.pending.unref();
  }

  /** Ships now (or as soon as the round in progress ends). */
  kick(): void {
    if (this.stopped || !this.started) return;
    if (this.pending) { clearTimeout(this.pending); this.pending = null; }
    if (this.running) { this.again = true; return; }
    if (this.retry) { clearTimeout(this.retry); this.retry = null; }
    this.running = this.round().finally(() => {
      this.running = null;
      if (this.again) { this.again = false; this.kick(); }
    });
  }

  private async round(): Promise<void> {
    try {
      if (this.reask || !this.shippedHead) { this.shippedHead = await this.storeHead(); this.cursor = undefined; this.reask = false; }
      const max = this.o.batch ?? 1000;
      for (;;) {
        const target = this.journal.head.seq;
        if (this.shippedHead.seq >= target) break;
        if (this.write.frames) {
          const after = this.shippedHead.seq;
          const { frames, count, cursor } = await this.journal.readFrames(after, max, this.cursor);
          if (!count) break;
          const { last, inserted } = await this.write.frames(frames, after);
          // Frames before the cursor's first round may be at or before the store's head: skipped there.
          if (last && last.seq > after) this.shippedHead = { seq: Number(last.seq), hash: last.hash };
          this.cursor = cursor;
          this.shippedRecords += inserted;
          continue;
        }
        const { rows, cursor } = await this.journal.read(this.shippedHead.seq, max, this.cursor);
        if (!rows.length) break;
        await this.write(rows);
        const last = rows[rows.length - 1];
        this.shippedHead = { seq: Number(last.seq), hash: last.hash };
        this.cursor = cursor;
        this.shippedRecords += rows.length;
      }
      if (this.lastError) { this.lastError = null; this.o.onRecover?.(); }
      this.settleWaiters(null);
      this.prune();
    } catch (e) {
      const first = !this.lastError;
      this.lastError = e;
      // The outcome of the failed batch is unknown: ask the store where it stands next time.
      this.reask = true;
      if (first) this.o.onError?.(e);
      this.settleWaiters(e);
      if (!this.stopped) {
        this.retry = setTimeout(() => { this.retry = null; this.kick(); }, this.o.retryMs ?? 1000);
        this.retry.unref();
      }
    }
  }

  private settleWaiters(error: unknown): void {
    const at = this.reask ? -1 : this.shippedHead?.seq ?? -1;
    this.waiters = this.waiters.filter((w) => {
      if (error) { w.reject(error); return false; }
      if (at >= w.seq) { w.resolve(); return false; }
      return true;
    });
  }

  private prune(): void {
    const now = Date.now();
    if (now - this.lastPrune < 10_000 || !this.shippedHead) return;
    this.lastPrune = now;
    try { this.journal.prune(this.shippedHead.seq, this.o.retentionMs ?? 24 * 3600_000, now); } catch { /* next time */ }
  }

  /** Resolves once everything durable in the journal now is in the store; rejects if the store refuses. */
  drain(): Promise<void> {
    if (!this.started) return Promise.reject(new Error('not shipping yet: the store has not been reachable since this node started'));
    const seq = this.journal.head.seq;
    if (!this.reask && (this.shippedHead?.seq ?? -1) >= seq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.kick();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) { clearTimeout(this.retry); this.retry = null; }
    if (this.pending) { clearTimeout(this.pending); this.pending = null; }
    await this.running;
  }
}
