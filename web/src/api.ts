// The console talks only to /api/v1 with the session cookie; writes carry the CSRF token.
// Errors arrive as problem+json and surface as ApiError with the problem's `detail`.
export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly code: string, readonly problem?: Record<string, unknown>) {
    super(message);
  }
}

let onUnauthenticated: (() => void) | null = null;
export const setUnauthenticatedHandler = (fn: () => void) => { onUnauthenticated = fn; };

function csrf(): string {
  const m = /(?:^|;\s*)vamco_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : '';
}

/** Identifiers go into paths with ":" between parts, which needs no escaping. */
export const idPath = (id: string): string => encodeURIComponent(id.replace(/\//g, ':')).replace(/%3A/g, ':');

export async function api<T = unknown>(method: string, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/api/v1' + path, {
      method,
      credentials: 'same-origin',
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method !== 'GET' ? { 'x-csrf-token': csrf() } : {}),
        accept: 'application/json',
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError('network', 0, 'NETWORK');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: any = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    if (res.status === 401 && !opts.quiet401 && onUnauthenticated) onUnauthenticated();
    throw new ApiError(data?.detail ?? data?.title ?? `HTTP ${res.status}`, res.status, data?.code ?? 'HTTP', data ?? undefined);
  }
  return data as T;
}

export const get = <T,>(path: string) => api<T>('GET', path);
export const post = <T,>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T,>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T,>(path: string) => api<T>('DELETE', path);

export const qs = (o: Record<string, string | number | undefined | null>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? '?' + s : '';
};

// ---- shapes of the admin API
/** A backend credential as the server shows it: never its secrets. */
export type BackendAuthView =
  | { scheme: 'none'; budget: string | null }
  | { scheme: 'static'; headers: string[]; budget: string | null }
  | { scheme: 'oauth2'; tokenUrl: string; clientId: string; scope: string | null; clientAuth: 'basic' | 'body'; secretSet: true; budget: string | null }
  | { scheme: 'signed'; user: string; template: Record<string, unknown>; secretSet: true; budget: string | null };
