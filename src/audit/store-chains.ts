// Reads chains out of the database batch by batch (keyset pagination: never a whole chain, no
// cursor held open across batches), each checkpoint placed right after the record it signs: the
// order verify and export need. Raw SQL through a small query function rather than Kysely: this
// is the audit's bulk path (query building was a fifth of verify's profile), and the same reader
// runs on verify's worker threads, which open their own connections (src/audit/verify-thread.ts).
import crypto from 'node:crypto';
import type pg from 'pg';
import type Database from 'better-sqlite3';
import type { Store, CheckpointTable, Engine } from '../store/index.js';
import type { AdminRow, MessageRow } from './chain.js';
import type { ChainName } from './checkpoints.js';

/** Rows per query: large enough that a query's own cost is small per row, small enough to keep memory flat. */
export const BATCH = 2000;

/**
 * Bytes (as stored, UTF-8) of a message page's large text (path and logged bodies) at most, whatever the rows'
 * size: 2,000 records with bodies logged (up to VAMCO_LOG_BUFFER_BYTES each) would otherwise be
 * gigabytes in one page. A page holds at least one record, however large.
 */
export const PAGE_BYTES = 4 * 1024 * 1024;

/**
 * Runs one read with `?` placeholders and returns its rows as arrays, columns in the order
 * selected: the drivers build arrays at a fraction of the cost of objects (better-sqlite3 spent
 * four times as long building a 23-column row object as reading the row).
 */
export type ChainQuery = (text: string, params: readonly unknown[]) => Promise<unknown[][]>;

/** How a thread other than the store's own reaches the same database. */
export type ChainSourceSpec = { engine: 'sqlite'; file: string } | { engine: 'postgres'; connectionString: string };

export type ChainEvent<R> = { kind: 'record'; row: R } | { kind: 'checkpoint'; row: CheckpointTable };

const pgText = (text: string): string => { let i = 0; return text.replace(/\?/g, () => `$${++i}`); };

function sqliteQuery(db: Database.Database): ChainQuery {
  const statements = new Map<string, Database.Statement>();
  return async (text, params) => {
    let s = statements.get(text);
    if (!s) { s = db.prepare(text).raw(true); statements.set(text, s); }
    return s.all(...params) as unknown[][];
  };
}

function pgQuery(pool: pg.Pool | pg.Client): ChainQuery {
  // Named statements: PostgreSQL plans each once per connection instead of once per batch. A
  // pooled connection keeps its statements, so a name must always mean the same text.
  const names = new Map<string, { name: string; text: string }>();
  return async (text, params) => {
    let q = names.get(text);
    if (!q) { q = { name: `vamco_chain_${crypto.hash('sha256', text, 'hex').slice(0, 24)}`, text: pgText(text) }; names.set(text, q); }
    return (await pool.query({ name: q.name, text: q.text, values: params as unknown[], rowMode: 'array' })).rows as unknown[][];
  };
}

/** The store's own connection (the calling thread). */
export function storeQuery(store: Store): ChainQuery {
  if (store.sqlite) return sqliteQuery(store.sqlite);
  if (store.pool) return pgQuery(store.pool);
  throw new Error(`store engine ${store.engine} has no raw driver`);
}

/** Where another thread finds the store's database, or undefined when it cannot (an in-memory SQLite). */
export function storeSpec(store: Store): ChainSourceSpec | undefined {
  if (store.sqlite) return store.sqlite.memory ? undefined : { engine: 'sqlite', file: store.sqlite.name };
  const cs = (store.pool as (pg.Pool & { options?: { connectionString?: string } }) | undefined)?.options?.connectionString;
  return cs ? { engine: 'postgres', connectionString: cs } : undefined;
}

