// One-stop-shop dossiers: creation with a per-agency daily code, status transitions with the
// clock rules, the full record (every read logged), the public status and the change feed.
import { sql } from 'kysely';
import { VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import { loadCalendar } from '../calendar/holiday-rules.js';
import { localDate } from '../calendar/working-days.js';
import { padb, parseJson, type PaDb } from '../tables.js';
import { nfc } from '../text.js';
import { isSealed, sealContext } from '../../secrets/index.js';
import { getAgency } from '../agencies/agencies.js';
import { getProcedure } from '../procedures/procedures.js';
import { canTransition, FINISHED, RETURNED, STATUS_NAMES, SUPPLEMENT_REQUESTED, TRANSITIONS } from './status.js';

/** Who acts or reads: the client subsystem (X-Road-Client) and the end user (X-Road-UserId). */
export interface Actor { client: string | null; userId: string | null; requestId?: string | null; issue?: string | null }

export interface Applicant {
  name: string;
  /** LoaiDoiTuong: 1 citizen, 2 business. */
  type?: 1 | 2;
  idNumber?: string;
  email?: string;
  phone?: string;
  address?: string;
  [k: string]: unknown;
}

export interface CreateDossierInput {
  procedureCode: string;
  agencyCode: string;
  applicant: Applicant;
  receivedAt?: string;
  summary?: string;
  channel?: string;
  status?: 1 | 2;
  documents?: Array<Record<string, unknown>>;
  fees?: Array<Record<string, unknown>>;
}

const MAX_DAILY = 9999;
// Serialises change-feed inserts on PostgreSQL so event ids become visible in id order and a
// reader paging with `after=` never skips an event committed late.
const FEED_LOCK = 727276;

type DossierRow = Awaited<ReturnType<typeof selectDossier>>;

async function selectDossier(db: PaDb, code: string, forUpdate = false) {
  let q = db.selectFrom('publicadmin_dossiers').selectAll().where('code', '=', code);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

function parseInstant(s: string | undefined, what: string): Date {
  if (s === undefined) return new Date();
  // Require an explicit offset: a bare local time would silently depend on the server's zone.
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) || Number.isNaN(Date.parse(s))) {
    throw new VamcoError('VALIDATION_FAILED', `${what} must be an ISO-8601 date-time with offset, e.g. 2026-04-28T09:00:00+07:00`);
  }
  return new Date(s);
}

export async function appendEvent(db: PaDb, store: Store, e: {
  dossier_code: string; at: string; kind: string; from_status: number | null; to_status: number; actor: Actor; note: string | null; due_at: string | null;
}) {
  if (store.engine === 'postgres') await sql`select pg_advisory_xact_lock(${FEED_LOCK})`.execute(db);
  await db.insertInto('publicadmin_dossier_events').values({
    dossier_code: e.dossier_code, at: e.at, kind: e.kind, from_status: e.from_status, to_status: e.to_status,
    client: e.actor.client, user_id: e.actor.userId, note: e.note, due_at: e.due_at,
  }).execute();
}

function validateApplicant(a: unknown): Applicant {
  if (!a || typeof a !== 'object' || Array.isArray(a)) throw new VamcoError('VALIDATION_FAILED', 'applicant must be an object with at least a name');
  const ap = a as Applicant;
  if (typeof ap.name !== 'string' || !ap.name.trim()) throw new VamcoError('VALIDATION_FAILED', 'applicant.name is required');
  if (ap.type !== undefined && ap.type !== 1 && ap.type !== 2) throw new VamcoError('VALIDATION_FAILED', 'applicant.type must be 1 (citizen) or 2 (business)');
  const out: Applicant = { ...ap };
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string') out[k] = nfc(v);
  return out;
}

