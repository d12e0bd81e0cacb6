// Logging in over the admin API as the console does, for tests that need an administrator's
// session: administrators must set up two-step verification at their first login (issue 14),
// so a login that lands on the set-up step completes it (enrol, then confirm with a code).
import { base32Decode, totp } from '../../src/accounts/index.js';

export interface ApiLogin {
  status: number;
  /** The last answer: the login's, or the confirmation's when the set-up was done here. */
  body: any;
  cookie: string;
  csrf: string;
  /** Set when this login set up two-step verification. */
  secret?: string;
  recoveryCodes?: string[];
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** POST /auth/login at `adminUrl`; when the account must set up two-step verification, sets it up. */
export async function loginOverApi(adminUrl: string, username: string, password: string, headers: Record<string, string> = {}): Promise<ApiLogin> {
  const api = adminUrl + '/api/v1';
  const r = await post(`${api}/auth/login`, { username, password }, headers);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const out: ApiLogin = { status: r.status, body: r.body, cookie, csrf: r.body?.csrfToken };
  if (r.status !== 200 || r.body.stage !== 'totp_enrol') return out;
  const session = { ...headers, cookie, 'x-csrf-token': out.csrf };
  const enrol = await post(`${api}/auth/totp/enrol`, {}, session);
  if (enrol.status !== 200) throw new Error(`two-step set-up of ${username}: ${enrol.status} ${JSON.stringify(enrol.body)}`);
  const secret = enrol.body.secret as string;
  const confirm = await post(`${api}/auth/totp/confirm`, { code: totp(base32Decode(secret), Date.now()) }, session);
  if (confirm.status !== 200) throw new Error(`two-step confirmation of ${username}: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  return { ...out, body: confirm.body, secret, recoveryCodes: confirm.body.recoveryCodes };
}

/**
 * Authentication codes the server takes one after another: each from a step after the last one
 * used (a code is accepted once per account, src/accounts/login.ts checkCode), within the ±1
 * step allowed, waiting for the next 30-second step when none is left.
 */
export function freshCodes(): (secret: string) => Promise<string> {
  let lastStep = 0;
  return async (secret) => {
    for (;;) {
      const now = Math.floor(Date.now() / 30_000);
      const step = Math.max(lastStep + 1, now);
      if (step <= now + 1) {
        lastStep = step;
        return totp(base32Decode(secret), step * 30_000);
      }
      await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 50));
    }
  };
}
