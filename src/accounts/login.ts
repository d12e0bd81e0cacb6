// The login state machine: password → second factor (verify, or enrol for administrators who
// have none; a recovery code stands in once for a code) → forced password change after a one-time password → full session. Failures of
// either factor count towards back-off and lock-out.
import type { Kysely } from 'kysely';
import { VamcoError, reason } from '../core/errors.js';
import type { Schema } from '../store/index.js';
import { iso, type AccountsCtx } from './context.js';
import { checkPasswordStrength, dummyHash, hashPassword, verifyPassword } from './passwords.js';
import { advanceSession, createSession, type NewSession, type SessionRow, type Stage } from './sessions.js';
import { newTotpSecret, otpauthUri, verifyTotp } from './totp.js';
import { findUser, type UserRow } from './users.js';
import { readTotpSecret, sealTotpSecret, storePendingSecret } from './totp-secrets.js';
import { admitAttempt, delayAfter, type Attempt } from './throttle.js';
import { dropRecoveryCodes, recoveryCodesLeft, replaceRecoveryCodes, spendRecoveryCode } from './recovery-codes.js';

export interface Meta { address?: string | null; userAgent?: string | null }

const WRONG = 'Wrong username or password';

/**
 * Roles that must have two-step verification: both kinds of administrator (an agency admin
 * grants access to its agency's data). Enrolment is asked at their next login.
 */
export const requiresTwoStep = (role: string): boolean => role === 'platform_admin' || role === 'agency_admin';

const FINISH_LOGIN = (): VamcoError => new VamcoError('CONFLICT', 'Finish logging in first', reason('finish_login_first'));

/** The stage a user reaches after proving `done` (password, or password + second factor). */
export function nextStage(user: UserRow, done: 'password' | 'second_factor' | 'password_change'): Stage {
  if (done === 'password') {
    if (user.totp_secret) return 'totp';
    if (requiresTwoStep(user.role)) return 'totp_enrol';
  }
  if (done !== 'password_change' && user.must_change_password) return 'password_change';
  return 'full';
}

/** Delay imposed after `failures` consecutive failures of an account, in ms (0 = none). */
export function lockDelay(ctx: AccountsCtx, failures: number): number {
  const p = ctx.policy;
  return delayAfter({ free: p.freeFailures, lockAfter: p.lockAfter, baseMs: p.backoffBaseMs, lockMs: p.lockMs }, failures);
}

/** A completed login: the account's count restarts, and the trail has it. */
async function recordLogin(ctx: AccountsCtx, user: UserRow, meta: Meta): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ failed_logins: 0, locked_until: null, last_login_at: iso(ctx.now()) }).where('id', '=', user.id).execute();
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: 'auth.login', target: `user:${user.username}`, address: meta.address ?? null });
  });
}

export async function loginWithPassword(ctx: AccountsCtx, username: string, password: string, meta: Meta): Promise<{ session: NewSession; user: UserRow }> {
  if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
    throw new VamcoError('VALIDATION_FAILED', 'Username and password are required', reason('credentials_required'));
  }
  const user = await findUser(ctx, username);
  // Counted (or refused) before the password is looked at; names that are no account are
  // counted the same way, so neither the answers nor the back-off tell which names exist.
  const attempt = await admitAttempt(ctx, user ? { user } : { name: username.normalize('NFC').toLowerCase() }, meta);
  if (!user) {
    await verifyPassword(password, await dummyHash()); // the time a real check takes
    await attempt.failed('password');
    throw new VamcoError('UNAUTHENTICATED', WRONG, reason('wrong_credentials'));
  }
  // A disabled account answers like a wrong password: the answer must not confirm the password.
  if (!(await verifyPassword(password, user.password_hash)) || user.disabled) {
    await attempt.failed('password');
    throw new VamcoError('UNAUTHENTICATED', WRONG, reason('wrong_credentials'));
  }
  if (user.must_change_password && user.password_expires_at && Date.parse(user.password_expires_at) <= ctx.now()) {
    await attempt.succeeded('partial');
    throw new VamcoError('UNAUTHENTICATED', 'This one-time password has expired: ask an administrator for a new one (Users page, or vamco user reset-password)', { extra: { reason: 'one_time_password_expired' } });
  }
  const stage = nextStage(user, 'password');
  await attempt.succeeded(stage === 'full' ? 'full' : 'partial');
  if (stage === 'full') await recordLogin(ctx, user, meta);
  return { session: await createSession(ctx, user, stage, meta), user };
}