export async function createDossier(store: Store, input: CreateDossierInput, actor: Actor) {
  if (!input || typeof input !== 'object') throw new VamcoError('VALIDATION_FAILED', 'body must be a JSON object');
  const applicant = validateApplicant(input.applicant);
  if (typeof input.procedureCode !== 'string' || typeof input.agencyCode !== 'string') {
    throw new VamcoError('VALIDATION_FAILED', 'procedureCode and agencyCode are required');
  }
  const status = input.status ?? 2;
  if (status !== 1 && status !== 2) throw new VamcoError('VALIDATION_FAILED', 'a new dossier has status 1 (Mới đăng ký) or 2 (Được tiếp nhận)');
  const receivedAt = parseInstant(input.receivedAt, 'receivedAt');
  if (receivedAt.getTime() > Date.now() + 5 * 60_000) throw new VamcoError('VALIDATION_FAILED', 'receivedAt is in the future');
  const procedure = await getProcedure(store, input.procedureCode).catch(() => {
    throw new VamcoError('VALIDATION_FAILED', `procedureCode ${input.procedureCode} is not in the procedure catalogue`);
  });
  const agency = await getAgency(store, input.agencyCode).catch(() => {
    throw new VamcoError('VALIDATION_FAILED', `agencyCode ${input.agencyCode} is not a registered agency`);
  });
  if (procedure.processingDays === null) {
    throw new VamcoError('VALIDATION_FAILED', `procedure ${procedure.code} has no processing time in working days, so no due date can be set`);
  }
  const calendar = await loadCalendar(store);
  const dueAt = calendar.dueAt(receivedAt, procedure.processingDays).toISOString();
  const day = localDate(receivedAt); // the code carries the receipt date in Asia/Ho_Chi_Minh
  const yymmdd = day.slice(2).replace(/-/g, '');
  const now = new Date().toISOString();
  const ring = await store.keyring();
  const code = await padb(store).transaction().execute(async (trx) => {
    // One counter row per agency and day, incremented atomically: concurrent creations queue on
    // the row (PostgreSQL row lock, SQLite's single writer) and each gets the next number.
    const counter = await trx.insertInto('publicadmin_dossier_counters')
      .values({ agency_code: agency.code, day, last: 1 })
      .onConflict((oc) => oc.columns(['agency_code', 'day']).doUpdateSet({ last: sql`publicadmin_dossier_counters.last + 1` }))
      .returning('last').executeTakeFirstOrThrow();
    const seq = Number(counter.last);
    if (seq > MAX_DAILY) throw new VamcoError('CONFLICT', `agency ${agency.code} has used all ${MAX_DAILY} dossier numbers for ${day}`);
    const code = `${agency.code}-${yymmdd}-${String(seq).padStart(4, '0')}`;
    await trx.insertInto('publicadmin_dossiers').values({
      code, agency_code: agency.code, procedure_code: procedure.code, status,
      // Personal data: sealed for this dossier (src/secrets); a copy of the database does not read it.
      applicant: ring.seal(JSON.stringify(applicant), sealContext('publicadmin_dossiers', 'applicant', code)),
      summary: input.summary ? nfc(String(input.summary)) : null, channel: input.channel != null ? String(input.channel) : null,
      documents: ring.seal(JSON.stringify(Array.isArray(input.documents) ? input.documents : []), sealContext('publicadmin_dossiers', 'documents', code)),
      fees: JSON.stringify(Array.isArray(input.fees) ? input.fees : []),
      processing_days: procedure.processingDays!, received_at: receivedAt.toISOString(), due_at: dueAt,
      paused_at: null, finished_at: null, returned_at: null, last_note: null, created_at: now, updated_at: now,
    }).execute();
    await appendEvent(trx, store, { dossier_code: code, at: now, kind: 'created', from_status: null, to_status: status, actor, note: null, due_at: dueAt });
    return code;
  });
  return getDossierRecord(store, code);
}

