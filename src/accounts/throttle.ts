// Login attempts are counted BEFORE the password or code is checked, in one atomic statement
// that also refuses a locked account or address: parallel guesses each take a place in the
// count, so a burst gets no more checks than guesses one after another would. An attempt whose
// password was right gives its place back; a completed login resets the account's count.
//
// Counted per account (users.failed_logins, shown on the Users page), per name that is no
// account (login_throttle "name:…", so the answers do not tell which names exist) and per
// address (login_throttle "addr:…": a password spray across accounts from one address). An
// address's failures fade after a quiet window; an account's stay until a login succeeds or an
// administrator unlocks it.
import { sql, type Kysely } from 'kysely';
import { VamcoError } from '../core/errors.js';
import type { Schema } from '../store/index.js';
import { iso, type AccountsCtx } from './context.js';
import type { AccountsSchema } from './schema.js';
import type { UserRow } from './users.js';

export interface Limits { free: number; lockAfter: number; baseMs: number; lockMs: number }

/** Delay imposed after `failures` counted attempts, in ms (0 = none). */
export function delayAfter(l: Limits, failures: number): number {
  if (failures >= l.lockAfter) return l.lockMs;
  if (failures < l.free) return 0;
  return Math.min(l.lockMs, l.baseMs * 2 ** (failures - l.free));
}

const accountLimits = (ctx: AccountsCtx): Limits => ({ free: ctx.policy.freeFailures, lockAfter: ctx.policy.lockAfter, baseMs: ctx.policy.backoffBaseMs, lockMs: ctx.policy.lockMs });
const addressLimits = (ctx: AccountsCtx): Limits => ({ free: ctx.policy.addressFreeFailures, lockAfter: ctx.policy.addressLockAfter, baseMs: ctx.policy.backoffBaseMs, lockMs: ctx.policy.lockMs });

export type Subject = { user: UserRow } | { name: string };

export interface Attempt {
  /** The right password or code: the attempt is given back (`full`: the login is complete, the account's count restarts). */
  succeeded(kind: 'partial' | 'full'): Promise<void>;
  /** Wrong: it stays counted. The attempt that locks the account goes to the admin trail. */
  failed(what: string): Promise<void>;
}

type Db = Kysely<AccountsSchema>;

function refusal(ctx: AccountsCtx, lockedUntil: string | null, why: 'account' | 'locked' | 'address'): VamcoError {
  const seconds = Math.max(1, Math.ceil(((lockedUntil ? Date.parse(lockedUntil) : 0) - ctx.now()) / 1000));
  const detail = why === 'locked' ? `Too many failed logins: this account is locked for ${seconds} s (an administrator can unlock it)`
    : why === 'address' ? `Too many failed logins from your address: wait ${seconds} s before trying again`
      : `Too many failed logins: wait ${seconds} s before trying again`;
  return new VamcoError('RATE_LIMITED', detail, { headers: { 'retry-after': String(seconds) }, extra: { retryAfter: seconds } });
}

/** Counts an attempt on an account unless it is locked; null when locked. */
async function countAccount(ctx: AccountsCtx, db: Db, userId: number): Promise<number | null> {
  const now = iso(ctx.now());
  const r = await db.updateTable('users').set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
    .where('id', '=', userId).where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .returning('failed_logins').executeTakeFirst();
  if (!r) return null;
  const n = Number(r.failed_logins);
  const delay = delayAfter(accountLimits(ctx), n);
  if (delay) await db.updateTable('users').set({ locked_until: iso(ctx.now() + delay) }).where('id', '=', userId).execute();
  return n;
}

/** The same for a throttle key; `windowMs`: failures older than this are forgotten. */
async function countKey(ctx: AccountsCtx, db: Db, key: string, limits: Limits, windowMs: number | null): Promise<number | null> {
  const now = iso(ctx.now());
  const failures = windowMs === null ? sql<number>`login_throttle.failures + 1`
    : sql<number>`case when login_throttle.updated_at < ${iso(ctx.now() - windowMs)} then 1 else login_throttle.failures + 1 end`;
  const r = await db.insertInto('login_throttle').values({ key, failures: 1, locked_until: null, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ failures, updated_at: now })
      .where((eb) => eb.or([eb('login_throttle.locked_until', 'is', null), eb('login_throttle.locked_until', '<=', now)])))
    .returning('failures').executeTakeFirst();
  if (!r) return null;
  const n = Number(r.failures);
  const delay = delayAfter(limits, n);
  if (delay) await db.updateTable('login_throttle').set({ locked_until: iso(ctx.now() + delay) }).where('key', '=', key).execute();
  return n;
}

async function lockOf(db: Db, subject: Subject | { key: string }): Promise<string | null> {
  if ('user' in subject) {
    return (await db.selectFrom('users').select('locked_until').where('id', '=', subject.user.id).executeTakeFirst())?.locked_until ?? null;
  }
  const key = 'key' in subject ? subject.key : `name:${subject.name}`;
  return (await db.selectFrom('login_throttle').select('locked_until').where('key', '=', key).executeTakeFirst())?.locked_until ?? null;
}

