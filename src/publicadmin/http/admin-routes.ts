// Admin API routes (mounted by the core under /api/v1, behind admin authentication):
// agencies CRUD, holiday rules, the computed calendar and the dossier read-access log.
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { toProblem, VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import { deleteAgency, getAgency, listAgencies, upsertAgency } from '../agencies/agencies.js';
import { addHolidayRule, deleteHolidayRule, listHolidayRules, loadCalendar, updateHolidayRule } from '../calendar/holiday-rules.js';
import { HOLIDAY_KINDS } from '../calendar/working-days.js';
import { listReads } from '../dossiers/dossiers.js';
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
});
const Page = { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) };

export const publicAdminAdminRoutes: FastifyPluginAsync<{ store: Store }> = async (app, opts) => {
  const { store } = opts;
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

  app.get('/publicadmin/holiday-rules', async () => listHolidayRules(store));
  app.post('/publicadmin/holiday-rules', { schema: { body: RuleBody } }, async (req, reply) => reply.code(201).send(await addHolidayRule(store, req.body as any)));
  app.patch('/publicadmin/holiday-rules/:id', { schema: { params: Type.Object({ id: Type.Integer() }), body: Type.Partial(RuleBody) } },
    async (req) => updateHolidayRule(store, (req.params as any).id, req.body as any));
  app.delete('/publicadmin/holiday-rules/:id', { schema: { params: Type.Object({ id: Type.Integer() }) } },
    async (req, reply) => { await deleteHolidayRule(store, (req.params as any).id); return reply.code(204).send(); });
  /** The days off and make-up working days a year gets from the current rules. */
  app.get('/publicadmin/calendar/:year', { schema: { params: Type.Object({ year: Type.Integer({ minimum: 1901, maximum: 2199 }) }) } }, async (req) => {
    const year = (req.params as any).year as number;
    const cal = await loadCalendar(store);
    const items = cal.daysOff(year);
    return { year, items, total: items.length, makeUpWorkingDays: cal.makeUpDays(year) };
  });

  /** Who read which dossier's full record (personal data), for auditors. */
  app.get('/publicadmin/dossier-reads', {
    schema: { querystring: Type.Object({ dossierCode: Type.Optional(Type.String()), client: Type.Optional(Type.String()), userId: Type.Optional(Type.String()),
      from: Type.Optional(Type.String({ description: 'ISO instant, inclusive' })), to: Type.Optional(Type.String({ description: 'ISO instant, exclusive' })), ...Page }) },
  }, async (req) => listReads(store, req.query as any));
};
