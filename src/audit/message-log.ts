// The message log: one hash chain per node, group-committed so a durable record costs
// microseconds per exchange, and signed at intervals by checkpoints.
import { VamcoError } from '../core/index.js';
import type { Store } from '../store/index.js';
import { GENESIS, hashMessage, toRowFields, type MessageRow } from './chain.js';
import { checkpointAdminHead, insertCheckpoint } from './checkpoints.js';
import { registerNode } from './node-key.js';
import { sqliteThreadWriter, type SqliteDurability } from './sqlite-writer.js';
import type { ExchangeRecord, MessageLogOptions, MessageLogStats, NodeKey } from './types.js';

const COLUMNS = [
  'node_id', 'seq', 'message_id', 'request_id', 'at', 'client', 'service', 'method', 'path', 'status',
  'duration_ms', 'request_size', 'response_size', 'request_digest', 'response_digest', 'user_id', 'issue',
  'error_code', 'request_body', 'response_body', 'upstream', 'prev_hash', 'hash',
] as const satisfies readonly (keyof MessageRow)[];

// PostgreSQL allows 65,535 bind parameters per statement.
const MAX_BATCH = Math.floor(65535 / COLUMNS.length);

type Fields = ReturnType<typeof toRowFields>;
interface Waiter { fields: Fields; resolve(): void; reject(e: unknown): void }
type Writer = ((rows: MessageRow[]) => Promise<void>) & { close?(): Promise<void>; durability?(): Promise<SqliteDurability> };

const SQLITE_INSERT = `insert into message_log (${COLUMNS.join(', ')}) values (${COLUMNS.map((c) => '@' + c).join(', ')})`;

function sqliteWriter(store: Store): Writer {
  const sqlite = store.sqlite!;
  const insert = sqlite.prepare(SQLITE_INSERT);
  const tx = sqlite.transaction((rows: MessageRow[]) => { for (const r of rows) insert.run(r); });
  return async (rows) => {
    // Holding Kysely's connection keeps our raw transaction out of any Kysely transaction
    // open on the same handle (whose rollback would otherwise take our records with it).
    await store.db.connection().execute(async () => {
      if (sqlite.inTransaction) throw new Error('the SQLite connection is inside a foreign transaction');
      tx.immediate(rows);
    });
  };
}

function postgresWriter(store: Store): Writer {
  const pool = store.pool!;
  return async (rows) => {
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (const r of rows) {
      const ph: string[] = [];
      for (const c of COLUMNS) { values.push(r[c]); ph.push('$' + values.length); }
      tuples.push(`(${ph.join(',')})`);
    }
    // One statement is one transaction: the batch commits whole or not at all.
    await pool.query(`insert into message_log (${COLUMNS.join(', ')}) values ${tuples.join(',')}`, values);
  };
}

export async function readMessageHead(store: Store, nodeId: string): Promise<{ seq: number; hash: string }> {
  const row = await store.db.selectFrom('message_log').select(['seq', 'hash'])
    .where('node_id', '=', nodeId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS };
}

export class MessageLog {
  private readonly queue: Waiter[] = [];
  private inFlight: Promise<void> | null = null;
  private scheduled = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  // The head is only ever the durable head: seq and hash are assigned when a batch is
  // committed, so a failed commit cannot leave memory ahead of the database.
  private headSeq: number;
  private headHash: string;
  private resync = false;
  private checkpointedSeq: number;
  private checkpointing: Promise<void> = Promise.resolve();
  private enqueued = 0;
  private settled = 0;
  private committed = 0;
  private batchCount = 0;
  private readonly settledWaiters: Array<{ target: number; resolve(): void }> = [];
  private failedBatches = 0;
  private lastFailure: unknown;

  private constructor(
    private readonly store: Store,
    private readonly key: NodeKey,
    private readonly write: Writer,
    private readonly maxBatch: number,
    head: { seq: number; hash: string },
    checkpointedSeq: number,
  ) {
    this.headSeq = head.seq;
    this.headHash = head.hash;
    this.checkpointedSeq = checkpointedSeq;
  }

  static async open(store: Store, key: NodeKey, opts: MessageLogOptions = {}): Promise<MessageLog> {
    await registerNode(store, key);
    const head = await readMessageHead(store, key.nodeId);
    const cp = await store.db.selectFrom('log_checkpoints').select('seq')
      .where('chain', '=', 'message').where('node_id', '=', key.nodeId)
      .orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const maxBatch = Math.max(1, Math.min(opts.maxBatch ?? 256, MAX_BATCH));
    // SQLite files commit on a writer thread (sqlite-writer.ts): fsync no longer stalls the gateway.
    const write = store.engine === 'postgres' ? postgresWriter(store)
      : store.sqlite!.memory ? sqliteWriter(store) : sqliteThreadWriter(store.sqlite!.name, SQLITE_INSERT);
    const log = new MessageLog(store, key, write, maxBatch, head, cp ? Number(cp.seq) : 0);
    const interval = opts.checkpointIntervalMs ?? 10_000;
    if (interval > 0) {
      log.timer = setInterval(() => { log.checkpoint().catch(() => { /* retried at the next tick */ }); }, interval);
      log.timer.unref();
    }
    return log;
  }

