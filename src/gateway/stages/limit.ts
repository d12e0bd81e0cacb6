// limit: what the gateway refuses before spending a backend's time: the client's rate limit,
// a declared body over the size limit, and a backend whose circuit is open.
import { VamcoError } from '../../core/errors.js';
import type { Exchange, StageFactory } from './context.js';

export const limit: StageFactory = (deps) => ({
  name: 'limit',
  async run(x: Exchange): Promise<void> {
    const svc = x.svc!;
    const waitMs = await deps.limits.consume(svc, x.clientSub!.id);
    if (waitMs > 0) {
      throw new VamcoError('RATE_LIMITED', `Rate limit of ${svc.rateLimitText} exceeded for ${x.client}`, {
        headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) }, extra: { retryAfterMs: waitMs },
      });
    }
    const declared = x.req.headers['content-length'];
    if (declared !== undefined && Number(declared) > deps.config.maxBodyBytes) {
      throw new VamcoError('PAYLOAD_TOO_LARGE', `The request body (${declared} bytes) is larger than ${deps.config.maxBodyBytes} bytes`);
    }
    if (!deps.upstreams.allow(svc.id)) throw new VamcoError('CIRCUIT_OPEN', `The backend of ${x.service} failed repeatedly; retry shortly`, { headers: { 'retry-after': '10' } });
  },
});
