// Two-step verification over the running platform's admin API (issue 14): an agency admin must
// set it up at the first login; the set-up secret stays the same across reloads until
// confirmed; recovery codes stand in once each for a code; regeneration and redoing the set-up;
// an administrator resets another user's set-up (trailed, the user's sessions end). The trail
// never holds a recovery code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { testEngines } from '../src/store/testing.js';
import { base32Decode, totp } from '../src/accounts/index.js';
import { freshCodes } from './helpers/two-step.js';

const PW = 'Mật khẩu văn thư 2026';

describe.each(testEngines())('two-step verification over the admin API on %s', (engine) => {
  let p: TestPlatform;
  const nextCode = freshCodes();

  async function call(method: string, path: string, s: { cookie: string; csrf: string } | null, body?: unknown) {
    const res = await fetch(`${p.adminUrl}/api/v1${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(s ? { cookie: s.cookie, 'x-csrf-token': s.csrf } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }
  async function login(username: string, password: string) {
    const r = await call('POST', '/auth/login', null, { username, password });
    return { ...r, cookie: r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: r.body?.csrfToken as string };
  }

  beforeAll(async () => {
    p = await startTestPlatform({ engine, demo: false });
    expect((await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' })).status).toBe(201);
  }, 120_000);
  afterAll(async () => { await p?.stop(); });

  it('walks an agency admin through set-up, recovery codes, regeneration, redo and an administrator\'s reset', async () => {
    expect((await p.admin('POST', '/api/v1/users', { username: 'vanthu', role: 'agency_admin', memberId: 'GOV/000.00.00.H59', password: PW })).status).toBe(201);

    // First login: the set-up is required; the secret is the same on every ask until confirmed.
    const first = await login('vanthu', PW);
    expect(first.body.stage).toBe('totp_enrol');
    expect((await call('GET', '/members', first)).status).toBe(401);
    const enrol = await call('POST', '/auth/totp/enrol', first, {});
    const secret = enrol.body.secret as string;
    // Key URI Format (google-authenticator wiki): otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=ISSUER
    expect(enrol.body.otpauthUri).toMatch(new RegExp(`^otpauth://totp/Vamco[^?]*%3Avanthu\\?secret=${secret}&issuer=Vamco`));
    for (let i = 0; i < 3; i++) expect((await call('POST', '/auth/totp/enrol', first, {})).body.secret).toBe(secret);
    const confirmed = await call('POST', '/auth/totp/confirm', first, { code: await nextCode(secret) });
    expect(confirmed.body).toMatchObject({ stage: 'full', user: { totpEnabled: true, recoveryCodesLeft: 10 } });
    const codes = confirmed.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect((await call('GET', '/members', first)).status).toBe(200);

    // A recovery code instead of the code: once.
    const lost = await login('vanthu', PW);
    expect(lost.body.stage).toBe('totp');
    expect((await call('POST', '/auth/totp/verify', lost, { recoveryCode: codes[0] })).body).toMatchObject({ stage: 'full', user: { recoveryCodesLeft: 9 } });
    const again = await login('vanthu', PW);
    const replay = await call('POST', '/auth/totp/verify', again, { recoveryCode: codes[0] });
    expect([replay.status, replay.body.reason]).toEqual([401, 'wrong_recovery_code']);

    // Regenerated with the current code: the old ones end.
    const regen = await call('POST', '/auth/recovery-codes', lost, { code: await nextCode(secret) });
    expect(regen.status).toBe(200);
    const fresh = regen.body.recoveryCodes as string[];
    expect((await call('POST', '/auth/totp/verify', again, { recoveryCode: codes[1] })).status).toBe(401);
    expect((await call('POST', '/auth/totp/verify', again, { recoveryCode: fresh[0] })).body.stage).toBe('full');

    // Redone (new phone) with the password, confirmed with a code from the new secret.
    const redo = await call('POST', '/auth/totp/redo', again, { password: PW });
    const secret2 = redo.body.secret as string;
    expect(secret2).not.toBe(secret);
    const redone = await call('POST', '/auth/totp/confirm', again, { code: await nextCode(secret2) });
    expect(redone.body).toMatchObject({ stage: 'full', user: { recoveryCodesLeft: 10 } });
    const third = await login('vanthu', PW);
    expect((await call('POST', '/auth/totp/verify', third, { code: totp(base32Decode(secret), Date.now()) })).status).toBe(401);
    expect((await call('POST', '/auth/totp/verify', third, { code: await nextCode(secret2) })).body.stage).toBe('full');

    // The platform admin resets it: trailed, every session of the user ends, set-up at the next login.
    expect((await p.admin('POST', '/api/v1/users/vanthu/reset-totp', {})).body).toMatchObject({ username: 'vanthu', totpEnabled: false });
    for (const s of [first, lost, again, third]) expect((await call('GET', '/auth/me', s)).status).toBe(401);
    expect((await login('vanthu', PW)).body.stage).toBe('totp_enrol');

    const trail = (await p.admin('GET', '/api/v1/admin-trail?limit=200')).body.items as { action: string; actor: string; target: string }[];
    const mine = trail.filter((e) => e.target === 'user:vanthu').map((e) => e.action).reverse();
    expect(mine).toEqual(expect.arrayContaining(['user.create', 'user.totp_enable', 'auth.recovery_code_used', 'user.recovery_codes_regenerate', 'user.totp_redo', 'user.reset_totp']));
    expect(trail.find((e) => e.action === 'user.reset_totp')?.actor).not.toBe('user:vanthu');
    const text = JSON.stringify(trail).toLowerCase();
    for (const c of [...codes, ...fresh, ...redone.body.recoveryCodes]) {
      expect(text).not.toContain(c);
      expect(text).not.toContain(c.replace('-', ''));
    }
  });
});
