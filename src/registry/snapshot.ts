// The gateway's whole routing and authorisation picture, built from the database in one go
// and swapped atomically. The hot path reads only this: no query per request.
import crypto from 'node:crypto';
import type { Store } from '../store/index.js';
import { parseRateLimit, type RateLimit } from '../core/duration.js';
import { compilePathPattern } from './openapi.js';
import { openBackendAuth, openBackendCert } from './backend-auth.js';
import { openPeerCert, readDirectoryKeys, type PeerType } from './peers.js';
import { backendTls, type BackendAuthSpec, type BackendTls, type ClientCertificate } from '../backend-auth/index.js';
import { parseWsdl, type WsdlModel } from '../soap/index.js';
import { resolveLocal, type LocalBackends } from './local-backends.js';
import { hashApiKey } from './keys.js';
import { VamcoError } from '../core/errors.js';
import type { Keyring } from '../secrets/index.js';
import { writeSnapshotCache, type CachedSnapshot } from './snapshot-cache.js';

export interface SnapEndpoint { id: number; method: string; path: string; pattern: RegExp }

export interface SnapService {
  id: number;
  /** CLASS/MEMBER/SUBSYSTEM/SERVICE */
  key: string;
  memberClass: string; memberCode: string; subsystemCode: string; serviceCode: string;
  providerKey: string;
  type: string;
  url: URL;
  timeoutMs: number | null;
  connectTimeoutMs: number | null;
  rateLimit: RateLimit | null;
  rateLimitText: string | null;
  logBodies: boolean;
  /** The gateway's credential towards the backend, opened (secrets included: memory only). */
  backendAuth: BackendAuthSpec | null;
  /**
   * Names the credential: services that use the same national key share its token and its
   * budget (what the nation granted the province), whichever agency calls.
   */
  backendCredential: string | null;
  /**
   * TLS towards an https backend beyond the defaults: the service's CA bundle and its provider's
   * client certificate (null: system CAs, no client certificate). One object per distinct set.
   */
  tls: BackendTls | null;
  openapi: string | null;
  /** A SOAP service's WSDL, read once per snapshot. */
  soap: WsdlModel | null;
  endpoints: SnapEndpoint[];
}

export interface SnapSubsystem {
  id: number; key: string; memberClass: string; memberCode: string; subsystemCode: string; name: string | null;
  /** Set for a client of a peer instance (issue 17) only. */
  instance?: string;
}
export interface SnapMember { memberClass: string; memberCode: string; name: string }

export interface Grant { all: boolean; endpoints: SnapEndpoint[] }

/** A registered TLS client certificate (revoked ones too: refused as revoked, not as unknown). */
export interface SnapClientCert { id: number; subsystemId: number; notBefore: number; notAfter: number; revoked: boolean }

export interface SnapKey {
  id: number;
  subsystemId: number;
  /** Epoch ms from which the key is refused; null: never. */
  expiresAt: number | null;
}

export interface Snapshot {
  version: number;
  builtAt: number;
  services: Map<string, SnapService>;
  servicesByProvider: Map<string, SnapService[]>;
  subsystems: Map<string, SnapSubsystem>;
  subsystemsById: Map<number, SnapSubsystem>;
  members: SnapMember[];
  /** sha256(key) hex → the key (revoked keys are left out; expired ones stay, to be refused by name) */
  keys: Map<string, SnapKey>;
  /** service id → client subsystem id → grant */
  grants: Map<number, Map<number, Grant>>;
  /** SHA-256 fingerprint (hex) of a client certificate → its credential. */
  clientCerts: Map<string, SnapClientCert>;
  /** "{issuer}|{serial}" of every revoked client certificate: what peers and the TLS layer check. */
  revokedSerials: Set<string>;
  /** Peer instances (issue 17) by instance id. */
  peers: Map<string, SnapPeer>;
  /** INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE of a foreign service → the local subsystems an outbound rule lets call it. */
  outbound: Map<string, Set<number>>;
  /** Clients of peer instances some service here grants (INSTANCE/CLASS/MEMBER/SUBSYSTEM), with negative ids of their own. */
  foreignClients: Map<string, SnapSubsystem>;
}

