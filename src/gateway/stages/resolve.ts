// resolve: which service answers. A reserved service code is a metaservice of the provider
// subsystem; anything else must be a registered service of this instance. The service path
// is normalised here, once: the path that is authorised is the path that is forwarded.
import { VamcoError } from '../../core/errors.js';
import { RESERVED_SERVICE_CODES } from '../../core/ids.js';
import { normaliseServicePath, validateQuery } from '../path.js';
import type { Exchange, StageFactory } from './context.js';
import { peerService } from '../../registry/index.js';
import type { GatewayDeps } from '../types.js';

/**
 * The platform's security-server identity, {instance}/{operator member}/{server code}. A single
 * platform is the one security server of every provider of its instance, and its nodes behind a
 * balancer share that identity, as the nodes of an X-Road security-server cluster share theirs.
 */
export function securityServerId(config: GatewayDeps['config']): string {
  return `${config.instance}/${config.operatorMember}/${config.serverCode}`;
}

export const resolve: StageFactory = (deps) => {
  const self = securityServerId(deps.config);
  return {
    name: 'resolve',
    run(x: Exchange): void {
      validateQuery(x.query);
      const ref = x.ref!;
      // X-Road-Security-Server honoured (PR-REST §4.3): the request can only go through this
      // platform, so naming any other server is X-Road's client-proxy fault, before any service is
      // looked up or called, as X-Road refuses a server that does not serve the provider.
      if (x.securityServer !== null && x.securityServer !== self) {
        throw new VamcoError('INVALID_SECURITY_SERVER', `Could not find security server ${x.securityServer}: the only security server here is ${self}`);
      }
      const local = ref.instance === deps.config.instance;
      if (RESERVED_SERVICE_CODES.has(ref.serviceCode)) {
        // listMethods and allowedMethods of a subsystem of an X-Road instance: asked of its security
        // server, as X-Road's information systems ask them (PR-MREST §4; stages/metaservice.ts).
        const xroadPeer = !local && !x.fromPeer ? x.snap.peers.get(ref.instance) : undefined;
        if (xroadPeer?.type === 'xroad' && (ref.serviceCode === 'listMethods' || ref.serviceCode === 'allowedMethods')) {
          x.peer = xroadPeer;
          x.svc = peerService(xroadPeer, ref);
          x.metaservice = ref.serviceCode;
          x.serviceLabel = ref.serviceCode;
          return;
        }
        // listMethods, allowedMethods and getOpenAPI of a peer's subsystem: answered here from the peer's signed directory (issue 17).
        const peerList = !local && !x.fromPeer && x.snap.peers.has(ref.instance)
          && deps.directories?.content(ref.instance)?.members.some((m) => m.id.object_type === 'SUBSYSTEM' && `${m.id.member_class}/${m.id.member_code}/${m.id.subsystem_code}` === ref.providerKey);
        if (!peerList && (!local || !x.snap.subsystems.has(ref.providerKey))) throw new VamcoError('SERVICE_NOT_FOUND', `Subsystem ${ref.instance}/${ref.providerKey} is not registered`);
        x.metaservice = ref.serviceCode;
        x.serviceLabel = ref.serviceCode;
        return;
      }
      const peer = local ? undefined : x.snap.peers.get(ref.instance);
      // A peer's client reaches this instance's services only: a platform does not relay between peers.
      if (peer && x.fromPeer) throw new VamcoError('SERVICE_NOT_FOUND', `Service ${x.service} is not of this instance: a peer's client calls this instance's services only`);
      const svc = local ? x.snap.services.get(`${ref.providerKey}/${ref.serviceCode}`) : peer ? peerService(peer, ref) : undefined;
      if (!svc) throw new VamcoError('SERVICE_NOT_FOUND', `Service ${x.service} is not registered`);
      x.peer = peer ?? null;
      x.svc = svc;
      x.serviceLabel = svc.key;
      x.servicePath = normaliseServicePath(x.segments.slice(7));
      x.target = `/r1/${x.service}${x.servicePath.encoded}${x.query}`;
    },
  };
};