async function reload(ctx: AccountsCtx, user: UserRow): Promise<UserRow> {
  return ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
}

async function finishStage(ctx: AccountsCtx, session: SessionRow, user: UserRow, stage: Stage, meta: Meta): Promise<Stage> {
  await advanceSession(ctx, session, stage);
  if (stage === 'full') await recordLogin(ctx, user, meta);
  return stage;
}

const BAD_CODE = 'Wrong or already used authentication code';
const BAD_RECOVERY_CODE = 'Wrong or already used recovery code';

/**
 * Checks a code, counted as an attempt first. Accepted once: a code seen at or before the last
 * used step is a replay, and marking the step used is itself the check, so of several requests
 * carrying the same code at once only one moves the step forward.
 */
async function checkCode(ctx: AccountsCtx, user: UserRow, secret: string, code: string, meta: Meta): Promise<{ step: number; attempt: Attempt }> {
  const attempt = await admitAttempt(ctx, { user }, meta);
  const step = verifyTotp(secret, code, ctx.now());
  const claimed = step !== null && Number((await ctx.db.updateTable('users').set({ totp_last_step: step }).where('id', '=', user.id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)])).executeTakeFirst()).numUpdatedRows) > 0;
  if (!claimed) {
    await attempt.failed('totp');
    throw new VamcoError('UNAUTHENTICATED', BAD_CODE, reason('wrong_code'));
  }
  return { step: step!, attempt };
}

/** A recovery code in place of the authentication code: counted like one, spent once, trailed (without its value). */
async function checkRecoveryCode(ctx: AccountsCtx, user: UserRow, code: string, meta: Meta): Promise<Attempt> {
  const attempt = await admitAttempt(ctx, { user }, meta);
  const spent = await ctx.db.transaction().execute(async (trx) => {
    if (!(await spendRecoveryCode(ctx, trx, user.id, code))) return false;
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: 'auth.recovery_code_used', target: `user:${user.username}`, address: meta.address ?? null,
      after: { left: await recoveryCodesLeft(trx, user.id) } });
    return true;
  });
  if (!spent) {
    await attempt.failed('recovery_code');
    throw new VamcoError('UNAUTHENTICATED', BAD_RECOVERY_CODE, reason('wrong_recovery_code'));
  }
  return attempt;
}

export interface SecondFactor { code?: string; recoveryCode?: string }

export async function verifySecondFactor(ctx: AccountsCtx, session: SessionRow, user: UserRow, input: SecondFactor, meta: Meta): Promise<Stage> {
  const secret = await readTotpSecret(ctx, user, 'totp_secret');
  if (session.stage !== 'totp' || !secret) throw new VamcoError('CONFLICT', 'This session is not waiting for an authentication code', reason('not_waiting_for_code'));
  let attempt: Attempt;
  if (typeof input.recoveryCode === 'string' && input.recoveryCode) attempt = await checkRecoveryCode(ctx, user, input.recoveryCode, meta);
  else if (typeof input.code === 'string') attempt = (await checkCode(ctx, user, secret, input.code, meta)).attempt;
  else throw new VamcoError('VALIDATION_FAILED', 'Send the authentication code (code) or a recovery code (recoveryCode)', reason('code_required'));
  const stage = nextStage(user, 'second_factor');
  await attempt.succeeded(stage === 'full' ? 'full' : 'partial');
  return finishStage(ctx, session, user, stage, meta);
}

/**
 * Starts enrolment: a secret is kept pending until a code from it is confirmed. A pending
 * secret is handed out again rather than replaced, so an app set up before a reload (or in
 * another tab) keeps producing accepted codes; resetting two-step verification drops it.
 */
