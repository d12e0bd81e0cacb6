// Local user accounts: create, change role/agency, disable, reset password or second factor.
// Every change is written to the admin trail in the same transaction.
import type { Kysely } from 'kysely';
import { VamcoError, reason } from '../core/errors.js';
import { optionalName } from '../core/text.js';
import { parseMemberId, memberId as formatMemberId } from '../core/ids.js';
import type { Role } from '../admin/principal.js';
import type { Schema } from '../store/index.js';
import { accountsContext, iso, type AccountsCtx, type AccountsOptions } from './context.js';
import type { AccountsSchema, UserTable } from './schema.js';
import { checkPasswordStrength, generatePassword, hashPassword } from './passwords.js';
import type { Store } from '../store/index.js';
import type { Selectable } from 'kysely';
import { recordAdminAction } from '../audit/index.js';
import { dropRecoveryCodes } from './recovery-codes.js';

/** The command line and first start write to the real admin trail unless told otherwise. */
const cliContext = (store: Store, opts: AccountsOptions) => accountsContext(store, { trail: (db, e) => recordAdminAction(db, store.engine, e), ...opts });

export type UserRow = Selectable<UserTable>;
export const ROLES: readonly Role[] = ['platform_admin', 'agency_admin', 'auditor'];

export interface UserView {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  memberId: string | null;
  disabled: boolean;
  totpEnabled: boolean;
  mustChangePassword: boolean;
  /** When the one-time password stops working (while mustChangePassword). */
  oneTimePasswordExpiresAt: string | null;
  lockedUntil: string | null;
  failedLogins: number;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function userView(u: UserRow, nowMs = Date.now()): UserView {
  return {
    id: Number(u.id),
    username: u.username,
    displayName: u.display_name,
    role: u.role as Role,
    memberId: u.member_id,
    disabled: !!u.disabled,
    totpEnabled: !!u.totp_secret,
    mustChangePassword: !!u.must_change_password,
    oneTimePasswordExpiresAt: u.must_change_password ? u.password_expires_at : null,
    lockedUntil: u.locked_until && Date.parse(u.locked_until) > nowMs ? u.locked_until : null,
    failedLogins: u.failed_logins,
    lastLoginAt: u.last_login_at,
    createdAt: u.created_at,
    updatedAt: u.updated_at,
  };
}

export interface Who { actor: string; address?: string | null }

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export function normaliseUsername(name: string): string {
  return String(name ?? '').normalize('NFC').trim().toLowerCase();
}

function checkUsername(name: string): string {
  const u = normaliseUsername(name);
  if (!USERNAME.test(u)) throw new VamcoError('VALIDATION_FAILED', `"${name}" is not a valid username: 2-64 characters a-z 0-9 . _ -, starting with a letter or digit`);
  return u;
}

function checkRole(role: unknown): Role {
  if (!ROLES.includes(role as Role)) throw new VamcoError('VALIDATION_FAILED', `Role must be one of ${ROLES.join(', ')}`);
  return role as Role;
}

async function checkMember(db: Kysely<AccountsSchema>, role: Role, memberId: string | null | undefined): Promise<string | null> {
  if (role !== 'agency_admin') {
    if (memberId) throw new VamcoError('VALIDATION_FAILED', 'Only agency administrators are bound to a member');
    return null;
  }
  if (!memberId) throw new VamcoError('VALIDATION_FAILED', 'An agency administrator needs the member (agency) they administer, e.g. GOV/000.00.00.H59');
  const ref = parseMemberId(memberId);
  const row = await db.selectFrom('members').select('id')
    .where('member_class', '=', ref.memberClass).where('member_code', '=', ref.memberCode).executeTakeFirst();
  if (!row) throw new VamcoError('NOT_FOUND', `Member ${formatMemberId(ref)} is not registered`);
  return formatMemberId(ref);
}

export async function findUser(ctx: AccountsCtx, username: string): Promise<UserRow | undefined> {
  return ctx.db.selectFrom('users').selectAll().where('username', '=', normaliseUsername(username)).executeTakeFirst();
}

export async function getUser(ctx: AccountsCtx, username: string): Promise<UserRow> {
  const u = await findUser(ctx, username);
  if (!u) throw new VamcoError('NOT_FOUND', `User ${username} does not exist`);
  return u;
}

export async function listUsers(ctx: AccountsCtx): Promise<UserView[]> {
  const rows = await ctx.db.selectFrom('users').selectAll().orderBy('username').execute();
  return rows.map((r) => userView(r, ctx.now()));
}

/** Runs a change and its trail entry in one transaction. */
async function change<T>(ctx: AccountsCtx, who: Who, action: string, target: string,
  fn: (trx: Kysely<AccountsSchema>) => Promise<{ result: T; before?: unknown; after?: unknown }>): Promise<T> {
  return ctx.db.transaction().execute(async (trx) => {
    const r = await fn(trx);
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: who.actor, action, target, address: who.address ?? null, before: r.before ?? null, after: r.after ?? null });
    return r.result;
  });
}

