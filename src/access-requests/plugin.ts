// How the admin server mounts access requests: approval goes through the registry's grantAccess.
import type { FastifyPluginAsync } from 'fastify';
import type { AdminDeps } from '../admin/types.js';
import { recordAdminAction } from '../audit/index.js';
import { grantAccess, revokeAccess } from '../registry/index.js';
import { accessRequestsContext } from './requests.js';
import { accessRequestRoutes } from './routes.js';

export const accessRequestsPlugin: FastifyPluginAsync<AdminDeps> = async (app, deps) => {
  const ctx = accessRequestsContext(deps.store, {
    trail: (db, entry) => recordAdminAction(db, deps.store.engine, entry),
    grant: (input, who) => grantAccess({ store: deps.store, config: deps.config }, input, who),
    revoke: (id, who) => revokeAccess({ store: deps.store, config: deps.config }, { id }, who),
  });
  await app.register(accessRequestRoutes, { ctx });
};
