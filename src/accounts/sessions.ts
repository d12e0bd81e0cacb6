// Console sessions, kept in the database so every admin process sees them and a logout or a
// disabled account takes effect everywhere. The cookie holds a random token; the table only
// its SHA-256, so a copy of the database does not hand out live sessions.
import crypto from 'node:crypto';
import type { AccountsCtx } from './context.js';
import { iso } from './context.js';
import type { UserRow } from './users.js';
import type { UserSessionTable } from './schema.js';
import type { Selectable } from 'kysely';

export type Stage = 'totp' | 'totp_enrol' | 'password_change' | 'full';
export type SessionRow = Selectable<UserSessionTable>;

export const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

export interface NewSession { token: string; csrfToken: string; stage: Stage; expiresAt: string }

export async function createSession(ctx: AccountsCtx, user: UserRow, stage: Stage, meta: { address?: string | null; userAgent?: string | null }): Promise<NewSession> {
  const token = crypto.randomBytes(32).toString('base64url');
  const csrfToken = crypto.randomBytes(24).toString('base64url');
  const now = ctx.now();
  const expiresAt = iso(now + (stage === 'full' ? ctx.policy.absoluteTimeoutMs : ctx.policy.partialTimeoutMs));
  await ctx.db.insertInto('user_sessions').values({
    id_hash: sha256(token), user_id: user.id, stage, csrf_token: csrfToken,
    address: meta.address ?? null, user_agent: meta.userAgent?.slice(0, 300) ?? null,
    created_at: iso(now), last_seen_at: iso(now), expires_at: expiresAt,
  }).execute();
  // Old sessions of this user that have ended are swept here rather than by a timer.
  await ctx.db.deleteFrom('user_sessions').where('user_id', '=', user.id).where('expires_at', '<', iso(now)).execute();
  return { token, csrfToken, stage, expiresAt };
}

/** Moves a session to its next stage; a session that becomes full gets a fresh absolute lifetime. */
export async function advanceSession(ctx: AccountsCtx, session: SessionRow, stage: Stage): Promise<void> {
  const now = ctx.now();
  const expiresAt = stage === 'full' ? iso(now + ctx.policy.absoluteTimeoutMs) : session.expires_at;
  await ctx.db.updateTable('user_sessions').set({ stage, expires_at: expiresAt, last_seen_at: iso(now) })
    .where('id_hash', '=', session.id_hash).execute();
}

export interface LiveSession { session: SessionRow; user: UserRow }

/** The session behind a cookie token, if it is still alive (absolute and idle expiry) and its user enabled. */
export async function lookupSession(ctx: AccountsCtx, token: string | undefined): Promise<LiveSession | null> {
  if (!token || token.length > 100) return null;
  const session = await ctx.db.selectFrom('user_sessions').selectAll().where('id_hash', '=', sha256(token)).executeTakeFirst();
  if (!session) return null;
  const now = ctx.now();
  const idle = session.stage === 'full' ? ctx.policy.idleTimeoutMs : ctx.policy.partialTimeoutMs;
  if (Date.parse(session.expires_at) <= now || Date.parse(session.last_seen_at) + idle <= now) {
    await ctx.db.deleteFrom('user_sessions').where('id_hash', '=', session.id_hash).execute();
    return null;
  }
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', session.user_id).executeTakeFirst();
  if (!user || user.disabled) return null;
  // Touch at most every 30 s: a write per request would serialise SQLite for nothing.
  if (now - Date.parse(session.last_seen_at) > 30_000) {
    await ctx.db.updateTable('user_sessions').set({ last_seen_at: iso(now) }).where('id_hash', '=', session.id_hash).execute();
  }
  return { session, user };
}

export async function endSession(ctx: AccountsCtx, token: string | undefined): Promise<void> {
  if (!token) return;
  await ctx.db.deleteFrom('user_sessions').where('id_hash', '=', sha256(token)).execute();
}

export function csrfMatches(session: SessionRow, header: unknown): boolean {
  if (typeof header !== 'string' || header.length !== session.csrf_token.length) return false;
  return crypto.timingSafeEqual(Buffer.from(header), Buffer.from(session.csrf_token));
}
