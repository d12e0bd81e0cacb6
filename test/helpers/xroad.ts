// X-Road constructions the tests recompute on their own, in one place.
import crypto from 'node:crypto';

export interface HashedRequest {
  method: string;
  /** The request target exactly as sent: /r1/{service id}{path}{?query}. */
  target: string;
  /** The request headers in the order sent, names as written. */
  headers: [string, string][];
  /** The X-Road-Request-Id the gateway answered with. */
  requestId: string;
  /** The X-Road-Id the gateway generated, when the request carried none. */
  generatedId?: string;
  /** The request body as sent; none for a request without a body. */
  body?: Buffer;
}

const SKIPPED = new Set(['transfer-encoding', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'upgrade', 'connection', 'user-agent', 'host', 'content-length', 'server', 'expect', 'x-road-request-id', 'x-road-request-hash']);

/**
 * X-Road-Request-Hash as docs/integrator-guide.md defines it after X-Road's reference
 * implementation (PR-REST 1.0.4 §4.3: base64 SHA512(SHA512(headers) + SHA512(body))).
 */
export function expectedRequestHash(r: HashedRequest): string {
  let text = `${r.method}\r\n${r.target}\r\n`;
  for (const [name, value] of r.headers) if (!SKIPPED.has(name.toLowerCase())) text += `${name}:${value}\r\n`;
  text += `X-Road-Request-Id:${r.requestId}\r\n`;
  if (r.generatedId) text += `X-Road-Id:${r.generatedId}\r\n`;
  const head = crypto.createHash('sha512').update(Buffer.from(text, 'latin1')).digest();
  if (!r.body || r.body.length === 0) return head.toString('base64');
  return crypto.createHash('sha512').update(head).update(crypto.createHash('sha512').update(r.body).digest()).digest('base64');
}
