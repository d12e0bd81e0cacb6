import { describe, it, expect } from 'vitest';
import { createTestStore, testEngines } from '../store/testing.js';
import { VamcoError } from '../core/errors.js';
import { accountsContext, createUser, resetPassword, type AccountsCtx } from './index.js';
import { changePassword, loginWithPassword } from './login.js';
import { createToken, lookupToken } from './tokens.js';
import { findUser } from './users.js';

const PW = 'Mật khẩu đúng 123';
const who = { actor: 'test' };

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof VamcoError) return e.status;
    throw e;
  }
}

describe.each(testEngines())('login attempts counted before the check on %s', (engine) => {
  const setup = async (policy: Partial<AccountsCtx['policy']> = {}) => {
    const t = await createTestStore(engine);
    let clock = Date.parse('2026-05-01T08:00:00Z');
    const ctx = accountsContext(t.store, { now: () => clock, policy });
    return { t, ctx, tick: (ms: number) => { clock += ms; } };
  };

  it('checks no more guesses in a parallel burst than one after another; the right password sent last is refused', async () => {
    const { t, ctx } = await setup();
    try {
      await createUser(ctx, { username: 'target', role: 'auditor', password: PW }, who);
      const meta = { address: '10.0.0.7' };
      const guesses = Array.from({ length: 40 }, (_, i) => (i === 39 ? PW : `wrong guess ${i}`));
      const statuses = await Promise.all(guesses.map((g) => status(loginWithPassword(ctx, 'target', g, meta))));
      const checked = statuses.filter((s) => s === 401).length;
      // Three free failures, and the third starts the back-off: every later one is refused unchecked.
      expect(checked).toBe(ctx.policy.freeFailures);
      expect(statuses.filter((s) => s === 429).length).toBe(40 - checked);
      expect(statuses[39]).toBe(429);
      expect((await findUser(ctx, 'target'))!.failed_logins).toBe(checked);
    } finally {
      await t.cleanup();
    }
  });

  it('counts an address across accounts and names that are no account, and forgets it after a quiet window', async () => {
    const { t, ctx, tick } = await setup({ addressFreeFailures: 5, addressLockAfter: 8 });
    try {
      for (let i = 0; i < 6; i++) await createUser(ctx, { username: `user${i}`, role: 'auditor', password: PW }, who);
      const meta = { address: '192.0.2.9' };
      // One wrong password per account (no account gets near its own back-off), then names that are no account.
      const names = [...Array.from({ length: 6 }, (_, i) => `user${i}`), 'nobody1', 'nobody2'];
      const statuses = await Promise.all(names.map((n) => status(loginWithPassword(ctx, n, 'wrong password 9', meta))));
      expect(statuses.filter((s) => s === 401).length).toBe(5);
      expect(statuses.filter((s) => s === 429).length).toBe(3);
      // The address waits even with a right password; another address does not.
      await expect(loginWithPassword(ctx, 'user5', PW, meta)).rejects.toMatchObject({ code: 'RATE_LIMITED', message: /from your address/ });
      // Refused attempts counted nowhere: each account has at most its one checked failure (counted before
      // user5's right password below gives its place back, whichever five got their check).
      const accounts = await Promise.all(names.slice(0, 6).map(async (n) => (await findUser(ctx, n))!.failed_logins));
      const unknown = await ctx.db.selectFrom('login_throttle').select('failures').where('key', 'like', 'name:%').execute();
      expect(accounts.reduce((a, b) => a + b, 0) + unknown.reduce((a, r) => a + r.failures, 0)).toBe(5);
      await expect(loginWithPassword(ctx, 'user5', PW, { address: '192.0.2.10' })).resolves.toMatchObject({ session: { stage: 'full' } });
      tick(ctx.policy.addressWindowMs + 1000);
      await expect(loginWithPassword(ctx, 'user4', PW, meta)).resolves.toMatchObject({ session: { stage: 'full' } });
    } finally {
      await t.cleanup();
    }
  });

  it('gives a right password its place back, so a user who logs in often is never slowed', async () => {
    const { t, ctx } = await setup();
    try {
      await createUser(ctx, { username: 'often', role: 'platform_admin', password: PW }, who);
      const meta = { address: '10.0.0.8' };
      // A platform admin stops at the second factor (a partial login) every time.
      for (let i = 0; i < 8; i++) expect((await loginWithPassword(ctx, 'often', PW, meta)).session.stage).toBe('totp_enrol');
      expect((await findUser(ctx, 'often'))!.failed_logins).toBe(0);
      const addr = await ctx.db.selectFrom('login_throttle').selectAll().where('key', '=', 'addr:10.0.0.8').executeTakeFirstOrThrow();
      expect(addr.failures).toBe(0);
    } finally {
      await t.cleanup();
    }
  });

  it('expires a one-time password after a day', async () => {
    const { t, ctx, tick } = await setup();
    try {
      const { oneTimePassword } = await createUser(ctx, { username: 'newbie', role: 'auditor' }, who);
      tick(23 * 3_600_000);
      expect((await loginWithPassword(ctx, 'newbie', oneTimePassword!, {})).session.stage).toBe('password_change');
      tick(2 * 3_600_000);
      await expect(loginWithPassword(ctx, 'newbie', oneTimePassword!, {})).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: /one-time password has expired/ });
      const again = await resetPassword(ctx, 'newbie', who);
      expect((await loginWithPassword(ctx, 'newbie', again.oneTimePassword, {})).session.stage).toBe('password_change');
      expect(again.user.oneTimePasswordExpiresAt).toBe(new Date(Date.parse('2026-05-01T08:00:00Z') + 25 * 3_600_000 + 24 * 3_600_000).toISOString());
    } finally {
      await t.cleanup();
    }
  });

  it('revokes the user\'s personal API tokens when the user changes their own password', async () => {
    const { t, ctx } = await setup();
    try {
      await createUser(ctx, { username: 'owner', role: 'auditor', password: PW }, who);
      const { session } = await loginWithPassword(ctx, 'owner', PW, {});
      const user = (await findUser(ctx, 'owner'))!;
      const tok = await createToken(ctx, user, { label: 'ci' }, who);
      expect(await lookupToken(ctx, tok.token)).not.toBeNull();
      const row = await ctx.db.selectFrom('user_sessions').selectAll().executeTakeFirstOrThrow();
      expect(row.stage).toBe(session.stage);
      await changePassword(ctx, row, user, { currentPassword: PW, newPassword: 'Một mật khẩu mới 456' }, {});
      expect(await lookupToken(ctx, tok.token)).toBeNull();
    } finally {
      await t.cleanup();
    }
  });
});
