// Admin API routes (mounted by the core under /api/v1, behind admin authentication):
// agencies CRUD, holiday rules, the computed calendar, the dossier read-access log, and the
// read-only views the console browses (units by date, procedures, dossiers, stats). The views
// call the same functions as the gateway services, so both give the same answers.
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { reason, toProblem, VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import type { HolidayRule } from '../calendar/working-days.js';
import { deleteAgency, getAgency, listAgencies, upsertAgency } from '../agencies/agencies.js';
import { addHolidayRules, calendarYear, deleteHolidayRule, listHolidayRules, updateHolidayRule } from '../calendar/holiday-rules.js';
import { COMPENSATIONS, HOLIDAY_KINDS, MAX_YEAR, MIN_YEAR } from '../calendar/working-days.js';
import { recomputeDeadlines } from '../dossiers/deadlines.js';
import type { Who } from '../trail.js';
import { getDossierRecord, listReads, logRead } from '../dossiers/dossiers.js';
import { dossierStats } from '../dossiers/stats.js';
import { CLOSED_WITHOUT_RESULT, STATUS_NAMES } from '../dossiers/status.js';
import { getProcedure, listProcedures } from '../procedures/procedures.js';
import { padb } from '../tables.js';
import { asOf, getUnit, listMappings, listProvinces, searchUnits } from '../units/units.js';
import { asVamcoError } from './server.js';

const AgencyBody = Type.Object({
  code: Type.String(), name: Type.String({ minLength: 1 }), shortName: Type.Optional(Type.String()), parentCode: Type.Optional(Type.String()),
  unitCode: Type.Optional(Type.String()), address: Type.Optional(Type.String()), email: Type.Optional(Type.String()), phone: Type.Optional(Type.String()),
});
const RuleBody = Type.Object({
  kind: Type.Union(HOLIDAY_KINDS.map((k) => Type.Literal(k))), name: Type.String({ minLength: 1 }),
  month: Type.Optional(Type.Integer()), day: Type.Optional(Type.Integer()), date: Type.Optional(Type.String()),
  offsetDays: Type.Optional(Type.Integer()), lengthDays: Type.Optional(Type.Integer()), compensate: Type.Optional(Type.Boolean()),
  fromYear: Type.Optional(Type.Integer()), toYear: Type.Optional(Type.Integer()), enabled: Type.Optional(Type.Boolean()),
  compensation: Type.Optional(Type.Union(COMPENSATIONS.map((c) => Type.Literal(c)))),
  source: Type.Optional(Type.String({ maxLength: 500, description: 'The decision or official letter with its number and date (required for an operator rule)' })),
});
const RecomputeBody = Type.Object({
  dryRun: Type.Optional(Type.Boolean()), agencyCode: Type.Optional(Type.String()),
  receivedFrom: Type.Optional(Type.String({ description: 'YYYY-MM-DD (Asia/Ho_Chi_Minh), inclusive' })), receivedTo: Type.Optional(Type.String({ description: 'YYYY-MM-DD, inclusive' })),
});
const Page = { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) };
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (Asia/Ho_Chi_Minh)' });

/**
 * Who is browsing, as the mounting core resolves it: `reader` goes into the dossier read log
 * (e.g. "user:alice"); `agencies` are the agency codes whose dossiers they may see ('all' for
 * platform admins and auditors). The wing knows agencies, not accounts, so the core maps.
 */
export interface Viewer { reader: string; agencies: 'all' | readonly string[] }
export interface PublicAdminAdminOptions {
  store: Store;
  viewer?: (req: FastifyRequest) => Viewer;
  /** Who changes reference data, and the admin-trail writer (the mounting core supplies both). */
  who?: (req: FastifyRequest) => Who;
}

/** Routes whose handlers write their own admin-trail entries (the core's generic hook skips them). */
export const SELF_TRAILED = { selfTrailed: true } as const;

/** Console reads are logged under this client name, next to the gateway's client subsystems. */
export const CONSOLE_READER_CLIENT = 'console';

const mayRead = (v: Viewer, agencyCode: string) => v.agencies === 'all' || v.agencies.includes(agencyCode);

/** Start of a local (UTC+7) day as a UTC ISO instant, for received-from/to filters. */
const dayStart = (day: string) => new Date(Date.parse(day + 'T00:00:00+07:00')).toISOString();
const nextDay = (day: string) => new Date(Date.parse(day + 'T00:00:00Z') + 86_400_000).toISOString().slice(0, 10);