export async function startEnrolment(ctx: AccountsCtx, session: SessionRow, user: UserRow): Promise<{ secret: string; otpauthUri: string }> {
  if (session.stage !== 'totp_enrol' && session.stage !== 'full') throw FINISH_LOGIN();
  if (user.totp_secret) throw new VamcoError('CONFLICT', 'Two-step verification is already on for this account: redo its set-up instead', reason('totp_already_on'));
  return pendingSecret(ctx, user);
}

/** The user's pending secret, made (and kept) on first ask. */
async function pendingSecret(ctx: AccountsCtx, user: UserRow): Promise<{ secret: string; otpauthUri: string }> {
  let secret = await readTotpSecret(ctx, user, 'totp_pending_secret');
  if (!secret) {
    secret = newTotpSecret();
    await storePendingSecret(ctx, user, secret);
  }
  return { secret, otpauthUri: otpauthUri(secret, user.username, ctx.policy.totpIssuer) };
}

/**
 * Confirms the pending secret with a code from it: it becomes the account's secret (replacing
 * the old one when the set-up is redone), with a fresh set of recovery codes shown this once.
 */
export async function confirmEnrolment(ctx: AccountsCtx, session: SessionRow, user: UserRow, code: string, meta: Meta): Promise<{ stage: Stage; recoveryCodes: string[] }> {
  if (session.stage !== 'totp_enrol' && session.stage !== 'full') throw FINISH_LOGIN();
  const pending = await readTotpSecret(ctx, user, 'totp_pending_secret');
  if (!pending) throw new VamcoError('CONFLICT', 'Start the set-up first (POST /auth/totp/enrol)', reason('enrol_first'));
  const { step, attempt } = await checkCode(ctx, user, pending, code, meta);
  const sealed = await sealTotpSecret(ctx, user.id, 'totp_secret', pending);
  const redone = !!user.totp_secret;
  const recoveryCodes = await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ totp_secret: sealed, totp_pending_secret: null, totp_last_step: step, updated_at: iso(ctx.now()) })
      .where('id', '=', user.id).execute();
    const codes = await replaceRecoveryCodes(ctx, trx, user.id);
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: redone ? 'user.totp_redo' : 'user.totp_enable', target: `user:${user.username}`, address: meta.address ?? null,
      after: { recoveryCodes: codes.length } });
    return codes;
  });
  if (session.stage === 'full') {
    await attempt.succeeded('partial');
    return { stage: 'full', recoveryCodes };
  }
  const fresh = await reload(ctx, user);
  const stage = nextStage(fresh, 'second_factor');
  await attempt.succeeded(stage === 'full' ? 'full' : 'partial');
  return { stage: await finishStage(ctx, session, fresh, stage, meta), recoveryCodes };
}

/** Proof of the account's holder for a change of the second factor: the current code or the password. */
async function proveHolder(ctx: AccountsCtx, user: UserRow, proof: { code?: string; password?: string }, meta: Meta): Promise<void> {
  const secret = await readTotpSecret(ctx, user, 'totp_secret');
  if (typeof proof.code === 'string' && proof.code && secret) {
    const { attempt } = await checkCode(ctx, user, secret, proof.code, meta);
    await attempt.succeeded('partial');
    return;
  }
  if (typeof proof.password !== 'string' || !proof.password) throw new VamcoError('VALIDATION_FAILED', 'Send the current authentication code or your password', reason('code_or_password_required'));
  const attempt = await admitAttempt(ctx, { user }, meta);
  if (!(await verifyPassword(proof.password, user.password_hash))) {
    await attempt.failed('password');
    throw new VamcoError('UNAUTHENTICATED', 'The current password is wrong', reason('wrong_current_password'));
  }
  await attempt.succeeded('partial');
}

/**
 * Redoes the set-up (new phone): after the current code or the password, a new pending secret
 * is handed out; the old secret and recovery codes keep working until a code from the new one
 * is confirmed (POST /auth/totp/confirm), so an abandoned redo locks nobody out.
 */
export async function redoEnrolment(ctx: AccountsCtx, session: SessionRow, user: UserRow, proof: { code?: string; password?: string }, meta: Meta): Promise<{ secret: string; otpauthUri: string }> {
  if (session.stage !== 'full') throw FINISH_LOGIN();
  if (!user.totp_secret) throw new VamcoError('CONFLICT', 'Two-step verification is not on: set it up instead', reason('totp_not_on'));
  await proveHolder(ctx, user, proof, meta);
  return pendingSecret(ctx, await reload(ctx, user));
}