export async function transitionDossier(store: Store, code: string, input: { to: number; note?: string }, actor: Actor) {
  const to = Number(input?.to);
  if (!Number.isInteger(to) || !STATUS_NAMES[to]) throw new VamcoError('VALIDATION_FAILED', '"to" must be a national status code 1–10');
  const note = input.note != null ? nfc(String(input.note)) : null;
  const calendar = await loadCalendar(store);
  await padb(store).transaction().execute(async (trx) => {
    const d = await selectDossier(trx, code, store.engine === 'postgres');
    if (!d) throw new VamcoError('NOT_FOUND', `no dossier ${code}`);
    const from = Number(d.status);
    if (!canTransition(from, to)) {
      const allowed = TRANSITIONS[from] ?? [];
      throw new VamcoError('INVALID_TRANSITION',
        `dossier ${code} is in status ${from} (${STATUS_NAMES[from]}); it cannot go to ${to} (${STATUS_NAMES[to]})` +
        (allowed.length ? `; allowed: ${allowed.join(', ')}` : '; it is final'),
        { extra: { from, to, allowed } });
    }
    const now = new Date();
    const set: Record<string, unknown> = { status: to, updated_at: now.toISOString(), last_note: note ?? d.last_note };
    if (to === SUPPLEMENT_REQUESTED) set.paused_at = now.toISOString();
    if (from === SUPPLEMENT_REQUESTED) {
      // Resubmission: the processing time counts again in full from the day the complete dossier
      // comes back (day 1 = the next working day), as for a new receipt.
      set.paused_at = null;
      set.due_at = calendar.dueAt(now, Number(d.processing_days)).toISOString();
    }
    if (to === FINISHED) set.finished_at = now.toISOString();
    if (to === RETURNED) { set.returned_at = now.toISOString(); set.finished_at = d.finished_at ?? now.toISOString(); }
    const res = await trx.updateTable('publicadmin_dossiers').set(set).where('code', '=', code).where('status', '=', from).executeTakeFirst();
    if (!Number(res.numUpdatedRows)) throw new VamcoError('CONFLICT', `dossier ${code} changed meanwhile; retry`);
    await appendEvent(trx, store, {
      dossier_code: code, at: now.toISOString(), kind: 'transition', from_status: from, to_status: to, actor, note,
      due_at: (set.due_at as string | undefined) ?? d.due_at,
    });
  });
  return getDossierRecord(store, code);
}

async function history(store: Store, code: string) {
  return padb(store).selectFrom('publicadmin_dossier_events').selectAll().where('dossier_code', '=', code).orderBy('id').execute();
}

const dueDateOf = (dueAt: string | null) => (dueAt ? localDate(new Date(dueAt)) : null);

function onTime(d: NonNullable<DossierRow>): boolean | null {
  if (!d.finished_at || !d.due_at) return null;
  return d.finished_at <= d.due_at;
}

/** The full record, personal data included. Callers log the read (see logRead). */
export async function getDossierRecord(store: Store, code: string) {
  const d = await selectDossier(padb(store), code);
  if (!d) throw new VamcoError('NOT_FOUND', `no dossier ${code}`);
  const ring = await store.keyring();
  const personal = (column: 'applicant' | 'documents'): string => {
    const v = d[column];
    return isSealed(v) ? ring.open(v, sealContext('publicadmin_dossiers', column, d.code)) : v;
  };
  const [procedure, agency, events] = await Promise.all([
    getProcedure(store, d.procedure_code).catch(() => null),
    getAgency(store, d.agency_code).catch(() => null),
    history(store, code),
  ]);
  const status = Number(d.status);
  return {
    code: d.code, agencyCode: d.agency_code, agencyName: agency?.name ?? null,
    procedureCode: d.procedure_code, procedureName: procedure?.name ?? null,
    fieldCode: procedure?.fieldCode ?? null, fieldName: procedure?.fieldName ?? null,
    status, statusName: STATUS_NAMES[status], applicant: parseJson<Applicant>(personal('applicant'), { name: '' }),
    summary: d.summary, channel: d.channel, documents: parseJson<unknown[]>(personal('documents'), []), fees: parseJson<unknown[]>(d.fees, []),
    processingDays: Number(d.processing_days), receivedAt: d.received_at, dueAt: d.due_at, dueDate: dueDateOf(d.due_at),
    clockPaused: d.paused_at !== null, pausedAt: d.paused_at, finishedAt: d.finished_at, returnedAt: d.returned_at,
    onTime: onTime(d), note: d.last_note,
    history: events.map((e) => ({
      at: e.at, kind: e.kind, from: e.from_status === null ? null : Number(e.from_status), to: Number(e.to_status),
      statusName: STATUS_NAMES[Number(e.to_status)], note: e.note, dueAt: e.due_at, by: { client: e.client, userId: e.user_id },
    })),
  };
}
export type DossierRecord = Awaited<ReturnType<typeof getDossierRecord>>;