interface DossierFilter {
  agencyCode?: string; procedureCode?: string; status?: number; receivedFrom?: string; receivedTo?: string;
  overdue?: boolean; limit?: number; offset?: number;
}

/**
 * The dossier list: no applicant or notes, so listing needs no read-log entry (the detail does).
 * "Overdue" is the stats' overdueNow condition, so a filtered count equals that number.
 */
async function listDossiers(store: Store, f: DossierFilter, agencies: Viewer['agencies']) {
  const now = new Date().toISOString();
  const overdueSql = sql<boolean>`(d.finished_at is null and d.status not in (${sql.join([...CLOSED_WITHOUT_RESULT])}) and d.paused_at is null and d.due_at < ${now})`;
  let q = padb(store).selectFrom('publicadmin_dossiers as d');
  if (agencies !== 'all') q = agencies.length ? q.where('d.agency_code', 'in', [...agencies]) : q.where(sql<boolean>`1 = 0`);
  if (f.agencyCode) q = q.where('d.agency_code', '=', f.agencyCode);
  if (f.procedureCode) q = q.where('d.procedure_code', '=', f.procedureCode);
  if (f.status !== undefined) q = q.where('d.status', '=', f.status);
  if (f.receivedFrom) q = q.where('d.received_at', '>=', dayStart(asOf(f.receivedFrom)));
  if (f.receivedTo) q = q.where('d.received_at', '<', dayStart(nextDay(asOf(f.receivedTo))));
  if (f.overdue !== undefined) q = q.where(f.overdue ? overdueSql : sql<boolean>`not ${overdueSql}`);
  const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await q
    .leftJoin('publicadmin_agencies as a', 'a.code', 'd.agency_code')
    .leftJoin('publicadmin_procedures as p', 'p.code', 'd.procedure_code')
    .select(['d.code', 'd.agency_code', 'a.name as agency_name', 'd.procedure_code', 'p.name as procedure_name', 'd.status', 'd.channel',
      'd.processing_days', 'd.received_at', 'd.due_at', 'd.paused_at', 'd.finished_at', 'd.returned_at', 'd.updated_at', overdueSql.as('overdue')])
    .orderBy('d.received_at', 'desc').orderBy('d.code', 'desc')
    .limit(f.limit ?? 50).offset(f.offset ?? 0).execute();
  const items = rows.map((r) => {
    const status = Number(r.status);
    return {
      code: r.code, agencyCode: r.agency_code, agencyName: r.agency_name, procedureCode: r.procedure_code, procedureName: r.procedure_name,
      status, statusName: STATUS_NAMES[status], channel: r.channel, processingDays: Number(r.processing_days), receivedAt: r.received_at,
      dueAt: r.due_at, clockPaused: r.paused_at !== null, finishedAt: r.finished_at, returnedAt: r.returned_at, updatedAt: r.updated_at,
      onTime: r.finished_at && r.due_at ? r.finished_at <= r.due_at : null,
      // SQLite answers 0/1, PostgreSQL a boolean.
      overdue: r.overdue === true || Number(r.overdue) === 1,
    };
  });
  return { items, total };
}

/**
 * Provinces on a date. Pre-reform provinces have no rows of their own (the package does not
 * carry them): their communes do, with the old province's code and name, so a date before
 * 2025-07-01 lists the 63 former provinces from those.
 */
