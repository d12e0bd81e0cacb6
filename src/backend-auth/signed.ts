// Signed schemes from a declarative template: join the named values, hash them, put the
// result into the named headers. Computed per request (the timestamp and URL change).
import crypto from 'node:crypto';
import type { SignedTemplate, SignedInput } from './spec.js';

export interface SignInput { method: string; url: URL; user: string; secret: string; now?: Date; nonce?: string }

// Vietnam keeps UTC+7 all year: local wall-clock time without a time-zone database.
const VN_OFFSET_MS = 7 * 3600 * 1000;

export function formatTimestamp(kind: SignedTemplate['timestamp'], d: Date): string {
  switch (kind) {
    case 'unix-ms': return String(d.getTime());
    case 'unix': return String(Math.floor(d.getTime() / 1000));
    case 'iso': return d.toISOString();
    case 'yyyyMMddHHmmss': return new Date(d.getTime() + VN_OFFSET_MS).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  }
}

/** The headers a signed template produces for one request. */
export function signedHeaders(t: SignedTemplate, a: SignInput): Record<string, string> {
  const timestamp = formatTimestamp(t.timestamp, a.now ?? new Date());
  const nonce = a.nonce ?? crypto.randomBytes(12).toString('hex');
  const values: Record<SignedInput, string> = {
    url: a.url.toString(), path: a.url.pathname + a.url.search, method: a.method.toUpperCase(),
    user: a.user, timestamp, secret: a.secret, nonce,
  };
  const message = t.input.map((k) => values[k]).join(t.separator);
  const hash = t.algorithm.startsWith('hmac-')
    ? crypto.createHmac(t.algorithm.slice(5), a.secret).update(message, 'utf8')
    : crypto.createHash(t.algorithm).update(message, 'utf8');
  const digest = t.encoding === 'base64' ? hash.digest('base64') : t.encoding === 'HEX' ? hash.digest('hex').toUpperCase() : hash.digest('hex');
  const fill: Record<string, string> = {
    timestamp, user: a.user, signature: digest, nonce, basic: Buffer.from(`${a.user}:${digest}`, 'utf8').toString('base64'),
  };
  const out: Record<string, string> = {};
  for (const [name, tpl] of Object.entries(t.headers)) out[name] = tpl.replace(/\{([a-z]+)\}/g, (_, k: string) => fill[k]);
  return out;
}
