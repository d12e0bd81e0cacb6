// Mounts the publicadmin admin routes behind the admin API's roles, and writes their changes
// to the admin trail: platform admins change agencies and holiday rules; auditors and
// platform admins read the dossier read log (personal data); every authenticated role reads
// the rest, except dossiers: an agency admin sees only the dossiers of the agency whose
// electronic identifier code (QĐ 20/2020/QĐ-TTg) is its member's code — members and agencies
// share that identifier, so GOV/000.00.00.H59 administers agency 000.00.00.H59's dossiers.
import type { FastifyPluginAsync } from 'fastify';
import { publicAdminAdminRoutes } from '../publicadmin/index.js';
import { authorize } from '../admin/index.js';
import type { Principal } from '../admin/index.js';
import type { AdminDeps } from '../admin/index.js';
import { recordAdminAction } from '../audit/index.js';
import { VamcoError } from '../core/errors.js';

export const publicAdminAdminPlugin: FastifyPluginAsync<AdminDeps> = async (app, deps) => {
  // Decided by the matched route, never the raw URL: the router decodes "%70ublicadmin" to the
  // same route a string prefix test would miss.
  const routeOf = (req: { routeOptions: { url?: string } }) => req.routeOptions.url ?? '';
  app.addHook('onRequest', async (req) => {
    const route = routeOf(req);
    if (!route.startsWith('/api/v1/publicadmin/')) return;
    if (req.method === 'GET' || req.method === 'HEAD') {
      const p = authorize(req, 'read');
      if (route === '/api/v1/publicadmin/dossier-reads' && p.role === 'agency_admin') {
        throw new VamcoError('FORBIDDEN', 'The dossier read log is for auditors and platform administrators');
      }
    } else authorize(req, 'write', [], { adminOnly: true });
  });
  // onSend, not onResponse: the change is in the trail before the caller hears it succeeded.
  app.addHook('onSend', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || reply.statusCode >= 400 || !routeOf(req).startsWith('/api/v1/publicadmin/')) return;
    // Holiday rules and deadline recomputation write their own, richer entries (CLI too).
    if ((req.routeOptions.config as { selfTrailed?: boolean } | undefined)?.selfTrailed) return;
    await deps.store.db.transaction().execute((trx) => recordAdminAction(trx, deps.store.engine, {
      actor: req.principal?.actor ?? 'unknown', action: `publicadmin.${req.method.toLowerCase()}`,
      target: `${routeOf(req).replace('/api/v1/publicadmin/', '')} ${JSON.stringify(req.params ?? {})}`, address: req.ip,
      after: req.method === 'DELETE' ? null : (req.body ?? null),
    }));
  });
  const viewer = (req: { principal?: Principal }) => {
    const p = req.principal;
    // Agencies are government bodies: only a GOV member's code names an agency.
    const [memberClass, memberCode] = p?.memberId?.split('/') ?? [];
    const agency = memberClass === 'GOV' ? memberCode : undefined;
    return {
      reader: p?.actor ?? 'unknown',
      agencies: p?.role === 'agency_admin' ? (agency ? [agency] : []) : 'all' as const,
    };
  };
  const trail = (db: Parameters<typeof recordAdminAction>[0], entry: Parameters<typeof recordAdminAction>[2]) => recordAdminAction(db, deps.store.engine, entry);
  const who = (req: { principal?: Principal; ip: string }) => ({ actor: req.principal?.actor ?? 'unknown', address: req.ip, trail });
  await app.register(publicAdminAdminRoutes, { store: deps.store, viewer, who });
};