// What the trail shows of a user: never hashes or secrets.
const trailView = (u: UserView) => ({ username: u.username, displayName: u.displayName, role: u.role, memberId: u.memberId, disabled: u.disabled, totpEnabled: u.totpEnabled });

export interface NewUser { username: string; displayName?: string; role: Role; memberId?: string | null; password?: string }

/** Creates a user. Without a password, a one-time password is generated and must be changed at first login. */
export async function createUser(ctx: AccountsCtx, input: NewUser, who: Who): Promise<{ user: UserView; oneTimePassword?: string }> {
  const username = checkUsername(input.username);
  const role = checkRole(input.role);
  const memberId = await checkMember(ctx.db, role, input.memberId);
  const displayName = optionalName(input.displayName, 'The display name') ?? username;
  let oneTimePassword: string | undefined;
  let password = input.password;
  if (password === undefined) password = oneTimePassword = generatePassword();
  else {
    const weak = checkPasswordStrength(password);
    if (weak) throw new VamcoError('VALIDATION_FAILED', weak.detail, reason(weak.reason, weak.params));
  }
  const hash = await hashPassword(password);
  const at = iso(ctx.now());
  try {
    const user = await change(ctx, who, 'user.create', `user:${username}`, async (trx) => {
      const row = await trx.insertInto('users').values({
        username, display_name: displayName, role, member_id: memberId, password_hash: hash,
        must_change_password: oneTimePassword ? 1 : 0, failed_logins: 0,
        password_expires_at: oneTimePassword ? iso(ctx.now() + ctx.policy.oneTimePasswordMs) : null, disabled: 0, created_at: at, updated_at: at,
      }).returningAll().executeTakeFirstOrThrow();
      const v = userView(row, ctx.now());
      return { result: v, after: trailView(v) };
    });
    return { user, oneTimePassword };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err?.code === '23505' || /UNIQUE constraint failed/.test(String(err?.message))) throw new VamcoError('ALREADY_EXISTS', `User ${username} already exists`, reason('already_exists', { what: username }));
    throw e;
  }
}

async function enabledPlatformAdmins(db: Kysely<AccountsSchema>): Promise<string[]> {
  const rows = await db.selectFrom('users').select('username').where('role', '=', 'platform_admin').where('disabled', '=', 0).execute();
  return rows.map((r) => r.username);
}

export interface UserPatch { displayName?: string; role?: Role; memberId?: string | null; disabled?: boolean }

export async function updateUser(ctx: AccountsCtx, username: string, patch: UserPatch, who: Who): Promise<UserView> {
  const before = await getUser(ctx, username);
  const role = patch.role !== undefined ? checkRole(patch.role) : (before.role as Role);
  const memberIdIn = patch.memberId !== undefined ? patch.memberId : (role === 'agency_admin' ? before.member_id : null);
  const memberId = await checkMember(ctx.db, role, memberIdIn);
  const disabled = patch.disabled !== undefined ? !!patch.disabled : !!before.disabled;
  const displayName = patch.displayName !== undefined ? optionalName(patch.displayName, 'The display name') ?? before.username : before.display_name;
  // The platform must keep at least one platform admin who can log in.
  if (before.role === 'platform_admin' && !before.disabled && (role !== 'platform_admin' || disabled)) {
    const admins = await enabledPlatformAdmins(ctx.db);
    if (admins.length <= 1) throw new VamcoError('CONFLICT', 'This is the last enabled platform administrator; create another one first');
  }
  if (who.actor === `user:${before.username}` && (disabled || role !== before.role)) {
    throw new VamcoError('CONFLICT', 'You cannot disable yourself or change your own role');
  }
  return change(ctx, who, 'user.update', `user:${before.username}`, async (trx) => {
    const row = await trx.updateTable('users').set({
      display_name: displayName, role, member_id: memberId, disabled: disabled ? 1 : 0, updated_at: iso(ctx.now()),
    }).where('id', '=', before.id).returningAll().executeTakeFirstOrThrow();
    // A disabled user, or one whose powers changed, must log in again.
    if (disabled || role !== before.role || memberId !== before.member_id) {
      await trx.deleteFrom('user_sessions').where('user_id', '=', before.id).execute();
    }
    const v = userView(row, ctx.now());
    return { result: v, before: trailView(userView(before, ctx.now())), after: trailView(v) };
  });
}