/** A peer instance: where its gateway is, how it is trusted, and this platform's certificate towards it. */
export interface SnapPeer {
  /** Negative: the key of its connection pool and circuit among the services'. */
  id: number;
  instance: string;
  /** 'xroad': an X-Road security server, called as one of its information systems (issue 17, item 6). */
  type: PeerType;
  /** For 'xroad': this platform's client id there (INSTANCE/CLASS/MEMBER[/SUBSYSTEM]). */
  xroadClient: string | null;
  url: string;
  /** The peer's CA: its client certificates must be issued by it and name the instance (CN). */
  ca: crypto.X509Certificate | null;
  /** Or the SHA-256 of the one certificate it presents. */
  fingerprint: string | null;
  tls: BackendTls;
  /** The keys its directory must be signed with (none pinned yet: empty), and whether the first one fetched is to be pinned. */
  directoryKeys: crypto.KeyObject[];
  directoryKeyOnFirstUse: boolean;
  /** The foreign services called so far, made once per snapshot. */
  services: Map<string, SnapService>;
}

/**
 * The registry's rows as read for one snapshot: sealed values stay sealed and API keys are
 * digests, so this is what the node caches on disk (snapshot-cache.ts) and rebuilds from
 * when it starts without its database.
 */
export type RegistryRows = Awaited<ReturnType<typeof readRegistryRows>>;

export async function readRegistryRows(store: Store) {
  // One read transaction, so the picture is consistent.
  return store.db.transaction().execute(async (trx) => ({
    version: Number((await trx.selectFrom('registry_state').select('version').where('id', '=', 1).executeTakeFirstOrThrow()).version),
    members: await trx.selectFrom('members').selectAll().execute(),
    subs: await trx.selectFrom('subsystems').selectAll().execute(),
    svcs: await trx.selectFrom('services').selectAll().execute(),
    eps: await trx.selectFrom('service_endpoints').selectAll().execute(),
    rights: await trx.selectFrom('access_rights').selectAll().execute(),
    keys: await trx.selectFrom('api_keys').select(['id', 'key_hash', 'subsystem_id', 'expires_at']).where('revoked_at', 'is', null).execute(),
    peerRows: await trx.selectFrom('federation_peers').selectAll().execute(),
    outboundRows: await trx.selectFrom('federation_outbound').select(['service', 'client_subsystem_id']).execute(),
    foreignRows: await trx.selectFrom('foreign_access_rights').select(['service_id', 'client', 'endpoint_id']).orderBy('id').execute(),
    certs: await trx.selectFrom('client_certificates').select(['id', 'fingerprint', 'serial', 'issuer', 'subsystem_id', 'not_before', 'not_after', 'revoked_at']).execute(),
  }));
}

export async function buildSnapshot(store: Store, local?: LocalBackends): Promise<Snapshot> {
  const ring = await store.keyring();
  return assembleSnapshot(await readRegistryRows(store), ring, local);
}

