// Message log and admin trail for auditors and administrators.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Readable } from 'node:stream';
import { searchMessages, getMessage, verifyStore, verifyReport, listAdminTrail, exportMessages, exportAdminTrail, type MessageQuery, type TableFormat, type TrailQuery } from '../../audit/index.js';
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
    credential: Type.Optional(Type.Union([Type.Literal('api-key'), Type.Literal('token'), Type.Literal('certificate'), Type.Literal('peer'), Type.Literal('xroad')], { description: 'Only exchanges made with this kind of credential' })),
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
  // The same check as a report signed with this node's key (issue 14), for the console's download
  // and `vamco audit verify-report FILE` offline.
  app.post('/audit/verify-report', { schema: { tags: ['audit'], summary: 'Verify the log and answer a report signed with this node\'s Ed25519 key: result, time, ranges checked, latest checkpoints, key fingerprint' } }, async (req) => {
    authorize(req, 'read', [], {});
    if (req.principal!.role === 'agency_admin') throw new VamcoError('FORBIDDEN', 'Verifying the whole log is for platform administrators and auditors');
    if (!deps.nodeKey) throw new VamcoError('NOT_READY', 'This admin server has no node key to sign the report with');
    return verifyReport(deps.store, deps.nodeKey, deps.config.instance);
  });
  const TrailFilter = {
    actor: Type.Optional(Type.String()), action: Type.Optional(Type.String({ maxLength: 100 })), q: Type.Optional(Type.String({ maxLength: 200 })),
    from: Type.Optional(Type.String()), to: Type.Optional(Type.String()),
  };
  const trailReader = (req: { principal?: { role: string } }) => {
    authorize(req as never, 'read');
    if (req.principal!.role === 'agency_admin') throw new VamcoError('FORBIDDEN', 'The admin trail is for platform administrators and auditors');
  };
  app.get<{ Querystring: TrailQuery }>('/admin-trail', {
    schema: { tags: ['audit'], summary: 'The admin trail (newest first), filtered by actor, action (or its group), text in target or actor, and time', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), before: Type.Optional(Type.Integer()), ...TrailFilter }) },
  }, async (req) => {
    trailReader(req);
    return listAdminTrail(deps.store, req.query);
  });

  // Filtered views as files: CSV (spreadsheets) or JSON Lines (tools). Streamed page by page.
  const Format = Type.Union([Type.Literal('csv'), Type.Literal('jsonl')]);
  const download = (reply: FastifyReply, name: string, format: TableFormat, body: AsyncIterable<string>) => {
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="vamco-${name}-${stamp}.${format}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(body));
  };
  app.get<{ Querystring: Omit<MessageQuery, 'limit' | 'cursor'> & { format: TableFormat } }>('/messages/export', {
    schema: { tags: ['audit'], summary: 'The message-log records a search finds, as CSV or JSON Lines (at most 100,000)', querystring: Type.Composite([Type.Omit(Q, ['limit', 'cursor']), Type.Object({ format: Format })]) },
  }, async (req, reply) => {
    authorize(req, 'read');
    const member = visibleMember(req);
    const { format, ...q } = req.query;
    return download(reply, 'messages', format, await exportMessages(deps.store, { ...q, member: member ? `${deps.config.instance}/${member}` : undefined }, format));
  });
  app.get<{ Querystring: Omit<TrailQuery, 'limit' | 'before'> & { format: TableFormat } }>('/admin-trail/export', {
    schema: { tags: ['audit'], summary: 'The admin-trail entries a filter finds, as CSV or JSON Lines (at most 100,000)', querystring: Type.Object({ ...TrailFilter, format: Format }) },
  }, async (req, reply) => {
    trailReader(req);
    const { format, ...q } = req.query;
    return download(reply, 'admin-trail', format, await exportAdminTrail(deps.store, q, format));
  });
};