/** Sets a new one-time password, unlocks the account and ends its sessions and API tokens. */
export async function resetPassword(ctx: AccountsCtx, username: string, who: Who): Promise<{ user: UserView; oneTimePassword: string }> {
  const u = await getUser(ctx, username);
  const oneTimePassword = generatePassword();
  const hash = await hashPassword(oneTimePassword);
  const user = await change(ctx, who, 'user.reset_password', `user:${u.username}`, async (trx) => {
    const row = await trx.updateTable('users').set({
      password_hash: hash, must_change_password: 1, password_expires_at: iso(ctx.now() + ctx.policy.oneTimePasswordMs),
      failed_logins: 0, locked_until: null, updated_at: iso(ctx.now()),
    }).where('id', '=', u.id).returningAll().executeTakeFirstOrThrow();
    await trx.deleteFrom('user_sessions').where('user_id', '=', u.id).execute();
    // A reset is what an administrator does when an account is compromised or changes hands:
    // the account's personal API tokens end with its sessions.
    await trx.updateTable('user_tokens').set({ revoked_at: iso(ctx.now()) }).where('user_id', '=', u.id).where('revoked_at', 'is', null).execute();
    return { result: userView(row, ctx.now()) };
  });
  return { user, oneTimePassword };
}

/** Removes the second factor and its recovery codes (lost phone); administrators enrol again at their next login. */
export async function resetTotp(ctx: AccountsCtx, username: string, who: Who): Promise<UserView> {
  const u = await getUser(ctx, username);
  return change(ctx, who, 'user.reset_totp', `user:${u.username}`, async (trx) => {
    const row = await trx.updateTable('users').set({ totp_secret: null, totp_pending_secret: null, totp_last_step: null, updated_at: iso(ctx.now()) })
      .where('id', '=', u.id).returningAll().executeTakeFirstOrThrow();
    await dropRecoveryCodes(trx, u.id);
    await trx.deleteFrom('user_sessions').where('user_id', '=', u.id).execute();
    return { result: userView(row, ctx.now()) };
  });
}

export async function unlockUser(ctx: AccountsCtx, username: string, who: Who): Promise<UserView> {
  const u = await getUser(ctx, username);
  return change(ctx, who, 'user.unlock', `user:${u.username}`, async (trx) => {
    const row = await trx.updateTable('users').set({ failed_logins: 0, locked_until: null, updated_at: iso(ctx.now()) })
      .where('id', '=', u.id).returningAll().executeTakeFirstOrThrow();
    return { result: userView(row, ctx.now()) };
  });
}

// ---------- first start and the command line ----------

export const FIRST_ADMIN = 'admin';

/**
 * On the first start (no user at all) creates the platform admin `admin` with a one-time
 * password for the start banner; returns null on every later start.
 */
export async function ensureFirstAdmin(store: Store, opts: AccountsOptions = {}): Promise<{ username: string; oneTimePassword: string } | null> {
  const ctx = cliContext(store, opts);
  const any = await ctx.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  try {
    const r = await createUser(ctx, { username: FIRST_ADMIN, displayName: 'Quản trị nền tảng', role: 'platform_admin' }, { actor: 'system:first-start' });
    return { username: r.user.username, oneTimePassword: r.oneTimePassword! };
  } catch (e) {
    // Another process of the same platform won the race: it prints the banner.
    if (e instanceof VamcoError && e.code === 'ALREADY_EXISTS') return null;
    throw e;
  }
}

/** `vamco user add USERNAME --role ROLE [--member CLASS/CODE] [--name NAME]` */
export async function cliAddUser(store: Store, input: { username: string; role: Role; memberId?: string | null; displayName?: string }, opts: AccountsOptions & { actor?: string } = {}): Promise<{ username: string; oneTimePassword: string }> {
  const ctx = cliContext(store, opts);
  const r = await createUser(ctx, { ...input }, { actor: opts.actor ?? 'cli' });
  return { username: r.user.username, oneTimePassword: r.oneTimePassword! };
}

/** `vamco user reset-password USERNAME` (also unlocks; `--totp` also removes the second factor). */
export async function cliResetPassword(store: Store, username: string, opts: AccountsOptions & { actor?: string; resetTotp?: boolean } = {}): Promise<{ username: string; oneTimePassword: string }> {
  const ctx = cliContext(store, opts);
  const who = { actor: opts.actor ?? 'cli' };
  const r = await resetPassword(ctx, username, who);
  if (opts.resetTotp) await resetTotp(ctx, username, who);
  return { username: r.user.username, oneTimePassword: r.oneTimePassword };
}

/** `vamco user list` */
export async function cliListUsers(store: Store): Promise<UserView[]> {
  return listUsers(accountsContext(store));
}