/** New recovery codes for old (all unused ones end), after the current authentication code. */
export async function regenerateRecoveryCodes(ctx: AccountsCtx, session: SessionRow, user: UserRow, code: string, meta: Meta): Promise<string[]> {
  if (session.stage !== 'full') throw FINISH_LOGIN();
  const secret = await readTotpSecret(ctx, user, 'totp_secret');
  if (!secret) throw new VamcoError('CONFLICT', 'Two-step verification is not on', reason('totp_not_on'));
  const { attempt } = await checkCode(ctx, user, secret, code, meta);
  await attempt.succeeded('partial');
  return ctx.db.transaction().execute(async (trx) => {
    const codes = await replaceRecoveryCodes(ctx, trx, user.id);
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: 'user.recovery_codes_regenerate', target: `user:${user.username}`, address: meta.address ?? null,
      after: { recoveryCodes: codes.length } });
    return codes;
  });
}

/** Users who need no second factor (auditors) may turn theirs off, proving it one last time. */
export async function disableTotp(ctx: AccountsCtx, user: UserRow, code: string, meta: Meta): Promise<void> {
  if (requiresTwoStep(user.role)) throw new VamcoError('FORBIDDEN', 'Administrators must keep two-step verification on', reason('two_step_required'));
  const secret = await readTotpSecret(ctx, user, 'totp_secret');
  if (!secret) throw new VamcoError('CONFLICT', 'Two-step verification is not on', reason('totp_not_on'));
  const { attempt } = await checkCode(ctx, user, secret, code, meta);
  await attempt.succeeded('partial');
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ totp_secret: null, totp_last_step: null, updated_at: iso(ctx.now()) }).where('id', '=', user.id).execute();
    await dropRecoveryCodes(trx, user.id);
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: 'user.totp_disable', target: `user:${user.username}`, address: meta.address ?? null });
  });
}

/**
 * Changes the user's own password. In the `password_change` stage the password was proven a
 * moment ago, so only the new one is asked; in a full session the current one is required.
 */
export async function changePassword(ctx: AccountsCtx, session: SessionRow, user: UserRow, input: { currentPassword?: string; newPassword: string }, meta: Meta): Promise<Stage> {
  if (session.stage !== 'password_change' && session.stage !== 'full') throw FINISH_LOGIN();
  if (session.stage === 'full') {
    const attempt = await admitAttempt(ctx, { user }, meta);
    if (typeof input.currentPassword !== 'string' || !(await verifyPassword(input.currentPassword, user.password_hash))) {
      await attempt.failed('password');
      throw new VamcoError('UNAUTHENTICATED', 'The current password is wrong', reason('wrong_current_password'));
    }
    await attempt.succeeded('partial');
  }
  const weak = checkPasswordStrength(input.newPassword);
  if (weak) throw new VamcoError('VALIDATION_FAILED', weak.detail, reason(weak.reason, weak.params));
  if (await verifyPassword(input.newPassword, user.password_hash)) throw new VamcoError('VALIDATION_FAILED', 'Choose a password different from the current one', reason('same_password'));
  const hash = await hashPassword(input.newPassword);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash, must_change_password: 0, password_expires_at: null, updated_at: iso(ctx.now()) }).where('id', '=', user.id).execute();
    // Whoever knew the old password is out: the user's other sessions end, and so do the
    // personal API tokens (one could have been minted by someone who had the password).
    await trx.deleteFrom('user_sessions').where('user_id', '=', user.id).where('id_hash', '!=', session.id_hash).execute();
    const revoked = await trx.updateTable('user_tokens').set({ revoked_at: iso(ctx.now()) }).where('user_id', '=', user.id).where('revoked_at', 'is', null).executeTakeFirst();
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: `user:${user.username}`, action: 'user.change_password', target: `user:${user.username}`, address: meta.address ?? null,
      after: { tokensRevoked: Number(revoked.numUpdatedRows) } });
  });
  if (session.stage === 'full') return 'full';
  return finishStage(ctx, session, user, 'full', meta);
}
