// X-Road constructions the tests recompute on their own, in one place: when the gateway's
// construction changes (e.g. to X-Road's reference implementation), only this file follows.
import crypto from 'node:crypto';

export interface HashedRequest {
  method: string;
  /** The request target as the gateway normalised it: /r1/{service id}{path}{?query}. */
  target: string;
  /** The X-Road-Client header value, INSTANCE/CLASS/MEMBER/SUBSYSTEM. */
  client: string;
  /** The X-Road-Id the exchange carries. */
  messageId: string;
  /** The request body as sent; none for a request without a body. */
  body?: Buffer;
}

/**
 * X-Road-Request-Hash as docs/integrator-guide.md defines it: base64 SHA-512 over
 * "METHOD TARGET\nCLIENT\nMESSAGE-ID\nSHA-256(body) in hex" (SHA-256 of nothing without a body).
 */
export function expectedRequestHash(r: HashedRequest): string {
  const bodyDigest = crypto.createHash('sha256').update(r.body ?? Buffer.alloc(0)).digest('hex');
  return crypto.createHash('sha512')
    .update(`${r.method} ${r.target}\n${r.client}\n${r.messageId}\n${bodyDigest}`)
    .digest('base64');
}
