// Who is logged in, shared by every page.
import { createContext, useContext } from 'react';
import type { AuthState, Principal, Role } from './api';

export interface Session { auth: AuthState; principal: Principal; reload(): Promise<void>; logout(): Promise<void> }
export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

export function useRole(): { role: Role; member: string | undefined; isAdmin: boolean; canWrite: (owner?: string | null) => boolean } {
  const { principal } = useSession();
  const isAdmin = principal.role === 'platform_admin';
  return {
    role: principal.role,
    member: principal.memberId,
    isAdmin,
    canWrite: (owner) => isAdmin || (principal.role === 'agency_admin' && !!owner && owner === principal.memberId),
  };
}

/** "GOV/M/S/svc" → "GOV/M", the member that owns a subsystem or service. */
export const memberOf = (id: string): string => id.split('/').slice(0, 2).join('/');
