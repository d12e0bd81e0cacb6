// guard: before anything else, an address that failed to authenticate too often is refused
// unheard — no key lookup, no token check, no message-log record (counted in
// vamco_preauth_refused_total instead, so a flood cannot grow the log). Failures are counted
// by the outcome, for refusals of callers identify did not accept.
import { VamcoError } from '../../core/errors.js';
import type { Exchange, StageFactory } from './context.js';

export const guard: StageFactory = (deps, outcome) => ({
  name: 'guard',
  run(x: Exchange): void {
    const wait = deps.guard?.retryAfterMs(x.req.socket.remoteAddress) ?? 0;
    if (!wait) return;
    deps.metrics.preAuthRefused.inc({ server: 'gateway' });
    const seconds = Math.ceil(wait / 1000);
    outcome.writeProblem(x, new VamcoError('ADDRESS_RATE_LIMITED', `Too many failed authentications from this address: try again in ${seconds} s`, {
      headers: { 'retry-after': String(seconds) },
    }));
    x.finished = true;
  },
});
