// Header handling between consumer, gateway and backend (DESIGN.md wire contract).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers',
  'transfer-encoding', 'upgrade', 'proxy-connection', 'host', 'http2-settings',
]);
// The consumer's credentials never reach the backend; X-Road headers are set by the gateway.
const CONSUMER_ONLY = new Set(['x-api-key', 'authorization', 'x-road-client', 'x-road-id', 'x-road-userid', 'x-road-issue',
  'x-road-service', 'x-road-request-hash', 'x-road-request-id', 'expect']);

function connectionListed(h: IncomingHttpHeaders | Record<string, unknown>): Set<string> | null {
  const c = h['connection'];
  if (!c || typeof c !== 'string') return null;
  const listed = c.toLowerCase().split(',').map((s) => s.trim()).filter((s) => s && s !== 'close' && s !== 'keep-alive');
  return listed.length ? new Set(listed) : null;
}

export interface UpstreamHeaderInput {
  client: string; messageId: string; userId?: string; issue?: string; service: string;
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
    const v = h[name];
    if (v !== undefined) out[name] = v;
  }
  out['x-road-client'] = x.client;
  out['x-road-id'] = x.messageId;
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
    if (HOP_BY_HOP.has(name) || listed?.has(name) || name.startsWith('x-road-')) continue;
    const v = h[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Optional X-Road headers must be single-line printable text of bounded size. */
export function optionalHeader(h: IncomingHttpHeaders, name: string, max = 255): string | undefined {
  const v = h[name];
  if (typeof v !== 'string' || v.length === 0) return undefined;
  return v.length <= max && /^[\x20-\x7e]+$/.test(v) ? v : undefined;
}