async function provincesAt(store: Store, at?: string) {
  const day = asOf(at);
  const listed = await listProvinces(store, day);
  const have = new Set(listed.items.map((p) => p.code));
  const rows = await padb(store).selectFrom('publicadmin_units').select(['province_code', 'province_name']).distinct()
    .where('level', '=', 'commune').where('province_code', 'is not', null)
    .where((eb) => eb.and([eb.or([eb('valid_from', 'is', null), eb('valid_from', '<=', day)]), eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', day)])]))
    .execute();
  const extra = rows.filter((r) => !have.has(r.province_code!) && r.province_name).map((r) => {
    const type = /^Thành phố /.test(r.province_name!) ? 'Thành phố' : 'Tỉnh';
    return { code: r.province_code!, name: r.province_name!, shortName: r.province_name!.replace(/^(Thành phố|Tỉnh) /, ''), type };
  });
  const items = [...listed.items, ...extra.filter((p, i) => extra.findIndex((q) => q.code === p.code) === i)].sort((a, b) => a.code.localeCompare(b.code));
  return { items, total: items.length };
}

/** Every version a unit code has had, and what it became / came from in the 2025 reform. */
async function unitHistory(store: Store, code: string, at?: string) {
  if (!/^\d{2}(\d{3})?$/.test(code)) throw new VamcoError('VALIDATION_FAILED', `"${code}" is not a unit code (2 digits for a province, 5 for a commune)`);
  const day = asOf(at);
  const versions = await padb(store).selectFrom('publicadmin_units')
    .select(['code', 'name', 'type', 'level', 'province_code', 'province_name', 'district_name', 'valid_from', 'valid_to', 'source'])
    .where('code', '=', code).execute();
  // Oldest first; an open start (null) is the oldest. Sorted here: the engines order NULLs differently.
  versions.sort((a, b) => (a.valid_from ?? '').localeCompare(b.valid_from ?? ''));
  if (!versions.length) throw new VamcoError('NOT_FOUND', `no administrative unit ${code} in any version`);
  const unit = await getUnit(store, code, day).catch((e) => { if (e instanceof VamcoError && e.code === 'NOT_FOUND') return null; throw e; });
  const [becameOf, cameFrom] = code.length === 5
    ? await Promise.all([listMappings(store, { oldCode: code }), listMappings(store, { newCode: code })])
    : [{ items: [], total: 0 }, { items: [], total: 0 }];
  return {
    code, at: day, unit,
    versions: versions.map((v) => ({ code: v.code, name: v.name, type: v.type, level: v.level, provinceCode: v.province_code, provinceName: v.province_name,
      districtName: v.district_name, validFrom: v.valid_from, validTo: v.valid_to, source: v.source })),
    became: becameOf.items, cameFrom: cameFrom.items,
  };
}

export const publicAdminAdminRoutes: FastifyPluginAsync<PublicAdminAdminOptions> = async (app, opts) => {
  const { store } = opts;
  const viewer = opts.viewer ?? (() => ({ reader: 'admin-api', agencies: 'all' as const }));
  const who = opts.who ?? (() => ({ actor: 'admin-api' }));
  // Problem+json for this plugin's routes whatever the parent's handler does.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = asVamcoError(err);
    if (!(e instanceof VamcoError)) req.log.error({ err }, 'publicadmin admin request failed');
    const p = toProblem(e);
    return reply.code(p.status).type('application/problem+json').send(p);
  });

  app.get('/publicadmin/agencies', { schema: { querystring: Type.Object({ q: Type.Optional(Type.String()), parentCode: Type.Optional(Type.String()), ...Page }) } },
    async (req) => listAgencies(store, req.query as any));
  app.get('/publicadmin/agencies/:code', async (req) => getAgency(store, (req.params as any).code));
  app.post('/publicadmin/agencies', { schema: { body: AgencyBody } }, async (req, reply) => reply.code(201).send(await upsertAgency(store, req.body as any, 'create')));
  app.put('/publicadmin/agencies/:code', { schema: { body: Type.Omit(AgencyBody, ['code']) } },
    async (req) => upsertAgency(store, { ...(req.body as any), code: (req.params as any).code }, 'update'));
  app.delete('/publicadmin/agencies/:code', async (req, reply) => { await deleteAgency(store, (req.params as any).code); return reply.code(204).send(); });

  const Year = Type.Integer({ minimum: MIN_YEAR, maximum: MAX_YEAR });
  app.get('/publicadmin/holiday-rules', { schema: { querystring: Type.Object({ year: Type.Optional(Year) }) } },
    async (req) => listHolidayRules(store, req.query as { year?: number }));
  /** One rule, or several at once (a year's decision: a swap is a day-off and a working-day row), all or nothing. */
  app.post('/publicadmin/holiday-rules', { config: SELF_TRAILED, schema: { body: Type.Union([RuleBody, Type.Array(RuleBody, { minItems: 1, maxItems: 50 })]) } }, async (req, reply) => {
    const body = req.body as HolidayRule | HolidayRule[];
    const created = await addHolidayRules(store, Array.isArray(body) ? body : [body], who(req));
    return reply.code(201).send(Array.isArray(body) ? { items: created, total: created.length } : created[0]);
  });
  app.patch('/publicadmin/holiday-rules/:id', { config: SELF_TRAILED, schema: { params: Type.Object({ id: Type.Integer() }), body: Type.Partial(RuleBody) } },
    async (req) => updateHolidayRule(store, (req.params as { id: number }).id, req.body as Partial<HolidayRule>, who(req)));
  app.delete('/publicadmin/holiday-rules/:id', { config: SELF_TRAILED, schema: { params: Type.Object({ id: Type.Integer() }) } },
    async (req, reply) => { await deleteHolidayRule(store, (req.params as { id: number }).id, who(req)); return reply.code(204).send(); });
  /** The days off and make-up working days a year gets from the current rules, each with its source. */
  app.get('/publicadmin/calendar/:year', { schema: { params: Type.Object({ year: Year }) } },
    async (req) => calendarYear(store, (req.params as { year: number }).year));
  /** Due dates of open dossiers under the current rules; dryRun reports without changing anything. */
  app.post('/publicadmin/dossiers/recompute-deadlines', { config: SELF_TRAILED, schema: { body: RecomputeBody } },
    async (req) => recomputeDeadlines(store, req.body as object, { ...who(req), client: CONSOLE_READER_CLIENT }));

  /** Who read which dossier's full record (personal data), for auditors. */
  app.get('/publicadmin/dossier-reads', {
    schema: { querystring: Type.Object({ dossierCode: Type.Optional(Type.String()), client: Type.Optional(Type.String()), userId: Type.Optional(Type.String()),
      from: Type.Optional(Type.String({ description: 'ISO instant, inclusive' })), to: Type.Optional(Type.String({ description: 'ISO instant, exclusive' })), ...Page }) },
  }, async (req) => listReads(store, req.query as any));

  // ---- read-only views for the console (the gateway services stay the way in for systems)

  app.get('/publicadmin/provinces', { schema: { querystring: Type.Object({ at: Type.Optional(Day) }) } },
    async (req) => provincesAt(store, (req.query as any).at));
  app.get('/publicadmin/units', {
    schema: { querystring: Type.Object({ provinceCode: Type.Optional(Type.String({ pattern: '^\\d{2}$' })), q: Type.Optional(Type.String({ maxLength: 200 })), at: Type.Optional(Day),
      level: Type.Optional(Type.Union([Type.Literal('province'), Type.Literal('commune')])), ...Page }) },
  }, async (req) => searchUnits(store, req.query as any));
  /** One unit as of `at`, with all its versions and its old→new mappings. */
  app.get('/publicadmin/units/:code', { schema: { querystring: Type.Object({ at: Type.Optional(Day) }) } },
    async (req) => unitHistory(store, (req.params as any).code, (req.query as any).at));

  app.get('/publicadmin/procedures', { schema: { querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), fieldCode: Type.Optional(Type.String()), ...Page }) } },
    async (req) => listProcedures(store, req.query as any));
  app.get('/publicadmin/procedures/:code', async (req) => getProcedure(store, (req.params as any).code));

  app.get('/publicadmin/dossiers', {
    schema: { querystring: Type.Object({ agencyCode: Type.Optional(Type.String()), procedureCode: Type.Optional(Type.String()),
      status: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })), receivedFrom: Type.Optional(Day), receivedTo: Type.Optional(Day),
      overdue: Type.Optional(Type.Boolean()), ...Page }) },
  }, async (req) => {
    const v = viewer(req);
    const q = req.query as DossierFilter;
    // Asking for another agency's dossiers is refused outright rather than answered empty.
    if (q.agencyCode && !mayRead(v, q.agencyCode)) throw new VamcoError('FORBIDDEN', `dossiers of agency ${q.agencyCode} are not yours to see`);
    return listDossiers(store, q, v.agencies);
  });
  /** The full record with its timeline. Personal data: logged like a gateway read, with the console user as reader. */
  app.get('/publicadmin/dossiers/:code', async (req) => {
    const v = viewer(req);
    const d = await getDossierRecord(store, (req.params as any).code);
    if (!mayRead(v, d.agencyCode)) throw new VamcoError('FORBIDDEN', `dossier ${d.code} belongs to agency ${d.agencyCode}, not yours`, reason('dossier_other_agency', { dossier: d.code, agency: d.agencyCode }));
    await logRead(store, d.code, { client: CONSOLE_READER_CLIENT, userId: v.reader, requestId: req.id }, 'vamco');
    const overdue = !d.finishedAt && !(CLOSED_WITHOUT_RESULT as readonly number[]).includes(d.status) && !d.clockPaused && !!d.dueAt && d.dueAt < new Date().toISOString();
    return { ...d, overdue };
  });
  /** The dossiers service's /stats, unchanged: same function, same numbers. */
  app.get('/publicadmin/stats', { schema: { querystring: Type.Object({ agencyCode: Type.Optional(Type.String()), from: Type.Optional(Day), to: Type.Optional(Day) }) } },
    async (req) => dossierStats(store, req.query as any));
};
