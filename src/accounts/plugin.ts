// How the admin server mounts the accounts wing: authenticators for its hook, routes under /api/v1.
import type { FastifyPluginAsync } from 'fastify';
import type { AdminDeps } from '../admin/types.js';
import type { Authenticator } from '../admin/principal.js';
import { recordAdminAction } from '../audit/index.js';
import { DEFAULT_MEMBER_CLASSES } from '../core/ids.js';
import type { Store } from '../store/index.js';
import { accountsContext, type AccountsCtx, type AccountsOptions, type TrailWriter } from './context.js';
import { apiTokenAuthenticator, sessionAuthenticator } from './authenticators.js';
import { accountsRoutes } from './routes.js';

/** The chained admin trail of the audit wing, as the accounts wing writes to it. */
export const auditTrail = (store: Store): TrailWriter => (db, entry) => recordAdminAction(db, store.engine, entry);

/** The context every accounts entry point shares: the real trail, the instance in TOTP labels. */
export function platformAccounts(store: Store, opts: { instance?: string } & AccountsOptions = {}): AccountsCtx {
  return accountsContext(store, { trail: auditTrail(store), ...opts, policy: { totpIssuer: `Vamco ${opts.instance ?? ''}`.trim(), ...opts.policy } });
}

/** Session cookie and personal API token authenticators, for AdminDeps.authenticators. */
export function accountsAuthenticators(store: Store, opts: { instance?: string } = {}): Authenticator[] {
  const ctx = platformAccounts(store, opts);
  return [sessionAuthenticator(ctx), apiTokenAuthenticator(ctx)];
}

/** Route plugin for AdminServerOptions.plugins: /auth/*, /users, /tokens. */
export const accountsPlugin: FastifyPluginAsync<AdminDeps> = async (app, deps) => {
  await app.register(accountsRoutes, {
    ctx: platformAccounts(deps.store, { instance: deps.config.instance }),
    // The bound gateway port (first of ownPorts) is right even when the config says 0.
    platform: { instance: deps.config.instance, gatewayPort: deps.ownPorts?.[0] || deps.config.gatewayPort, memberClasses: [...(deps.config.memberClasses ?? DEFAULT_MEMBER_CLASSES)] },
  });
};
