// The gateway's side: one authenticator per configured credential (a service's own, or its
// provider subsystem's shared by all its services), kept across registry reloads while the
// credential is unchanged, so cached tokens survive an unrelated change.
import { VamcoError } from '../core/errors.js';
import { OAuth2Client, type UpstreamToken } from './oauth2.js';
import { readSecret } from './secret-files.js';
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
  dataDir: string;
  /** Upper bound on a token fetch. */
  tokenTimeoutMs: number;
  onTokenFetch?(credential: string, t: UpstreamToken): void;
}

function secretReader(dataDir: string, ref: string): () => string {
  let cached: string | null = null;
  // Read once and kept: a changed secret comes with a registry change, which makes a new reader.
  return () => (cached ??= readSecret(dataDir, ref));
}

export function createAuthenticator(r: ResolvedAuth, o: AuthenticatorOptions): Authenticator {
  const { spec, credential } = r;
  const base = { scheme: spec.scheme, credential, budget: spec.budget, retriesOn401: false };
  const noRetry = async (used: AppliedAuth) => used;
  switch (spec.scheme) {
    case 'none':
      return { ...base, apply: async () => ({ scheme: 'none', headers: {}, tokenId: null }), afterUnauthorized: noRetry };
    case 'static': {
      const readers = spec.headers.map((h) => ({ name: h.name, read: h.secretRef ? secretReader(o.dataDir, h.secretRef) : () => h.value ?? '' }));
      return {
        ...base,
        async apply() {
          const headers: Record<string, string> = {};
          for (const h of readers) headers[h.name] = h.read();
          return { scheme: 'static', headers, tokenId: null };
        },
        afterUnauthorized: noRetry,
      };
    }
    case 'signed': {
      const secret = secretReader(o.dataDir, spec.secretRef);
      return {
        ...base,
        async apply(method, url) {
          return { scheme: 'signed', headers: signedHeaders(spec.template, { method, url, user: spec.user, secret: secret() }), tokenId: null };
        },
        afterUnauthorized: noRetry,
      };
    }
    case 'oauth2': {
      const client = new OAuth2Client({
        spec, upstream: credential, timeoutMs: o.tokenTimeoutMs,
        // Re-read on every fetch: after "invalid_client" an operator may fix the file in place.
        readSecret: () => readSecret(o.dataDir, spec.secretRef),
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
  private byCredential = new Map<string, { fingerprint: string; auth: Authenticator }>();

  constructor(private readonly o: AuthenticatorOptions) {}

  get(r: ResolvedAuth): Authenticator {
    const fingerprint = JSON.stringify(r.spec);
    const have = this.byCredential.get(r.credential);
    if (have && have.fingerprint === fingerprint) return have.auth;
    const auth = createAuthenticator(r, this.o);
    this.byCredential.set(r.credential, { fingerprint, auth });
    return auth;
  }

  /** Drops the authenticators (and cached tokens) of credentials no longer configured. */
  prune(live: ReadonlySet<string>): void {
    for (const k of this.byCredential.keys()) if (!live.has(k)) this.byCredential.delete(k);
  }
}
