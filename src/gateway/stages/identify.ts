// identify: who is calling. The credential (API key or bearer token) must belong to the
// subsystem the client names in X-Road-Client. A member-level client (no subsystem part) is
// well-formed in X-Road (PR-REST 1.0.4 §4.3); its credential must belong to one of the
// member's subsystems, and authorise then refuses it as X-Road does: only subsystems hold rights.
import { VamcoError } from '../../core/errors.js';
import { parseClientHeader } from '../../core/ids.js';
import { apiKeyHolder, liveKey } from '../../registry/index.js';
import type { Exchange, StageFactory } from './context.js';
import { presentedCert, certSubsystem, peerAuthenticated } from '../client-cert.js';
import type { SnapSubsystem } from '../../registry/index.js';

/** A peer's client no service here grants: authorise refuses it by name, as any client without a right. */
function foreignWithoutRights(instance: string, memberKey: string, subsystemCode: string): SnapSubsystem {
  const [memberClass, memberCode] = memberKey.split('/');
  return { id: Number.MIN_SAFE_INTEGER, key: `${memberKey}/${subsystemCode}`, memberClass, memberCode, subsystemCode, name: null, instance };
}

export const identify: StageFactory = (deps) => ({
  name: 'identify',
  run(x: Exchange): void {
    const { req, snap } = x;
    // Several X-Road-Client headers: the last one names the client (PR-REST §4.3). Node joins
    // repeated unknown headers with ", ", so a value with a comma is read again from the
    // distinct values; one without is the only header of that name (headersDistinct builds an
    // array for every header of the request: ~1% of the main thread, issue 15).
    const joined = req.headers['x-road-client'];
    let header = typeof joined === 'string' ? joined : undefined;
    if (header?.includes(',')) {
      const all = req.headersDistinct['x-road-client'];
      header = all?.[all.length - 1];
    }
    if (!header) throw new VamcoError('MISSING_CLIENT', 'The X-Road-Client header is required: INSTANCE/CLASS/MEMBER/SUBSYSTEM');
    let ref;
    try {
      ref = parseClientHeader(header);
    } catch (e) {
      throw new VamcoError('MISSING_CLIENT', (e as Error).message);
    }
    const memberKey = `${ref.memberClass}/${ref.memberCode}`;
    x.client = `${ref.instance}/${memberKey}${ref.subsystemCode === null ? '' : `/${ref.subsystemCode}`}`;
    if (ref.instance !== deps.config.instance) {
      // A client of another instance comes only through that instance's platform, proved by the
      // certificate this platform trusts for it (issue 17); its rights are those granted here.
      const peer = snap.peers.get(ref.instance);
      if (!peer) throw new VamcoError('UNAUTHENTICATED', `Client instance ${ref.instance} is not this platform's instance (${deps.config.instance}) nor one of its peers`);
      peerAuthenticated(req, peer);
      // The record says which kind of peer vouched for the client: a platform or a security server.
      x.credential = peer.type === 'xroad' ? 'xroad' : 'peer';
      x.fromPeer = peer;
      x.clientSub = ref.subsystemCode === null ? null : snap.foreignClients.get(x.client) ?? foreignWithoutRights(ref.instance, memberKey, ref.subsystemCode);
      return;
    }
    const apiKey = req.headers['x-api-key'];
    const auth = req.headers.authorization;
    let subsystemId: number | undefined;
    if (typeof apiKey === 'string' && apiKey) {
      x.credential = 'api-key';
      const key = liveKey(apiKeyHolder(snap, apiKey));
      subsystemId = key?.subsystemId;
      if (key) deps.keyUsage?.used(key.id);
    } else if (typeof auth === 'string' && /^bearer /i.test(auth)) {
      x.authorizationConsumed = true;
      x.credential = 'token';
      const claims = deps.tokens.verify(auth.slice(7).trim());
      // The key behind a token must still be valid: revoking a key, or its expiry, ends its tokens at once.
      const key = claims ? liveKey(snap.keys.get(claims.kh)) : undefined;
      subsystemId = key?.subsystemId;
      if (claims && claims.sub !== `${ref.instance}/${snap.subsystemsById.get(subsystemId ?? -1)?.key}`) subsystemId = undefined;
      else if (key) deps.keyUsage?.used(key.id);
    } else {
      // No header credential: a TLS client certificate, when one came with the connection. One
      // with a header credential is left alone: the key or token the client chose decides.
      const cert = presentedCert(req);
      if (!cert) throw new VamcoError('UNAUTHENTICATED', 'Send an API key in X-API-Key, a bearer token from POST /token, or a TLS client certificate over HTTPS');
      // Recorded before it is judged: the log says which certificate a refused call came with.
      x.credential = 'certificate';
      x.certFingerprint = cert.fingerprint;
      subsystemId = certSubsystem(snap, cert);
    }
    if (subsystemId === undefined) throw new VamcoError('UNAUTHENTICATED', 'The credential is not valid');
    if (ref.subsystemCode === null) {
      const owner = snap.subsystemsById.get(subsystemId);
      if (!owner || `${owner.memberClass}/${owner.memberCode}` !== memberKey) throw new VamcoError('UNAUTHENTICATED', `The credential does not belong to ${x.client}`);
      x.clientSub = null;
      return;
    }
    const client = snap.subsystems.get(`${memberKey}/${ref.subsystemCode}`);
    if (!client || client.id !== subsystemId) throw new VamcoError('UNAUTHENTICATED', `The credential does not belong to ${x.client}`);
    x.clientSub = client;
  },
});
