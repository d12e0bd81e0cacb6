// Peers (issue 17): other instances this platform exchanges with over mutual TLS, the outbound
// rules (which local client may call which foreign service: default deny) and the access rights
// a provider here gives to clients of another instance. Each change is a registry change:
// gateways see it with their next snapshot (VAMCO_SNAPSHOT_POLL, 250 ms by default).
import crypto from 'node:crypto';
import { VamcoError } from '../core/errors.js';
import { nodeIdFor } from '../audit/chain.js';
import { isValidPart, parseServiceId, parseSubsystemId, serviceId, subsystemId } from '../core/ids.js';
import { sealContext, type Keyring } from '../secrets/index.js';
import { caBundleView, checkClientCertificate, clientCertView, type CertificateView, type ClientCertificate } from '../backend-auth/index.js';
import { readCertificate } from '../pki/x509.js';
import { endpointOf, mutate, serviceRow, subsystemRow, type Actor, type EndpointView, type GrantInput, type RegistryCtx } from './registry.js';
import { normaliseMethod } from './openapi.js';

export interface PeerInput {
  instance: string;
  /** The peer's gateway over HTTPS (its /r1 and /federation/v1 live there). */
  url: string;
  /** The peer's CA certificate (what `vamco ca export` printed there); or `fingerprint`. */
  ca?: string | null;
  /** SHA-256 of the one peer certificate trusted (server and client), instead of a CA. */
  fingerprint?: string | null;
  /** This platform's certificate and key presented when calling the peer. */
  clientCert: { cert: string; key: string };
  /** 'vamco' (default): a Vamco platform's gateway; 'xroad': an X-Road security server's r1 endpoint (issue 17, item 6). */
  type?: PeerType;
  /**
   * For 'xroad': who this platform's calls are from in the peer instance's naming, the client
   * subsystem the security server holds for it: INSTANCE/CLASS/MEMBER/SUBSYSTEM (every call as
   * it), or INSTANCE/CLASS/MEMBER (each local client subsystem's code under that member).
   */
  xroadClient?: string | null;
  /** The public key(s) (PEM) the peer's directory must be signed with: its nodes' keys, as `vamco audit anchor` prints them there. */
  directoryKey?: string | null;
  /** Instead of directoryKey: pin the key of the first directory fetched (trust on first use). */
  directoryKeyOnFirstUse?: boolean;
}

export type PeerType = 'vamco' | 'xroad';
export const PEER_TYPES: readonly PeerType[] = ['vamco', 'xroad'];

export interface PeerView {
  instance: string; type: PeerType; xroadClient: string | null; url: string; ca: CertificateView | null; fingerprint: string | null;
  /** The certificate this platform presents to the peer (never its key). */
  clientCert: CertificateView | null; createdAt: string;
  /** False while trust is withdrawn (since trustWithdrawnAt): calls to and from the peer are refused. */
  trusted: boolean; trustWithdrawnAt: string | null;
  /** Node ids of the keys its directory must be signed with (empty: none pinned yet), and whether the first one fetched is pinned. */
  directoryKeys: string[]; directoryKeyOnFirstUse: boolean;
}
export interface OutboundView { id: number; serviceId: string; clientId: string; createdAt: string }
/** A right given to a client of a peer instance; `instance` is that peer's (the first part of clientId). */
export interface ForeignRightView { kind: 'foreign'; instance: string; id: number; serviceId: string; clientId: string; endpoint: EndpointView | null; createdAt: string }

const now = () => new Date().toISOString();

/** "A/GOV/M/SUB" or "A/GOV/M/SUB/svc": the instance and the rest, each part checked. */
export function splitForeign(text: string, n: 4 | 5, what: string): { instance: string; rest: string } {
  const p = String(text ?? '').trim().split('/');
  if (p.length !== n || !p.every(isValidPart)) {
    throw new VamcoError('INVALID_IDENTIFIER', `"${text}" is not a valid ${what} identifier: expected ${n} parts separated by "/" (the instance first)`);
  }
  return { instance: p[0], rest: p.slice(1).join('/') };
}

