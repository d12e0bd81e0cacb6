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

  // Tokens signed here by hand with the service's own key: a correct signature, so only the
  // check under test can refuse them.
  const NOW = 1_800_000_000;
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signed = (header: Record<string, unknown>, claims: Record<string, unknown>, key = secret) => {
    const head = `${b64(header)}.${b64(claims)}`;
    return `${head}.${crypto.createHmac('sha256', key).update(head).digest('base64url')}`;
  };
  const good = { sub: 's', kh: 'k', exp: NOW + 60, iss: 'vamco:DEV', aud: 'vamco-gateway' };

  it('refuses a correctly signed token whose header is not plain HS256 with a key it holds', () => {
    const t = new TokenService(secret, 'vamco:DEV', 60);
    expect(t.verify(signed({ alg: 'HS256' }, good), NOW)).toEqual({ sub: 's', kh: 'k', exp: NOW + 60 });
    for (const header of [{ alg: 'none' }, { alg: 'HS512' }, { alg: 'HS256', kid: 7 }, { alg: 'HS256', kid: 'k000000000000' }]) {
      expect(t.verify(signed(header, good), NOW), JSON.stringify(header)).toBeNull();
    }
    // A fourth part is not ignored.
    expect(t.verify(signed({ alg: 'HS256' }, good) + '.x', NOW)).toBeNull();
    // Signed bytes that are not JSON are refused, not thrown.
    const head = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('not json').toString('base64url')}`;
    expect(t.verify(`${head}.${crypto.createHmac('sha256', secret).update(head).digest('base64url')}`, NOW)).toBeNull();
  });

  it('refuses claims of the wrong type, another audience, and a token not valid yet or any more', () => {
    const t = new TokenService(secret, 'vamco:DEV', 60);
    const verify = (claims: Record<string, unknown>, now = NOW) => new TokenService(secret, 'vamco:DEV', 60).verify(signed({ alg: 'HS256' }, claims), now);
    for (const bad of [{ sub: 1 }, { kh: null }, { exp: String(NOW + 60) }, { sub: undefined }, { aud: 'other' }, { iss: undefined }]) {
      expect(verify({ ...good, ...bad }), JSON.stringify(bad)).toBeNull();
    }
    // Expiry is exclusive; a not-before up to 5 s ahead is clock skew, more is a token of the future.
    expect(verify(good, NOW + 59)).not.toBeNull();
    expect(verify(good, NOW + 60)).toBeNull();
    expect(verify({ ...good, nbf: NOW + 5 })).not.toBeNull();
    expect(verify({ ...good, nbf: NOW + 6 })).toBeNull();
    expect(verify({ ...good, nbf: NOW - 600 })).not.toBeNull();
    // A not-before that is not a number is no constraint (RFC 7519 makes it a NumericDate).
    expect(verify({ ...good, nbf: String(NOW + 600) })).not.toBeNull();
    // And a cached token ends at its expiry too.
    const token = signed({ alg: 'HS256' }, good);
    expect(t.verify(token, NOW)).not.toBeNull();
    expect(t.verify(token, NOW + 59)).not.toBeNull();
    expect(t.verify(token, NOW + 60)).toBeNull();
  });

  it('issues a token whose header says HS256 and JWT', async () => {
    const { token } = await new TokenService(secret, 'vamco:DEV', 60).issue('s', 'k');
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  });
});