/** Gives a counted attempt back; the lock it may have set goes too when the count is below back-off again. */
async function refundAccount(ctx: AccountsCtx, db: Db, userId: number): Promise<void> {
  const r = await db.updateTable('users').set({ failed_logins: sql`case when failed_logins > 0 then failed_logins - 1 else 0 end` })
    .where('id', '=', userId).returning('failed_logins').executeTakeFirst();
  if (r && Number(r.failed_logins) < ctx.policy.freeFailures) await db.updateTable('users').set({ locked_until: null }).where('id', '=', userId).execute();
}

async function refundKey(db: Db, key: string, limits: Limits): Promise<void> {
  const r = await db.updateTable('login_throttle').set({ failures: sql`case when failures > 0 then failures - 1 else 0 end` })
    .where('key', '=', key).returning('failures').executeTakeFirst();
  if (r && Number(r.failures) < limits.free) await db.updateTable('login_throttle').set({ locked_until: null }).where('key', '=', key).execute();
}

const lastSweep = new WeakMap<object, number>();

/** Forgets old rows of names and addresses now and then (an unknown-name flood must not grow the table for good). */
async function sweep(ctx: AccountsCtx): Promise<void> {
  const last = lastSweep.get(ctx.db) ?? 0;
  if (ctx.now() - last < 10 * 60_000) return;
  lastSweep.set(ctx.db, ctx.now());
  const before = iso(ctx.now() - Math.max(ctx.policy.lockMs, ctx.policy.addressWindowMs) - 86_400_000);
  await ctx.db.deleteFrom('login_throttle').where('updated_at', '<', before)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', iso(ctx.now()))])).execute();
}

/**
 * Counts one attempt of `subject` from `address` before anything is checked, or refuses it
 * (429 with Retry-After) when the account, name or address is locked. A refused attempt is not
 * counted anywhere: no password was tried.
 */
export async function admitAttempt(ctx: AccountsCtx, subject: Subject, meta: { address?: string | null }): Promise<Attempt> {
  await sweep(ctx).catch(() => {});
  const addrKey = meta.address ? `addr:${meta.address}` : null;
  const subjectKey = 'name' in subject ? `name:${subject.name}` : null;
  const counted = await ctx.db.transaction().execute(async (trx) => {
    const n = 'user' in subject ? await countAccount(ctx, trx, subject.user.id) : await countKey(ctx, trx, subjectKey!, accountLimits(ctx), null);
    if (n === null) {
      const until = await lockOf(trx, subject);
      const failures = 'user' in subject ? Number((await trx.selectFrom('users').select('failed_logins').where('id', '=', subject.user.id).executeTakeFirst())?.failed_logins ?? 0)
        : Number((await trx.selectFrom('login_throttle').select('failures').where('key', '=', subjectKey!).executeTakeFirst())?.failures ?? 0);
      return { refused: refusal(ctx, until, failures >= ctx.policy.lockAfter ? 'locked' : 'account') };
    }
    if (addrKey && (await countKey(ctx, trx, addrKey, addressLimits(ctx), ctx.policy.addressWindowMs)) === null) {
      // No password is tried: the account's count is given back, the address's lock stands.
      if ('user' in subject) await refundAccount(ctx, trx, subject.user.id);
      else await refundKey(trx, subjectKey!, accountLimits(ctx));
      return { refused: refusal(ctx, await lockOf(trx, { key: addrKey }), 'address') };
    }
    return { n };
  });
  if ('refused' in counted) throw counted.refused;
  const n = counted.n;
  return {
    async succeeded(kind) {
      if (!('user' in subject)) return;
      await ctx.db.transaction().execute(async (trx) => {
        if (kind === 'full') await trx.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', subject.user.id).execute();
        else await refundAccount(ctx, trx, subject.user.id);
        if (addrKey) await refundKey(trx, addrKey, addressLimits(ctx));
      });
    },
    async failed(what) {
      // Every counted failure is in the trail (refused attempts never get here, so the throttle
      // bounds its growth). A name that is no account is not written: it may be a mistyped password.
      // The failure and the lock it causes are one transaction: the trail never holds one without the other.
      const who = 'user' in subject ? `user:${subject.user.username}` : 'anonymous';
      await ctx.db.transaction().execute(async (trx) => {
        const db = trx as unknown as Kysely<Schema>;
        await ctx.trail(db, { actor: who, action: 'auth.failed', target: 'user' in subject ? who : 'user:(unknown)', address: meta.address ?? null, after: { reason: what, ...('user' in subject ? { failures: n } : {}) } });
        if ('user' in subject && n === ctx.policy.lockAfter) {
          await ctx.trail(db, { actor: who, action: 'auth.locked', target: who, address: meta.address ?? null, after: { failures: n, reason: what } });
        }
      });
    },
  };
}
