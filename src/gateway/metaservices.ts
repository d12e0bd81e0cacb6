// X-Road metaservices: listClients (PR-META §2), listMethods, allowedMethods and getOpenAPI
// (PR-MREST §3, §4), in the shapes X-Road's security server answers them.
import type { Config } from '../config/index.js';
import { anonymiseOpenApi, type Snapshot, type SnapService, type SnapSubsystem } from '../registry/index.js';
import { VamcoError } from '../core/errors.js';
import { xmlText } from './fault.js';

export { anonymiseOpenApi };

/**
 * An endpoint path as X-Road lists it: each OpenAPI path parameter ("{id}", also inside a
 * segment) becomes "*" (PR-MREST Annex B.1: "/pet/{petId}" is listed as "/pet/*").
 */
export function wildcardPath(path: string): string {
  return path.replace(/\{[^/]*\}/g, '*');
}

export function serviceEntry(cfg: Readonly<Config>, s: SnapService, endpoints = s.endpoints) {
  return {
    xroad_instance: cfg.instance, member_class: s.memberClass, member_code: s.memberCode,
    subsystem_code: s.subsystemCode, service_code: s.serviceCode, service_type: s.type, object_type: 'SERVICE',
    endpoint_list: endpoints.map((e) => ({ method: e.method, path: wildcardPath(e.path) })),
  };
}

interface ClientId { object_type: 'MEMBER' | 'SUBSYSTEM'; xroad_instance: string; member_class: string; member_code: string; subsystem_code?: string }
export interface ClientList { member: { id: ClientId; name?: string; subsystem_name?: string }[] }

/** Every member and subsystem of the instance (PR-META §2); another instance's list is empty here. */
export function listClients(snap: Snapshot, cfg: Readonly<Config>, instance?: string): ClientList {
  if (instance && instance !== cfg.instance) return { member: [] };
  const member: ClientList['member'] = [];
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

/**
 * PR-META §2: JSON when Accept names application/json (anywhere in the list, as X-Road's
 * security server reads it), otherwise text/xml.
 */
export function listClientsWantsJson(accept: string | string[] | undefined): boolean {
  const all = Array.isArray(accept) ? accept.join(',') : accept ?? '';
  return all.split(',').some((item) => item.split(';', 1)[0].trim().toLowerCase() === 'application/json');
}

const XROAD_NS = 'http://x-road.eu/xsd/xroad.xsd';
const ID_NS = 'http://x-road.eu/xsd/identifiers';

/**
 * The `clientList` element of PR-META Annex A: members in the xroad.xsd namespace, each an
 * `id` (objectType attribute and parts in the identifiers namespace, in the schema's order
 * xRoadInstance, memberClass, memberCode, subsystemCode), then `name` and `subsystemName`.
 */
export function clientListXml(list: ClientList): string {
  const out = [`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ns2:clientList xmlns:ns1="${ID_NS}" xmlns:ns2="${XROAD_NS}">`];
  for (const m of list.member) {
    const id = m.id;
    out.push(`<ns2:member><ns2:id ns1:objectType="${id.object_type}">`
      + `<ns1:xRoadInstance>${xmlText(id.xroad_instance)}</ns1:xRoadInstance>`
      + `<ns1:memberClass>${xmlText(id.member_class)}</ns1:memberClass>`
      + `<ns1:memberCode>${xmlText(id.member_code)}</ns1:memberCode>`
      + (id.subsystem_code === undefined ? '' : `<ns1:subsystemCode>${xmlText(id.subsystem_code)}</ns1:subsystemCode>`)
      + '</ns2:id>'
      + (m.name === undefined ? '' : `<ns2:name>${xmlText(m.name)}</ns2:name>`)
      + (m.subsystem_name === undefined ? '' : `<ns2:subsystemName>${xmlText(m.subsystem_name)}</ns2:subsystemName>`)
      + '</ns2:member>');
  }
  out.push('</ns2:clientList>\n');
  return out.join('\n');
}

/** listMethods of a peer instance's subsystem, from the services its signed directory lists (resolve checked the subsystem is there). */
/**
 * The metaservices of a peer's subsystem, answered from its signed directory (issue 17): what
 * the peer lists, what this platform's outbound rules let the client call (the peer applies its
 * own rights when called), and the peer's published OpenAPI description.
 */
export function peerMetaservice(name: string, a: {
  directory: { services: ReadonlyArray<ReturnType<typeof serviceEntry>>; openapi?: Record<string, Record<string, unknown>> } | null;
  snap: Snapshot; instance: string; providerKey: string; client: SnapSubsystem | null; query: string; method: string;
}): { status: number; body: unknown } {
  if (a.method !== 'GET') throw new VamcoError('METHOD_NOT_ALLOWED', `${name} answers GET only`);
  const services = (a.directory?.services ?? []).filter((s) => `${s.member_class}/${s.member_code}/${s.subsystem_code}` === a.providerKey);
  const mayCall = (code: string) => !!a.client && !!a.snap.outbound.get(`${a.instance}/${a.providerKey}/${code}`)?.has(a.client.id);
  switch (name) {
    case 'listMethods': return { status: 200, body: { service: services } };
    case 'allowedMethods': return { status: 200, body: { service: services.filter((s) => mayCall(s.service_code)) } };
    case 'getOpenAPI': {
      const code = new URLSearchParams(a.query.slice(1)).get('serviceCode');
      if (!code) throw new VamcoError('BAD_REQUEST', 'getOpenAPI needs ?serviceCode=');
      if (!services.some((s) => s.service_code === code)) throw new VamcoError('SERVICE_DESCRIPTION_UNAVAILABLE', `Service not found: ${code} is not in ${a.instance}'s directory under ${a.providerKey}`);
      if (!mayCall(code)) throw new VamcoError('ACCESS_DENIED', `${a.client?.key ?? 'A member-level client'} has no outbound rule for ${a.instance}/${a.providerKey}/${code}`);
      const doc = a.directory?.openapi?.[`${a.providerKey}/${code}`];
      if (!doc) throw new VamcoError('SERVICE_DESCRIPTION_UNAVAILABLE', `${a.instance}'s directory has no OpenAPI description of ${a.providerKey}/${code}`);
      return { status: 200, body: doc };
    }
    default:
      throw new VamcoError('SERVICE_NOT_FOUND', `Unknown metaservice ${name}`);
  }
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
      if (!svc) throw new VamcoError('SERVICE_DESCRIPTION_UNAVAILABLE', `Service not found: ${code} is not registered under ${a.providerKey}`);
      // The provider itself, and any client holding a right on the service (to all of it or to
      // one endpoint): the description is what it needs to call what it may call.
      const g = a.client && a.snap.grants.get(svc.id)?.get(a.client.id);
      const allowed = a.client && (a.client.key === svc.providerKey || (g && (g.all || g.endpoints.length > 0)));
      if (!allowed) throw new VamcoError('ACCESS_DENIED', `${a.client?.key ?? 'A member-level client'} has no access to ${svc.key}`);
      if (!svc.openapi) throw new VamcoError('SERVICE_DESCRIPTION_UNAVAILABLE', `Service ${svc.key} has no OpenAPI description (service type ${svc.type})`);
      return { status: 200, body: anonymiseOpenApi(JSON.parse(svc.openapi) as Record<string, unknown>) };
    }
    default:
      throw new VamcoError('SERVICE_NOT_FOUND', `Unknown metaservice ${name}`);
  }
}
