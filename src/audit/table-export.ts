// Filtered views of the message log and the admin trail as files an operator opens in a
// spreadsheet (CSV) or feeds to tools (JSON Lines). Not the signed export (export-file.ts):
// these carry what the console shows, page by page from the same searches, up to a cap.
import type { Store } from '../store/index.js';
import type { MessageQuery } from './types.js';
import { searchMessages } from './search.js';
import { listAdminTrail, type TrailQuery } from './admin-trail.js';

export type TableFormat = 'csv' | 'jsonl';
/** Rows one export holds at most: a bigger view is narrowed by its filter (or taken with `vamco audit export`). */
export const EXPORT_MAX_ROWS = 100_000;

const MESSAGE_COLUMNS = ['at', 'messageId', 'requestId', 'client', 'service', 'method', 'path', 'status', 'durationMs', 'requestSize', 'responseSize', 'userId', 'issue', 'errorCode', 'nodeId', 'seq', 'hash'] as const;
const TRAIL_COLUMNS = ['seq', 'at', 'actor', 'action', 'target', 'address', 'before', 'after'] as const;

/**
 * One CSV field (RFC 4180). Text a spreadsheet would run as a formula (=, +, -, @, tab, CR at
 * its start) is prefixed with an apostrophe: a logged path or name must not become a formula.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function* lines<T extends object>(format: TableFormat, columns: readonly string[], pages: AsyncIterable<T[]>): AsyncGenerator<string> {
  // The byte-order mark makes spreadsheet programs read the file as UTF-8 (Vietnamese names).
  if (format === 'csv') yield '\uFEFF' + columns.join(',') + '\r\n';
  let n = 0;
  for await (const items of pages) {
    let chunk = '';
    for (const item of items) {
      if (n++ >= EXPORT_MAX_ROWS) break;
      const rec = item as Record<string, unknown>;
      chunk += format === 'csv' ? columns.map((c) => csvField(rec[c])).join(',') + '\r\n' : JSON.stringify(Object.fromEntries(columns.map((c) => [c, rec[c] ?? null]))) + '\n';
    }
    if (chunk) yield chunk;
    if (n >= EXPORT_MAX_ROWS) return;
  }
}

/**
 * The message-log records the search finds (newest first), as CSV or JSON Lines. The first page
 * is read before it resolves: a bad filter is refused as an error, not as a file cut short.
 */
export async function exportMessages(store: Store, q: Omit<MessageQuery, 'limit' | 'cursor'>, format: TableFormat): Promise<AsyncGenerator<string>> {
  let page = await searchMessages(store, { ...q, limit: 1000 });
  async function* pages() {
    for (;;) {
      yield page.items;
      if (!page.nextCursor) return;
      page = await searchMessages(store, { ...q, limit: 1000, cursor: page.nextCursor });
    }
  }
  return lines(format, MESSAGE_COLUMNS, pages());
}

/** The admin-trail entries the filter finds (newest first), as CSV or JSON Lines; a bad filter is refused first. */
export async function exportAdminTrail(store: Store, q: Omit<TrailQuery, 'limit' | 'before'>, format: TableFormat): Promise<AsyncGenerator<string>> {
  let page = await listAdminTrail(store, { ...q, limit: 1000 });
  async function* pages() {
    for (;;) {
      yield page.items;
      if (page.nextBefore === null) return;
      page = await listAdminTrail(store, { ...q, limit: 1000, before: page.nextBefore });
    }
  }
  return lines(format, TRAIL_COLUMNS, pages());
}
