// Personal API tokens for automation. A token acts as its user, with the user's current role
// and agency (a demoted or disabled user's tokens lose those powers at once). Shown once,
// stored as SHA-256.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { VamcoError } from '../core/errors.js';
import { optionalName } from '../core/text.js';
import type { Schema } from '../store/index.js';
import { iso, type AccountsCtx } from './context.js';
import { sha256 } from './sessions.js';
import type { UserRow } from './users.js';
import type { Who } from './users.js';

export const TOKEN_PREFIX = 'vut_';

export interface TokenView { id: number; username: string; prefix: string; label: string | null; createdAt: string; expiresAt: string | null; lastUsedAt: string | null; revokedAt: string | null }

type Row = { id: number; username: string; prefix: string; label: string | null; created_at: string; expires_at: string | null; last_used_at: string | null; revoked_at: string | null };
const view = (r: Row): TokenView => ({ id: Number(r.id), username: r.username, prefix: r.prefix, label: r.label, createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at });

function baseQuery(ctx: AccountsCtx) {
  return ctx.db.selectFrom('user_tokens').innerJoin('users', 'users.id', 'user_tokens.user_id')
    .select(['user_tokens.id', 'users.username', 'user_tokens.prefix', 'user_tokens.label', 'user_tokens.created_at', 'user_tokens.expires_at', 'user_tokens.last_used_at', 'user_tokens.revoked_at']);
}

export async function listTokens(ctx: AccountsCtx, filter: { username?: string } = {}): Promise<TokenView[]> {
  let q = baseQuery(ctx);
  if (filter.username) q = q.where('users.username', '=', filter.username);
  return (await q.orderBy('user_tokens.id', 'desc').execute()).map(view);
}

export async function createToken(ctx: AccountsCtx, user: UserRow, input: { label?: string | null; expiresInDays?: number | null }, who: Who): Promise<TokenView & { token: string }> {
  const label = optionalName(input.label, 'A token\'s label');
  const days = input.expiresInDays ?? 90;
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > 366)) throw new VamcoError('VALIDATION_FAILED', 'expiresInDays must be a whole number of days from 1 to 366');
  const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
  const now = ctx.now();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const r = await trx.insertInto('user_tokens').values({
      user_id: user.id, token_hash: sha256(token), prefix: token.slice(0, 12), label,
      created_at: iso(now), expires_at: days === null ? null : iso(now + days * 86_400_000),
    }).returningAll().executeTakeFirstOrThrow();
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: who.actor, action: 'token.create', target: `user:${user.username}/token:${r.id}`, address: who.address ?? null, after: { label, prefix: r.prefix, expiresAt: r.expires_at } });
    return r;
  });
  return { ...view({ ...row, username: user.username }), token };
}

export async function getToken(ctx: AccountsCtx, id: number): Promise<TokenView> {
  const r = await baseQuery(ctx).where('user_tokens.id', '=', id).executeTakeFirst();
  if (!r) throw new VamcoError('NOT_FOUND', `Token ${id} does not exist`);
  return view(r);
}

export async function revokeToken(ctx: AccountsCtx, id: number, who: Who): Promise<TokenView> {
  const t = await getToken(ctx, id);
  if (t.revokedAt) return t;
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('user_tokens').set({ revoked_at: iso(ctx.now()) }).where('id', '=', id).execute();
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: who.actor, action: 'token.revoke', target: `user:${t.username}/token:${id}`, address: who.address ?? null });
  });
  return getToken(ctx, id);
}

/** The enabled user behind a live token, or null. */
export async function lookupToken(ctx: AccountsCtx, token: string): Promise<UserRow | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
  const row = await ctx.db.selectFrom('user_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
  const now = ctx.now();
  if (!row || row.revoked_at || (row.expires_at && Date.parse(row.expires_at) <= now)) return null;
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
  if (!user || user.disabled) return null;
  if (!row.last_used_at || now - Date.parse(row.last_used_at) > 60_000) {
    await ctx.db.updateTable('user_tokens').set({ last_used_at: iso(now) }).where('id', '=', row.id).execute();
  }
  return user;
}
