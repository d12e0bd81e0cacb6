// Metaservices about an X-Road instance this platform reaches through a security server peer
// (issue 17, item 6). The platform is one of that server's information systems, so it asks the
// server as an information system does, and answers its own client in X-Road's shapes:
// - listClients?xRoadInstance=X (PR-META §2, nordic-institute/X-Road doc/Protocols): a plain
//   HTTP GET of /listClients on the security server, no X-Road-Client; asked in JSON (the
//   Accept of PR-META §2), answered to the client in the format its Accept asks for;
// - listMethods and allowedMethods (PR-MREST §4): "invoked as regular X-Road REST services",
//   GET /r1/{provider subsystem}/{listMethods|allowedMethods} with X-Road-Client: this
//   platform's client there. The security server's allowedMethods is what X-Road lets that
//   client call; this platform lists of it only what its outbound rules let the local client
//   call too (the same rule applies when it calls).
// Only entries of the instance asked about are passed on, each rebuilt from its known fields.
import type { Pool } from 'undici';
import type { Logger } from 'pino';
import { VamcoError } from '../core/errors.js';
import { RESERVED_SERVICE_CODES } from '../core/ids.js';
import { xroadAnswerReference, xroadFault } from '../federation/index.js';
import { peerService, type SnapPeer } from '../registry/index.js';
import type { Upstreams } from './upstream.js';
import type { ClientList, serviceEntry } from './metaservices.js';

type ServiceEntry = ReturnType<typeof serviceEntry>;

/** Metaservice answers are lists; more than this is not a list the platform relays. */
const ANSWER_MAX_BYTES = 4 * 1024 * 1024;

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 1000;
const opt = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 1000 ? v : undefined);

/**
 * One GET towards the security server, under `timeoutMs`; its own fault (X-Road-Error) becomes
 * this platform's XROAD_FAULT with the type kept, anything but a 200 JSON answer is a bad answer.
 */
