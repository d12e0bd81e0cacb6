// Message log and admin trail for auditors and administrators.
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { searchMessages, getMessage, verifyStore, listAdminTrail, type MessageQuery } from '../../audit/index.js';
import { VamcoError } from '../../core/errors.js';
import { authorize, visibleMember } from '../principal.js';
import { intParam } from '../params.js';
import type { AdminDeps } from '../types.js';

const ownerOf = (full: string | null, instanceLen: number): string | null => full ? full.slice(instanceLen + 1).split('/').slice(0, 2).join('/') : null;

export const auditRoutes: FastifyPluginAsync<AdminDeps> = async (app, deps) => {
  const inst = deps.config.instance.length;
  const Q = Type.Object({
    from: Type.Optional(Type.String()), to: Type.Optional(Type.String()), client: Type.Optional(Type.String()),
    service: Type.Optional(Type.String()), status: Type.Optional(Type.String()), messageId: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), cursor: Type.Optional(Type.String()),
  });
  app.get<{ Querystring: MessageQuery }>('/messages', { schema: { tags: ['audit'], summary: 'Search the message log (newest first)', querystring: Q } }, async (req) => {
    authorize(req, 'read');
    const member = visibleMember(req);
    return searchMessages(deps.store, { ...req.query, member: member ? `${deps.config.instance}/${member}` : undefined });
  });
  app.get<{ Params: { nodeId: string; seq: string } }>('/messages/:nodeId/:seq', { schema: { tags: ['audit'] } }, async (req) => {
    authorize(req, 'read');
    const m = await getMessage(deps.store, req.params.nodeId, intParam(req.params.seq, 'seq'));
    if (!m) throw new VamcoError('NOT_FOUND', 'No such message-log record');
    authorize(req, 'read', [ownerOf(m.client, inst), ownerOf(m.service, inst)].filter(Boolean), {});
    const member = visibleMember(req);
    if (member && ownerOf(m.client, inst) !== member && ownerOf(m.service, inst) !== member) throw new VamcoError('NOT_FOUND', 'No such message-log record');
    return m;
  });
  app.post('/audit/verify', { schema: { tags: ['audit'], summary: 'Verify the hash chains and signed checkpoints (same check as `vamco audit verify`)' } }, async (req) => {
    authorize(req, 'read', [], {});
    if (req.principal!.role === 'agency_admin') throw new VamcoError('FORBIDDEN', 'Verifying the whole log is for platform administrators and auditors');
    return verifyStore(deps.store);
  });
  app.get<{ Querystring: { limit?: number; before?: number; actor?: string } }>('/admin-trail', {
    schema: { tags: ['audit'], querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), before: Type.Optional(Type.Integer()), actor: Type.Optional(Type.String()) }) },
  }, async (req) => {
    authorize(req, 'read');
    if (req.principal!.role === 'agency_admin') throw new VamcoError('FORBIDDEN', 'The admin trail is for platform administrators and auditors');
    return listAdminTrail(deps.store, req.query);
  });
};
