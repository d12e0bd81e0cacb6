// resolve: which service answers. A reserved service code is a metaservice of the provider
// subsystem; anything else must be a registered service of this instance. The service path
// is normalised here, once: the path that is authorised is the path that is forwarded.
import { VamcoError } from '../../core/errors.js';
import { RESERVED_SERVICE_CODES } from '../../core/ids.js';
import { normaliseServicePath, validateQuery } from '../path.js';
import type { Exchange, StageFactory } from './context.js';

export const resolve: StageFactory = (deps) => ({
  name: 'resolve',
  run(x: Exchange): void {
    validateQuery(x.query);
    const ref = x.ref!;
    const local = ref.instance === deps.config.instance;
    if (RESERVED_SERVICE_CODES.has(ref.serviceCode)) {
      if (!local || !x.snap.subsystems.has(ref.providerKey)) throw new VamcoError('SERVICE_NOT_FOUND', `Subsystem ${ref.instance}/${ref.providerKey} is not registered`);
      x.metaservice = ref.serviceCode;
      x.serviceLabel = ref.serviceCode;
      return;
    }
    const svc = local ? x.snap.services.get(`${ref.providerKey}/${ref.serviceCode}`) : undefined;
    if (!svc) throw new VamcoError('SERVICE_NOT_FOUND', `Service ${x.service} is not registered`);
    x.svc = svc;
    x.serviceLabel = svc.key;
    x.servicePath = normaliseServicePath(x.segments.slice(7));
    x.target = `/r1/${x.service}${x.servicePath.encoded}${x.query}`;
  },
});
