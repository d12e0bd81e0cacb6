// OAuth2 client credentials towards an upstream gateway (RFC 6749 4.4), as the national
// platform (NDXP) and WSO2-style provincial gateways expect: POST {token URL} with
// grant_type=client_credentials and the key and secret as HTTP Basic, then Bearer calls.
// One token is cached until shortly before it expires; however many requests wait, only one
// fetch is in flight; a 401 from the upstream replaces the token once, not once per request.
import crypto from 'node:crypto';
import { request } from 'undici';
import { VamcoError } from '../core/errors.js';
import type { BackendAuthSpec } from './spec.js';

type OAuth2Spec = Extract<BackendAuthSpec, { scheme: 'oauth2' }>;

export interface UpstreamToken {
  value: string;
  /** A digest prefix that names the token in logs and records (never the token itself). */
  id: string;
  expiresAt: number;
  /** After this moment the token is replaced before use. */
  refreshAt: number;
}

export interface OAuth2Options {
  spec: OAuth2Spec;
  readSecret(): string;
  /** Names the upstream in errors, e.g. "GOV/LGSP/ndxp (national gateway)". */
  upstream: string;
  timeoutMs: number;
  now?: () => number;
  /** Called after each token fetch that succeeded (metrics, tests). */
  onFetch?(t: UpstreamToken): void;
}

const MAX_TOKEN_RESPONSE = 64 * 1024;
// RFC 6749 5.1 only recommends expires_in; without it the token is re-fetched after 5 minutes.
const DEFAULT_LIFETIME_S = 300;

export const tokenId = (token: string): string => 'tok-' + crypto.createHash('sha256').update(token).digest('hex').slice(0, 12);

/** Refreshed before expiry by a tenth of its lifetime, at most 30 s: never sent when nearly stale. */
function refreshMargin(lifetimeMs: number): number {
  return Math.min(30_000, lifetimeMs / 10);
}

// application/x-www-form-urlencoded as RFC 6749 2.3.1 asks for the Basic user and password.
const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');

export class OAuth2Client {
  private current: UpstreamToken | null = null;
  private inflight: Promise<UpstreamToken> | null = null;
  private readonly now: () => number;
  fetches = 0;

  constructor(private readonly o: OAuth2Options) {
    this.now = o.now ?? Date.now;
  }

  /** A valid token: the cached one, or the one being fetched, or a new fetch. */
  async token(): Promise<UpstreamToken> {
    const t = this.current;
    if (t && this.now() < t.refreshAt) return t;
    return this.refresh();
  }

  /**
   * The upstream refused `usedId`. If a newer token has arrived meanwhile, use it; otherwise
   * replace the refused one (a single fetch, shared by every request that saw the 401).
   */
  async afterUnauthorized(usedId: string): Promise<UpstreamToken> {
    const t = this.current;
    if (t && t.id !== usedId && this.now() < t.refreshAt) return t;
    if (this.inflight) return this.inflight;
    if (t?.id === usedId) this.current = null;
    return this.refresh();
  }

  private refresh(): Promise<UpstreamToken> {
    this.inflight ??= this.fetch().then((t) => {
      this.current = t;
      return t;
    }).finally(() => { this.inflight = null; });
    return this.inflight;
  }

  private async fetch(): Promise<UpstreamToken> {
    const { spec, upstream } = this.o;
    const secret = this.o.readSecret();
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (spec.scope) form.set('scope', spec.scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (spec.clientAuth === 'body') {
      form.set('client_id', spec.clientId);
      form.set('client_secret', secret);
    } else {
      headers.authorization = 'Basic ' + Buffer.from(`${formEncode(spec.clientId)}:${formEncode(secret)}`).toString('base64');
    }
    const where = `the token endpoint of ${upstream} (${spec.tokenUrl})`;
    let res;
    try {
      res = await request(spec.tokenUrl, {
        method: 'POST', headers, body: form.toString(), signal: AbortSignal.timeout(this.o.timeoutMs),
        headersTimeout: this.o.timeoutMs, bodyTimeout: this.o.timeoutMs,
      });
    } catch (e) {
      const code = (e as { code?: string; name?: string }).code ?? (e as Error).name;
      throw new VamcoError(code === 'TimeoutError' || code === 'AbortError' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNREACHABLE',
        `Could not get a token from ${where}: ${code ?? 'connection error'}`, { cause: e });
    }
    const body = await readLimited(res.body, MAX_TOKEN_RESPONSE).catch((e: unknown) => {
      throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The answer of ${where} could not be read: ${(e as Error).message}`);
    });
    let json: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch { /* described below */ }
    if (res.statusCode === 400 || res.statusCode === 401 || res.statusCode === 403) {
      // RFC 6749 5.2: invalid_client, invalid_scope, unauthorized_client… The description is
      // the upstream's text about our credential, not the credential: safe to pass on.
      const err = typeof json.error === 'string' ? json.error.slice(0, 100) : `HTTP ${res.statusCode}`;
      const desc = typeof json.error_description === 'string' ? `: ${json.error_description.slice(0, 300)}` : '';
      throw new VamcoError('UPSTREAM_AUTH_FAILED', `${where} refused the platform's client credentials (${err}${desc}); check the client id and secret registered for it`);
    }
    if (res.statusCode !== 200) throw new VamcoError('UPSTREAM_BAD_RESPONSE', `${where} answered HTTP ${res.statusCode} instead of a token`);
    const value = json.access_token;
    const type = json.token_type;
    if (typeof value !== 'string' || !value || !/^[\x21-\x7e]+$/.test(value)) throw new VamcoError('UPSTREAM_BAD_RESPONSE', `${where} answered without a usable access_token`);
    if (typeof type === 'string' && type.toLowerCase() !== 'bearer') throw new VamcoError('UPSTREAM_BAD_RESPONSE', `${where} issued a ${type} token; only Bearer tokens are supported`);
    const expiresIn = Number(json.expires_in ?? DEFAULT_LIFETIME_S);
    const lifetimeMs = (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S) * 1000;
    const at = this.now();
    this.fetches++;
    const t: UpstreamToken = { value, id: tokenId(value), expiresAt: at + lifetimeMs, refreshAt: at + lifetimeMs - refreshMargin(lifetimeMs) };
    this.o.onFetch?.(t);
    return t;
  }
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy?(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > limit) {
      body.destroy?.();
      throw new Error(`more than ${limit} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}
