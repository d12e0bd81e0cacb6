// The console's view of the document hub (issue 9): traffic per agency, stuck deliveries and
// their retries, the latest documents and one document's journey — the same hub functions as
// `vamco edoc list` / `vamco edoc journey`. Platform admins and auditors see every agency; an
// agency admin only the documents its member sent or received (the member's code is its OrganId,
// docs/edoc.md), and another agency's document does not exist for it (404, as in the message log).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { authorize } from '../admin/index.js';
import type { AdminDeps } from '../admin/index.js';
import { VamcoError } from '../core/errors.js';
import { EdocError, type EdocHub } from '../edoc/index.js';

/** The OrganId an agency admin is limited to; undefined for everyone else. */
function organOf(req: FastifyRequest): string | undefined {
  const p = authorize(req, 'read');
  if (p.role !== 'agency_admin') return undefined;
  // No member: an OrganId no document can carry (checkOrganId refuses the NUL).
  return p.memberId?.split('/')[1] ?? '\u0000none';
}

export function edocAdminPlugin(hub: EdocHub): FastifyPluginAsync<AdminDeps> {
  return async (app) => {
    app.get('/edoc/traffic', { schema: { tags: ['edoc'], summary: 'Document traffic per agency and the deliveries being retried (`vamco edoc list`)' } }, async (req) => {
      const organ = organOf(req);
      return { traffic: await hub.traffic(organ), stuck: await hub.stuck(organ) };
    });
    app.get<{ Querystring: { limit?: number } }>('/edoc/documents', {
      schema: { tags: ['edoc'], summary: 'The latest documents and statuses with their deliveries', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }) },
    }, async (req) => ({ items: await hub.recent(organOf(req), req.query.limit ?? 100) }));
    app.get<{ Params: { docId: string } }>('/edoc/documents/:docId', { schema: { tags: ['edoc'], summary: 'A document\'s journey: hops, deliveries, statuses (`vamco edoc journey`)' } }, async (req) => {
      const organ = organOf(req);
      try {
        return await hub.journey(req.params.docId, organ);
      } catch (err) {
        if (err instanceof EdocError && err.code === 'EDOC_NOT_FOUND') throw new VamcoError('NOT_FOUND', 'No such document');
        throw err;
      }
    });
  };
}