  get nodeId(): string { return this.key.nodeId; }

  get stats(): MessageLogStats {
    return { appended: this.committed, batches: this.batchCount, pending: this.enqueued - this.settled, lastSeq: this.headSeq };
  }

  /** Resolves once the record is durably committed; rejects if its batch failed to commit. */
  append(rec: ExchangeRecord): Promise<void> {
    if (this.closed) return Promise.reject(new VamcoError('NOT_READY', 'The message log is closed'));
    let fields: Fields;
    try {
      fields = toRowFields(rec);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ fields, resolve, reject });
      this.enqueued++;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight || this.queue.length === 0) return;
    if (this.queue.length >= this.maxBatch) { this.startBatch(); return; }
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets every append made in this turn of the event loop join the batch.
    setImmediate(() => { this.scheduled = false; if (!this.inFlight) this.startBatch(); });
  }

  private startBatch(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight = this.commit(batch).then(() => {
      this.inFlight = null;
      this.schedule();
    });
  }

  /** Never rejects: the outcome goes to each waiter, after the counters say what happened. */
  private async commit(batch: Waiter[]): Promise<void> {
    let error: VamcoError | undefined;
    try {
      if (this.resync) {
        // After a failure the outcome may be unknown (connection lost during commit): take the
        // head from the database, which is the only truth.
        const head = await readMessageHead(this.store, this.key.nodeId);
        this.headSeq = head.seq;
        this.headHash = head.hash;
        this.resync = false;
      }
      let seq = this.headSeq;
      let prev = this.headHash;
      const nodeId = this.key.nodeId;
      const rows: MessageRow[] = batch.map((w) => {
        // Filled in place: the fields belong to this waiter alone, and copying them with a
        // spread was ~5% of a gateway's CPU (profile).
        const row = w.fields as MessageRow;
        row.node_id = nodeId;
        row.seq = ++seq;
        row.prev_hash = prev;
        row.hash = hashMessage(row);
        prev = row.hash;
        return row;
      });
      await this.write(rows);
      this.headSeq = seq;
      this.headHash = prev;
      this.committed += rows.length;
      this.batchCount++;
    } catch (e) {
      this.resync = true;
      error = new VamcoError('NOT_READY', 'The message log could not be written', { cause: e });
      this.failedBatches++;
      this.lastFailure = error;
    }
    this.settled += batch.length;
    for (let i = this.settledWaiters.length - 1; i >= 0; i--) {
      const w = this.settledWaiters[i];
      if (this.settled >= w.target) { this.settledWaiters.splice(i, 1); w.resolve(); }
    }
    for (const w of batch) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }

  /** Commits everything appended before the call; rejects if any of it failed to commit. */
  async flush(): Promise<void> {
    const target = this.enqueued;
    if (this.settled >= target) return;
    // Every batch that settles while we wait holds some of the records we wait for.
    const failedBefore = this.failedBatches;
    await new Promise<void>((resolve) => {
      this.settledWaiters.push({ target, resolve });
      if (!this.inFlight) this.startBatch();
    });
    if (this.failedBatches > failedBefore) throw this.lastFailure;
  }

  /** Signs the durable head of this node's chain (and the admin trail's head) when it moved. */
  checkpoint(): Promise<void> {
    const run = this.checkpointing.catch(() => {}).then(() => this.doCheckpoint());
    this.checkpointing = run;
    return run;
  }

  private async doCheckpoint(): Promise<void> {
    await this.flush().catch(() => { /* sign what is durable */ });
    if (this.headSeq > this.checkpointedSeq && !this.resync) {
      const seq = this.headSeq;
      await insertCheckpoint(this.store.db, this.key, { chain: 'message', seq, hash: this.headHash });
      this.checkpointedSeq = seq;
    }
    await checkpointAdminHead(this.store.db, this.key);
  }

  /**
   * The durability settings of every SQLite connection that writes this log (the store's own
   * connection writes checkpoints, a writer thread the records), as SQLite reports them.
   * Empty on PostgreSQL.
   */
  async sqliteDurability(): Promise<{ connection: string; settings: SqliteDurability }[]> {
    const sqlite = this.store.sqlite;
    if (!sqlite) return [];
    const own = { synchronous: Number(sqlite.pragma('synchronous', { simple: true })), journalMode: String(sqlite.pragma('journal_mode', { simple: true })) };
    const out = [{ connection: 'store', settings: own }];
    if (this.write.durability) out.push({ connection: 'writer thread', settings: await this.write.durability() });
    return out;
  }

  /** Flushes, writes a final checkpoint and stops the timer. Appends after this are refused. */
  async close(): Promise<void> {
    if (this.timer) { clearInterval(this.timer); this.timer = null; }
    if (this.closed) return this.checkpointing;
    this.closed = true;
    let error: unknown;
    await this.flush().catch((e) => { error = e; });
    await this.checkpoint().catch((e) => { error ??= e; });
    await this.write.close?.();
    if (error) throw error;
  }
}
