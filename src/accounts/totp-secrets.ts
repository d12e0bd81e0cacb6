// TOTP secrets at rest: sealed with the platform's key file (src/secrets), bound to their user
// and column, so a copy of the database does not reveal them and a sealed secret moved to
// another user's row does not open. Only these functions touch the columns' contents.
import type { Kysely } from 'kysely';
import { isSealed, sealContext } from '../secrets/index.js';
import type { AccountsCtx } from './context.js';
import type { AccountsSchema } from './schema.js';
import type { UserRow } from './users.js';

type Column = 'totp_secret' | 'totp_pending_secret';

/** The user's secret (base32) from `column`, or null when there is none. */
export async function readTotpSecret(ctx: AccountsCtx, user: UserRow, column: Column): Promise<string | null> {
  const stored = user[column];
  if (!stored) return null;
  // A value written in clear by an older version is sealed at the next start (src/secrets).
  return isSealed(stored) ? (await ctx.store.keyring()).open(stored, sealContext('users', column, user.id)) : stored;
}

/** The sealed form of `secret` for the user's `column`. */
export async function sealTotpSecret(ctx: AccountsCtx, userId: number, column: Column, secret: string): Promise<string> {
  return (await ctx.store.keyring()).seal(secret, sealContext('users', column, userId));
}

/** Stores a new pending secret (enrolment started). */
export async function storePendingSecret(ctx: AccountsCtx, user: UserRow, secret: string, db: Kysely<AccountsSchema> = ctx.db): Promise<void> {
  await db.updateTable('users').set({ totp_pending_secret: await sealTotpSecret(ctx, user.id, 'totp_pending_secret', secret) }).where('id', '=', user.id).execute();
}
