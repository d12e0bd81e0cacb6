// The login state machine: password → second factor (verify, or enrol for platform admins who
// have none) → forced password change after a one-time password → full session. Failures of
// either factor count towards back-off and lock-out.
import type { Kysely } from 'kysely';
import { VamcoError } from '../core/errors.js';
import type { Schema } from '../store/index.js';
import { iso, type AccountsCtx } from './context.js';
import { checkPasswordStrength, dummyHash, hashPassword, verifyPassword } from './passwords.js';
import { advanceSession, createSession, type NewSession, type SessionRow, type Stage } from './sessions.js';
import { newTotpSecret, otpauthUri, verifyTotp } from './totp.js';
import { findUser, type UserRow } from './users.js';
import { readTotpSecret, sealTotpSecret, storePendingSecret } from './totp-secrets.js';

export interface Meta { address?: string | null; userAgent?: string | null }

const WRONG = 'Wrong username or password';

/** The stage a user reaches after proving `done` (password, or password + second factor). */
export function nextStage(user: UserRow, done: 'password' | 'second_factor' | 'password_change'): Stage {
  if (done === 'password') {
    if (user.totp_secret) return 'totp';
    if (user.role === 'platform_admin') return 'totp_enrol';
  }
  if (done !== 'password_change' && user.must_change_password) return 'password_change';
  return 'full';
}

/** Delay imposed after `failures` consecutive failures, in ms (0 = none). */
export function lockDelay(ctx: AccountsCtx, failures: number): number {
  const p = ctx.policy;
  if (failures >= p.lockAfter) return p.lockMs;
  if (failures < p.freeFailures) return 0;
  return Math.min(p.lockMs, p.backoffBaseMs * 2 ** (failures - p.freeFailures));
}

function refuseIfLocked(ctx: AccountsCtx, user: UserRow): void {
  const until = user.locked_until ? Date.parse(user.locked_until) : 0;
  const wait = until - ctx.now();
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new VamcoError('RATE_LIMITED', user.failed_logins >= ctx.policy.lockAfter
      ? `Too many failed logins: this account is locked for ${seconds} s (an administrator can unlock it)`
      : `Too many failed logins: wait ${seconds} s before trying again`,
    { headers: { 'retry-after': String(seconds) }, extra: { retryAfter: seconds } });
  }
}

async function recordFailure(ctx: AccountsCtx, user: UserRow, meta: Meta, what: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    // Counted in the database, not from the row read before the (slow) password check:
    // parallel guesses must each count.
    const row = await trx.updateTable('users').set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
      .where('id', '=', user.id).returning('failed_logins').executeTakeFirstOrThrow();
    const failures = Number(row.failed_logins);
    const delay = lockDelay(ctx, failures);
    await trx.updateTable('users').set({ locked_until: delay ? iso(ctx.now() + delay) : null }).where('id', '=', user.id).execute();
    if (failures === ctx.policy.lockAfter) {
      await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: 'auth.locked', target: `user:${user.username}`, address: meta.address ?? null, after: { failures, reason: what } });
    }
  });
}

/**
 * Failures for names that are not accounts, counted the same way in memory, so the answers
 * (and the back-off) do not tell which usernames exist.
 */
const unknownFailuresByStore = new WeakMap<object, Map<string, { failures: number; lockedUntil: number }>>();
function unknownFailuresOf(ctx: AccountsCtx): Map<string, { failures: number; lockedUntil: number }> {
  let m = unknownFailuresByStore.get(ctx.db);
  if (!m) unknownFailuresByStore.set(ctx.db, (m = new Map()));
  return m;
}

function refuseUnknownIfLocked(ctx: AccountsCtx, key: string): void {
  const e = unknownFailuresOf(ctx).get(key);
  if (!e) return;
  refuseIfLocked(ctx, { locked_until: e.lockedUntil ? new Date(e.lockedUntil).toISOString() : null, failed_logins: e.failures } as UserRow);
}

function recordUnknownFailure(ctx: AccountsCtx, key: string): void {
  const unknownFailures = unknownFailuresOf(ctx);
  const e = unknownFailures.get(key) ?? { failures: 0, lockedUntil: 0 };
  e.failures++;
  const delay = lockDelay(ctx, e.failures);
  e.lockedUntil = delay ? ctx.now() + delay : 0;
  if (unknownFailures.size >= 10_000) unknownFailures.delete(unknownFailures.keys().next().value!);
  unknownFailures.set(key, e);
}

