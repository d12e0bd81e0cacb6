// What the accounts wing needs from the rest of the platform, gathered once: the store, the
// admin-trail writer and the security policy (timeouts, lock-out). Tests pass their own clock.
import type { Kysely } from 'kysely';
import type { Store, Schema } from '../store/index.js';
import { accountsDb, type AccountsSchema } from './schema.js';
import type { AdminAction } from '../audit/index.js';

/** One admin-trail entry: the audit wing's AdminAction. */
export type TrailEntry = AdminAction;

/** Appends to the chained admin trail inside the caller's transaction, so change and record commit together. */
export type TrailWriter = (db: Kysely<Schema>, entry: TrailEntry) => Promise<void>;

export interface AccountsPolicy {
  /** A session unused this long ends (default 30 min). */
  idleTimeoutMs: number;
  /** A session ends this long after login, used or not (default 12 h). */
  absoluteTimeoutMs: number;
  /** Time allowed between the password and the second factor / first password change (default 10 min). */
  partialTimeoutMs: number;
  /** Failed logins allowed before back-off starts (default 3). */
  freeFailures: number;
  /** First back-off delay, doubled per further failure (default 1 s). */
  backoffBaseMs: number;
  /** Failures that lock the account (default 10) … */
  lockAfter: number;
  /** … for this long (default 15 min). */
  lockMs: number;
  /** Failed logins from one address (any account) before back-off starts (default 30) … */
  addressFreeFailures: number;
  /** … and that lock the address out for `lockMs` (default 100). */
  addressLockAfter: number;
  /** An address's failures are forgotten after this long without one (default 15 min). */
  addressWindowMs: number;
  /** A one-time password (new account, reset) works this long (default 24 h). */
  oneTimePasswordMs: number;
  /** Shown in authenticator apps. */
  totpIssuer: string;
  /** Cookies get `Secure` when the request came over HTTPS; `true` forces it (behind a TLS proxy). */
  secureCookies: boolean | 'auto';
}

export const DEFAULT_POLICY: AccountsPolicy = {
  idleTimeoutMs: 30 * 60_000,
  absoluteTimeoutMs: 12 * 3_600_000,
  partialTimeoutMs: 10 * 60_000,
  freeFailures: 3,
  backoffBaseMs: 1000,
  lockAfter: 10,
  lockMs: 15 * 60_000,
  addressFreeFailures: 30,
  addressLockAfter: 100,
  addressWindowMs: 15 * 60_000,
  oneTimePasswordMs: 24 * 3_600_000,
  totpIssuer: 'Vamco',
  secureCookies: 'auto',
};

export interface AccountsCtx {
  store: Store;
  db: Kysely<AccountsSchema>;
  policy: AccountsPolicy;
  trail: TrailWriter;
  now(): number;
}

export interface AccountsOptions {
  /** Without it, account changes are not trailed (only acceptable in unit tests). */
  trail?: TrailWriter;
  policy?: Partial<AccountsPolicy>;
  now?: () => number;
}

export function accountsContext(store: Store, opts: AccountsOptions = {}): AccountsCtx {
  return {
    store,
    db: accountsDb(store.db),
    policy: { ...DEFAULT_POLICY, ...opts.policy },
    trail: opts.trail ?? (async () => {}),
    now: opts.now ?? Date.now,
  };
}

export const iso = (ms: number): string => new Date(ms).toISOString();