export type Role = 'platform_admin' | 'agency_admin' | 'auditor';
export interface User { id: number; username: string; displayName: string; role: Role; memberId: string | null; disabled: boolean; totpEnabled: boolean; /** Unused recovery codes (own account, while two-step verification is on). */ recoveryCodesLeft?: number | null; mustChangePassword: boolean; lockedUntil: string | null; failedLogins: number; lastLoginAt: string | null; createdAt: string }
export interface Principal { kind: string; actor: string; name: string; role: Role; memberId?: string }
export interface AuthState { stage: 'totp' | 'totp_enrol' | 'password_change' | 'full'; user: User | null; principal?: Principal | null; csrfToken: string | null; platform?: { instance: string; gatewayPort: number; memberClasses?: string[] } }
export interface List<T> { items: T[]; total: number }
export interface Member { id: string; memberClass: string; memberCode: string; name: string; createdAt: string }
export interface Subsystem { id: string; memberId: string; subsystemCode: string; name: string | null; createdAt: string; backendAuth?: BackendAuthView | null }
export interface Endpoint { id: number; method: string; path: string; operationId?: string | null }
export interface CertificateInfo { subject: string; issuer: string; serialNumber: string; notBefore: string; notAfter: string; sha256: string }
export interface Service { id: string; providerId: string; memberId: string; serviceCode: string; type: string; url?: string; title: string | null; description: string | null; hasOpenApi: boolean; timeoutMs: number | null; connectTimeoutMs: number | null; rateLimit: string | null; logBodies: boolean; endpoints: Endpoint[]; createdAt: string; updatedAt: string; backendCa?: CertificateInfo[] | null; backendAuth?: BackendAuthView | null }
/** A service a trusted peer platform offers, from its signed directory (issue 17): no backend address, no settings. */
export interface ForeignService { kind: 'foreign'; instance: string; id: string; memberId: string; memberName: string | null; subsystemId: string; subsystemName: string | null; serviceCode: string; type: string; title: string | null; description: string | null; endpoints: Array<{ method: string; path: string }>; generatedAt: string }
/** kind 'foreign': the client is of a peer instance (`instance`), its right numbered apart (revoked at /access-rights/foreign/:id). */
export interface AccessRight { kind: 'local' | 'foreign'; instance?: string; id: number; serviceId: string; clientId: string; endpoint: Endpoint | null; createdAt: string }
export interface Key { id: number; subsystemId: string; prefix: string; label: string | null; createdAt: string; revokedAt: string | null; expiresAt: string | null; lastUsedAt: string | null; status: 'active' | 'expired' | 'revoked' }
/** A TLS client certificate registered as a subsystem's credential (issue 8). */
export interface ClientCert { id: number; subsystemId: string; fingerprint: string; serial: string; subject: string; issuer: string; notBefore: string; notAfter: string; label: string | null; createdAt: string; revokedAt: string | null }
export interface AccessRequest { id: number; service: string; providerMember: string; client: string; clientMember: string; endpoint: { method: string; path: string } | null; reason: string; state: 'pending' | 'approved' | 'rejected' | 'withdrawn'; requestedBy: string; requestedAt: string; decidedBy: string | null; decidedAt: string | null; decisionNote: string | null; grantId: number | null }
export interface Message { nodeId: string; seq: number; messageId: string; requestId: string; at: string; client: string | null; service: string | null; method: string; path: string; status: number; durationMs: number; requestSize: number; responseSize: number; requestDigest: string | null; responseDigest: string | null; userId: string | null; issue: string | null; errorCode: string | null; hash: string; prevHash?: string; credential?: Credential | null }
/** The kind of credential an exchange was made with; a certificate by its SHA-256 (hex). */
export type Credential = { kind: 'api-key' | 'token' | 'peer' } | { kind: 'certificate'; fingerprint: string };
export const CREDENTIAL_KINDS = ['api-key', 'token', 'certificate', 'peer'] as const;
export interface TrailItem { seq: number; at: string; actor: string; action: string; target: string; address: string | null; before: unknown; after: unknown }
/** The integrity check signed by the node (POST /audit/verify-report). */
export interface VerifyReport { format: string; version: number; instance: string; startedAt: string; finishedAt: string; result: VerifyResult; ranges: { chain: string; nodeId?: string; firstSeq: number | null; lastSeq: number | null; records: number }[]; checkpoints: unknown[]; nodeId: string; publicKey: string; keyFingerprint: string; signature: string }
export interface VerifyResult { ok: boolean; records: number; checkpoints: number; adminRecords: number; firstBad?: { chain: string; nodeId?: string; seq: number; messageId?: string; reason: string } }
export interface Stats {
  requests: number; clientErrors: number; serverErrors: number; errorRate: number;
  refusals: number; refusalRate: number; backendFailures: number; backendFailureRate: number; p50: number | null; p95: number | null;
}
export interface Traffic {
  range: string; from: string; to: string; bucketSeconds: number; totals: Stats; buckets: (Stats & { t: string })[]; services: (Stats & { key: string })[]; clients: (Stats & { key: string })[];
  setApart: { metaservices: number; unregisteredServices: number; unregisteredClients: number };
}
export interface Token { id: number; username: string; prefix: string; label: string | null; createdAt: string; expiresAt: string | null; lastUsedAt: string | null; revokedAt: string | null }
export interface CertView { subject: string; sha256: string; notAfter?: string }
export interface Peer {
  instance: string; url: string; ca: CertView | null; fingerprint: string | null; clientCert: CertView | null; createdAt: string;
  trusted: boolean; trustWithdrawnAt: string | null; directoryKeys: string[]; directoryKeyOnFirstUse: boolean;
  directory: { fetchedAt: string | null; generatedAt: string | null; attemptedAt: string | null; error: string | null };
}
export interface OutboundRule { id: number; serviceId: string; clientId: string; createdAt: string }
