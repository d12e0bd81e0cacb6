// Whether the central database can be reached at all, asked with a deadline of its own: a
// node that cannot reach it starts from its cached registry snapshot instead of waiting on
// a pool with no connect timeout (issue 13, item 1). Only "not there" counts: a wrong
// password or a missing database is a configuration error, and the start says so as before.
import { loadPg } from './pg.js';

// Socket-level failures and PostgreSQL's "not accepting connections now" (starting up, shutting down).
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', '57P01', '57P03']);

/** True when `e` says the database is away (not that it refused us). */
export function isUnreachable(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | null;
  if (err?.code && UNREACHABLE.has(err.code)) return true;
  return /timeout expired|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/i.test(err?.message ?? '');
}

/** Null when PostgreSQL at `url` answers within `timeoutMs`; otherwise why it is unreachable. Other failures are thrown. */
export async function storeUnreachable(url: string, timeoutMs = 10_000): Promise<Error | null> {
  const client = new (loadPg().Client)({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (e) {
    if (isUnreachable(e)) return e as Error;
    throw e;
  } finally {
    await client.end().catch(() => {});
  }
}
