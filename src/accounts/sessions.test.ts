// Console sessions' lifetimes and secrets as docs/console.md ("Sessions and security") promises
// them: 30 minutes idle, 12 hours after login, ended at logout and for a disabled account; the
// database holds only the token's SHA-256. A clock of the test's own drives every expiry.
import crypto from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { accountsContext, type AccountsCtx } from './context.js';
import { createUser, getUser, updateUser } from './users.js';
import { advanceSession, createSession, csrfMatches, endSession, lookupSession, sha256, type SessionRow } from './sessions.js';
import type { UserRow } from './users.js';

const MIN = 60_000;
const who = { actor: 'test' };

describe.each(testEngines())('sessions on %s', (engine) => {
  let t: TestStore;
  let ctx: AccountsCtx;
  let clock = Date.parse('2026-03-01T08:00:00Z');
  let alice: UserRow;
  let bob: UserRow;

  beforeAll(async () => {
    t = await createTestStore(engine);
    ctx = accountsContext(t.store, { now: () => clock });
    for (const username of ['alice', 'bob']) await createUser(ctx, { username, role: 'auditor', password: 'a long enough passphrase 1' }, who);
    alice = await getUser(ctx, 'alice');
    bob = await getUser(ctx, 'bob');
  });
  afterAll(async () => { await t?.cleanup(); });

  const rows = () => ctx.db.selectFrom('user_sessions').selectAll().execute();
  const row = async (token: string): Promise<SessionRow | undefined> =>
    ctx.db.selectFrom('user_sessions').selectAll().where('id_hash', '=', sha256(token)).executeTakeFirst();
  const iso = (ms: number) => new Date(ms).toISOString();

  it('stores only the token\'s SHA-256, with a fresh random token and CSRF token per session', async () => {
    const a = await createSession(ctx, alice, 'full', { address: '10.0.0.7', userAgent: 'x'.repeat(400) });
    const b = await createSession(ctx, alice, 'full', {});
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(a.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/); // 24 random bytes
    expect(new Set([a.token, b.token, a.csrfToken, b.csrfToken]).size).toBe(4);
    const stored = await row(a.token);
    expect(stored).toMatchObject({
      id_hash: crypto.createHash('sha256').update(a.token).digest('hex'), user_id: alice.id, stage: 'full',
      csrf_token: a.csrfToken, address: '10.0.0.7', user_agent: 'x'.repeat(300),
      created_at: iso(clock), last_seen_at: iso(clock), expires_at: a.expiresAt,
    });
    expect(await row(b.token)).toMatchObject({ address: null, user_agent: null });
    // The token itself is nowhere in the table.
    expect(JSON.stringify(await rows())).not.toContain(a.token);
    await endSession(ctx, a.token);
    await endSession(ctx, b.token);
  });

  it('gives a full session 12 hours and a session between login steps 10 minutes', async () => {
    const full = await createSession(ctx, alice, 'full', {});
    expect(full.expiresAt).toBe(iso(clock + 12 * 60 * MIN));
    for (const stage of ['totp', 'totp_enrol', 'password_change'] as const) {
      const s = await createSession(ctx, alice, stage, {});
      expect(s).toMatchObject({ stage, expiresAt: iso(clock + 10 * MIN) });
      const live = await lookupSession(ctx, s.token);
      expect(live?.session.stage).toBe(stage);
      expect(live?.user.username).toBe('alice');
      await endSession(ctx, s.token);
    }
    await endSession(ctx, full.token);
  });

  it('ends a session 12 hours after login however busy, and removes it', async () => {
    const start = clock;
    const s = await createSession(ctx, alice, 'full', {});
    // Used every 20 minutes: never idle.
    for (clock = start + 20 * MIN; clock < start + 12 * 60 * MIN; clock += 20 * MIN) {
      expect(await lookupSession(ctx, s.token), `at ${(clock - start) / MIN} min`).not.toBeNull();
    }
    clock = start + 12 * 60 * MIN - 1;
    expect(await lookupSession(ctx, s.token)).not.toBeNull();
    clock = start + 12 * 60 * MIN;
    expect(await lookupSession(ctx, s.token)).toBeNull();
    expect(await row(s.token)).toBeUndefined();
  });

  it('ends a full session 30 minutes after its last use, counted from that use', async () => {
    const start = clock;
    const s = await createSession(ctx, alice, 'full', {});
    clock = start + 30 * MIN - 1;
    expect(await lookupSession(ctx, s.token)).not.toBeNull();
    // Used at 30 min - 1 ms: alive for another 30 minutes from there.
    clock = start + 59 * MIN;
    expect(await lookupSession(ctx, s.token)).not.toBeNull();
    clock = start + 89 * MIN;
    expect(await lookupSession(ctx, s.token)).toBeNull();
    expect(await row(s.token)).toBeUndefined();
  });

  it('ends a session unused since login 30 minutes (full) or 10 minutes (between login steps) after it', async () => {
    for (const [stage, limit] of [['full', 30 * MIN], ['totp', 10 * MIN], ['password_change', 10 * MIN]] as const) {
      const start = clock;
      const a = await createSession(ctx, alice, stage, {});
      const b = await createSession(ctx, alice, stage, {});
      clock = start + limit - 1;
      expect(await lookupSession(ctx, a.token), stage).not.toBeNull();
      clock = start + limit;
      expect(await lookupSession(ctx, b.token), stage).toBeNull();
      await endSession(ctx, a.token);
    }
  });

  it('records a use at most every 30 seconds (no write per request), and always after longer', async () => {
    const start = clock;
    const s = await createSession(ctx, alice, 'full', {});
    clock = start + 30_000;
    await lookupSession(ctx, s.token);
    expect((await row(s.token))?.last_seen_at).toBe(iso(start));
    clock = start + 30_001;
    await lookupSession(ctx, s.token);
    expect((await row(s.token))?.last_seen_at).toBe(iso(start + 30_001));
    await endSession(ctx, s.token);
  });

  it('gives a session that becomes full a fresh 12 hours; a further login step keeps the 10 minutes', async () => {
    const start = clock;
    const s = await createSession(ctx, alice, 'totp', {});
    clock = start + 4 * MIN;
    await advanceSession(ctx, (await row(s.token))!, 'password_change');
    expect(await row(s.token)).toMatchObject({ stage: 'password_change', expires_at: iso(start + 10 * MIN), last_seen_at: iso(clock) });
    clock = start + 10 * MIN;
    expect(await lookupSession(ctx, s.token)).toBeNull();

    const u = await createSession(ctx, alice, 'totp', {});
    const login = clock;
    clock = login + 9 * MIN;
    await advanceSession(ctx, (await row(u.token))!, 'full');
    expect(await row(u.token)).toMatchObject({ stage: 'full', expires_at: iso(clock + 12 * 60 * MIN), last_seen_at: iso(clock) });
    // A full session is idle after 30 minutes, not the 10 of a login step.
    clock = login + 9 * MIN + 29 * MIN;
    expect((await lookupSession(ctx, u.token))?.session.stage).toBe('full');
    await endSession(ctx, u.token);
  });

  it('ends only the session logged out, and a logout without a cookie changes nothing', async () => {
    const a = await createSession(ctx, alice, 'full', {});
    const b = await createSession(ctx, alice, 'full', {});
    const before = (await rows()).length;
    await endSession(ctx, undefined);
    await endSession(ctx, '');
    expect((await rows()).length).toBe(before);
    await endSession(ctx, a.token);
    expect(await lookupSession(ctx, a.token)).toBeNull();
    expect(await lookupSession(ctx, b.token)).not.toBeNull();
    await endSession(ctx, b.token);
  });

  it('finds no session for no token, an unknown one, or one that is too long', async () => {
    const s = await createSession(ctx, alice, 'full', {});
    expect(await lookupSession(ctx, undefined)).toBeNull();
    expect(await lookupSession(ctx, '')).toBeNull();
    expect(await lookupSession(ctx, s.token.slice(1))).toBeNull();
    expect(await lookupSession(ctx, crypto.randomBytes(32).toString('base64url'))).toBeNull();
    // A session stored under the hash of a 101-character token is never looked up.
    const long = 'a'.repeat(101);
    await ctx.db.insertInto('user_sessions').values({
      id_hash: sha256(long), user_id: alice.id, stage: 'full', csrf_token: 'c', address: null, user_agent: null,
      created_at: iso(clock), last_seen_at: iso(clock), expires_at: iso(clock + MIN),
    }).execute();
    expect(await lookupSession(ctx, long)).toBeNull();
    const edge = 'b'.repeat(100);
    await ctx.db.insertInto('user_sessions').values({
      id_hash: sha256(edge), user_id: alice.id, stage: 'full', csrf_token: 'c', address: null, user_agent: null,
      created_at: iso(clock), last_seen_at: iso(clock), expires_at: iso(clock + MIN),
    }).execute();
    expect((await lookupSession(ctx, edge))?.user.username).toBe('alice');
    for (const token of [s.token, long, edge]) await endSession(ctx, token);
  });

  it('finds no session for a disabled account, also when the session row outlived the change', async () => {
    const s = await createSession(ctx, bob, 'full', {});
    expect((await lookupSession(ctx, s.token))?.user.username).toBe('bob');
    await updateUser(ctx, 'bob', { disabled: true }, who);
    expect(await lookupSession(ctx, s.token)).toBeNull();
    await updateUser(ctx, 'bob', { disabled: false }, who);
    // Another admin process disabling the account between this lookup's two reads: the session
    // row is still there when the user is read.
    const u = await createSession(ctx, bob, 'full', {});
    await ctx.db.updateTable('users').set({ disabled: 1 }).where('id', '=', bob.id).execute();
    expect(await lookupSession(ctx, u.token)).toBeNull();
    await ctx.db.updateTable('users').set({ disabled: 0 }).where('id', '=', bob.id).execute();
    expect((await lookupSession(ctx, u.token))?.user.username).toBe('bob');
    await endSession(ctx, u.token);
  });

  it('sweeps the user\'s ended sessions at a new login, and no one else\'s or live ones', async () => {
    const start = clock;
    const ended = await createSession(ctx, alice, 'totp', {});
    const live = await createSession(ctx, alice, 'full', {});
    const other = await createSession(ctx, bob, 'totp', {});
    clock = start + 11 * MIN;
    await createSession(ctx, alice, 'full', {});
    expect(await row(ended.token)).toBeUndefined();
    expect(await row(live.token)).toBeDefined();
    expect(await row(other.token)).toBeDefined();
  });

  it('accepts only the session\'s own CSRF token', async () => {
    const s = await createSession(ctx, alice, 'full', {});
    const session = (await row(s.token))!;
    expect(csrfMatches(session, s.csrfToken)).toBe(true);
    const other = s.csrfToken.slice(0, -1) + (s.csrfToken.endsWith('A') ? 'B' : 'A');
    expect(csrfMatches(session, other)).toBe(false);
    expect(csrfMatches(session, s.csrfToken + 'A')).toBe(false);
    expect(csrfMatches(session, s.csrfToken.slice(1))).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, [s.csrfToken])).toBe(false);
    expect(csrfMatches(session, '')).toBe(false);
    await endSession(ctx, s.token);
  });
});
