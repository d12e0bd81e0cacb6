// The message log: one hash chain per node, group-committed so a durable record costs
// microseconds per exchange, and signed at intervals by checkpoints. With health monitoring on
// (the platform turns it on), a log that cannot commit — a failed commit, a commit slower than
// the commit timeout, a probe write that fails, the data dir gone — refuses appends at once
// until a probe commits again: the gateway then refuses exchanges before any provider call.
// With a journal (the platform's case) the durable point is the node's own journal in its
// data dir (journal.ts), and a shipper copies it into the store (shipper.ts): the store being
// away then delays search and verification, not exchanges.
import fs from 'node:fs';
import path from 'node:path';
import { VamcoError } from '../core/index.js';
import type { Store } from '../store/index.js';
import { GENESIS, hashMessage, toRowFields, type MessageRow } from './chain.js';
import { checkpointAdminHead, insertCheckpoint } from './checkpoints.js';
import { registerNode } from './node-key.js';
import { sqliteThreadWriter, type FramesWritten, type SqliteDurability } from './sqlite-writer.js';
import { Journal, type JournalFound, type JournalHead } from './journal.js';
import { Shipper } from './shipper.js';
import type { ExchangeRecord, LogHealth, LogPosition, MessageLogOptions, MessageLogStats, NodeKey } from './types.js';

const COLUMNS = [
  'node_id', 'seq', 'message_id', 'request_id', 'at', 'client', 'service', 'method', 'path', 'status',
  'duration_ms', 'request_size', 'response_size', 'request_digest', 'response_digest', 'user_id', 'issue',
  'error_code', 'request_body', 'response_body', 'upstream', 'credential', 'prev_hash', 'hash',
] as const satisfies readonly (keyof MessageRow)[];

// Batches the journal may have in flight at once (issue 15): measured in docs/performance.md.
const JOURNAL_PIPELINE = 2;

// PostgreSQL allows 65,535 bind parameters per statement.
const MAX_BATCH = Math.floor(65535 / COLUMNS.length);

type Fields = ReturnType<typeof toRowFields>;
/** A batch handed to the writer; `abandoned` once the commit timeout gave up on it (it still counts until it settles). */
interface Flight { batch: Waiter[]; started: number; abandoned?: boolean }
interface Waiter { fields: Fields; resolve(pos: LogPosition): void; reject(e: unknown): void; done?: boolean }
type Writer = ((rows: MessageRow[]) => Promise<void>) & {
  close?(): Promise<void>; durability?(): Promise<SqliteDurability>;
  /** Ships journal frames as they are (the SQLite writer thread parses them): see Shipper. */
  frames?(frames: Buffer, afterSeq: number): Promise<FramesWritten>;
  /** Takes the write lock and inserts a row into message_log, then rolls back: can a commit happen now? */
  probe(timeoutMs: number): Promise<void>;
};

const SQLITE_INSERT = `insert into message_log (${COLUMNS.join(', ')}) values (${COLUMNS.map((c) => '@' + c).join(', ')})`;
// Shipping from the journal: a record already stored (shipped before a crash) is left as it is.
const SQLITE_SHIP = SQLITE_INSERT.replace('insert into', 'insert or ignore into');

/** The row a probe inserts and rolls back: never committed, so never part of any chain. */
const PROBE_ROW: MessageRow = {
  node_id: '~probe', seq: -1, message_id: '~probe', request_id: '~probe', at: '1970-01-01T00:00:00.000Z', client: null, service: null,
  method: 'GET', path: '/', status: 0, duration_ms: 0, request_size: 0, response_size: 0, request_digest: null, response_digest: null,
  user_id: null, issue: null, error_code: null, request_body: null, response_body: null, upstream: null, credential: null, prev_hash: '', hash: '',
};

