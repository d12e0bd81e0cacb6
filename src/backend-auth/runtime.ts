// The gateway's side: one authenticator per configured credential (a service's own, or its
// provider subsystem's shared by all its services), kept across registry reloads while the
// credential is unchanged, so cached tokens survive an unrelated change.
import { VamcoError } from '../core/errors.js';
import { OAuth2Client, type UpstreamToken } from './oauth2.js';
import { signedHeaders } from './signed.js';
import type { BackendAuthSpec } from './spec.js';

/** A credential as the snapshot resolves it for one service. */
export interface ResolvedAuth {
  /** Where it is configured: "subsystem GOV/LGSP/ndxp" or "service GOV/LGSP/ndxp/dkdn". */
  credential: string;
  spec: BackendAuthSpec;
}

/** What one call to the backend carries. */
export interface AppliedAuth {
  scheme: string;
  headers: Record<string, string>;
  /** The upstream token's id (never the token), for the record. */
  tokenId: string | null;
}

export interface Authenticator {
  readonly scheme: string;
  readonly credential: string;
  readonly budget: string | null;
  /** True when a 401 from the backend is worth one refresh and retry (OAuth2). */
  readonly retriesOn401: boolean;
  apply(method: string, url: URL): Promise<AppliedAuth>;
  /** The credential to retry with after the backend answered 401 to `used`. */
  afterUnauthorized(used: AppliedAuth, method: string, url: URL): Promise<AppliedAuth>;
}

export interface AuthenticatorOptions {
  /** Upper bound on a token fetch. */
  tokenTimeoutMs: number;
  onTokenFetch?(credential: string, t: UpstreamToken): void;
}

export function createAuthenticator(r: ResolvedAuth, o: AuthenticatorOptions): Authenticator {
  const { spec, credential } = r;
  const base = { scheme: spec.scheme, credential, budget: spec.budget, retriesOn401: false };
  const noRetry = async (used: AppliedAuth) => used;
  switch (spec.scheme) {
    case 'none':
      return { ...base, apply: async () => ({ scheme: 'none', headers: {}, tokenId: null }), afterUnauthorized: noRetry };
    case 'static': {
      return {
        ...base,
        async apply() {
          const headers: Record<string, string> = {};
          for (const h of spec.headers) headers[h.name] = h.value;
          return { scheme: 'static', headers, tokenId: null };
        },
        afterUnauthorized: noRetry,
      };
    }
    case 'signed': {
      return {
        ...base,
        async apply(method, url) {
          return { scheme: 'signed', headers: signedHeaders(spec.template, { method, url, user: spec.user, secret: spec.secret }), tokenId: null };
        },
        afterUnauthorized: noRetry,
      };
    }
    case 'oauth2': {
      const client = new OAuth2Client({
        spec, upstream: credential, timeoutMs: o.tokenTimeoutMs,
        readSecret: () => spec.secret,
        onFetch: (t) => o.onTokenFetch?.(credential, t),
      });
      const bearer = (t: UpstreamToken): AppliedAuth => ({ scheme: 'oauth2', headers: { authorization: `Bearer ${t.value}` }, tokenId: t.id });
      return {
        ...base,
        retriesOn401: true,
        apply: async () => bearer(await client.token()),
        afterUnauthorized: async (used) => bearer(await client.afterUnauthorized(used.tokenId!)),
      };
    }
  }
  throw new VamcoError('INTERNAL', `Unknown backend authentication scheme ${(spec as { scheme: string }).scheme}`);
}

export class BackendAuthenticators {
  private byCredential = new Map<string, { spec: BackendAuthSpec; fingerprint: string; auth: Authenticator }>();

  constructor(private readonly o: AuthenticatorOptions) {}

  get(r: ResolvedAuth): Authenticator {
    const have = this.byCredential.get(r.credential);
    // The same snapshot hands the same object: no serialising on the hot path.
    if (have && have.spec === r.spec) return have.auth;
    // The budget is no part of the credential: changing it keeps the token.
    const { budget: _budget, ...credential } = r.spec;
    const fingerprint = JSON.stringify(credential);
    if (have && have.fingerprint === fingerprint) {
      have.spec = r.spec;
      return have.auth;
    }
    const auth = createAuthenticator(r, this.o);
    this.byCredential.set(r.credential, { spec: r.spec, fingerprint, auth });
    return auth;
  }

  /** Drops the authenticators (and cached tokens) of credentials no longer configured. */
  prune(live: ReadonlySet<string>): void {
    for (const k of this.byCredential.keys()) if (!live.has(k)) this.byCredential.delete(k);
  }
}
