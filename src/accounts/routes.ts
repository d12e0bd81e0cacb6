// Login, second factor, own password, users (platform admins) and personal API tokens.
// Registered by the admin server under /api/v1, after its authenticators ran.
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { VamcoError } from '../core/errors.js';
import { authorize } from '../admin/principal.js';
import type { AccountsCtx } from './context.js';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, parseCookies, serializeCookie } from './cookies.js';
import { changePassword, confirmEnrolment, disableTotp, loginWithPassword, redoEnrolment, regenerateRecoveryCodes, startEnrolment, verifySecondFactor, type Meta, type SecondFactor } from './login.js';
import { recoveryCodesLeft } from './recovery-codes.js';
import { csrfMatches, endSession, lookupSession, type LiveSession, type Stage } from './sessions.js';
import { createToken, getToken, listTokens, revokeToken } from './tokens.js';
import { createUser, getUser, listUsers, resetPassword, resetTotp, unlockUser, updateUser, userView, type UserRow } from './users.js';

export interface AccountsRoutesOptions {
  ctx: AccountsCtx;
  /** Shown to the console so it can print ready-to-paste gateway calls. */
  platform?: { instance: string; gatewayPort: number; memberClasses?: string[] };
}

const meta = (req: FastifyRequest): Meta => ({ address: req.ip, userAgent: req.headers['user-agent'] ?? null });
const who = (req: FastifyRequest) => ({ actor: req.principal!.actor, address: req.ip });

const str = { type: 'string', maxLength: 1000 } as const;
const body = (props: Record<string, unknown>, required: string[] = []) => ({
  body: { type: 'object', properties: props, required, additionalProperties: false },
});
const usernameParam = { params: { type: 'object', properties: { username: { type: 'string', maxLength: 64 } }, required: ['username'] } };
// `tags` is known to fastify's types only once @fastify/swagger is loaded.
const tags = (t: string): FastifySchema => ({ tags: [t] }) as FastifySchema;