export async function askSecurityServer(pool: Pool, peer: SnapPeer, what: string, a: {
  path: string; headers: Record<string, string>; timeoutMs: number;
  /** The record's upstream leg: the answer's status and the security server's request id and hash (§4.3). */
  leg?: { status: number; tokenId: string | null };
}): Promise<unknown> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), a.timeoutMs);
  try {
    const answer = await pool.request({ path: a.path, method: 'GET', headers: { accept: 'application/json', ...a.headers }, signal: ac.signal });
    if (a.leg) { a.leg.status = answer.statusCode; a.leg.tokenId = xroadAnswerReference(answer.headers); }
    const fault = await xroadFault(answer, peer.instance);
    if (fault) throw fault;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of answer.body) {
      size += (c as Buffer).length;
      if (size > ANSWER_MAX_BYTES) { answer.body.destroy(); throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The X-Road security server peer ${peer.instance} answered ${what} with more than ${ANSWER_MAX_BYTES} bytes`); }
      chunks.push(c as Buffer);
    }
    if (answer.statusCode !== 200) throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The X-Road security server peer ${peer.instance} answered ${what} with status ${answer.statusCode}`);
    try { return JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch {
      throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The X-Road security server peer ${peer.instance} answered ${what} with something that is not JSON`);
    }
  } catch (e) {
    if (e instanceof VamcoError) throw e;
    if (ac.signal.aborted) throw new VamcoError('UPSTREAM_TIMEOUT', `The X-Road security server peer ${peer.instance} (${peer.url}) did not answer ${what} within ${a.timeoutMs} ms`);
    throw new VamcoError('UPSTREAM_UNREACHABLE', `Could not ask the X-Road security server peer ${peer.instance} (${peer.url}) for ${what}: ${(e as { code?: string }).code ?? (e as Error).message}`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
}

/** The members and subsystems of `instance` in a listClients answer (PR-META Annex B's JSON), each rebuilt; anything else dropped. */
export function clientsOf(body: unknown, instance: string): ClientList {
  const list = (body as { member?: unknown } | null)?.member;
  if (!Array.isArray(list)) throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The X-Road security server's listClients answer has no member list`);
  const member: ClientList['member'] = [];
  for (const m of list as Array<{ id?: Record<string, unknown>; name?: unknown; subsystem_name?: unknown }>) {
    const id = m?.id;
    if (!id || id.xroad_instance !== instance || !str(id.member_class) || !str(id.member_code)) continue;
    if (id.object_type === 'MEMBER') {
      member.push({ id: { object_type: 'MEMBER', xroad_instance: instance, member_class: id.member_class, member_code: id.member_code }, name: opt(m.name) });
    } else if (id.object_type === 'SUBSYSTEM' && str(id.subsystem_code)) {
      member.push({ id: { object_type: 'SUBSYSTEM', xroad_instance: instance, member_class: id.member_class, member_code: id.member_code, subsystem_code: id.subsystem_code }, name: opt(m.name), subsystem_name: opt(m.subsystem_name) });
    }
  }
  return { member };
}

/**
 * The services of one provider subsystem in a listMethods/allowedMethods answer (PR-MREST §4,
 * Annex B), each rebuilt; entries of another provider and metaservice names (§4: "SHALL NOT
 * contain names of the metainfo services") dropped.
 */
export function servicesOf(body: unknown, provider: { instance: string; memberClass: string; memberCode: string; subsystemCode: string }): ServiceEntry[] {
  const list = (body as { service?: unknown } | null)?.service;
  if (!Array.isArray(list)) throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The X-Road security server's answer has no service list`);
  const out: ServiceEntry[] = [];
  for (const s of list as Array<Record<string, unknown>>) {
    if (!s || s.xroad_instance !== provider.instance || s.member_class !== provider.memberClass || s.member_code !== provider.memberCode || s.subsystem_code !== provider.subsystemCode) continue;
    if (!str(s.service_code) || RESERVED_SERVICE_CODES.has(s.service_code)) continue;
    const endpoints = Array.isArray(s.endpoint_list) ? (s.endpoint_list as Array<{ method?: unknown; path?: unknown }>).filter((e) => str(e?.method) && str(e?.path)) : [];
    out.push({
      xroad_instance: provider.instance, member_class: provider.memberClass, member_code: provider.memberCode, subsystem_code: provider.subsystemCode,
      service_code: s.service_code, service_type: str(s.service_type) ? s.service_type as ServiceEntry['service_type'] : 'REST', object_type: 'SERVICE',
      endpoint_list: endpoints.map((e) => ({ method: e.method as string, path: e.path as string })),
    });
  }
  return out;
}

/**
 * listClients of an X-Road instance, asked of its security server peer (PR-META §2:
 * /listClients?xRoadInstance=X on the server's address for information systems). The last list
 * it gave is kept (in memory): while the server is down or answers something unusable, that
 * list is answered, as a Vamco peer's last good directory is; with none, the failure is the fault.
 */
export function xroadClientLists(a: { upstreams: Upstreams; logger: Logger }): (peer: SnapPeer) => Promise<ClientList> {
  const lastGood = new Map<string, ClientList>();
  // listClients needs no credential: callers asking at the same time share one question to the
  // security server, so a burst of them cannot take every connection of the peer's pool.
  const asking = new Map<string, Promise<ClientList>>();
  const ask = async (peer: SnapPeer): Promise<ClientList> => {
    // The pool of the peer's calls (one per peer: keyed by the peer, whatever the service).
    const svc = peerService(peer, { instance: peer.instance, memberClass: '-', memberCode: '-', subsystemCode: '-', serviceCode: 'listClients' });
    const path = `${new URL(peer.url).pathname.replace(/\/+$/, '')}/listClients?xRoadInstance=${encodeURIComponent(peer.instance)}`;
    try {
      const list = clientsOf(await askSecurityServer(a.upstreams.pool(svc), peer, 'listClients', { path, headers: {}, timeoutMs: a.upstreams.timeoutMs(svc) }), peer.instance);
      lastGood.set(peer.instance, list);
      return list;
    } catch (e) {
      const kept = lastGood.get(peer.instance);
      if (!kept) throw e;
      a.logger.warn({ err: e, peer: peer.instance }, 'listClients of an X-Road instance not answered by its security server; the last list it gave is answered');
      return kept;
    }
  };
  return (peer) => {
    let p = asking.get(peer.instance);
    if (!p) {
      p = ask(peer).finally(() => asking.delete(peer.instance));
      asking.set(peer.instance, p);
    }
    return p;
  };
}