function sqliteWriter(store: Store, sqlText = SQLITE_INSERT): Writer {
  const sqlite = store.sqlite!;
  const insert = sqlite.prepare(sqlText);
  const tx = sqlite.transaction((rows: MessageRow[]) => { for (const r of rows) insert.run(r); });
  const write = async (rows: MessageRow[]) => {
    // Holding Kysely's connection keeps our raw transaction out of any Kysely transaction
    // open on the same handle (whose rollback would otherwise take our records with it).
    await store.db.connection().execute(async () => {
      if (sqlite.inTransaction) throw new Error('the SQLite connection is inside a foreign transaction');
      tx.immediate(rows);
    });
  };
  return Object.assign(write, {
    probe: async () => {
      await store.db.connection().execute(async () => {
        if (sqlite.inTransaction) return;
        sqlite.exec('begin immediate');
        try { sqlite.prepare(SQLITE_INSERT).run(PROBE_ROW); } finally { sqlite.exec('rollback'); }
      });
    },
  });
}

function postgresWriter(store: Store, idempotent = false): Writer {
  const pool = store.pool!;
  const onConflict = idempotent ? ' on conflict (node_id, seq) do nothing' : '';
  return Object.assign(async (rows: MessageRow[]) => {
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (const r of rows) {
      const ph: string[] = [];
      for (const c of COLUMNS) { values.push(r[c]); ph.push('$' + values.length); }
      tuples.push(`(${ph.join(',')})`);
    }
    // One statement is one transaction: the batch commits whole or not at all.
    await pool.query(`insert into message_log (${COLUMNS.join(', ')}) values ${tuples.join(',')}${onConflict}`, values);
  }, {
    probe: async (timeoutMs: number) => {
      const c = await pool.connect();
      try {
        await c.query('begin');
        // A lock on the table makes the insert wait: the statement timeout turns that into an error.
        await c.query(`set local statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
        await c.query(`insert into message_log (${COLUMNS.join(', ')}) values (${COLUMNS.map((_, i) => '$' + (i + 1)).join(',')})`, COLUMNS.map((k) => PROBE_ROW[k]));
      } finally {
        await c.query('rollback').catch(() => {});
        c.release();
      }
    },
  });
}

/** Writes rows into the store: the direct log's writer, or (idempotent) the shipper's. */
export function storeWriter(store: Store, idempotent: boolean): Writer {
  if (store.engine === 'postgres') return postgresWriter(store, idempotent);
  const sqlText = idempotent ? SQLITE_SHIP : SQLITE_INSERT;
  // SQLite files commit on a writer thread (sqlite-writer.ts): fsync no longer stalls the gateway.
  return store.sqlite!.memory ? sqliteWriter(store, sqlText) : sqliteThreadWriter(store.sqlite!.name, sqlText, PROBE_ROW);
}

export async function readMessageHead(store: Store, nodeId: string): Promise<{ seq: number; hash: string }> {
  const row = await store.db.selectFrom('message_log').select(['seq', 'hash'])
    .where('node_id', '=', nodeId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS };
}

/** The hash of this node's record `seq` in the store (null: not there): one look-up by the primary key. */
export async function readMessageHash(store: Store, nodeId: string, seq: number): Promise<string | null> {
  const row = await store.db.selectFrom('message_log').select('hash').where('node_id', '=', nodeId).where('seq', '=', seq).executeTakeFirst();
  return row ? row.hash : null;
}

/**
 * Where the journal in `dir` (own head `own`) and the store (head `stored`) hold different
 * records of this node's chain: the seq of the first record seen to differ, or null when they
 * agree. A journal behind the store is only behind when the store holds its head's record;
 * a journal at or ahead of the store must hold the store's head record. Either way one record
 * is compared (a chain's hash covers everything before it). Without the comparison, an older
 * copy of the data dir that continued the chain on its own (started without the store) and is
 * started with it would be discarded for the store's head, its records never shipped.
 */
async function journalConflict(store: Store, nodeId: string, dir: string, found: JournalFound, stored: JournalHead): Promise<number | null> {
  const own = found.head;
  // No record, or the genesis of a journal never written: nothing acknowledged to lose.
  if (!own || own.seq <= 0) return null;
  if (own.seq < stored.seq) return (await readMessageHash(store, nodeId, own.seq)) === own.hash ? null : own.seq;
  if (stored.seq <= 0) return null;
  const mine = own.seq === stored.seq ? own.hash : Journal.hashAt(dir, stored.seq, found);
  // null: the journal lost those records (a segment removed by hand); what it holds ships as before.
  return mine === null || mine === stored.hash ? null : stored.seq;
}

/**
 * The journal in `dir` holds node `found.nodeId`'s chain, not this node's (`nodeId`): when the
 * store holds that chain's head record (so, shipped in order, all of it) the journal is renamed
 * to a sibling named for that node, kept for inspection, and where it went is returned. Else
 * (records not in the store, or no store to ask: `store` null) JOURNAL_CONFLICT, nothing moved.
 * Shipping them under this key is not offered: the shipper reads one chain's head from the
 * store by this node's id, and the other node may never have registered its key there.
 */
async function setAsideForeignJournal(store: Store | null, nodeId: string, dir: string, found: JournalFound): Promise<string> {
  const other = found.nodeId!;
  const head = found.head!;
  if (!store || (await readMessageHash(store, other, head.seq)) !== head.hash) {
    throw new VamcoError('JOURNAL_CONFLICT', `The journal in ${dir} holds node ${other}'s records up to seq ${head.seq}, `
      + (store ? 'not all of them in the central database' : 'and without the central database it cannot be told whether they are all there')
      + `, but this node's key (node-key.pem) is node ${nodeId}'s. Nothing was moved. Restore node ${other}'s node-key.pem and start with the database reachable: the journal then ships. `
      + (store ? '' : 'If the database already holds them, a start with it reachable sets the journal aside and begins this key\'s chain. ')
      + `Moving ${dir} elsewhere also lets this key begin its chain, but those records then reach the database only from that copy with node ${other}'s key.`);
  }
  // A name not taken yet: the same node's journal may have been set aside before.
  const safe = /^[A-Za-z0-9_-]+$/.test(other) ? other : 'other-node';
  let movedTo = `${dir}.${safe}`;
  for (let n = 2; fs.existsSync(movedTo); n++) movedTo = `${dir}.${safe}.${n}`;
  fs.renameSync(dir, movedTo);
  // The rename must survive a crash, or the next start would find the old journal in place again.
  const fd = fs.openSync(path.dirname(dir), 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  return movedTo;
}

/** What an operator reads when the store refuses this node's journal: nothing was shipped, and what to do. */
function conflictAdvice(dir: string | undefined): string {
  return `Nothing of its journal was shipped: move ${dir} elsewhere (keep it: it holds records the database has not) before starting this node again (a start with the database then begins a new journal from the database's head)`;
}

export class MessageLog {
  private readonly queue: Waiter[] = [];
  /** Batches handed to the writer and not settled yet, oldest first. */
  private flights: Flight[] = [];
  /** How many batches may be in flight at once: the journal overlaps them (journal.ts), the store takes one at a time. */
  private pipeline = 1;
  private scheduled = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  // The head is only ever the durable head: seq and hash are assigned when a batch is
  // committed, so a failed commit cannot leave memory ahead of the database.
  private headSeq: number;
  private headHash: string;
  // Where the next batch continues the chain: the head plus every batch in flight.
  private nextSeq: number;
  private nextHash: string;
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
  // Health (only with monitoring on): why the log cannot commit now, and since when.
  private monitor: NodeJS.Timeout | null = null;
  private unhealthy: { reason: string; since: string; at: number } | null = null;
  private readonly healthListeners: Array<(h: LogHealth) => void> = [];
  private probing = false;
  private lastProbe = 0;
  private commitTimeoutMs = 5000;
  private dataDir: string | null = null;
  private dbFileIno: number | null = null;
  private journal: Journal | null = null;
  private shipper: Shipper | null = null;
  private shipWriter: Writer | null = null;

  private constructor(
    private readonly store: Store,
    private readonly key: NodeKey,
    private readonly write: Writer,
    private readonly maxBatch: number,
    head: { seq: number; hash: string },
    checkpointedSeq: number,
  ) {
    this.headSeq = this.nextSeq = head.seq;
    this.headHash = this.nextHash = head.hash;
    this.checkpointedSeq = checkpointedSeq;
  }

  static async open(store: Store, key: NodeKey, opts: MessageLogOptions = {}): Promise<MessageLog> {
    // Offline (the store unreachable at start, issue 13 item 1): the journal's own head
    // continues the chain, and shipping waits for resume().
    const offline = !!opts.offline && !!opts.journal;
    if (!offline) await registerNode(store, key);
    const head = offline ? (opts.newKey ? { seq: 0, hash: GENESIS } : { seq: -1, hash: '' }) : await readMessageHead(store, key.nodeId);
    const cp = offline ? undefined : await store.db.selectFrom('log_checkpoints').select('seq')
      .where('chain', '=', 'message').where('node_id', '=', key.nodeId)
      .orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const maxBatch = Math.max(1, Math.min(opts.maxBatch ?? 256, MAX_BATCH));
    if (opts.journal) {
      const j = opts.journal;
      let found = Journal.recover(j.dir);
      if (found.nodeId !== undefined && found.nodeId !== key.nodeId && found.head && found.head.seq > 0) {
        // Another node's chain (its key lost and a new one made: a new node id): continued under
        // this key it would number this node's records on from that chain's head, a gap the store
        // fails to verify. Shipped whole, it is kept aside and this node begins its own chain.
        const movedTo = await setAsideForeignJournal(offline ? null : store, key.nodeId, j.dir, found);
        j.onSetAside?.({ nodeId: found.nodeId, ownNodeId: key.nodeId, seq: found.head.seq, movedTo });
        found = Journal.recover(j.dir);
      }
      const at = offline ? null : await journalConflict(store, key.nodeId, j.dir, found, head);
      if (at !== null) {
        throw new VamcoError('JOURNAL_CONFLICT', `The central database holds this node's (${key.nodeId}) records up to seq ${head.seq}, `
          + `and its record at seq ${at} is not the one in the journal, which holds the chain up to seq ${found.head!.seq}: the data dir is an older copy that continued the chain on its own (or journal and database diverged). `
          + conflictAdvice(j.dir));
      }
      const { journal, recovery } = Journal.open(j.dir, head, { segmentBytes: j.segmentBytes }, found);
      if (recovery.head.seq < 0) {
        await journal.close();
        throw new VamcoError('STORE_UNAVAILABLE', `The journal in ${j.dir} holds no record to continue this node's chain from, and the store that knows its head is unreachable`);
      }
      const shipWriter = storeWriter(store, true);
      const write: Writer = Object.assign((rows: MessageRow[]) => journal.append(rows), { probe: () => journal.probe(), close: () => journal.close() });
      const log = new MessageLog(store, key, write, maxBatch, recovery.head, cp ? Number(cp.seq) : 0);
      log.journal = journal;
      log.pipeline = JOURNAL_PIPELINE;
      log.shipWriter = shipWriter;
      log.shipper = new Shipper(journal, shipWriter, () => readMessageHead(store, key.nodeId), {
        retentionMs: j.retentionMs, retryMs: j.retryMs, onError: j.onShipError, onRecover: j.onShipRecover,
      });
      if (!offline) log.shipper.start();
      log.recovery = recovery;
      log.resumed = !offline;
      return log.started(opts, store);
    }
    const write = storeWriter(store, false);
    const log = new MessageLog(store, key, write, maxBatch, head, cp ? Number(cp.seq) : 0);
    return log.started(opts, store);
  }

  /** What opening the journal found (null without a journal). */
  recovery: { head: JournalHead; truncatedBytes: number; segments: number } | null = null;

  private adminCheckpoints = true;

  private started(opts: MessageLogOptions, store: Store): MessageLog {
    const log = this;
    log.adminCheckpoints = opts.adminCheckpoints ?? true;
    const interval = opts.checkpointIntervalMs ?? 10_000;
    if (interval > 0) {
      log.timer = setInterval(() => { log.checkpoint().catch(() => { /* retried at the next tick */ }); }, interval);
      log.timer.unref();
    }
    if (opts.health) log.startMonitor(opts.health, store);
    return log;
  }

  private startMonitor(h: NonNullable<MessageLogOptions['health']>, store: Store): void {
    this.commitTimeoutMs = h.commitTimeoutMs ?? 5000;
    this.dataDir = h.dataDir ?? null;
    // With a journal the store's file is not where records become durable.
    if (!this.journal && store.sqlite && !store.sqlite.memory) this.dbFileIno = fs.statSync(store.sqlite.name).ino;
    const every = h.intervalMs ?? 250;
    this.monitor = setInterval(() => this.tick(every), Math.max(10, Math.floor(every / 2)));
    this.monitor.unref();
  }

  /** Healthy, or why not: what /readyz reports. Always healthy without monitoring. */
  get health(): LogHealth {
    return this.unhealthy ? { ok: false, reason: this.unhealthy.reason, since: this.unhealthy.since } : { ok: true, reason: null, since: null };
  }

  /** Called on every change of health (the cluster primary tells its workers). */
  onHealth(fn: (h: LogHealth) => void): void { this.healthListeners.push(fn); }

  private trip(reason: string): void {
    const first = !this.unhealthy;
    if (first) this.unhealthy = { reason, since: new Date().toISOString(), at: performance.now() };
    else { this.unhealthy!.reason = reason; this.unhealthy!.at = performance.now(); }
    if (first) for (const f of this.healthListeners) f(this.health);
  }

  private tick(every: number): void {
    const now = performance.now();
    // A commit slower than the timeout: its exchanges are refused now (their records may still
    // land; verify then reports them as interrupted), and so is everything queued behind it.
    const oldest = this.flights.find((f) => !f.abandoned);
    if (oldest && now - oldest.started > this.commitTimeoutMs) {
      // Given up on but left in `flights` until they settle: nothing new is started beside them
      // (after a resync the head is read again only once they have).
      const stuck = this.flights.filter((f) => !f.abandoned);
      for (const f of stuck) f.abandoned = true;
      this.resync = true;
      this.trip(`a message-log commit has taken longer than ${this.commitTimeoutMs} ms`);
      const err = new VamcoError('NOT_READY', `The message log could not commit within ${this.commitTimeoutMs} ms`);
      this.failedBatches++;
      this.lastFailure = err;
      for (const f of stuck) this.settle(f.batch, err);
      this.settle(this.queue.splice(0), err);
    }
    if (this.probing || now - this.lastProbe < every) return;
    this.probing = true;
    this.lastProbe = now;
    const started = now;
    void this.probe().then(
      () => { if (this.unhealthy && this.unhealthy.at <= started) { this.unhealthy = null; for (const f of this.healthListeners) f(this.health); } },
      (e: unknown) => this.trip(String((e as Error)?.message ?? e)),
    ).finally(() => { this.probing = false; });
  }

  /** Can a record be made durable now? The data dir writable (a small fsync'd file), the
   * database file still the one open (not deleted under us), and a rolled-back insert. */
  private async probe(): Promise<void> {
    const deadline = new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`a probe commit has taken longer than ${this.commitTimeoutMs} ms`)), this.commitTimeoutMs);
      t.unref();
    });
    const run = async () => {
      if (this.dataDir) {
        const file = path.join(this.dataDir, '.log-probe');
        try {
          const fh = await fs.promises.open(file, 'w', 0o600);
          try { await fh.write(Buffer.alloc(4096)); await fh.datasync(); } finally { await fh.close(); }
          await fs.promises.unlink(file);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          const why = code === 'ENOSPC' ? 'the disk is full' : code === 'ENOENT' ? 'the data dir is gone' : code === 'EROFS' || code === 'EACCES' || code === 'EPERM' ? 'the data dir is not writable' : `the data dir cannot be written (${code ?? String(e)})`;
          throw new Error(`${why}: ${this.dataDir}`);
        }
      }
      if (this.dbFileIno !== null) {
        const file = this.store.sqlite!.name;
        const ino = await fs.promises.stat(file).then((st) => st.ino, () => null);
        if (ino !== this.dbFileIno) throw new Error(`the database file was removed or replaced while open: ${file}`);
      }
      try {
        await this.write.probe(this.commitTimeoutMs);
      } catch (e) {
        throw new Error(`the message log cannot be written: ${(e as Error)?.message ?? String(e)}`);
      }
    };
    await Promise.race([run(), deadline]);
  }

  private settle(waiters: Waiter[], error: unknown): void {
    let n = 0;
    for (const w of waiters) {
      if (w.done) continue;
      w.done = true;
      n++;
      if (error) w.reject(error);
      else { const row = w.fields as MessageRow; w.resolve({ nodeId: row.node_id, seq: row.seq, hash: row.hash }); }
    }
    this.settled += n;
    for (let i = this.settledWaiters.length - 1; i >= 0; i--) {
      const sw = this.settledWaiters[i];
      if (this.settled >= sw.target) { this.settledWaiters.splice(i, 1); sw.resolve(); }
    }
  }

  get nodeId(): string { return this.key.nodeId; }

  get stats(): MessageLogStats {
    return { appended: this.committed, batches: this.batchCount, pending: this.enqueued - this.settled, lastSeq: this.headSeq };
  }

  /** Resolves, with the record's place in the chain, once it is durably committed; rejects if its batch failed to commit. */
  append(rec: ExchangeRecord): Promise<LogPosition> {
    if (this.closed) return Promise.reject(new VamcoError('NOT_READY', 'The message log is closed'));
    // Refused at once: a caller must not wait a commit timeout to learn what is already known.
    if (this.unhealthy) return Promise.reject(new VamcoError('NOT_READY', `The message log cannot commit: ${this.unhealthy.reason}`));
    let fields: Fields;
    try {
      fields = toRowFields(rec);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<LogPosition>((resolve, reject) => {
      this.queue.push({ fields, resolve, reject });
      this.enqueued++;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.queue.length === 0 || this.flights.length >= this.pipeline) return;
    if (this.queue.length >= this.maxBatch) { this.startBatch(); return; }
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets every append made in this turn of the event loop join the batch.
    setImmediate(() => { this.scheduled = false; this.startBatch(); });
  }

  private startBatch(): void {
    if (this.queue.length === 0 || this.flights.length >= this.pipeline) return;
    // After a failure the head is read again once every batch in flight has settled.
    if (this.resync && this.flights.length) return;
    const flight: Flight = { batch: this.queue.splice(0, this.maxBatch), started: performance.now() };
    this.flights.push(flight);
    void this.commit(flight).then(() => {
      const i = this.flights.indexOf(flight);
      if (i >= 0) this.flights.splice(i, 1);
      this.schedule();
    });
  }

  /**
   * Never rejects: the outcome goes to each waiter, after the counters say what happened. Without
   * a resync the batch is numbered and handed to the writer before the first await, so batches
   * reach the writer in the order they were started (the journal acknowledges them in that order).
   */
  private async commit(flight: Flight): Promise<void> {
    const { batch } = flight;
    let error: VamcoError | undefined;
    try {
      if (this.resync) {
        // After a failure the outcome may be unknown (connection lost during commit): take the
        // head from where records become durable, which is the only truth.
        const head = this.journal ? await this.journal.settled().then(() => this.journal!.head) : await readMessageHead(this.store, this.key.nodeId);
        this.headSeq = this.nextSeq = head.seq;
        this.headHash = this.nextHash = head.hash;
        this.resync = false;
      }
      let seq = this.nextSeq;
      let prev = this.nextHash;
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
      this.nextSeq = seq;
      this.nextHash = prev;
      await this.write(rows);
      this.committed += rows.length;
      this.batchCount++;
      // Given up on by the commit timeout: the head is re-read before the next batch.
      if (flight.abandoned) return;
      this.headSeq = seq;
      this.headHash = prev;
    } catch (e) {
      // Every batch in flight after this one chains on it and fails with it (the journal undoes them).
      this.resync = true;
      error = new VamcoError('NOT_READY', 'The message log could not be written', { cause: e });
      if (this.monitor) this.trip(`a message-log commit failed: ${(e as Error)?.message ?? String(e)}`);
      if (flight.abandoned) return;
      this.failedBatches++;
      this.lastFailure = error;
    }
    this.settle(batch, error);
  }

  /** Commits everything appended before the call; rejects if any of it failed to commit. */
  async flush(): Promise<void> {
    await this.commitAll();
    // Durable in the journal; flush also means readable in the store.
    if (this.shipper) await this.shipper.drain();
  }

  private async commitAll(): Promise<void> {
    const target = this.enqueued;
    if (this.settled >= target) return;
    // Every batch that settles while we wait holds some of the records we wait for.
    const failedBefore = this.failedBatches;
    await new Promise<void>((resolve) => {
      this.settledWaiters.push({ target, resolve });
      this.startBatch();
    });
    if (this.failedBatches > failedBefore) throw this.lastFailure;
  }

  /** The journal's shipping into the store: records not there yet, and why, if it fails. */
  get shipping(): { backlog: number; shippedSeq: number | null; error: string | null } | null {
    if (!this.shipper) return null;
    const e = this.shipper.lastError ?? (this.shipper.shipped === null && !this.resumed ? 'the store has not been reachable since this node started' : null);
    return { backlog: this.shipper.backlog, shippedSeq: this.shipper.shipped?.seq ?? null, error: e ? String((e as Error)?.message ?? e) : null };
  }

  private resumed = true;

  /**
   * The store is back after an offline open: this node registered there, its last checkpoint
   * read, and shipping starts (idempotent: the shipper asks the store where it stands first).
   */
  async resume(): Promise<void> {
    await registerNode(this.store, this.key);
    // Started without the store, the journal continued this node's chain from its own head. The
    // store must not hold more of the chain than that head, nor a different record at it: it
    // would if the data dir is an older copy (a backup restored, the empty journal of a first
    // start included). Shipping would then store nothing of the records numbered again, since
    // the store ignores a (node, seq) it holds, and prune them from the journal once "shipped".
    if (this.recovery && !this.resumed) {
      const from = this.recovery.head;
      const stored = await readMessageHead(this.store, this.key.nodeId);
      if (stored.seq > from.seq || (stored.seq === from.seq && stored.hash !== from.hash)) {
        throw new VamcoError('JOURNAL_CONFLICT', `The central database holds this node's (${this.key.nodeId}) records up to seq ${stored.seq}, `
          + `but its journal continued the chain after seq ${from.seq} while the database was away: the data dir is an older copy. `
          + conflictAdvice(this.journal?.dir));
      }
    }
    const cp = await this.store.db.selectFrom('log_checkpoints').select('seq')
      .where('chain', '=', 'message').where('node_id', '=', this.key.nodeId)
      .orderBy('seq', 'desc').limit(1).executeTakeFirst();
    this.checkpointedSeq = Math.max(this.checkpointedSeq, cp ? Number(cp.seq) : 0);
    this.resumed = true;
    this.shipper?.start();
  }

  /** Signs the durable head of this node's chain (and the admin trail's head) when it moved. */
  checkpoint(): Promise<void> {
    const run = this.checkpointing.catch(() => {}).then(() => this.doCheckpoint());
    this.checkpointing = run;
    return run;
  }

  private async doCheckpoint(): Promise<void> {
    await this.flush().catch(() => { /* sign what is durable */ });
    // With a journal, what the store holds is what a checkpoint there can speak for.
    const shipped = this.shipper ? this.shipper.shipped : null;
    const head = this.shipper ? shipped : (this.resync ? null : { seq: this.headSeq, hash: this.headHash });
    if (head && head.seq > this.checkpointedSeq) {
      const seq = head.seq;
      await insertCheckpoint(this.store.db, this.key, { chain: 'message', seq, hash: head.hash });
      this.checkpointedSeq = seq;
    }
    if (this.adminCheckpoints) await checkpointAdminHead(this.store.db, this.key);
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
    if (this.monitor) { clearInterval(this.monitor); this.monitor = null; }
    if (this.closed) return this.checkpointing;
    this.closed = true;
    let error: unknown;
    await this.flush().catch((e) => {
      // Durable in the journal and only not shipped (the store away): the next start ships it.
      if (!this.shipper || this.failedBatches > 0 && e === this.lastFailure) error = e;
    });
    await this.checkpoint().catch((e) => { if (!this.shipper) error ??= e; });
    await this.shipper?.stop();
    await this.write.close?.();
    await this.shipWriter?.close?.();
    if (error) throw error;
  }
}