function checkPeerUrl(u: string): string {
  let url: URL;
  try { url = new URL(u); } catch { throw new VamcoError('VALIDATION_FAILED', `--url ${u} is not a URL`); }
  if (url.protocol !== 'https:') throw new VamcoError('VALIDATION_FAILED', `--url ${u}: peers talk over mutual TLS only, give the peer gateway's https:// URL`);
  if (url.search || url.hash || url.username) throw new VamcoError('VALIDATION_FAILED', `--url ${u}: give the gateway's base URL only`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** The X-Road client id a security server peer knows this platform's calls by: of that instance, a member or a subsystem. */
function checkXroadClient(text: string | null | undefined, instance: string): string {
  const p = String(text ?? '').trim().split('/');
  if (!text || (p.length !== 3 && p.length !== 4) || !p.every(isValidPart)) {
    throw new VamcoError('VALIDATION_FAILED', `--client ${text ?? '(missing)'}: give the client this platform is at the security server, ${instance}/CLASS/MEMBER/SUBSYSTEM or ${instance}/CLASS/MEMBER (then each local client's subsystem code is used under that member)`);
  }
  if (p[0] !== instance) throw new VamcoError('VALIDATION_FAILED', `--client ${text}: the client is named in the peer's instance, ${instance}/…`);
  return p.join('/');
}

export const openPeerCert = (ring: Keyring, id: number, stored: string): ClientCertificate =>
  JSON.parse(ring.open(stored, sealContext('federation_peers', 'client_cert', id))) as ClientCertificate;

export async function addPeer(ctx: RegistryCtx, input: PeerInput, who: Actor): Promise<PeerView> {
  if (!isValidPart(input.instance ?? '')) throw new VamcoError('INVALID_IDENTIFIER', `"${input.instance}" is not an instance identifier`);
  if (input.instance === ctx.config.instance) throw new VamcoError('VALIDATION_FAILED', `${input.instance} is this platform's own instance`);
  const url = checkPeerUrl(input.url);
  const type = input.type ?? 'vamco';
  if (!PEER_TYPES.includes(type)) throw new VamcoError('VALIDATION_FAILED', `--type ${type}: a peer is of type ${PEER_TYPES.join(' or ')}`);
  const xroad = type === 'xroad';
  if (xroad && !input.ca) throw new VamcoError('VALIDATION_FAILED', 'An X-Road security server peer needs --ca: its internal TLS certificate, or the CA that issued it');
  if (!xroad && !!input.ca === !!input.fingerprint) throw new VamcoError('VALIDATION_FAILED', 'Give either the peer\'s CA certificate (--ca) or the SHA-256 fingerprint of its certificate (--fingerprint)');
  const ca = input.ca ? readCertificate(input.ca) : null;
  let fingerprint = input.fingerprint ? input.fingerprint.replace(/:/g, '').toLowerCase() : null;
  if (fingerprint !== null && !/^[0-9a-f]{64}$/.test(fingerprint)) throw new VamcoError('VALIDATION_FAILED', '--fingerprint must be a SHA-256 (64 hex digits, colons allowed)');
  // A security server calls its provider information systems with its internal TLS certificate,
  // the same one it serves (self-signed by default): pinned, not trusted by issuer. Without
  // --fingerprint that is the --ca certificate itself.
  if (xroad && fingerprint === null) fingerprint = new crypto.X509Certificate(ca!.pem).fingerprint256.replace(/:/g, '').toLowerCase();
  const xroadClient = xroad ? checkXroadClient(input.xroadClient, input.instance) : null;
  if (!xroad && input.xroadClient) throw new VamcoError('VALIDATION_FAILED', '--client is for X-Road security server peers (--type xroad) only: a Vamco peer sees the client as it is named here');
  const cert = checkClientCertificate(input.clientCert.cert, input.clientCert.key);
  if (input.directoryKey && input.directoryKeyOnFirstUse) throw new VamcoError('VALIDATION_FAILED', 'Give either the key(s) the peer\'s directory is signed with or trust on first use, not both');
  const directoryKey = input.directoryKey ? readDirectoryKeys(input.directoryKey).pem : null;
  const ring = await ctx.store.keyring();
  const view: PeerView = {
    instance: input.instance, type, xroadClient, url, ca: ca ? certView(ca.pem) : null, fingerprint, clientCert: clientCertView(cert), createdAt: now(),
    trusted: true, trustWithdrawnAt: null, directoryKeys: directoryKey ? readDirectoryKeys(directoryKey).nodeIds : [], directoryKeyOnFirstUse: !!input.directoryKeyOnFirstUse,
  };
  return mutate(ctx, who, 'peer.add', input.instance, async (trx) => {
    const r = await trx.insertInto('federation_peers').values({
      instance: input.instance, type, xroad_client: xroadClient, url, peer_ca: ca?.pem ?? null, fingerprint, client_cert: '', created_at: view.createdAt,
      directory_key: directoryKey, directory_key_tofu: input.directoryKeyOnFirstUse ? 1 : 0, trust_withdrawn_at: null,
    })
      .returning('id').executeTakeFirstOrThrow();
    await trx.updateTable('federation_peers').set({ client_cert: ring.seal(JSON.stringify(cert), sealContext('federation_peers', 'client_cert', Number(r.id))) }).where('id', '=', Number(r.id)).execute();
    return { result: view, after: view };
  });
}

const certView = (pem: string): CertificateView => caBundleView(pem)![0];

export async function listPeers(ctx: RegistryCtx): Promise<PeerView[]> {
  const rows = await ctx.store.db.selectFrom('federation_peers').selectAll().orderBy('instance').execute();
  const ring = await ctx.store.keyring();
  return rows.map((r) => ({
    instance: r.instance, type: r.type as PeerType, xroadClient: r.xroad_client, url: r.url, ca: r.peer_ca ? certView(r.peer_ca) : null, fingerprint: r.fingerprint,
    clientCert: clientCertView(openPeerCert(ring, Number(r.id), r.client_cert)), createdAt: r.created_at,
    trusted: r.trust_withdrawn_at === null, trustWithdrawnAt: r.trust_withdrawn_at,
    directoryKeys: r.directory_key ? readDirectoryKeys(r.directory_key).nodeIds : [], directoryKeyOnFirstUse: !!Number(r.directory_key_tofu),
  }));
}

export async function getPeer(ctx: RegistryCtx, instance: string): Promise<PeerView> {
  const p = (await listPeers(ctx)).find((x) => x.instance === instance);
  if (!p) throw new VamcoError('NOT_FOUND', `${instance} is not a peer of this platform`);
  return p;
}

/** Withdraws trust: calls to and from the peer are refused from the next snapshot on. */
export async function removePeer(ctx: RegistryCtx, instance: string, who: Actor): Promise<void> {
  const before = await getPeer(ctx, instance);
  await mutate(ctx, who, 'peer.remove', instance, async (trx) => {
    await trx.deleteFrom('federation_peers').where('instance', '=', instance).execute();
    return { result: undefined, before };
  });
}

/**
 * Withdraws trust in a peer (calls to and from it are refused from the next snapshot on, within
 * a second) or gives it back; the entry, its certificates and its kept directory stay.
 */
export async function setPeerTrust(ctx: RegistryCtx, instance: string, trusted: boolean, who: Actor): Promise<PeerView> {
  const before = await getPeer(ctx, instance);
  if (before.trusted === trusted) return before;
  const at = trusted ? null : now();
  return mutate(ctx, who, trusted ? 'peer.trust' : 'peer.withdraw', instance, async (trx) => {
    await trx.updateTable('federation_peers').set({ trust_withdrawn_at: at }).where('instance', '=', instance).execute();
    const after = { ...before, trusted, trustWithdrawnAt: at };
    return { result: after, before, after };
  });
}

/** One or more PEM public keys (Ed25519): a peer's nodes each sign with their own. */
export function readDirectoryKeys(text: string): { pem: string; keys: crypto.KeyObject[]; nodeIds: string[] } {
  const blocks = String(text ?? '').match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  if (!blocks.length) throw new VamcoError('VALIDATION_FAILED', 'The directory key must be PEM public key(s) (-----BEGIN PUBLIC KEY-----), as "vamco audit anchor" prints a node\'s key');
  const keys = blocks.map((b) => {
    let k: crypto.KeyObject;
    try { k = crypto.createPublicKey(b); } catch { throw new VamcoError('VALIDATION_FAILED', 'A directory key cannot be read as a PEM public key'); }
    if (k.asymmetricKeyType !== 'ed25519') throw new VamcoError('VALIDATION_FAILED', 'A directory key must be a node\'s Ed25519 key');
    return k;
  });
  return { pem: blocks.join('\n') + '\n', keys, nodeIds: keys.map(nodeIdFor) };
}

/**
 * Pins the key of a peer's first verified directory, for a peer added with trust on first use;
 * a key already pinned is never replaced (the first one wins, also between nodes).
 */
export async function pinDirectoryKey(ctx: RegistryCtx, instance: string, publicKeyPem: string): Promise<boolean> {
  const k = readDirectoryKeys(publicKeyPem);
  try {
    return await mutate(ctx, { actor: 'system' }, 'peer.directory-key', instance, async (trx) => {
      const r = await trx.updateTable('federation_peers').set({ directory_key: k.pem })
        .where('instance', '=', instance).where('directory_key', 'is', null).where('directory_key_tofu', '=', 1).executeTakeFirst();
      // Rolls the change (and its trail entry) back: another node pinned first, or the peer changed.
      if (Number(r.numUpdatedRows) === 0) throw new VamcoError('CONFLICT', `${instance}'s directory key is pinned already`);
      return { result: true, after: { instance, directoryKeys: k.nodeIds, onFirstUse: true } };
    });
  } catch (e) {
    if (e instanceof VamcoError && e.code === 'CONFLICT') return false;
    throw e;
  }
}

/**
 * The operator accepts a peer's new directory key(s) (its node replaced or a node added, the key
 * confirmed with the peer's operator): the keys given replace the pinned ones; or, with
 * `onFirstUse`, the pin is forgotten and the next directory that verifies is pinned again.
 */
export async function setDirectoryKey(ctx: RegistryCtx, instance: string, input: { directoryKey?: string | null; onFirstUse?: boolean }, who: Actor): Promise<PeerView> {
  if (!!input.directoryKey === !!input.onFirstUse) throw new VamcoError('VALIDATION_FAILED', 'Give either the key(s) the peer\'s directory is now signed with (--key) or --on-first-use, not both');
  const before = await getPeer(ctx, instance);
  if (before.type === 'xroad') throw new VamcoError('VALIDATION_FAILED', `${instance} is an X-Road security server peer: it publishes no directory`);
  const keys = input.directoryKey ? readDirectoryKeys(input.directoryKey) : null;
  const after: PeerView = { ...before, directoryKeys: keys?.nodeIds ?? [], directoryKeyOnFirstUse: !keys };
  return mutate(ctx, who, 'peer.directory-key', instance, async (trx) => {
    await trx.updateTable('federation_peers').set({ directory_key: keys?.pem ?? null, directory_key_tofu: keys ? 0 : 1 }).where('instance', '=', instance).execute();
    return { result: after, before: { instance, directoryKeys: before.directoryKeys, onFirstUse: before.directoryKeyOnFirstUse }, after: { instance, directoryKeys: after.directoryKeys, onFirstUse: after.directoryKeyOnFirstUse } };
  });
}

// ---------- outbound rules ----------
export async function allowOutbound(ctx: RegistryCtx, input: { service: string; client: string }, who: Actor): Promise<OutboundView> {
  const f = splitForeign(input.service, 5, 'foreign service (INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE)');
  if (f.instance === ctx.config.instance) throw new VamcoError('VALIDATION_FAILED', `${input.service} is a service of this instance: local calls need an access right ("vamco access grant"), not an outbound rule`);
  const client = await subsystemRow(ctx.store.db, input.client);
  const clientId = subsystemId(parseSubsystemId(input.client));
  const service = `${f.instance}/${serviceId(parseServiceId(f.rest))}`;
  return mutate(ctx, who, 'outbound.allow', `${service} <- ${clientId}`, async (trx) => {
    const createdAt = now();
    const r = await trx.insertInto('federation_outbound').values({ service, client_subsystem_id: client.id, created_at: createdAt }).returning('id').executeTakeFirstOrThrow();
    const view: OutboundView = { id: Number(r.id), serviceId: service, clientId, createdAt };
    return { result: view, after: view };
  });
}

export async function listOutbound(ctx: RegistryCtx): Promise<OutboundView[]> {
  const rows = await ctx.store.db.selectFrom('federation_outbound as o').innerJoin('subsystems as s', 's.id', 'o.client_subsystem_id').innerJoin('members as m', 'm.id', 's.member_id')
    .select(['o.id', 'o.service', 'o.created_at', 's.subsystem_code', 'm.member_class', 'm.member_code']).orderBy('o.id').execute();
  return rows.map((r) => ({ id: Number(r.id), serviceId: r.service, clientId: `${r.member_class}/${r.member_code}/${r.subsystem_code}`, createdAt: r.created_at }));
}

export async function denyOutbound(ctx: RegistryCtx, input: { service: string; client: string }, who: Actor): Promise<void> {
  const clientId = subsystemId(parseSubsystemId(input.client));
  const match = (await listOutbound(ctx)).find((o) => o.serviceId === input.service && o.clientId === clientId);
  if (!match) throw new VamcoError('NOT_FOUND', `No outbound rule lets ${clientId} call ${input.service}`);
  await mutate(ctx, who, 'outbound.deny', `${match.serviceId} <- ${clientId}`, async (trx) => {
    await trx.deleteFrom('federation_outbound').where('id', '=', match.id).execute();
    return { result: undefined, before: match };
  });
}

// ---------- access rights of foreign clients ----------
export const isForeignClient = (client: string): boolean => String(client ?? '').trim().split('/').length === 4;

/** A provider here lets a client of a peer instance call a service, or one endpoint of it (as a local client's right). */
export async function grantForeign(ctx: RegistryCtx, input: GrantInput, who: Actor): Promise<ForeignRightView> {
  const f = splitForeign(input.client, 4, 'foreign client (INSTANCE/CLASS/MEMBER/SUBSYSTEM)');
  if (f.instance === ctx.config.instance) throw new VamcoError('VALIDATION_FAILED', `${input.client} is of this instance: write a local client without its instance`);
  const svc = await serviceRow(ctx.store.db, input.service);
  const endpoint = await endpointOf(ctx, svc, input.endpoint);
  const client = `${f.instance}/${subsystemId(parseSubsystemId(f.rest))}`;
  return mutate(ctx, who, 'access.grant', `${serviceId(svc.ref)}${endpointText(endpoint)} -> ${client}`, async (trx) => {
    const createdAt = now();
    const r = await trx.insertInto('foreign_access_rights').values({ service_id: svc.id, client, endpoint_id: endpoint?.id ?? 0, created_at: createdAt }).returning('id').executeTakeFirstOrThrow();
    const view: ForeignRightView = { kind: 'foreign', instance: f.instance, id: Number(r.id), serviceId: serviceId(svc.ref), clientId: client, endpoint, createdAt };
    return { result: view, after: view };
  });
}

const endpointText = (e: EndpointView | null) => (e ? ` ${e.method} ${e.path}` : '');

/**
 * Rights of clients of peer instances: all, or those matching the filter. `member` keeps the
 * rights on that member's services (a foreign client is never a member here).
 */
export async function listForeignRights(ctx: RegistryCtx, filter: { id?: number; service?: string; client?: string; member?: string } = {}): Promise<ForeignRightView[]> {
  let q = ctx.store.db.selectFrom('foreign_access_rights as a').innerJoin('services as v', 'v.id', 'a.service_id')
    .innerJoin('subsystems as s', 's.id', 'v.subsystem_id').innerJoin('members as m', 'm.id', 's.member_id')
    .leftJoin('service_endpoints as e', 'e.id', 'a.endpoint_id')
    .select(['a.id', 'a.client', 'a.created_at', 'v.service_code', 's.subsystem_code', 'm.member_class', 'm.member_code', 'e.id as endpoint_id', 'e.method', 'e.path']);
  if (filter.id !== undefined) q = q.where('a.id', '=', filter.id);
  if (filter.client !== undefined) q = q.where('a.client', '=', filter.client.trim());
  // Parsed as the local list parses it: a malformed id is refused even when only foreign rights are asked for.
  const service = filter.service ? serviceId(parseServiceId(filter.service)) : undefined;
  const rows = await q.orderBy('a.id').execute();
  return rows.map((r) => ({
    kind: 'foreign' as const, instance: r.client.split('/')[0], id: Number(r.id),
    serviceId: `${r.member_class}/${r.member_code}/${r.subsystem_code}/${r.service_code}`, clientId: r.client,
    endpoint: r.endpoint_id != null ? { id: Number(r.endpoint_id), method: r.method!, path: r.path! } : null, createdAt: r.created_at,
  })).filter((r) => (!service || r.serviceId === service) && (!filter.member || r.serviceId.startsWith(`${filter.member}/`)));
}

export async function getForeignRight(ctx: RegistryCtx, id: number): Promise<ForeignRightView> {
  const [r] = await listForeignRights(ctx, { id });
  if (!r) throw new VamcoError('NOT_FOUND', `Foreign access right ${id} does not exist`);
  return r;
}

/** Revokes a foreign client's right, named by service, client and endpoint, or by its id. */
export async function revokeForeign(ctx: RegistryCtx, input: GrantInput | { id: number }, who: Actor): Promise<void> {
  let match: ForeignRightView | undefined;
  if ('id' in input) match = await getForeignRight(ctx, input.id);
  else {
    const service = serviceId(parseServiceId(input.service));
    const e = input.endpoint;
    match = (await listForeignRights(ctx, { service, client: input.client })).find((r) => (e ? r.endpoint?.method === normaliseMethod(e.method) && r.endpoint?.path === e.path : r.endpoint === null));
  }
  if (!match) throw new VamcoError('NOT_FOUND', 'No such access right');
  const right = match;
  await mutate(ctx, who, 'access.revoke', `${right.serviceId}${endpointText(right.endpoint)} -> ${right.clientId}`, async (trx) => {
    await trx.deleteFrom('foreign_access_rights').where('id', '=', right.id).execute();
    return { result: undefined, before: right };
  });
}
