// What a hostile local user does with a copy of the database, and how a test gets a user with
// two-step verification on: shared by the secrets-at-rest suite and the issue 12 replay.
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { request } from 'undici';
import { totpNow } from './console-platform.js';

/**
 * Signs gateway tokens for `client` with everything the copied database's secrets table holds
 * (as base64 and as text, with and without each key id found there), sends each to the gateway
 * and returns the statuses it answered: a copy that holds the signing key gets a 200.
 */
export async function forgedTokenStatuses(dbFile: string, o: { gatewayUrl: string; instance: string; client: string; path: string }): Promise<{ statuses: number[]; tried: number }> {
  const db = new Database(dbFile, { readonly: true });
  const secrets = db.prepare('select name, value from secrets').all() as { name: string; value: string }[];
  const keyHash = (db.prepare('select key_hash from api_keys order by id desc limit 1').get() as { key_hash: string }).key_hash;
  db.close();
  const kids = [undefined, ...new Set(secrets.map((s) => /^vs1\.(k[0-9a-f]+)\./.exec(s.value)?.[1]).filter(Boolean))];
  const candidates = secrets.flatMap((s) => [Buffer.from(s.value, 'base64'), Buffer.from(s.value, 'utf8')]);
  const statuses = new Set<number>();
  let tried = 0;
  for (const secret of candidates) {
    for (const kid of kids) {
      const token = await new SignJWT({ kh: keyHash }).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) })
        .setSubject(`${o.instance}/${o.client}`).setIssuer(`vamco:${o.instance}`).setAudience('vamco-gateway')
        .setIssuedAt().setExpirationTime('5m').sign(secret);
      const r = await request(o.gatewayUrl + o.path, { headers: { 'x-road-client': `${o.instance}/${o.client}`, authorization: `Bearer ${token}` } });
      statuses.add(r.statusCode);
      tried++;
      await r.body.dump();
    }
  }
  return { statuses: [...statuses], tried };
}

/** A real token from POST /token, for the same call the forged ones were tried on. */
export async function realToken(gatewayUrl: string, instance: string, client: string, key: string): Promise<string> {
  const t = await request(`${gatewayUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=client_credentials&client_id=${instance}/${client}&client_secret=${key}` });
  return (await t.body.json() as { access_token: string }).access_token;
}

/** Creates `username` (platform admin) and turns two-step verification on; returns the TOTP secret. */
export async function userWithTotp(adminUrl: string, adminToken: string, username: string, password: string): Promise<string> {
  const call = async (url: string, body: unknown, auth: Record<string, string>) => {
    const res = await fetch(adminUrl + '/api/v1' + url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...auth } });
    const parsed = await res.json() as any;
    if (res.status >= 400) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(parsed)}`);
    return { res, body: parsed };
  };
  await call('/users', { username, role: 'platform_admin', password }, { authorization: `Bearer ${adminToken}` });
  const login = await call('/auth/login', { username, password }, {});
  const session = { cookie: login.res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), 'x-csrf-token': login.body.csrfToken };
  const secret = (await call('/auth/totp/enrol', {}, session)).body.secret as string;
  const confirmed = await call('/auth/totp/confirm', { code: totpNow(secret) }, session);
  if (confirmed.body.stage !== 'full') throw new Error(`two-step enrolment of ${username} did not complete: ${JSON.stringify(confirmed.body)}`);
  return secret;
}

/** The bytes a base32 TOTP secret stands for (how a key may sit in a file besides its text). */
export function base32Bytes(s: string): Buffer {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out: number[] = [];
  for (const ch of s) {
    value = (value << 5) | A.indexOf(ch);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}
