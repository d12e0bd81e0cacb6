import { describe, it, expect } from 'vitest';
import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { TokenService } from './tokens.js';

const secret = crypto.randomBytes(32);

describe('token service', () => {
  it('verifies what it issued, and nothing else', async () => {
    const t = new TokenService(secret, 'vamco:DEV', 60);
    const { token } = await t.issue('DEV/GOV/X/a', 'kh1');
    expect(t.verify(token)).toMatchObject({ sub: 'DEV/GOV/X/a', kh: 'kh1' });
    const other = new TokenService(crypto.randomBytes(32), 'vamco:DEV', 60);
    expect(other.verify(token)).toBeNull();
    const wrongIssuer = new TokenService(secret, 'vamco:PROD', 60);
    expect(wrongIssuer.verify(token)).toBeNull();
  });

  it('refuses other algorithms, expired tokens and garbage', async () => {
    const t = new TokenService(secret, 'vamco:DEV', 60);
    const hs512 = await new SignJWT({ kh: 'k' }).setProtectedHeader({ alg: 'HS512' }).setSubject('s').setIssuer('vamco:DEV')
      .setAudience('vamco-gateway').setExpirationTime('1m').sign(secret);
    expect(t.verify(hs512)).toBeNull();
    const expired = await new SignJWT({ kh: 'k' }).setProtectedHeader({ alg: 'HS256' }).setSubject('s').setIssuer('vamco:DEV')
      .setAudience('vamco-gateway').setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(secret);
    expect(t.verify(expired)).toBeNull();
    for (const g of ['', 'a.b', 'a.b.c', '...', 'eyJhbGciOiJub25lIn0.e30.']) expect(t.verify(g)).toBeNull();
  });

  it('drops a cached token once it expires', async () => {
    const t = new TokenService(secret, 'vamco:DEV', 60);
    const { token } = await t.issue('s', 'k');
    const claims = t.verify(token)!;
    expect(t.verify(token, claims.exp + 1)).toBeNull();
  });
});
