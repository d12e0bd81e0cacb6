// The accounts wing's two authenticators for the admin API: session cookies (console) and
// personal API tokens (automation). Both resolve a Principal with the user's current role.
import type { FastifyRequest } from 'fastify';
import { VamcoError } from '../core/errors.js';
import type { Authenticator, Principal } from '../admin/principal.js';
import type { AccountsCtx } from './context.js';
import { CSRF_HEADER, SESSION_COOKIE, parseCookies } from './cookies.js';
import { csrfMatches, lookupSession } from './sessions.js';
import { lookupToken, TOKEN_PREFIX } from './tokens.js';
import type { UserRow } from './users.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function principalOf(user: UserRow, kind: Principal['kind']): Principal {
  return {
    kind,
    actor: `user:${user.username}`,
    name: user.display_name,
    role: user.role as Principal['role'],
    ...(user.role === 'agency_admin' && user.member_id ? { memberId: user.member_id } : {}),
  };
}

export interface SessionAuthOptions {
  /** Routes under this prefix check CSRF themselves (login must work with a stale cookie). */
  authPrefix?: string;
}

/**
 * Session cookie → Principal, only for sessions past every login step. A cookie-authenticated
 * write must carry the session's CSRF token in `X-CSRF-Token` (SameSite=Strict is the first
 * guard, this the second).
 */
export function sessionAuthenticator(ctx: AccountsCtx, opts: SessionAuthOptions = {}): Authenticator {
  const authPrefix = opts.authPrefix ?? '/api/v1/auth/';
  return async (req: FastifyRequest) => {
    const token = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (!token) return null;
    const live = await lookupSession(ctx, token);
    if (!live || live.session.stage !== 'full') return null;
    if (!SAFE.has(req.method) && !req.url.startsWith(authPrefix) && !csrfMatches(live.session, req.headers[CSRF_HEADER])) {
      throw new VamcoError('FORBIDDEN', 'Missing or wrong X-CSRF-Token header: reload the console and try again', { extra: { reason: 'csrf' } });
    }
    return principalOf(live.user, 'session');
  };
}

/** `Authorization: Bearer vut_…` → Principal. Other bearer tokens are left to other authenticators. */
export function apiTokenAuthenticator(ctx: AccountsCtx): Authenticator {
  return async (req: FastifyRequest) => {
    const h = req.headers.authorization;
    if (!h) return null;
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    if (!m || !m[1].startsWith(TOKEN_PREFIX)) return null;
    const user = await lookupToken(ctx, m[1]);
    if (!user) throw new VamcoError('UNAUTHENTICATED', 'This API token is unknown, revoked or expired');
    return principalOf(user, 'api-token');
  };
}