export async function accountsRoutes(app: FastifyInstance, opts: AccountsRoutesOptions): Promise<void> {
  const { ctx } = opts;

  function secure(req: FastifyRequest): boolean {
    return ctx.policy.secureCookies === true || (ctx.policy.secureCookies === 'auto' && (req.viaHttps ?? req.protocol === 'https'));
  }

  function setCookies(req: FastifyRequest, reply: FastifyReply, token: string, csrf: string, maxAgeMs: number): void {
    const maxAgeSeconds = maxAgeMs / 1000;
    reply.header('set-cookie', [
      serializeCookie(SESSION_COOKIE, token, { httpOnly: true, secure: secure(req), maxAgeSeconds }),
      serializeCookie(CSRF_COOKIE, csrf, { secure: secure(req), maxAgeSeconds }),
    ]);
  }

  function clearCookies(req: FastifyRequest, reply: FastifyReply): void {
    reply.header('set-cookie', [
      serializeCookie(SESSION_COOKIE, '', { httpOnly: true, secure: secure(req), maxAgeSeconds: 0 }),
      serializeCookie(CSRF_COOKIE, '', { secure: secure(req), maxAgeSeconds: 0 }),
    ]);
  }

  /** The session behind the cookie, in whatever login stage; writes must carry its CSRF token. */
  async function session(req: FastifyRequest, opts: { csrf: boolean }): Promise<LiveSession> {
    const live = await lookupSession(ctx, parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (!live) throw new VamcoError('UNAUTHENTICATED', 'Your session has ended; log in again');
    if (opts.csrf && !csrfMatches(live.session, req.headers[CSRF_HEADER])) {
      throw new VamcoError('FORBIDDEN', 'Missing or wrong X-CSRF-Token header: reload the console and try again', { extra: { reason: 'csrf' } });
    }
    return live;
  }

  async function state(live: LiveSession, stage: Stage) {
    const user = await getUser(ctx, live.user.username);
    // Unused recovery codes, so the console can say when they run low.
    const left = user.totp_secret ? await recoveryCodesLeft(ctx.db, user.id) : null;
    return { stage, user: { ...userView(user, ctx.now()), recoveryCodesLeft: left }, csrfToken: live.session.csrf_token };
  }

  // ---------- login ----------
  app.post('/auth/login', { schema: { ...tags('auth'), ...body({ username: str, password: str }, ['username', 'password']) } }, async (req, reply) => {
    const b = req.body as { username: string; password: string };
    const { session: s, user } = await loginWithPassword(ctx, b.username, b.password, meta(req));
    setCookies(req, reply, s.token, s.csrfToken, Date.parse(s.expiresAt) - ctx.now());
    return { stage: s.stage, user: userView(user, ctx.now()), csrfToken: s.csrfToken };
  });

  // The authentication code, or one of the account's recovery codes in its place.
  app.post('/auth/totp/verify', { schema: { ...tags('auth'), ...body({ code: str, recoveryCode: str }) } }, async (req, reply) => {
    const live = await session(req, { csrf: true });
    const stage = await verifySecondFactor(ctx, live.session, live.user, req.body as SecondFactor, meta(req));
    if (stage === 'full') setCookies(req, reply, parseCookies(req.headers.cookie)[SESSION_COOKIE], live.session.csrf_token, ctx.policy.absoluteTimeoutMs);
    return state(live, stage);
  });

  app.post('/auth/totp/enrol', { schema: tags('auth') }, async (req) => {
    const live = await session(req, { csrf: true });
    return startEnrolment(ctx, live.session, live.user);
  });

  app.post('/auth/totp/confirm', { schema: { ...tags('auth'), ...body({ code: str }, ['code']) } }, async (req, reply) => {
    const live = await session(req, { csrf: true });
    const { stage, recoveryCodes } = await confirmEnrolment(ctx, live.session, live.user, (req.body as { code: string }).code, meta(req));
    if (stage === 'full' && live.session.stage !== 'full') setCookies(req, reply, parseCookies(req.headers.cookie)[SESSION_COOKIE], live.session.csrf_token, ctx.policy.absoluteTimeoutMs);
    return { ...(await state(live, stage)), recoveryCodes };
  });

  // A new phone: proven with the current code or the password; confirmed like a first set-up.
  app.post('/auth/totp/redo', { schema: { ...tags('auth'), ...body({ code: str, password: str }) } }, async (req) => {
    const live = await session(req, { csrf: true });
    return redoEnrolment(ctx, live.session, live.user, req.body as { code?: string; password?: string }, meta(req));
  });

  app.post('/auth/recovery-codes', { schema: { ...tags('auth'), ...body({ code: str }, ['code']) } }, async (req) => {
    const live = await session(req, { csrf: true });
    const recoveryCodes = await regenerateRecoveryCodes(ctx, live.session, live.user, (req.body as { code: string }).code, meta(req));
    return { ...(await state(live, 'full')), recoveryCodes };
  });

  app.post('/auth/totp/disable', { schema: { ...tags('auth'), ...body({ code: str }, ['code']) } }, async (req) => {
    const live = await session(req, { csrf: true });
    if (live.session.stage !== 'full') throw new VamcoError('CONFLICT', 'Finish logging in first', { extra: { reason: 'finish_login_first' } });
    await disableTotp(ctx, live.user, (req.body as { code: string }).code, meta(req));
    return state(live, 'full');
  });

  app.post('/auth/password', { schema: { ...tags('auth'), ...body({ currentPassword: str, newPassword: str }, ['newPassword']) } }, async (req, reply) => {
    const live = await session(req, { csrf: true });
    const stage = await changePassword(ctx, live.session, live.user, req.body as { currentPassword?: string; newPassword: string }, meta(req));
    if (stage === 'full' && live.session.stage !== 'full') setCookies(req, reply, parseCookies(req.headers.cookie)[SESSION_COOKIE], live.session.csrf_token, ctx.policy.absoluteTimeoutMs);
    return state(live, stage);
  });

  app.post('/auth/logout', { schema: tags('auth') }, async (req, reply) => {
    const token = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    const live = await lookupSession(ctx, token);
    // Logging out is harmless, but a cross-site request must not be able to do it either.
    if (live && !csrfMatches(live.session, req.headers[CSRF_HEADER])) throw new VamcoError('FORBIDDEN', 'Missing or wrong X-CSRF-Token header');
    await endSession(ctx, token);
    clearCookies(req, reply);
    return reply.code(204).send();
  });

  app.get('/auth/me', { schema: tags('auth') }, async (req) => {
    const p = req.principal;
    if (p && p.kind !== 'session') {
      const user = p.actor.startsWith('user:') ? await getUser(ctx, p.actor.slice(5)).catch(() => null) : null;
      return { stage: 'full', principal: p, user: user ? userView(user, ctx.now()) : null, csrfToken: null, platform: opts.platform ?? null };
    }
    const live = await session(req, { csrf: false });
    return { ...(await state(live, live.session.stage as Stage)), principal: p ?? null, platform: live.session.stage === 'full' ? opts.platform ?? null : null };
  });

  // ---------- users (platform admins) ----------
  const userProps = { username: str, displayName: str, role: { type: 'string', enum: ['platform_admin', 'agency_admin', 'auditor'] }, memberId: { type: ['string', 'null'], maxLength: 300 }, disabled: { type: 'boolean' } };

  app.get('/users', { schema: tags('users') }, async (req) => {
    authorize(req, 'read', [], { adminOnly: true });
    const items = await listUsers(ctx);
    return { items, total: items.length };
  });

  app.post('/users', { schema: { ...tags('users'), ...body({ ...userProps, password: str }, ['username', 'role']) } }, async (req, reply) => {
    authorize(req, 'write', [], { adminOnly: true });
    const b = req.body as { username: string; displayName?: string; role: 'auditor'; memberId?: string | null; password?: string; disabled?: boolean };
    const r = await createUser(ctx, b, who(req));
    return reply.code(201).send(r);
  });

  app.get('/users/:username', { schema: { ...tags('users'), ...usernameParam } }, async (req) => {
    authorize(req, 'read', [], { adminOnly: true });
    return userView(await getUser(ctx, (req.params as { username: string }).username), ctx.now());
  });

  app.patch('/users/:username', { schema: { ...tags('users'), ...usernameParam, ...body({ displayName: str, role: userProps.role, memberId: userProps.memberId, disabled: userProps.disabled }) } }, async (req) => {
    authorize(req, 'write', [], { adminOnly: true });
    return updateUser(ctx, (req.params as { username: string }).username, req.body as object, who(req));
  });

  app.post('/users/:username/reset-password', { schema: { ...tags('users'), ...usernameParam } }, async (req) => {
    authorize(req, 'write', [], { adminOnly: true });
    return resetPassword(ctx, (req.params as { username: string }).username, who(req));
  });

  app.post('/users/:username/reset-totp', { schema: { ...tags('users'), ...usernameParam } }, async (req) => {
    authorize(req, 'write', [], { adminOnly: true });
    return resetTotp(ctx, (req.params as { username: string }).username, who(req));
  });

  app.post('/users/:username/unlock', { schema: { ...tags('users'), ...usernameParam } }, async (req) => {
    authorize(req, 'write', [], { adminOnly: true });
    return unlockUser(ctx, (req.params as { username: string }).username, who(req));
  });

  // ---------- personal API tokens ----------
  /** The user account behind the caller; the platform's bearer admin token has none. */
  async function callingUser(req: FastifyRequest): Promise<UserRow> {
    const p = req.principal;
    if (!p) throw new VamcoError('UNAUTHENTICATED', 'Log in or send a valid bearer token');
    if (!p.actor.startsWith('user:')) throw new VamcoError('FORBIDDEN', 'Only user accounts have API tokens; log in as a user');
    return getUser(ctx, p.actor.slice(5));
  }

  app.get('/tokens', { schema: { ...tags('tokens'), querystring: { type: 'object', properties: { all: { type: 'boolean' } } } } }, async (req) => {
    const user = await callingUser(req);
    const all = (req.query as { all?: boolean }).all && user.role === 'platform_admin';
    const items = await listTokens(ctx, all ? {} : { username: user.username });
    return { items, total: items.length };
  });

  app.post('/tokens', { schema: { ...tags('tokens'), ...body({ label: str, expiresInDays: { type: ['integer', 'null'] } }) } }, async (req, reply) => {
    authorize(req, 'read');
    // Only a logged-in person (password + second factor) mints tokens: a stolen token must not
    // be able to outlive its own revocation by minting others.
    if (req.principal?.kind === 'api-token') throw new VamcoError('FORBIDDEN', 'API tokens cannot create API tokens; log in to the console to create one');
    const user = await callingUser(req);
    const r = await createToken(ctx, user, req.body as { label?: string; expiresInDays?: number | null } ?? {}, who(req));
    return reply.code(201).send(r);
  });

  app.delete('/tokens/:id', { schema: { ...tags('tokens'), params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } } }, async (req, reply) => {
    const user = await callingUser(req);
    const id = (req.params as { id: number }).id;
    const t = await getToken(ctx, id);
    if (t.username !== user.username && user.role !== 'platform_admin') throw new VamcoError('NOT_FOUND', `Token ${id} does not exist`);
    await revokeToken(ctx, id, who(req));
    return reply.code(204).send();
  });
}