/** The snapshot from its rows: secrets opened with the keyring, patterns compiled, WSDLs parsed. */
export function assembleSnapshot(rows: RegistryRows, ring: Keyring, local?: LocalBackends): Snapshot {
  const { version, members, subs, svcs, eps, rights, keys, peerRows, outboundRows, foreignRows, certs } = rows;
  const memberById = new Map(members.map((m) => [Number(m.id), m]));
  const subsystems = new Map<string, SnapSubsystem>();
  const subById = new Map<number, SnapSubsystem>();
  const certBySub = new Map<number, ClientCertificate>();
  const authBySub = new Map<number, BackendAuthSpec>();
  for (const s of subs) {
    const auth = openBackendAuth(ring, Number(s.id), s.backend_auth, 'subsystems');
    if (auth) authBySub.set(Number(s.id), auth);
    const cert = openBackendCert(ring, Number(s.id), s.backend_cert);
    if (cert) certBySub.set(Number(s.id), cert);
    const m = memberById.get(Number(s.member_id))!;
    const snap: SnapSubsystem = {
      id: Number(s.id), key: `${m.member_class}/${m.member_code}/${s.subsystem_code}`,
      memberClass: m.member_class, memberCode: m.member_code, subsystemCode: s.subsystem_code, name: s.name,
    };
    subsystems.set(snap.key, snap);
    subById.set(snap.id, snap);
  }
  const epById = new Map<number, SnapEndpoint>();
  const epsByService = new Map<number, SnapEndpoint[]>();
  for (const e of eps) {
    const se: SnapEndpoint = { id: Number(e.id), method: e.method, path: e.path, pattern: compilePathPattern(e.path) };
    epById.set(se.id, se);
    const list = epsByService.get(Number(e.service_id)) ?? [];
    list.push(se);
    epsByService.set(Number(e.service_id), list);
  }
  // One object per distinct spec: the gateway recognises a credential by identity, cheaply.
  const specs = new Map<string, BackendAuthSpec>();
  const sameSpec = (spec: BackendAuthSpec | null) => {
    if (!spec) return null;
    const k = JSON.stringify(spec);
    return specs.get(k) ?? (specs.set(k, spec), spec);
  };
  const tlsById = new Map<string, BackendTls>();
  const tlsOf = (ca: string | null, cert: ClientCertificate | null) => {
    const t = backendTls(ca, cert);
    return t && (tlsById.get(t.id) ?? (tlsById.set(t.id, t), t));
  };
  const services = new Map<string, SnapService>();
  const servicesByProvider = new Map<string, SnapService[]>();
  for (const s of svcs) {
    const sub = subById.get(Number(s.subsystem_id))!;
    // The service's own credential wins; without one it uses its provider subsystem's.
    const own = openBackendAuth(ring, Number(s.id), s.backend_auth);
    const backendAuth = sameSpec(own ?? authBySub.get(sub.id) ?? null);
    const url = resolveLocal(new URL(s.url), local);
    const snap: SnapService = {
      id: Number(s.id), key: `${sub.key}/${s.service_code}`,
      memberClass: sub.memberClass, memberCode: sub.memberCode, subsystemCode: sub.subsystemCode, serviceCode: s.service_code,
      providerKey: sub.key, type: s.service_type, url,
      timeoutMs: s.timeout_ms, connectTimeoutMs: s.connect_timeout_ms,
      rateLimit: s.rate_limit ? parseRateLimit(s.rate_limit) : null, rateLimitText: s.rate_limit,
      logBodies: !!s.log_bodies, backendAuth, backendCredential: credentialName(backendAuth, own ? `service ${sub.key}/${s.service_code}` : `subsystem ${sub.key}`, url),
      tls: url.protocol === 'https:' ? tlsOf(s.backend_ca, certBySub.get(sub.id) ?? null) : null,
      openapi: s.openapi, soap: s.wsdl ? parseWsdl(s.wsdl) : null, endpoints: epsByService.get(Number(s.id)) ?? [],
    };
    services.set(snap.key, snap);
    const list = servicesByProvider.get(sub.key) ?? [];
    list.push(snap);
    servicesByProvider.set(sub.key, list);
  }
  const grants = new Map<number, Map<number, Grant>>();
  // A right on the whole service (endpoint 0) or on the endpoints named; local and foreign clients alike.
  const addGrant = (serviceId: number, clientId: number, endpointId: number) => {
    const byClient = grants.get(serviceId) ?? new Map<number, Grant>();
    grants.set(serviceId, byClient);
    const g = byClient.get(clientId) ?? { all: false, endpoints: [] };
    byClient.set(clientId, g);
    if (endpointId === 0) g.all = true;
    else {
      const ep = epById.get(endpointId);
      if (ep) g.endpoints.push(ep);
    }
  };
  for (const r of rights) addGrant(Number(r.service_id), Number(r.client_subsystem_id), Number(r.endpoint_id));
  const foreignClients = new Map<string, SnapSubsystem>();
  for (const r of foreignRows) {
    let c = foreignClients.get(r.client);
    if (!c) {
      const [instance, memberClass, memberCode, subsystemCode] = r.client.split('/');
      c = { id: -(foreignClients.size + 1), key: `${memberClass}/${memberCode}/${subsystemCode}`, memberClass, memberCode, subsystemCode, name: null, instance };
      foreignClients.set(r.client, c);
    }
    // Rows cached on disk before migration 024 have no endpoint: a right on the whole service, as they were.
    addGrant(Number(r.service_id), c.id, Number(r.endpoint_id ?? 0));
  }
  const outbound = new Map<string, Set<number>>();
  for (const r of outboundRows) {
    const set = outbound.get(r.service) ?? new Set<number>();
    set.add(Number(r.client_subsystem_id));
    outbound.set(r.service, set);
  }
  const peers = new Map<string, SnapPeer>();
  // A peer whose trust is withdrawn is no peer to the gateways: calls to and from it are refused.
  for (const r of peerRows.filter((p) => !p.trust_withdrawn_at)) {
    const cert = openPeerCert(ring, Number(r.id), r.client_cert);
    peers.set(r.instance, {
      // A snapshot cached before migration 024 has no type: its peers are Vamco platforms.
      id: -Number(r.id), instance: r.instance, type: (r.type ?? 'vamco') as PeerType, xroadClient: r.xroad_client ?? null, url: r.url, ca: r.peer_ca ? new crypto.X509Certificate(r.peer_ca) : null, fingerprint: r.fingerprint,
      // The peer's server certificate is verified against its CA only (not the system's CAs).
      tls: { id: `peer:${r.id}:${r.created_at}`, ca: r.peer_ca ? [r.peer_ca] : null, cert: cert.cert, key: cert.key },
      directoryKeys: r.directory_key ? readDirectoryKeys(r.directory_key).keys : [], directoryKeyOnFirstUse: !!Number(r.directory_key_tofu ?? 0),
      services: new Map(),
    });
  }
  return {
    peers, outbound, foreignClients,
    version, builtAt: Date.now(), services, servicesByProvider, subsystems, subsystemsById: subById,
    members: members.map((m) => ({ memberClass: m.member_class, memberCode: m.member_code, name: m.name })),
    // A snapshot file written before keys could expire has neither id nor expiry: never expiring, its uses not noted (id 0).
    keys: new Map(keys.map((k) => [k.key_hash, { id: Number(k.id ?? 0), subsystemId: Number(k.subsystem_id), expiresAt: k.expires_at == null ? null : Date.parse(k.expires_at) }])),
    grants,
    clientCerts: new Map(certs.map((c) => [c.fingerprint, {
      id: Number(c.id), subsystemId: Number(c.subsystem_id), notBefore: Date.parse(c.not_before), notAfter: Date.parse(c.not_after), revoked: c.revoked_at !== null,
    }])),
    revokedSerials: new Set(certs.filter((c) => c.revoked_at !== null).map((c) => `${c.issuer}|${c.serial}`)),
  };
}

