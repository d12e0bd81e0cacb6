// The document-axis SDK's credential scheme as Vamco reads it (reference edxml.md, "The national
// axis's API", credentials — one source): a system id and a secret; the parameters travel as
// headers with an `XroadVnpt-` prefix, and a signature is an HMAC-SHA256 under the secret of a
// JSON of those headers. The exact JSON the vendor SDK signs is not public, so the canonical form
// here is Vamco's and documented in docs/edoc.md: lower-case names without the prefix, sorted,
// plus the called operation, the system id and a timestamp (±5 min) against replays.
import crypto from 'node:crypto';

export const HMAC_PREFIX = 'xroadvnpt-';
/** Headers that are part of the signature when present (the axis API's parameters). */
export const SIGNED_PARAMS = ['from', 'to', 'servicetype', 'messagetype', 'sha256', 'docid', 'status', 'fromdate', 'todate'] as const;
export const MAX_SKEW_MS = 5 * 60_000;

export function canonicalJson(operation: string, params: Record<string, string>): string {
  const o: Record<string, string> = { operation };
  for (const k of Object.keys(params).sort()) o[k] = params[k];
  return JSON.stringify(o);
}

export function hmacSign(secret: string, operation: string, params: Record<string, string>): string {
  return crypto.createHmac('sha256', secret).update(canonicalJson(operation, params)).digest('base64');
}

/** Headers a client sends: every parameter prefixed, with system id, timestamp and signature. */
export function signedHeaders(systemId: string, secret: string, operation: string, params: Record<string, string>, now = Date.now()): Record<string, string> {
  const all: Record<string, string> = { ...params, systemid: systemId, timestamp: String(now) };
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) h[HMAC_PREFIX + k] = v;
  h[HMAC_PREFIX + 'signature'] = hmacSign(secret, operation, all);
  return h;
}

/** The signed parameters found in a request's headers (prefixed names only). */
export function signedParams(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!k.startsWith(HMAC_PREFIX) || typeof v !== 'string') continue;
    const name = k.slice(HMAC_PREFIX.length);
    if (name !== 'signature') out[name] = v;
  }
  return out;
}

export function hmacVerify(secret: string, operation: string, params: Record<string, string>, signature: string, now = Date.now()): 'ok' | 'bad-signature' | 'stale' {
  const want = Buffer.from(hmacSign(secret, operation, params), 'base64');
  const got = Buffer.from(signature, 'base64');
  if (want.length !== got.length || !crypto.timingSafeEqual(want, got)) return 'bad-signature';
  const ts = Number(params.timestamp);
  if (!Number.isFinite(ts) || Math.abs(now - ts) > MAX_SKEW_MS) return 'stale';
  return 'ok';
}
