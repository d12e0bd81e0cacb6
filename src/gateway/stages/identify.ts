// identify: who is calling. The credential (API key or bearer token) must belong to the
// subsystem the client names in X-Road-Client.
import { VamcoError } from '../../core/errors.js';
import { parseClientHeader } from '../../core/ids.js';
import { hashApiKey } from '../../registry/index.js';
import type { Exchange, StageFactory } from './context.js';

export const identify: StageFactory = (deps) => ({
  name: 'identify',
  run(x: Exchange): void {
    const { req, snap } = x;
    const header = req.headers['x-road-client'];
    if (typeof header !== 'string' || !header) throw new VamcoError('MISSING_CLIENT', 'The X-Road-Client header is required: INSTANCE/CLASS/MEMBER/SUBSYSTEM');
    let ref;
    try {
      ref = parseClientHeader(header);
    } catch (e) {
      throw new VamcoError('MISSING_CLIENT', (e as Error).message);
    }
    x.client = `${ref.instance}/${ref.memberClass}/${ref.memberCode}/${ref.subsystemCode}`;
    if (ref.instance !== deps.config.instance) throw new VamcoError('UNAUTHENTICATED', `Client instance ${ref.instance} is not this platform's instance (${deps.config.instance})`);
    const client = snap.subsystems.get(`${ref.memberClass}/${ref.memberCode}/${ref.subsystemCode}`);
    const apiKey = req.headers['x-api-key'];
    const auth = req.headers.authorization;
    let subsystemId: number | undefined;
    if (typeof apiKey === 'string' && apiKey) {
      subsystemId = snap.keys.get(hashApiKey(apiKey));
    } else if (typeof auth === 'string' && /^bearer /i.test(auth)) {
      const claims = deps.tokens.verify(auth.slice(7).trim());
      // The key behind a token must still be valid: revoking a key ends its tokens at once.
      if (claims) subsystemId = snap.keys.get(claims.kh);
      if (claims && claims.sub !== x.client) subsystemId = undefined;
    } else {
      throw new VamcoError('UNAUTHENTICATED', 'Send an API key in X-API-Key or a bearer token from POST /token');
    }
    if (subsystemId === undefined) throw new VamcoError('UNAUTHENTICATED', 'The credential is not valid');
    if (!client || client.id !== subsystemId) throw new VamcoError('UNAUTHENTICATED', `The credential does not belong to ${x.client}`);
    x.clientSub = client;
  },
});