/** The name a credential is known by in the gateway, its errors and its budget. */
export function credentialName(spec: BackendAuthSpec | null, owner: string, url: URL): string | null {
  if (!spec) return null;
  switch (spec.scheme) {
    case 'oauth2': return `client ${spec.clientId} of ${spec.tokenUrl}${spec.scope ? ` (scope ${spec.scope})` : ''}`;
    case 'signed': return `user ${spec.user} at ${url.origin}`;
    default: return owner;
  }
}

/** The foreign service as the gateway forwards to it: the peer's /r1 path, through the peer's connection pool. */
export function peerService(peer: SnapPeer, ref: { instance: string; memberClass: string; memberCode: string; subsystemCode: string; serviceCode: string }): SnapService {
  const key = `${ref.instance}/${ref.memberClass}/${ref.memberCode}/${ref.subsystemCode}/${ref.serviceCode}`;
  let svc = peer.services.get(key);
  if (!svc) {
    const path = key.split('/').map(encodeURIComponent).join('/');
    svc = {
      id: peer.id, key, memberClass: ref.memberClass, memberCode: ref.memberCode, subsystemCode: ref.subsystemCode, serviceCode: ref.serviceCode,
      providerKey: `${ref.memberClass}/${ref.memberCode}/${ref.subsystemCode}`, type: 'REST', url: new URL(`${peer.url}/r1/${path}`),
      timeoutMs: null, connectTimeoutMs: null, rateLimit: null, rateLimitText: null, logBodies: false, backendAuth: null, backendCredential: null,
      tls: peer.tls, openapi: null, soap: null, endpoints: [],
    };
    // Bounded: a client may name any service of the peer.
    if (peer.services.size < 10_000) peer.services.set(key, svc);
  }
  return svc;
}