async function recordSuccess(ctx: AccountsCtx, user: UserRow, meta: Meta): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ failed_logins: 0, locked_until: null, last_login_at: iso(ctx.now()) }).where('id', '=', user.id).execute();
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: 'auth.login', target: `user:${user.username}`, address: meta.address ?? null });
  });
}

export async function loginWithPassword(ctx: AccountsCtx, username: string, password: string, meta: Meta): Promise<{ session: NewSession; user: UserRow }> {
  if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
    throw new VamcoError('VALIDATION_FAILED', 'Username and password are required');
  }
  const user = await findUser(ctx, username);
  if (!user) {
    const key = username.normalize('NFC').toLowerCase();
    // Checked in the same order as for an account (lock first, then the password's time):
    // checked after the slow hash, a back-off ran out sooner for unknown names than for real ones.
    try {
      refuseUnknownIfLocked(ctx, key);
    } finally {
      await verifyPassword(password, await dummyHash());
    }
    recordUnknownFailure(ctx, key);
    throw new VamcoError('UNAUTHENTICATED', WRONG);
  }
  try {
    refuseIfLocked(ctx, user);
  } catch (e) {
    await verifyPassword(password, await dummyHash()); // same time as a checked attempt
    throw e;
  }
  if (!(await verifyPassword(password, user.password_hash))) {
    await recordFailure(ctx, user, meta, 'password');
    throw new VamcoError('UNAUTHENTICATED', WRONG);
  }
  // A disabled account answers like a wrong password: the answer must not confirm the password.
  if (user.disabled) throw new VamcoError('UNAUTHENTICATED', WRONG);
  const stage = nextStage(user, 'password');
  if (stage === 'full') await recordSuccess(ctx, user, meta);
  return { session: await createSession(ctx, user, stage, meta), user };
}

async function reload(ctx: AccountsCtx, user: UserRow): Promise<UserRow> {
  return ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
}

async function finishStage(ctx: AccountsCtx, session: SessionRow, user: UserRow, stage: Stage, meta: Meta): Promise<Stage> {
  await advanceSession(ctx, session, stage);
  if (stage === 'full') await recordSuccess(ctx, user, meta);
  return stage;
}

/** Accepts a code once: a code seen at or before the last used step is a replay. */
async function checkCode(ctx: AccountsCtx, user: UserRow, secret: string, code: string, meta: Meta): Promise<number> {
  refuseIfLocked(ctx, user);
  const step = verifyTotp(secret, code, ctx.now());
  if (step === null || (user.totp_last_step !== null && step <= Number(user.totp_last_step))) {
    await recordFailure(ctx, user, meta, 'totp');
    throw new VamcoError('UNAUTHENTICATED', 'Wrong or already used authentication code');
  }
  return step;
}

/**
 * Marks a code's step as used. The update is the check: of several requests carrying the
 * same code at once, only one moves the step forward.
 */
async function claimStep(ctx: AccountsCtx, user: UserRow, step: number, meta: Meta, db: Kysely<any> = ctx.db): Promise<void> {
  const r = await db.updateTable('users').set({ totp_last_step: step }).where('id', '=', user.id)
    .where((eb: any) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)])).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) {
    await recordFailure(ctx, user, meta, 'totp');
    throw new VamcoError('UNAUTHENTICATED', 'Wrong or already used authentication code');
  }
}

export async function verifySecondFactor(ctx: AccountsCtx, session: SessionRow, user: UserRow, code: string, meta: Meta): Promise<Stage> {
  const secret = await readTotpSecret(ctx, user, 'totp_secret');
  if (session.stage !== 'totp' || !secret) throw new VamcoError('CONFLICT', 'This session is not waiting for an authentication code');
  const step = await checkCode(ctx, user, secret, code, meta);
  await claimStep(ctx, user, step, meta);
  return finishStage(ctx, session, user, nextStage(user, 'second_factor'), meta);
}

