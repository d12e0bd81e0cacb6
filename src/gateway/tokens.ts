// OAuth2 client-credentials tokens. Issued with jose (HS256 only, the allow-list); verified on
// the hot path with node:crypto HMAC and a small cache, because jose's WebCrypto verify halves
// a worker's throughput (DESIGN.md, measured).
import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { loadOrCreateSecret, type Store } from '../store/index.js';

export interface TokenClaims { sub: string; kh: string; exp: number }

export function loadTokenSecret(store: Store): Promise<Buffer> {
  return loadOrCreateSecret(store, 'jwt-hs256');
}

export class TokenService {
  private cache = new Map<string, TokenClaims>();
  constructor(private secret: Buffer, private issuer: string, private ttlSeconds: number) {}

  async issue(subject: string, keyHash: string): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ kh: keyHash })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(subject).setIssuer(this.issuer).setAudience('vamco-gateway')
      .setIssuedAt().setExpirationTime(`${this.ttlSeconds}s`).setJti(crypto.randomUUID())
      .sign(this.secret);
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
    if (parts.length !== 3) return null;
    let header: { alg?: string; typ?: string };
    let payload: { sub?: unknown; kh?: unknown; exp?: unknown; iss?: unknown; aud?: unknown; nbf?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      if (header.alg !== 'HS256') return null; // the allow-list: nothing else, never "none"
      const expected = crypto.createHmac('sha256', this.secret).update(parts[0] + '.' + parts[1]).digest();
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
