import crypto from 'node:crypto';

// API keys are 256 random bits, so a plain SHA-256 is enough to store them: nobody can
// brute-force the pre-image, and the gateway finds a key with one hash and one map lookup
// instead of a slow password hash per request.
export function newApiKey(): { key: string; hash: string; prefix: string } {
  const key = 'vmk_' + crypto.randomBytes(32).toString('base64url');
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}
