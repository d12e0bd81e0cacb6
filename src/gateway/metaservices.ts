// X-Road metaservices: listClients, listMethods, allowedMethods, getOpenAPI (PR-MREST shapes).
import type { Config } from '../config/index.js';
import { type Snapshot, type SnapService, type SnapSubsystem } from '../registry/index.js';
import { VamcoError } from '../core/errors.js';

function serviceEntry(cfg: Readonly<Config>, s: SnapService, endpoints = s.endpoints) {
  return {
    xroad_instance: cfg.instance, member_class: s.memberClass, member_code: s.memberCode,
    subsystem_code: s.subsystemCode, service_code: s.serviceCode, service_type: s.type,
    endpoint_list: endpoints.map((e) => ({ method: e.method, path: e.path })),
  };
}

export function listClients(snap: Snapshot, cfg: Readonly<Config>, instance?: string): unknown {
  if (instance && instance !== cfg.instance) return { member: [] };
  const member: unknown[] = [];
  for (const m of snap.members) {
    member.push({ id: { object_type: 'MEMBER', xroad_instance: cfg.instance, member_class: m.memberClass, member_code: m.memberCode }, name: m.name });
  }
  const memberNames = new Map(snap.members.map((m) => [`${m.memberClass}/${m.memberCode}`, m.name]));
  for (const s of snap.subsystems.values()) {
    member.push({
      id: { object_type: 'SUBSYSTEM', xroad_instance: cfg.instance, member_class: s.memberClass, member_code: s.memberCode, subsystem_code: s.subsystemCode },
      name: memberNames.get(`${s.memberClass}/${s.memberCode}`) ?? '', subsystem_name: s.name ?? undefined,
    });
  }
  return { member };
}

export function metaserviceResponse(name: string, a: {
  snap: Snapshot; config: Readonly<Config>; providerKey: string; client: SnapSubsystem | null; query: string; method: string;
}): { status: number; body: unknown } {
  if (a.method !== 'GET') throw new VamcoError('METHOD_NOT_ALLOWED', `${name} answers GET only`);
  const services = a.snap.servicesByProvider.get(a.providerKey) ?? [];
  switch (name) {
    case 'listMethods':
      return { status: 200, body: { service: services.map((s) => serviceEntry(a.config, s)) } };
    case 'allowedMethods': {
      const out = [];
      for (const s of services) {
        const g = a.client && a.snap.grants.get(s.id)?.get(a.client.id);
        if (!g) continue;
        out.push(serviceEntry(a.config, s, g.all ? s.endpoints : g.endpoints));
      }
      return { status: 200, body: { service: out } };
    }
    case 'getOpenAPI': {
      const code = new URLSearchParams(a.query.slice(1)).get('serviceCode');
      if (!code) throw new VamcoError('BAD_REQUEST', 'getOpenAPI needs ?serviceCode=');
      const svc = services.find((s) => s.serviceCode === code);
      if (!svc) throw new VamcoError('SERVICE_NOT_FOUND', `Service ${code} is not registered under ${a.providerKey}`);
      const granted = a.client && a.snap.grants.get(svc.id)?.get(a.client.id);
      if (!granted) throw new VamcoError('ACCESS_DENIED', `${a.client?.key ?? 'A member-level client'} has no access to ${svc.key}`);
      if (!svc.openapi) throw new VamcoError('NOT_FOUND', `Service ${svc.key} has no OpenAPI description`);
      return { status: 200, body: JSON.parse(svc.openapi) };
    }
    default:
      throw new VamcoError('SERVICE_NOT_FOUND', `Unknown metaservice ${name}`);
  }
}