/** Status and dates only — no applicant, notes or officials — for the citizen portal. */
export async function getDossierStatus(store: Store, code: string) {
  const d = await selectDossier(padb(store), code);
  if (!d) throw new VamcoError('NOT_FOUND', `no dossier ${code}`);
  const procedure = await getProcedure(store, d.procedure_code).catch(() => null);
  const events = await history(store, code);
  const status = Number(d.status);
  return {
    code: d.code, procedureCode: d.procedure_code, procedureName: procedure?.name ?? null, agencyCode: d.agency_code,
    status, statusName: STATUS_NAMES[status], receivedAt: d.received_at, dueAt: d.due_at, dueDate: dueDateOf(d.due_at),
    clockPaused: d.paused_at !== null, finishedAt: d.finished_at, returnedAt: d.returned_at,
    history: events.map((e) => ({ at: e.at, status: Number(e.to_status), statusName: STATUS_NAMES[Number(e.to_status)] })),
  };
}

export async function logRead(store: Store, code: string, actor: Actor, format: string): Promise<void> {
  await padb(store).insertInto('publicadmin_dossier_reads').values({
    dossier_code: code, at: new Date().toISOString(), client: actor.client, user_id: actor.userId,
    request_id: actor.requestId ?? null, issue: actor.issue ?? null, format,
  }).execute();
}

export async function listReads(store: Store, opts: { dossierCode?: string; client?: string; userId?: string; from?: string; to?: string; limit?: number; offset?: number }) {
  let q = padb(store).selectFrom('publicadmin_dossier_reads');
  if (opts.dossierCode) q = q.where('dossier_code', '=', opts.dossierCode);
  if (opts.client) q = q.where('client', '=', opts.client);
  if (opts.userId) q = q.where('user_id', '=', opts.userId);
  if (opts.from) q = q.where('at', '>=', opts.from);
  if (opts.to) q = q.where('at', '<', opts.to);
  const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await q.selectAll().orderBy('id', 'desc').limit(opts.limit ?? 100).offset(opts.offset ?? 0).execute();
  const items = rows.map((r) => ({ id: Number(r.id), dossierCode: r.dossier_code, at: r.at, client: r.client, userId: r.user_id, requestId: r.request_id, issue: r.issue, format: r.format }));
  return { items, total };
}

/** Ordered feed of dossier events after an opaque cursor (no personal data in it). */
export async function changes(store: Store, after: string | undefined, limit = 100) {
  let cursor = 0;
  if (after !== undefined && after !== '') {
    if (!/^\d{1,15}$/.test(after)) throw new VamcoError('VALIDATION_FAILED', `after=${after} is not a cursor returned by this feed`);
    cursor = Number(after);
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new VamcoError('VALIDATION_FAILED', 'limit must be 1–1000');
  const db = padb(store);
  const rows = await db.selectFrom('publicadmin_dossier_events').selectAll().where('id', '>', cursor).orderBy('id').limit(limit).execute();
  const total = Number((await db.selectFrom('publicadmin_dossier_events').select((eb) => eb.fn.countAll<number>().as('n')).where('id', '>', cursor).executeTakeFirstOrThrow()).n);
  const items = rows.map((e) => ({
    cursor: String(e.id), dossierCode: e.dossier_code, at: e.at, kind: e.kind,
    from: e.from_status === null ? null : Number(e.from_status), to: Number(e.to_status), dueAt: e.due_at,
  }));
  return { items, total, nextCursor: items.length ? items[items.length - 1].cursor : String(cursor) };
}
