// On-time statistics per agency and per procedure (the "progress and results" part of the
// service index, Quyết định 766/QĐ-TTg). Definitions, over dossiers received in [from, to]:
//   received        — all of them;
//   finishedOnTime  — finished (status 9 reached) no later than dueAt;
//   finishedLate    — finished after dueAt;
//   overdueNow      — not finished, not closed without result (3, 7, 8), clock running, dueAt passed;
//   onTimeRate      — finishedOnTime / (finishedOnTime + finishedLate), null when nothing finished.
import { sql } from 'kysely';
import { VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import { padb } from '../tables.js';

export interface Counts { received: number; finishedOnTime: number; finishedLate: number; overdueNow: number; onTimeRate: number | null }

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Start of a local (UTC+7) day as a UTC ISO instant. */
const localDayStart = (iso: string) => new Date(Date.parse(iso + 'T00:00:00+07:00')).toISOString();

function finish(c: Omit<Counts, 'onTimeRate'>): Counts {
  const done = c.finishedOnTime + c.finishedLate;
  return { ...c, onTimeRate: done ? Math.round((c.finishedOnTime / done) * 10000) / 10000 : null };
}

export async function dossierStats(store: Store, opts: { agencyCode?: string; from?: string; to?: string; now?: Date }) {
  for (const [k, v] of [['from', opts.from], ['to', opts.to]] as const) {
    if (v !== undefined && v !== '' && (!ISO_DATE.test(v) || Number.isNaN(Date.parse(v)))) throw new VamcoError('VALIDATION_FAILED', `${k}=${v} is not a date (YYYY-MM-DD)`);
  }
  const now = (opts.now ?? new Date()).toISOString();
  let q = padb(store).selectFrom('publicadmin_dossiers')
    .select([
      'agency_code', 'procedure_code',
      (eb) => eb.fn.countAll<number>().as('received'),
      sql<number>`sum(case when finished_at is not null and finished_at <= due_at then 1 else 0 end)`.as('on_time'),
      sql<number>`sum(case when finished_at is not null and finished_at > due_at then 1 else 0 end)`.as('late'),
      sql<number>`sum(case when finished_at is null and status not in (3, 7, 8) and paused_at is null and due_at < ${now} then 1 else 0 end)`.as('overdue'),
    ])
    .groupBy(['agency_code', 'procedure_code']);
  if (opts.agencyCode) q = q.where('agency_code', '=', opts.agencyCode);
  if (opts.from) q = q.where('received_at', '>=', localDayStart(opts.from));
  if (opts.to) {
    const next = new Date(Date.parse(opts.to + 'T00:00:00Z') + 86400_000).toISOString().slice(0, 10);
    q = q.where('received_at', '<', localDayStart(next));
  }
  const rows = await q.execute();
  const zero = () => ({ received: 0, finishedOnTime: 0, finishedLate: 0, overdueNow: 0 });
  const total = zero();
  const byAgency = new Map<string, ReturnType<typeof zero>>();
  const byProcedure = new Map<string, ReturnType<typeof zero>>();
  for (const r of rows) {
    const c = { received: Number(r.received), finishedOnTime: Number(r.on_time), finishedLate: Number(r.late), overdueNow: Number(r.overdue) };
    for (const acc of [total, byAgency.get(r.agency_code) ?? byAgency.set(r.agency_code, zero()).get(r.agency_code)!,
      byProcedure.get(r.procedure_code) ?? byProcedure.set(r.procedure_code, zero()).get(r.procedure_code)!]) {
      acc.received += c.received; acc.finishedOnTime += c.finishedOnTime; acc.finishedLate += c.finishedLate; acc.overdueNow += c.overdueNow;
    }
  }
  const list = (m: Map<string, ReturnType<typeof zero>>, key: string) =>
    [...m.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => ({ [key]: k, ...finish(v) }));
  return {
    from: opts.from ?? null, to: opts.to ?? null, agencyCode: opts.agencyCode ?? null, at: now,
    total: finish(total), byAgency: list(byAgency, 'agencyCode'), byProcedure: list(byProcedure, 'procedureCode'),
  };
}