/**
 * X-Road-Client of a call a local client makes through a security server peer: the subsystem
 * configured for the peer, or the local client's subsystem code under the configured member.
 */
export function xroadClientFor(peer: SnapPeer, local: SnapSubsystem): string {
  const c = peer.xroadClient!;
  return c.split('/').length === 4 ? c : `${c}/${local.subsystemCode}`;
}

/** May this client call this method and path of the service? Default deny. */
// Keys already proven valid against a snapshot, so a client sending the same key on every
// request costs one map lookup instead of a SHA-256 each time. The cache belongs to the
// snapshot: a revoked key is gone with the next snapshot. Only hits are cached (junk keys can
// not grow it), and it is bounded for a platform with very many live keys.
const knownKeys = new WeakMap<Snapshot, Map<string, SnapKey>>();
const KNOWN_KEYS_MAX = 10_000;

/** The snapshot's entry for this API key, if it holds one (expired or not: see liveKey). */
export function apiKeyHolder(snap: Snapshot, key: string): SnapKey | undefined {
  let known = knownKeys.get(snap);
  const hit = known?.get(key);
  if (hit !== undefined) return hit;
  const entry = snap.keys.get(hashApiKey(key));
  if (entry !== undefined) {
    if (!known) knownKeys.set(snap, (known = new Map()));
    if (known.size < KNOWN_KEYS_MAX) known.set(key, entry);
  }
  return entry;
}

/**
 * The key, unless it is past its expiry: then API_KEY_EXPIRED, which names the moment. Expiry is
 * judged per request (not when the snapshot is built), so a key stops at its time, not at the
 * next registry change.
 */
export function liveKey(entry: SnapKey | undefined, now = Date.now()): SnapKey | undefined {
  if (entry && entry.expiresAt !== null && now >= entry.expiresAt) {
    throw new VamcoError('API_KEY_EXPIRED', `The API key expired at ${new Date(entry.expiresAt).toISOString()}: ask the platform operator for a new one`);
  }
  return entry;
}

export function isAllowed(snap: Snapshot, service: SnapService, clientSubsystemId: number, method: string, path: string): boolean {
  const g = snap.grants.get(service.id)?.get(clientSubsystemId);
  if (!g) return false;
  if (g.all) return true;
  for (const ep of g.endpoints) {
    if ((ep.method === '*' || ep.method === method) && ep.pattern.test(path)) return true;
  }
  return false;
}

/**
 * Holds the current snapshot and reloads it when the registry version moves. Polling one
 * integer every 250 ms costs nothing and works across processes on both engines; if the
 * database goes away the gateway keeps serving the last snapshot. A change announced
 * (notify.ts: this process, or every node over Redis) is loaded at once through heard().
 */
