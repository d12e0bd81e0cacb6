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

  it('accepts one spelling of a signature only: no padding, no "+/", no unused bits set', async () => {
    const t = new TokenService(secret, 'vamco:DEV', 60);
    const { token } = await t.issue('s', 'k');
    const [h, p, sig] = token.split('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const std = Buffer.from(sig, 'base64url').toString('base64');
    // A signature without "-" or "_" reads the same in standard base64: that spelling is not another one.
    const spellings = [`${sig}=`, std, std.replace(/=+$/, ''), ...[1, 2, 3].map((b) => sig.slice(0, -1) + alphabet[alphabet.indexOf(sig.at(-1)!) + b])]
      .filter((s) => s !== sig);
    expect(spellings.length).toBeGreaterThanOrEqual(5);
    for (const s of spellings) {
      expect(Buffer.from(s, 'base64url').equals(Buffer.from(sig, 'base64url'))).toBe(true);
      expect(new TokenService(secret, 'vamco:DEV', 60).verify(`${h}.${p}.${s}`)).toBeNull();
    }
    expect(new TokenService(secret, 'vamco:DEV', 60).verify(token)).not.toBeNull();
  });

  it('verifies a token by the key its header names, and refuses a key it does not hold', async () => {
    const k1 = crypto.randomBytes(32);
    const k2 = crypto.randomBytes(32);
    const keys = (kid: string, key: Buffer) => ({ kid, key, byKid: (x: string | undefined) => (x === 'k1' ? k1 : x === 'k2' ? k2 : undefined) });
    const old = await new TokenService(keys('k1', k1), 'vamco:DEV', 60).issue('s', 'k');
    const current = new TokenService(keys('k2', k2), 'vamco:DEV', 60);
    expect(current.verify(old.token)).not.toBeNull();
    const unknown = await new TokenService({ kid: 'k9', key: k1, byKid: () => k1 }, 'vamco:DEV', 60).issue('s', 'k');
    expect(current.verify(unknown.token)).toBeNull();
  });
});
