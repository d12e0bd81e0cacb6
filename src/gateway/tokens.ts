// OAuth2 client-credentials tokens. Issued with jose (HS256 only, the allow-list); verified on
// the hot path with node:crypto HMAC and a small cache, because jose's WebCrypto verify halves
// a worker's throughput (DESIGN.md, measured).
//
// The signing key is derived from the platform's secret key file (src/secrets), never kept in
// the database: a copy of the database cannot mint a token. The token header names the key
// (`kid`), so tokens issued before a key rotation verify until they expire.
import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import type { Store } from '../store/index.js';
import type { Keyring } from '../secrets/index.js';

export interface TokenClaims { sub: string; kh: string; exp: number }

/** The token signing keys: the current one signs, any the key file holds verifies. */
export interface TokenKeys { kid?: string; key: Buffer; byKid(kid: string | undefined): Buffer | undefined }

const LABEL = 'vamco/oauth2-token-hs256';

export function tokenKeys(ring: Keyring): TokenKeys {
  return {
    kid: ring.currentKid, key: ring.derive(LABEL),
    byKid: (kid) => (kid && /^k[0-9a-f]{12}$/.test(kid) && ring.has(kid) ? ring.derive(LABEL, kid) : undefined),
  };
}

export async function loadTokenKeys(store: Store): Promise<TokenKeys> {
  return tokenKeys(await store.keyring());
}

/** A single fixed key (tests, tools). */
export const fixedTokenKey = (key: Buffer): TokenKeys => ({ key, byKid: (kid) => (kid === undefined ? key : undefined) });

// A signature is the unpadded base64url of 32 bytes: 43 characters, the last one carrying two
// unused bits that must be zero. Anything else is a different spelling of some signature, and
// one token must have exactly one spelling (it is also the cache key).
const SIGNATURE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

export class TokenService {
  private cache = new Map<string, TokenClaims>();
  private keys: TokenKeys;
  constructor(keys: TokenKeys | Buffer, private issuer: string, private ttlSeconds: number) {
    this.keys = Buffer.isBuffer(keys) ? fixedTokenKey(keys) : keys;
  }

  async issue(subject: string, keyHash: string): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ kh: keyHash })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(this.keys.kid ? { kid: this.keys.kid } : {}) })
      .setSubject(subject).setIssuer(this.issuer).setAudience('vamco-gateway')
      .setIssuedAt().setExpirationTime(`${this.ttlSeconds}s`).setJti(crypto.randomUUID())
      .sign(this.keys.key);
    return { token, expiresIn: this.ttlSeconds };
  }

  /** Returns the claims of a valid, unexpired token, or null. */
  verify(token: string, nowSec = Math.floor(Date.now() / 1000)): TokenClaims | null {
    const hit = this.cache.get(token);
    if (hit) {
      if (hit.exp > nowSec) return hit;
      this.cache.delete(token);
      return null;
    }
    const parts = token.split('.');
    if (parts.length !== 3 || !SIGNATURE.test(parts[2])) return null;
    let header: { alg?: string; typ?: string; kid?: unknown };
    let payload: { sub?: unknown; kh?: unknown; exp?: unknown; iss?: unknown; aud?: unknown; nbf?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      if (header.alg !== 'HS256') return null; // the allow-list: nothing else, never "none"
      if (header.kid !== undefined && typeof header.kid !== 'string') return null;
      const key = this.keys.byKid(header.kid);
      if (!key) return null;
      const expected = crypto.createHmac('sha256', key).update(parts[0] + '.' + parts[1]).digest();
      const given = Buffer.from(parts[2], 'base64url');
      if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
      payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof payload.sub !== 'string' || typeof payload.kh !== 'string' || typeof payload.exp !== 'number') return null;
    if (payload.iss !== this.issuer || payload.aud !== 'vamco-gateway') return null;
    if (payload.exp <= nowSec || (typeof payload.nbf === 'number' && payload.nbf > nowSec + 5)) return null;
    const claims = { sub: payload.sub, kh: payload.kh, exp: payload.exp };
    if (this.cache.size >= 10_000) this.cache.clear(); // bounded; a refill costs one HMAC each
    this.cache.set(token, claims);
    return claims;
  }
}