export interface SnapshotHolderOptions {
  /** `local`: this node's own servers for the backends every node runs (local-backends.ts). */
  local?: LocalBackends;
  /** Where every loaded snapshot's rows are cached (snapshot-cache.ts); none: not cached. */
  cacheFile?: string;
  /** A cache write that failed (the snapshot is in use all the same). */
  onCacheError?: (e: unknown) => void;
}

export class SnapshotHolder {
  current!: Snapshot;
  private timer?: NodeJS.Timeout;
  private inflight: Promise<void> | null = null;
  lastError: unknown = null;
  /** When the snapshot in use was read from the database (ms): for one loaded from the cache file, when that was saved. */
  loadedAt = 0;
  /** True while the snapshot in use came from the cache file (the database not reached since start). */
  fromCache = false;
  private listeners: ((s: Snapshot) => void)[] = [];
  private local?: LocalBackends;

  constructor(private store: Store, private pollMs: number, private o: SnapshotHolderOptions = {}) {
    this.local = o.local;
  }

  async start(): Promise<void> {
    await this.load();
    this.poll_();
  }

  /**
   * Starts from the cached rows (the database unreachable): the poll loads the database's
   * snapshot as soon as it answers. `ring` opens the sealed values (the key file alone).
   */
  startFromCache(cached: CachedSnapshot, ring: Keyring): void {
    this.current = assembleSnapshot(cached.rows, ring, this.local);
    this.loadedAt = cached.savedAt;
    this.fromCache = true;
    this.poll_();
  }

  private poll_(): void {
    this.timer = setInterval(() => { if (!this.inflight) void this.poll(); }, this.pollMs);
    this.timer.unref();
  }

  private async load(): Promise<void> {
    const ring = await this.store.keyring();
    const rows = await readRegistryRows(this.store);
    this.current = assembleSnapshot(rows, ring, this.local);
    this.loadedAt = Date.now();
    this.fromCache = false;
    if (this.o.cacheFile) {
      // Off the hot path: the poll waits for it, the gateway does not.
      await writeSnapshotCache(this.o.cacheFile, rows, this.loadedAt).catch((e) => this.o.onCacheError?.(e));
    }
  }

  onChange(fn: (s: Snapshot) => void): void { this.listeners.push(fn); }

  private heardVersion = 0;
  private catchingUp = false;

  /**
   * A change was announced (notify.ts): reload now if it is newer than the snapshot in use;
   * null (announcements may have been missed): check the version now. A burst of announcements
   * costs one reload, not one each; an announcement the database does not bear out (a failed
   * read, or nothing newer there) is left to the poll.
   */
  heard(version: number | null): void {
    if (version !== null && version > this.heardVersion) this.heardVersion = version;
    if (this.catchingUp || !this.current || (version !== null && version <= this.current.version)) return;
    this.catchingUp = true;
    void (async () => {
      try {
        for (;;) {
          const before = this.current.version;
          await this.poll();
          if (this.lastError || this.current.version === before || this.current.version >= this.heardVersion) break;
        }
      } finally {
        this.catchingUp = false;
      }
    })();
  }

  /** Reloads if the registry moved. A call during a reload waits for it and then checks again, so a caller that just changed the registry sees its change. */
  async poll(): Promise<void> {
    while (this.inflight) await this.inflight.catch(() => {});
    this.inflight = this.check();
    try {
      await this.inflight;
    } finally {
      this.inflight = null;
    }
  }

  private async check(): Promise<void> {
    try {
      const r = await this.store.db.selectFrom('registry_state').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
      if (Number(r.version) !== this.current.version) {
        await this.load();
        for (const l of this.listeners) l(this.current);
      } else if (this.fromCache) {
        // The database is back at the cached version: the snapshot in use is current again.
        this.fromCache = false;
        this.loadedAt = Date.now();
      }
      this.lastError = null;
    } catch (e) {
      this.lastError = e;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
