// /access-requests: the asking agency writes on the client side, the providing agency decides.
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import { authorize, visibleMember } from '../admin/principal.js';
import { approveRequest, createRequest, getRequest, listRequests, rejectRequest, withdrawRequest, describeRequest, STATES, type AccessRequestsCtx, type NewRequest, type RequestFilter } from './requests.js';

export interface AccessRequestRoutesOptions { ctx: AccessRequestsCtx }

const who = (req: FastifyRequest) => ({ actor: req.principal!.actor, address: req.ip });
const idParam = { params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } };
const noteBody = { body: { type: ['object', 'null'], properties: { note: { type: 'string', maxLength: 2000 } }, additionalProperties: false } };
const schema = (s: Record<string, unknown>): FastifySchema => ({ tags: ['access-requests'], ...s }) as FastifySchema;

export async function accessRequestRoutes(app: FastifyInstance, opts: AccessRequestRoutesOptions): Promise<void> {
  const { ctx } = opts;

  app.get('/access-requests', {
    schema: schema({ querystring: { type: 'object', properties: { state: { type: 'string', enum: [...STATES] }, direction: { type: 'string', enum: ['incoming', 'outgoing'] }, member: { type: 'string' }, service: { type: 'string' }, client: { type: 'string' } } } }),
  }, async (req) => {
    authorize(req, 'read');
    const q = req.query as RequestFilter;
    // Agency admins see requests where their agency asks or provides, whatever they pass.
    const member = visibleMember(req) ?? q.member;
    const items = await listRequests(ctx, { ...q, member });
    return { items, total: items.length };
  });

  app.post('/access-requests', {
    schema: schema({ body: { type: 'object', required: ['service', 'client', 'reason'], additionalProperties: false, properties: {
      service: { type: 'string', maxLength: 1100 }, client: { type: 'string', maxLength: 800 }, reason: { type: 'string', maxLength: 4000 },
      endpoint: { type: ['object', 'null'], properties: { method: { type: 'string' }, path: { type: 'string', maxLength: 1000 } }, required: ['method', 'path'] },
    } } }),
  }, async (req, reply) => {
    const body = req.body as NewRequest;
    authorize(req, 'write', [describeRequest(body).clientMember]);
    return reply.code(201).send(await createRequest(ctx, body, who(req)));
  });

  app.get('/access-requests/:id', { schema: schema(idParam) }, async (req) => {
    const r = await getRequest(ctx, (req.params as { id: number }).id);
    authorize(req, 'read', [r.clientMember, r.providerMember]);
    return r;
  });

  app.post('/access-requests/:id/approve', { schema: schema({ ...idParam, ...noteBody }) }, async (req) => {
    const r = await getRequest(ctx, (req.params as { id: number }).id);
    authorize(req, 'write', [r.providerMember]);
    return approveRequest(ctx, r.id, (req.body as { note?: string } | null)?.note, who(req));
  });

  app.post('/access-requests/:id/reject', { schema: schema({ ...idParam, ...noteBody }) }, async (req) => {
    const r = await getRequest(ctx, (req.params as { id: number }).id);
    authorize(req, 'write', [r.providerMember]);
    return rejectRequest(ctx, r.id, (req.body as { note?: string } | null)?.note, who(req));
  });

  app.post('/access-requests/:id/withdraw', { schema: schema(idParam) }, async (req) => {
    const r = await getRequest(ctx, (req.params as { id: number }).id);
    authorize(req, 'write', [r.clientMember]);
    return withdrawRequest(ctx, r.id, who(req));
  });
}
