// authorise: default deny. The client needs a right on the service, or on an endpoint that
// matches the method and the normalised path (for a SOAP service, "POST /{operation}").
import { VamcoError } from '../../core/errors.js';
import { isAllowed } from '../../registry/index.js';
import type { Exchange, StageFactory } from './context.js';

export const authorise: StageFactory = () => ({
  name: 'authorise',
  run(x: Exchange): void {
    // A member-level client is well-formed but holds no rights: X-Road grants subsystems only.
    if (!x.clientSub) throw new VamcoError('ACCESS_DENIED', `${x.client} is a member, not a subsystem: only subsystems are granted access to ${x.service}`);
    const svc = x.svc!;
    if (x.peer) {
      // Another instance's service: this platform lets a local client out only by an outbound
      // rule (default deny); the peer then applies its own access rights.
      if (!x.snap.outbound.get(x.service!)?.has(x.clientSub.id)) {
        throw new VamcoError('ACCESS_DENIED', `${x.client} may not call ${x.service} of peer ${x.peer.instance}: no outbound rule here lets it ("vamco outbound allow ${x.service} ${x.clientSub.key}")`);
      }
      return;
    }
    if (svc.soap && x.method === 'POST') {
      if (x.servicePath!.decoded === '/') {
        // A passing envelope names its operation in its Body: forward checks the right to it
        // once read. Without any right on the service it is refused here, unread.
        if (!x.snap.grants.get(svc.id)?.get(x.clientSub.id)) throw new VamcoError('ACCESS_DENIED', `${x.client} has no access to ${x.service}`);
        x.soapMode = 'pass';
        return;
      }
      x.soapMode = 'json';
    }
    if (!isAllowed(x.snap, svc, x.clientSub.id, x.method, x.servicePath!.decoded)) {
      throw new VamcoError('ACCESS_DENIED', `${x.client} has no access to ${x.method} ${x.servicePath!.decoded} of ${x.service}`);
    }
  },
});
