// Header handling between consumer, gateway and backend, as PR-REST 1.0.4 §4.3 lists it:
// hop-by-hop headers and those that leak the origin host (Host, User-Agent, Server) are
// filtered; the X-Road headers the platform sets are replaced; every other header, including
// the provider's own X-Road-* extension headers, passes unmodified.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { VamcoError } from '../core/errors.js';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers',
  'transfer-encoding', 'upgrade', 'proxy-connection', 'host', 'http2-settings',
]);
// The consumer's API key never reaches the backend; the X-Road headers are set by the gateway.
// Expect is answered here (PR-REST §4.3, "specially handled headers").
const CONSUMER_ONLY = new Set(['x-api-key', 'x-road-client', 'x-road-id', 'x-road-userid', 'x-road-issue',
  'x-road-service', 'x-road-request-hash', 'x-road-request-id', 'expect', 'user-agent', 'x-vamco-receipt']);
/** The X-Road headers the platform sets on an answer: a backend's own values are replaced. */
const PLATFORM_SET = new Set(['x-road-client', 'x-road-service', 'x-road-id', 'x-road-request-id', 'x-road-request-hash', 'x-road-error', 'x-vamco-receipt']);

function connectionListed(h: IncomingHttpHeaders | Record<string, unknown>): Set<string> | null {
  const c = h['connection'];
  if (!c || typeof c !== 'string') return null;
  // What nearly every peer sends lists no other header: no split for it (issue 15).
  if (c.length <= 10 && /^(?:keep-alive|close)$/i.test(c)) return null;
  const listed = c.toLowerCase().split(',').map((s) => s.trim()).filter((s) => s && s !== 'close' && s !== 'keep-alive');
  return listed.length ? new Set(listed) : null;
}

export interface UpstreamHeaderInput {
  client: string; messageId: string; requestId: string; userId?: string; issue?: string; service: string;
  /** Authorization carried the bearer token the platform checked: it is the platform's, not the provider's. */
  authorizationConsumed: boolean;
  /** Headers the backend credential adds (they replace any the consumer sent by those names). */
  backendAuth: Record<string, string> | null;
}

export function upstreamHeaders(h: IncomingHttpHeaders, x: UpstreamHeaderInput): Record<string, string | string[]> {
  const listed = connectionListed(h);
  let auth: Record<string, string> | null = null;
  if (x.backendAuth) {
    auth = {};
    for (const k in x.backendAuth) auth[k.toLowerCase()] = x.backendAuth[k];
  }
  const out: Record<string, string | string[]> = {};
  for (const name in h) {
    if (HOP_BY_HOP.has(name) || CONSUMER_ONLY.has(name) || (auth && name in auth) || listed?.has(name)) continue;
    // PR-REST §4.7: a consumer's own Authorization (e.g. a JWT for the provider) passes unmodified.
    if (name === 'authorization' && x.authorizationConsumed) continue;
    const v = h[name];
    if (v !== undefined) out[name] = v;
  }
  out['x-road-client'] = x.client;
  out['x-road-id'] = x.messageId;
  out['x-road-request-id'] = x.requestId;
  out['x-road-service'] = x.service;
  if (x.userId) out['x-road-userid'] = x.userId;
  if (x.issue) out['x-road-issue'] = x.issue;
  if (auth) Object.assign(out, auth);
  return out;
}

export function downstreamHeaders(h: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const listed = connectionListed(h);
  const out: OutgoingHttpHeaders = {};
  for (const name in h) {
    if (HOP_BY_HOP.has(name) || listed?.has(name) || name === 'server' || PLATFORM_SET.has(name)) continue;
    const v = h[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * An optional X-Road header: absent, or single-line printable ASCII of bounded size. Anything
 * else is refused with a fault naming the header, never dropped in silence (the provider would
 * otherwise act without the user or issue the consumer meant to send).
 */
export function optionalHeader(h: IncomingHttpHeaders, name: string, label: string, max = 255): string | undefined {
  const v = h[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new VamcoError('BAD_REQUEST', `${label} was sent more than once`);
  if (v.length > max) throw new VamcoError('BAD_REQUEST', `${label} is longer than ${max} characters`);
  if (!/^[\x20-\x7e]+$/.test(v)) throw new VamcoError('BAD_REQUEST', `${label} must be printable ASCII`);
  return v;
}