/** Starts enrolment: a new secret is kept pending until a code from it is confirmed. */
export async function startEnrolment(ctx: AccountsCtx, session: SessionRow, user: UserRow): Promise<{ secret: string; otpauthUri: string }> {
  if (session.stage !== 'totp_enrol' && session.stage !== 'full') throw new VamcoError('CONFLICT', 'Finish logging in first');
  if (user.totp_secret) throw new VamcoError('CONFLICT', 'Two-step verification is already on for this account');
  const secret = newTotpSecret();
  await storePendingSecret(ctx, user, secret);
  return { secret, otpauthUri: otpauthUri(secret, user.username, ctx.policy.totpIssuer) };
}

export async function confirmEnrolment(ctx: AccountsCtx, session: SessionRow, user: UserRow, code: string, meta: Meta): Promise<Stage> {
  if (session.stage !== 'totp_enrol' && session.stage !== 'full') throw new VamcoError('CONFLICT', 'Finish logging in first');
  const pending = await readTotpSecret(ctx, user, 'totp_pending_secret');
  if (!pending) throw new VamcoError('CONFLICT', 'Start the set-up first (POST /auth/totp/enrol)');
  const step = await checkCode(ctx, user, pending, code, meta);
  await claimStep(ctx, user, step, meta);
  const sealed = await sealTotpSecret(ctx, user.id, 'totp_secret', pending);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ totp_secret: sealed, totp_pending_secret: null, totp_last_step: step, updated_at: iso(ctx.now()) })
      .where('id', '=', user.id).execute();
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: 'user.totp_enable', target: `user:${user.username}`, address: meta.address ?? null });
  });
  if (session.stage === 'full') return 'full';
  return finishStage(ctx, session, await reload(ctx, user), nextStage(await reload(ctx, user), 'second_factor'), meta);
}

/** Users other than platform admins may turn their second factor off, proving it one last time. */
export async function disableTotp(ctx: AccountsCtx, user: UserRow, code: string, meta: Meta): Promise<void> {
  if (user.role === 'platform_admin') throw new VamcoError('FORBIDDEN', 'Platform administrators must keep two-step verification on');
  const secret = await readTotpSecret(ctx, user, 'totp_secret');
  if (!secret) throw new VamcoError('CONFLICT', 'Two-step verification is not on');
  await checkCode(ctx, user, secret, code, meta);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ totp_secret: null, totp_last_step: null, updated_at: iso(ctx.now()) }).where('id', '=', user.id).execute();
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: 'user.totp_disable', target: `user:${user.username}`, address: meta.address ?? null });
  });
}

/**
 * Changes the user's own password. In the `password_change` stage the password was proven a
 * moment ago, so only the new one is asked; in a full session the current one is required.
 */
export async function changePassword(ctx: AccountsCtx, session: SessionRow, user: UserRow, input: { currentPassword?: string; newPassword: string }, meta: Meta): Promise<Stage> {
  if (session.stage !== 'password_change' && session.stage !== 'full') throw new VamcoError('CONFLICT', 'Finish logging in first');
  if (session.stage === 'full') {
    refuseIfLocked(ctx, user);
    if (typeof input.currentPassword !== 'string' || !(await verifyPassword(input.currentPassword, user.password_hash))) {
      await recordFailure(ctx, user, meta, 'password');
      throw new VamcoError('UNAUTHENTICATED', 'The current password is wrong');
    }
  }
  const weak = checkPasswordStrength(input.newPassword);
  if (weak) throw new VamcoError('VALIDATION_FAILED', weak);
  if (await verifyPassword(input.newPassword, user.password_hash)) throw new VamcoError('VALIDATION_FAILED', 'Choose a password different from the current one');
  const hash = await hashPassword(input.newPassword);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash, must_change_password: 0, updated_at: iso(ctx.now()) }).where('id', '=', user.id).execute();
    // Other sessions of this user end: whoever knew the old password is out.
    await trx.deleteFrom('user_sessions').where('user_id', '=', user.id).where('id_hash', '!=', session.id_hash).execute();
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: 'user.change_password', target: `user:${user.username}`, address: meta.address ?? null });
  });
  if (session.stage === 'full') return 'full';
  return finishStage(ctx, session, user, 'full', meta);
}