/** Opens a read-only connection of this thread's own to the database named by `spec`. */
export async function openChainQuery(spec: ChainSourceSpec): Promise<{ engine: Engine; query: ChainQuery; close(): Promise<void> }> {
  if (spec.engine === 'sqlite') {
    const { default: Sqlite } = await import('better-sqlite3');
    const db = new Sqlite(spec.file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return { engine: 'sqlite', query: sqliteQuery(db), close: async () => { db.close(); } };
  }
  const { default: pgLib } = await import('pg');
  // int8 and numeric as numbers, as the store reads them (src/store/db.ts).
  const types = { getTypeParser: (oid: number, format?: string) => (oid === 20 || oid === 1700 ? Number : pgLib.types.getTypeParser(oid, format as 'text')) };
  const client = new pgLib.Client({ connectionString: spec.connectionString, types: types as pg.CustomTypesConfig });
  await client.connect();
  client.on('error', () => {});
  return { engine: 'postgres', query: pgQuery(client), close: () => client.end() };
}

/** Runs `text` with `fixed`, then the keyset values (`first`, then `after(last row)`), then the batch size. */
async function* pages<R>(query: ChainQuery, text: string, fixed: readonly unknown[], first: readonly unknown[], row: (a: unknown[]) => R, after: (r: R) => unknown[]): AsyncGenerator<R> {
  let next = first;
  for (;;) {
    const rows = await query(text, [...fixed, ...next, BATCH]);
    const n = rows.length;
    let last: R | undefined;
    for (const a of drain(rows)) { last = row(a); yield last; }
    if (n < BATCH) return;
    next = after(last!);
  }
}

/**
 * Hands out a page's rows, letting go of each as it goes: a generator's frame can keep the
 * array it read alive while it awaits the next page, and a page of large rows held twice is
 * what ran an export in a 64 MB heap out of memory (test/audit-export-memory.test.ts).
 */
function* drain(rows: unknown[][]): Generator<unknown[]> {
  for (let i = 0; i < rows.length; i++) { const a = rows[i]!; rows[i] = EMPTY; yield a; }
  rows.length = 0;
}
const EMPTY: unknown[] = [];

const columns = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');

// Each row type's columns, selected in this order and read back by position.
const MESSAGE_COLUMNS = columns(['node_id', 'seq', 'message_id', 'request_id', 'at', 'client', 'service', 'method', 'path', 'status',
  'duration_ms', 'request_size', 'response_size', 'request_digest', 'response_digest', 'user_id', 'issue', 'error_code',
  'request_body', 'response_body', 'upstream', 'prev_hash', 'hash', 'credential']);
const messageRow = (a: unknown[]): MessageRow => ({
  node_id: a[0] as string, seq: Number(a[1]), message_id: a[2] as string, request_id: a[3] as string, at: a[4] as string,
  client: a[5] as string | null, service: a[6] as string | null, method: a[7] as string, path: a[8] as string,
  status: Number(a[9]), duration_ms: Number(a[10]), request_size: Number(a[11]), response_size: Number(a[12]),
  request_digest: a[13] as string | null, response_digest: a[14] as string | null, user_id: a[15] as string | null,
  issue: a[16] as string | null, error_code: a[17] as string | null, request_body: a[18] as string | null,
  response_body: a[19] as string | null, upstream: a[20] as string | null, prev_hash: a[21] as string, hash: a[22] as string,
  credential: (a[23] ?? null) as string | null,
});

const ADMIN_COLUMNS = columns(['seq', 'at', 'actor', 'action', 'target', 'address', 'before', 'after', 'prev_hash', 'hash']);
const adminRow = (a: unknown[]): AdminRow => ({
  seq: Number(a[0]), at: a[1] as string, actor: a[2] as string, action: a[3] as string, target: a[4] as string,
  address: a[5] as string | null, before: a[6] as string | null, after: a[7] as string | null, prev_hash: a[8] as string, hash: a[9] as string,
});

const CHECKPOINT_COLUMNS = columns(['node_id', 'chain', 'seq', 'hash', 'at', 'signature', 'prev']);
const checkpointRow = (a: unknown[]): CheckpointTable => ({
  node_id: a[0] as string, chain: a[1] as string, seq: Number(a[2]), hash: a[3] as string, at: a[4] as string, signature: a[5] as string, prev: a[6] as string | null,
});

// octet_length reads a value's size without its content on both engines (SQLite 3.43+ from the
// record header, PostgreSQL from the TOAST header): sizing a page costs little next to reading it.
// Summed as bigint: three int4 lengths on PostgreSQL could pass int4's range.
const MESSAGE_SIZES = `select seq, cast(octet_length(path) as bigint) + coalesce(octet_length(request_body), 0) + coalesce(octet_length(response_body), 0)
  from message_log where node_id = ? and seq > ? order by seq limit ?`;
const MESSAGE_PAGE = `select ${MESSAGE_COLUMNS} from message_log where node_id = ? and seq > ? and seq <= ? order by seq`;

/** The last seq of a page: the rows that fit in PAGE_BYTES, at least one. */
function pageEnd(sizes: unknown[][]): number {
  let bytes = 0;
  let end = Number(sizes[0]![0]);
  for (const [seq, size] of sizes) {
    bytes += Number(size);
    if (bytes > PAGE_BYTES) break;
    end = Number(seq);
  }
  return end;
}

/** Pages of at most BATCH records and PAGE_BYTES of text: each page sized first, then read up to its end. */
async function* messageRows(query: ChainQuery, nodeId: string): AsyncGenerator<MessageRow> {
  let after = 0;
  for (;;) {
    const sizes = await query(MESSAGE_SIZES, [nodeId, after, BATCH]);
    if (sizes.length === 0) return;
    const end = pageEnd(sizes);
    // Whole when the sizes were fewer than BATCH and all fit: the chain's end as it was then.
    const whole = sizes.length < BATCH && end === Number(sizes[sizes.length - 1]![0]);
    for (const a of drain(await query(MESSAGE_PAGE, [nodeId, after, end]))) yield messageRow(a);
    if (whole) return;
    after = end;
  }
}

const adminRows = (query: ChainQuery): AsyncGenerator<AdminRow> =>
  pages(query, `select ${ADMIN_COLUMNS} from admin_audit where seq > ? order by seq limit ?`, [], [0], adminRow, (r) => [r.seq]);

async function* checkpointRows(query: ChainQuery, chain: ChainName, nodeId?: string): AsyncGenerator<CheckpointTable> {
  // Only checkpoints that existed before the records are read: on a live system a checkpoint
  // signed mid-read would otherwise look like records missing after it. A checkpoint is
  // written after the records it covers, so every record these cover is there to be read.
  const byNode = nodeId !== undefined ? ' and node_id = ?' : '';
  const scope = nodeId !== undefined ? [chain, nodeId] : [chain];
  const top = (await query(`select max(seq) from log_checkpoints where chain = ?${byNode}`, scope))[0]?.[0];
  if (top === null || top === undefined) return;
  const text = `select ${CHECKPOINT_COLUMNS} from log_checkpoints where chain = ?${byNode} and seq <= ? and (seq > ? or (seq = ? and node_id > ?)) order by seq, node_id limit ?`;
  yield* pages(query, text, [...scope, Number(top)], [-1, -1, ''], checkpointRow, (r) => [r.seq, r.seq, r.node_id]);
}

async function* interleave<R extends { seq: number }>(records: AsyncGenerator<R>, checkpoints: AsyncGenerator<CheckpointTable>): AsyncGenerator<ChainEvent<R>> {
  // The first checkpoint page (and its bound) is read before any record.
  let cp = await checkpoints.next();
  for await (const row of records) {
    // A checkpoint below this record has no record of its own (a gap): it goes first.
    while (!cp.done && cp.value.seq < row.seq) { yield { kind: 'checkpoint', row: cp.value }; cp = await checkpoints.next(); }
    yield { kind: 'record', row };
    while (!cp.done && cp.value.seq === row.seq) { yield { kind: 'checkpoint', row: cp.value }; cp = await checkpoints.next(); }
  }
  while (!cp.done) { yield { kind: 'checkpoint', row: cp.value }; cp = await checkpoints.next(); }
}

export const messageChain = (query: ChainQuery, nodeId: string): AsyncGenerator<ChainEvent<MessageRow>> =>
  interleave(messageRows(query, nodeId), checkpointRows(query, 'message', nodeId));

export const adminChain = (query: ChainQuery): AsyncGenerator<ChainEvent<AdminRow>> =>
  interleave(adminRows(query), checkpointRows(query, 'admin'));

/** Every node with a message chain or a message checkpoint, sorted. */
export async function chainNodes(store: Store): Promise<string[]> {
  const a = await store.db.selectFrom('message_log').select('node_id').distinct().execute();
  const b = await store.db.selectFrom('log_checkpoints').select('node_id').where('chain', '=', 'message').distinct().execute();
  return [...new Set([...a, ...b].map((r) => r.node_id))].sort();
}

export async function registeredNodes(store: Store): Promise<Array<{ node_id: string; public_key: string }>> {
  return store.db.selectFrom('nodes').select(['node_id', 'public_key']).orderBy('node_id').execute();
}
