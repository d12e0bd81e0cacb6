// Message-log queries for the admin API and CLI: the same Kysely on both engines.
import { sql } from 'kysely';
import { VamcoError } from '../core/index.js';
import type { Store } from '../store/index.js';
import { fromRow, isoTime } from './chain.js';
import { CREDENTIAL_KINDS, type LoggedMessage, type LoggedMessageDetail, type MessageQuery } from './types.js';

interface Cursor { at: string; nodeId: string; seq: number }

const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify([c.at, c.nodeId, c.seq]), 'utf8').toString('base64url');

function decodeCursor(text: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'string' && Number.isSafeInteger(v[2])) {
      return { at: v[0], nodeId: v[1], seq: v[2] as number };
    }
  } catch { /* reported below */ }
  throw new VamcoError('BAD_REQUEST', 'cursor is not one this server returned');
}

function statusRange(s: number | string): [number, number] {
  const text = String(s).trim().toLowerCase();
  if (/^[1-5]xx$/.test(text)) { const c = Number(text[0]) * 100; return [c, c + 100]; }
  if (/^\d{3}$/.test(text)) { const c = Number(text); return [c, c + 1]; }
  throw new VamcoError('BAD_REQUEST', `status must be a code like 200 or a class like 4xx, not "${String(s)}"`);
}

// Bodies can hold personal data and be large: lists leave them out, getMessage has them.
const LIST_COLUMNS = [
  'node_id', 'seq', 'message_id', 'request_id', 'at', 'client', 'service', 'method', 'path', 'status', 'duration_ms',
  'request_size', 'response_size', 'request_digest', 'response_digest', 'user_id', 'issue', 'error_code', 'upstream', 'credential', 'prev_hash', 'hash',
] as const;

/** Newest first, by (at, node_id, seq) descending; `nextCursor` continues after the last item. */
export async function searchMessages(store: Store, q: MessageQuery): Promise<{ items: LoggedMessage[]; nextCursor: string | null }> {
  const limit = q.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new VamcoError('BAD_REQUEST', 'limit must be an integer from 1 to 1000');
  let query = store.db.selectFrom('message_log').select(LIST_COLUMNS);
  if (q.from !== undefined) query = query.where('at', '>=', isoTime(q.from, 'from'));
  if (q.to !== undefined) query = query.where('at', '<', isoTime(q.to, 'to'));
  if (q.client !== undefined) query = query.where('client', '=', q.client);
  if (q.member !== undefined) {
    // Records where the member's subsystems are client or provider ("INSTANCE/CLASS/CODE").
    // substr, not LIKE: SQLite's LIKE ignores case, and member codes are case-sensitive.
    const prefix = q.member + '/';
    const head = (col: 'client' | 'service') => sql<string>`substr(${sql.ref(col)}, 1, ${prefix.length})`;
    query = query.where((eb) => eb.or([eb(head('client'), '=', prefix), eb(head('service'), '=', prefix)]));
  }
  if (q.service !== undefined) query = query.where('service', '=', q.service);
  if (q.messageId !== undefined) query = query.where('message_id', '=', q.messageId);
  if (q.credential !== undefined) {
    if (!(CREDENTIAL_KINDS as readonly string[]).includes(q.credential)) throw new VamcoError('BAD_REQUEST', `credential must be one of ${CREDENTIAL_KINDS.join(', ')}`);
    // A certificate's text carries its fingerprint after "certificate:".
    const kind = q.credential;
    query = kind === 'certificate'
      ? query.where(sql<string>`substr(${sql.ref('credential')}, 1, 12)`, '=', 'certificate:')
      : query.where('credential', '=', kind);
  }
  if (q.status !== undefined) {
    const [lo, hi] = statusRange(q.status);
    query = query.where('status', '>=', lo).where('status', '<', hi);
  } else {
    // Request records (status 0) are the first half of an exchange: the list shows outcomes.
    query = query.where('status', '>', 0);
  }
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor);
    query = query.where((eb) => eb.or([
      eb('at', '<', c.at),
      eb.and([eb('at', '=', c.at), eb('node_id', '<', c.nodeId)]),
      eb.and([eb('at', '=', c.at), eb('node_id', '=', c.nodeId), eb('seq', '<', c.seq)]),
    ]));
  }
  const rows = await query.orderBy('at', 'desc').orderBy('node_id', 'desc').orderBy('seq', 'desc').limit(limit + 1).execute();
  const more = rows.length > limit;
  const items = rows.slice(0, limit).map((r) => {
    const rec = fromRow({ ...r, request_body: null, response_body: null });
    delete rec.requestBody;
    delete rec.responseBody;
    return { ...rec, nodeId: r.node_id, seq: Number(r.seq), hash: r.hash };
  });
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor({ at: last.at, nodeId: last.nodeId, seq: last.seq }) : null };
}

export async function getMessage(store: Store, nodeId: string, seq: number): Promise<LoggedMessageDetail | undefined> {
  if (!Number.isSafeInteger(seq)) return undefined;
  const r = await store.db.selectFrom('message_log').selectAll().where('node_id', '=', nodeId).where('seq', '=', seq).executeTakeFirst();
  if (!r) return undefined;
  return { ...fromRow(r), nodeId: r.node_id, seq: Number(r.seq), prevHash: r.prev_hash, hash: r.hash };
}
