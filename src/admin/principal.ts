// Who is calling the admin API, and what they may do. Authentication (bearer admin token,
// user sessions, user API tokens) resolves a Principal; every route then asks `authorize`.
import type { FastifyRequest } from 'fastify';
import { VamcoError } from '../core/errors.js';

export type Role = 'platform_admin' | 'agency_admin' | 'auditor';

export interface Principal {
  kind: 'admin-token' | 'session' | 'api-token';
  /** Stable id of the actor, written into the admin trail (e.g. "user:alice", "admin-token"). */
  actor: string;
  name: string;
  role: Role;
  /** For agency admins: the member they administer, "CLASS/CODE". */
  memberId?: string;
}

/** Resolves a principal from a request, or returns null when this authenticator does not apply. */
export type Authenticator = (req: FastifyRequest) => Promise<Principal | null>;

declare module 'fastify' {
  interface FastifyRequest { principal?: Principal }
}

export type Access = 'read' | 'write';

/**
 * The one rule set. `owners` are the members ("CLASS/CODE") an object belongs to; for a
 * message-log record both the client's and the provider's member own it. An empty list means a
 * platform-wide object (only platform admins write it; everyone authenticated may read it
 * unless `adminOnly`).
 */
export function authorize(req: FastifyRequest, access: Access, owners: readonly (string | null | undefined)[] = [], opts: { adminOnly?: boolean } = {}): Principal {
  const p = req.principal;
  if (!p) throw new VamcoError('UNAUTHENTICATED', 'Log in or send a valid bearer token');
  if (p.role === 'platform_admin') return p;
  if (opts.adminOnly) throw new VamcoError('FORBIDDEN', 'Only platform administrators may do this');
  if (p.role === 'auditor') {
    if (access === 'read') return p;
    throw new VamcoError('FORBIDDEN', 'Auditors have read-only access');
  }
  // agency admin
  const own = owners.filter(Boolean) as string[];
  if (own.length === 0) {
    if (access === 'read') return p;
    throw new VamcoError('FORBIDDEN', 'Only platform administrators may change platform-wide settings');
  }
  if (p.memberId && own.includes(p.memberId)) return p;
  throw new VamcoError('FORBIDDEN', `This object belongs to ${own.join(', ')}; you administer ${p.memberId ?? 'no member'}`);
}

/** Agency admins see only rows owned by their member; others see everything. */
export function visibleMember(req: FastifyRequest): string | undefined {
  const p = req.principal;
  return p?.role === 'agency_admin' ? (p.memberId ?? '\u0000none') : undefined;
}
