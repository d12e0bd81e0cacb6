// Recomputing the due dates of dossiers already received, after an operator entered a holiday
// decision late. A dossier keeps the deadline it was given at receipt (or at resubmission)
// until an operator runs this: a legal date does not move on its own. Each change is an event
// on the dossier (kind "deadline-recomputed", in its history and the change feed) and the run
// is one entry in the admin trail.
import { sql } from 'kysely';
import { VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import { loadCalendar } from '../calendar/holiday-rules.js';
import { isIsoDate } from '../calendar/working-days.js';
import { padb } from '../tables.js';
import { trail, type Who } from '../trail.js';
import { appendEvent } from './dossiers.js';
import { CLOSED_WITHOUT_RESULT, SUPPLEMENT_REQUESTED } from './status.js';

export interface RecomputeOptions {
  /** Only report what would change. */
  dryRun?: boolean;
  agencyCode?: string;
  /** Local dates (YYYY-MM-DD) bounding the receipt date, inclusive. */
  receivedFrom?: string;
  receivedTo?: string;
}

export interface DeadlineChange { code: string; agencyCode: string; from: string; to: string; countedFrom: string }

const MAX_LISTED = 1000;
const dayStart = (day: string) => new Date(Date.parse(day + 'T00:00:00+07:00')).toISOString();
const nextDayStart = (day: string) => new Date(Date.parse(day + 'T00:00:00+07:00') + 86_400_000).toISOString();

/**
 * Due dates of the open dossiers (not finished, not closed, clock running) under the current
 * holiday rules, counted from the receipt or from the last resubmission as when they were set.
 * Paused dossiers are skipped: they get a fresh deadline when the documents come back.
 */
export async function recomputeDeadlines(store: Store, opts: RecomputeOptions, who: Who & { client: string }) {
  for (const k of ['receivedFrom', 'receivedTo'] as const) {
    if (opts[k] !== undefined && !isIsoDate(opts[k])) throw new VamcoError('VALIDATION_FAILED', `${k} must be a date YYYY-MM-DD`, { extra: { field: k } });
  }
  const calendar = await loadCalendar(store);
  const db = padb(store);
  let q = db.selectFrom('publicadmin_dossiers as d')
    .select(['d.code', 'd.agency_code', 'd.status', 'd.processing_days', 'd.received_at', 'd.due_at'])
    .where('d.finished_at', 'is', null).where('d.paused_at', 'is', null)
    .where('d.status', 'not in', [...CLOSED_WITHOUT_RESULT]);
  if (opts.agencyCode) q = q.where('d.agency_code', '=', opts.agencyCode);
  if (opts.receivedFrom) q = q.where('d.received_at', '>=', dayStart(opts.receivedFrom));
  if (opts.receivedTo) q = q.where('d.received_at', '<', nextDayStart(opts.receivedTo));
  const open = await q.orderBy('d.received_at').execute();
  // The clock restarts at a resubmission (5 → 4): count from the last one, as transitionDossier did.
  const restarts = new Map<string, string>();
  const codes = open.map((d) => d.code);
  for (let i = 0; i < codes.length; i += 500) {
    const rows = await db.selectFrom('publicadmin_dossier_events').select(['dossier_code', sql<string>`max(at)`.as('at')])
      .where('dossier_code', 'in', codes.slice(i, i + 500)).where('kind', '=', 'transition')
      .where('from_status', '=', SUPPLEMENT_REQUESTED).where('to_status', '=', 4)
      .groupBy('dossier_code').execute();
    for (const r of rows) restarts.set(r.dossier_code, r.at);
  }
  const changes: DeadlineChange[] = [];
  for (const d of open) {
    const countedFrom = restarts.get(d.code) ?? d.received_at;
    const due = calendar.dueAt(new Date(countedFrom), Number(d.processing_days)).toISOString();
    if (due !== d.due_at) changes.push({ code: d.code, agencyCode: d.agency_code, from: d.due_at ?? '', to: due, countedFrom });
  }
  let applied = 0;
  if (!opts.dryRun && changes.length) {
    const now = new Date().toISOString();
    await db.transaction().execute(async (trx) => {
      for (const c of changes) {
        // Only if nothing moved the dossier meanwhile; otherwise it is left for the next run.
        const res = await trx.updateTable('publicadmin_dossiers').set({ due_at: c.to, updated_at: now })
          .where('code', '=', c.code).where('due_at', '=', c.from).where('finished_at', 'is', null).where('paused_at', 'is', null)
          .executeTakeFirst();
        if (!Number(res.numUpdatedRows)) continue;
        applied++;
        const status = open.find((d) => d.code === c.code)!.status;
        await appendEvent(trx, store, {
          dossier_code: c.code, at: now, kind: 'deadline-recomputed', from_status: Number(status), to_status: Number(status),
          actor: { client: who.client, userId: who.actor }, note: `Tính lại hạn theo lịch nghỉ hiện hành; hạn trước: ${c.from}`, due_at: c.to,
        });
      }
      await trail(trx, who, {
        action: 'publicadmin.dossier_deadlines.recompute', target: 'dossiers',
        after: { filters: { agencyCode: opts.agencyCode ?? null, receivedFrom: opts.receivedFrom ?? null, receivedTo: opts.receivedTo ?? null },
          checked: open.length, changed: applied, dossiers: changes.slice(0, MAX_LISTED).map((c) => ({ code: c.code, from: c.from, to: c.to })) },
      });
    });
  }
  return {
    dryRun: !!opts.dryRun, checked: open.length, changed: opts.dryRun ? changes.length : applied,
    items: changes.slice(0, MAX_LISTED), truncated: changes.length > MAX_LISTED,
  };
}
