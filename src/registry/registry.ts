// Members, subsystems, services, endpoints, access rights and API keys. Every change runs in
// one transaction that also bumps the registry version (gateways poll it to reload their
// snapshot, and hear it announced once committed: notify.ts) and appends the admin-trail
// record, so a change and its trail commit together.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Config } from '../config/index.js';
import type { Store, Schema } from '../store/index.js';
import { VamcoError, reason } from '../core/errors.js';
import { checkName, optionalName } from '../core/text.js';
import {
  parseMemberId, parseSubsystemId, parseServiceId, memberId, subsystemId, serviceId,
  RESERVED_SERVICE_CODES, DEFAULT_MEMBER_CLASSES,
} from '../core/ids.js';
import { parseDuration, parseRateLimit, formatRateLimit } from '../core/duration.js';
import { recordAdminAction } from '../audit/index.js';
import { announceChange } from './notify.js';
import { checkBackendUrl } from './backend-policy.js';
import { parseWsdl } from '../soap/index.js';
import { parseOpenApi, normaliseMethod, compilePathPattern, checkEndpointPath } from './openapi.js';
import { newApiKey, parseKeyExpiry } from './keys.js';
import { whereOwner } from './owner-filter.js';
import { grantForeign, isForeignClient, revokeForeign } from './peers.js';
import { sealContext, type Keyring } from '../secrets/index.js';
import { checkBackendAuth, openBackendAuth, openBackendCert } from './backend-auth.js';
import {
  normaliseBackendAuth, viewOf, normaliseCaBundle, caBundleView, checkClientCertificate, clientCertView,
  type BackendAuthInput, type BackendAuthSpec, type BackendAuthView, type CertificateView,
} from '../backend-auth/index.js';

export interface RegistryCtx {
  store: Store;
  config: Readonly<Config>;
  /** Ports this process actually listens on (port 0 in config resolves at bind time). */
  ownPorts?: readonly number[];
}
export interface Actor { actor: string; address?: string | null }

type Trx = Transaction<Schema>;
const now = () => new Date().toISOString();

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || /UNIQUE constraint failed/.test(String(err?.message));
}

/** Runs one registry change: version bump first (takes SQLite's write lock at once), then the change, then the trail. */
export async function mutate<T>(ctx: RegistryCtx, who: Actor, action: string, target: string,
  fn: (trx: Trx) => Promise<{ result: T; before?: unknown; after?: unknown }>): Promise<T> {
  try {
    let version = 0;
    const result = await ctx.store.db.transaction().execute(async (trx) => {
      const bumped = await trx.updateTable('registry_state').set({ version: sql`version + 1`, updated_at: now() }).where('id', '=', 1).returning('version').executeTakeFirstOrThrow();
      version = Number(bumped.version);
      const r = await fn(trx);
      await recordAdminAction(trx as unknown as Kysely<Schema>, ctx.store.engine, {
        actor: who.actor, action, target, address: who.address ?? null, before: r.before ?? null, after: r.after ?? null,
      });
      return r.result;
    });
    // Committed: the nodes may reload now rather than at their next poll (notify.ts).
    announceChange(ctx.store, version);
    return result;
  } catch (e) {
    if (isUniqueViolation(e)) throw new VamcoError('ALREADY_EXISTS', `${target} already exists`, reason('already_exists', { what: target }));
    throw e;
  }
}

// ---------- lookups ----------
async function memberRow(db: Kysely<Schema>, id: string) {
  const ref = parseMemberId(id);
  const row = await db.selectFrom('members').selectAll()
    .where('member_class', '=', ref.memberClass).where('member_code', '=', ref.memberCode).executeTakeFirst();
  if (!row) throw new VamcoError('NOT_FOUND', `Member ${memberId(ref)} is not registered`);
  return row;
}

export async function subsystemRow(db: Kysely<Schema>, id: string) {
  const ref = parseSubsystemId(id);
  const row = await db.selectFrom('subsystems').innerJoin('members', 'members.id', 'subsystems.member_id')
    .select(['subsystems.id', 'subsystems.member_id', 'subsystems.subsystem_code', 'subsystems.name', 'subsystems.created_at', 'members.member_class', 'members.member_code'])
    .where('members.member_class', '=', ref.memberClass).where('members.member_code', '=', ref.memberCode)
    .where('subsystems.subsystem_code', '=', ref.subsystemCode).executeTakeFirst();
  if (!row) throw new VamcoError('NOT_FOUND', `Subsystem ${subsystemId(ref)} is not registered`);
  return row;
}

export async function serviceRow(db: Kysely<Schema>, id: string) {
  const ref = parseServiceId(id);
  const sub = await subsystemRow(db, subsystemId(ref)).catch(() => null);
  const row = sub && await db.selectFrom('services').selectAll()
    .where('subsystem_id', '=', sub.id).where('service_code', '=', ref.serviceCode).executeTakeFirst();
  if (!sub || !row) throw new VamcoError('NOT_FOUND', `Service ${serviceId(ref)} is not registered`);
  return { ...row, ref };
}

// ---------- views ----------
export interface MemberView { id: string; memberClass: string; memberCode: string; name: string; createdAt: string }
export interface SubsystemView {
  id: string; memberId: string; subsystemCode: string; name: string | null; createdAt: string;
  /** The client certificate presented to this provider's backends (never its key); null: none. */
  backendCert?: CertificateView | null;
  /** The backend credential of its services that set none of their own (without secrets). */
  backendAuth?: BackendAuthView | null;
}
export interface EndpointView { id: number; method: string; path: string; operationId?: string | null }
export interface ServiceView {
  id: string; providerId: string; memberId: string; serviceCode: string; type: string;
  /** The backend's address: only for those who may see it (the admin API leaves it out for other agencies' admins). */
  url?: string;
  /** From the OpenAPI document's info (null: no document or none given): what the catalogue shows. */
  title: string | null; description: string | null;
  timeoutMs: number | null; connectTimeoutMs: number | null; rateLimit: string | null; logBodies: boolean;
  hasOpenApi: boolean; endpoints: EndpointView[]; createdAt: string; updatedAt: string;
  /** How the gateway authenticates to the backend, without its secrets (null: no credential). */
  backendAuth?: BackendAuthView | null;
  /** The CA bundle an https backend is verified against besides the system's CAs (null: system CAs only). */
  backendCa?: CertificateView[] | null;
}

/** The catalogue's title and description of a service: its OpenAPI document's info. */
function docInfo(openapi: string | null): { title: string | null; description: string | null } {
  if (!openapi) return { title: null, description: null };
  try {
    const info = (JSON.parse(openapi) as { info?: { title?: unknown; description?: unknown } }).info;
    const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 2000) : null);
    return { title: text(info?.title), description: text(info?.description) };
  } catch {
    return { title: null, description: null };
  }
}
/**
 * A right on a local service. `kind` says whose client it names: 'local' (a subsystem here) or
 * 'foreign' (a client of a peer instance, written with its instance, issue 17). The two kinds are
 * kept apart and numbered apart: an id names a right only together with its kind.
 */
export interface AccessRightView { kind: 'local' | 'foreign'; id: number; serviceId: string; clientId: string; endpoint: EndpointView | null; createdAt: string }
export interface KeyView {
  id: number; subsystemId: string; prefix: string; label: string | null; createdAt: string; revokedAt: string | null;
  expiresAt: string | null; lastUsedAt: string | null;
  /** revoked wins over expired: what the gateway would answer a call with it. */
  status: 'active' | 'expired' | 'revoked';
}

const memberView = (r: Schema['members'] & { id: number }): MemberView => ({
  id: `${r.member_class}/${r.member_code}`, memberClass: r.member_class, memberCode: r.member_code, name: r.name, createdAt: r.created_at,
});

// ---------- members ----------
export async function addMember(ctx: RegistryCtx, input: { memberClass: string; memberCode: string; name: string }, who: Actor): Promise<MemberView> {
  const id = `${input.memberClass}/${input.memberCode}`;
  parseMemberId(id);
  const classes = ctx.config.memberClasses ?? DEFAULT_MEMBER_CLASSES;
  if (!classes.includes(input.memberClass)) {
    throw new VamcoError('VALIDATION_FAILED', `"${input.memberClass}" is not a member class of this platform (one of ${classes.join(', ')})`, { extra: { field: 'memberClass', allowed: [...classes] } });
  }
  const name = checkName(input.name ?? '', 'A member\'s name', { max: 300 });
  return mutate(ctx, who, 'member.add', id, async (trx) => {
    const row = { member_class: input.memberClass, member_code: input.memberCode, name, created_at: now() };
    const r = await trx.insertInto('members').values(row).returning('id').executeTakeFirstOrThrow();
    const view = memberView({ ...row, id: Number(r.id) } as never);
    return { result: view, after: view };
  });
}

export async function removeMember(ctx: RegistryCtx, id: string, who: Actor): Promise<void> {
  const row = await memberRow(ctx.store.db, id);
  await mutate(ctx, who, 'member.remove', memberId(parseMemberId(id)), async (trx) => {
    await trx.deleteFrom('members').where('id', '=', row.id).execute();
    return { result: undefined, before: memberView(row as never) };
  });
}

/** Renames a member (its identifier, the class and code, never changes: ids name it everywhere). */
export async function updateMember(ctx: RegistryCtx, id: string, patch: { name: string }, who: Actor): Promise<MemberView> {
  const row = await memberRow(ctx.store.db, id);
  const name = checkName(patch.name ?? '', 'A member\'s name', { max: 300 });
  const before = memberView(row as never);
  return mutate(ctx, who, 'member.update', before.id, async (trx) => {
    await trx.updateTable('members').set({ name }).where('id', '=', row.id).execute();
    const after = { ...before, name };
    return { result: after, before: { name: before.name }, after: { name } };
  });
}

export async function listMembers(ctx: RegistryCtx): Promise<MemberView[]> {
  const rows = await ctx.store.db.selectFrom('members').selectAll().orderBy('member_class').orderBy('member_code').execute();
  return rows.map((r) => memberView(r as never));
}

export async function getMember(ctx: RegistryCtx, id: string): Promise<MemberView> {
  return memberView(await memberRow(ctx.store.db, id) as never);
}

// ---------- subsystems ----------
export async function addSubsystem(ctx: RegistryCtx, input: { id: string; name?: string | null }, who: Actor): Promise<SubsystemView> {
  const ref = parseSubsystemId(input.id);
  const member = await memberRow(ctx.store.db, memberId(ref));
  const id = subsystemId(ref);
  return mutate(ctx, who, 'subsystem.add', id, async (trx) => {
    const name = optionalName(input.name, 'A subsystem\'s name', 300);
    const created = now();
    await trx.insertInto('subsystems').values({ member_id: member.id, subsystem_code: ref.subsystemCode, name, created_at: created }).execute();
    const view: SubsystemView = { id, memberId: memberId(ref), subsystemCode: ref.subsystemCode, name, createdAt: created };
    return { result: view, after: view };
  });
}

export async function removeSubsystem(ctx: RegistryCtx, id: string, who: Actor): Promise<void> {
  const row = await subsystemRow(ctx.store.db, id);
  await mutate(ctx, who, 'subsystem.remove', subsystemId(parseSubsystemId(id)), async (trx) => {
    await trx.deleteFrom('subsystems').where('id', '=', row.id).execute();
    return { result: undefined, before: { id: subsystemId(parseSubsystemId(id)), name: row.name } };
  });
}

/** Renames a subsystem (null or empty: no name). */
export async function updateSubsystem(ctx: RegistryCtx, id: string, patch: { name?: string | null }, who: Actor): Promise<SubsystemView> {
  const row = await subsystemRow(ctx.store.db, id);
  const sid = subsystemId(parseSubsystemId(id));
  const name = optionalName(patch.name, 'A subsystem\'s name', 300);
  return mutate(ctx, who, 'subsystem.update', sid, async (trx) => {
    await trx.updateTable('subsystems').set({ name }).where('id', '=', row.id).execute();
    const view: SubsystemView = { id: sid, memberId: `${row.member_class}/${row.member_code}`, subsystemCode: row.subsystem_code, name, createdAt: row.created_at };
    return { result: view, before: { name: row.name }, after: { name } };
  });
}

export async function listSubsystems(ctx: RegistryCtx, filter: { member?: string } = {}): Promise<SubsystemView[]> {
  let q = ctx.store.db.selectFrom('subsystems').innerJoin('members', 'members.id', 'subsystems.member_id')
    .select(['subsystems.id', 'subsystems.subsystem_code', 'subsystems.name', 'subsystems.created_at', 'subsystems.backend_cert', 'subsystems.backend_auth', 'members.member_class', 'members.member_code']);
  if (filter.member) {
    const m = parseMemberId(filter.member);
    q = q.where('members.member_class', '=', m.memberClass).where('members.member_code', '=', m.memberCode);
  }
  const rows = await q.orderBy('members.member_class').orderBy('members.member_code').orderBy('subsystems.subsystem_code').execute();
  const ring = rows.some((r) => r.backend_cert || r.backend_auth) ? await ctx.store.keyring() : null;
  return rows.map((r) => ({
    id: `${r.member_class}/${r.member_code}/${r.subsystem_code}`, memberId: `${r.member_class}/${r.member_code}`,
    subsystemCode: r.subsystem_code, name: r.name, createdAt: r.created_at,
    backendCert: ring ? clientCertView(openBackendCert(ring, Number(r.id), r.backend_cert)) : null,
    backendAuth: ring ? viewOf(openBackendAuth(ring, Number(r.id), r.backend_auth, 'subsystems')) : null,
  }));
}

/**
 * Sets (null or "inherit": removes) the backend credential of a provider subsystem: every one of
 * its services without a credential of its own uses it, sharing one token and one budget. A
 * secret left out keeps the stored one of the same scheme.
 */
export async function setSubsystemBackendAuth(ctx: RegistryCtx, id: string, input: BackendAuthInput | null, who: Actor, opts: ServiceOptions = {}): Promise<BackendAuthView | null> {
  const row = await subsystemRow(ctx.store.db, id);
  const ring = await ctx.store.keyring();
  const stored = (await ctx.store.db.selectFrom('subsystems').select('backend_auth').where('id', '=', row.id).executeTakeFirstOrThrow()).backend_auth;
  const previous = openBackendAuth(ring, row.id, stored, 'subsystems');
  const spec = await normaliseBackendAuth(input, {
    previous,
    checkUrl: async (u) => (opts.trustedBackend ? new URL(u) : checkBackendUrl(u, { allow: ctx.config.backendAllow, ownPorts: ownPorts(ctx) })),
  });
  await mutate(ctx, who, 'subsystem.backend-auth', subsystemId(parseSubsystemId(id)), async (trx) => {
    const sealed = spec ? ring.seal(JSON.stringify(spec), sealContext('subsystems', 'backend_auth', row.id)) : null;
    await trx.updateTable('subsystems').set({ backend_auth: sealed }).where('id', '=', row.id).execute();
    return { result: undefined, before: viewOf(previous), after: viewOf(spec) };
  });
  return viewOf(spec);
}

/**
 * Sets (or, with null, removes) the client certificate a provider subsystem presents to its
 * services' https backends. The key is sealed in the database, so every gateway node presents
 * the same one; no answer, trail entry or log line shows it.
 */
export async function setBackendCert(ctx: RegistryCtx, id: string, input: { cert: string; key: string } | null, who: Actor): Promise<CertificateView | null> {
  const row = await subsystemRow(ctx.store.db, id);
  const checked = input ? checkClientCertificate(input.cert, input.key) : null;
  const ring = await ctx.store.keyring();
  const before = clientCertView(openBackendCert(ring, row.id, (await ctx.store.db.selectFrom('subsystems').select('backend_cert').where('id', '=', row.id).executeTakeFirstOrThrow()).backend_cert));
  const after = clientCertView(checked);
  await mutate(ctx, who, checked ? 'subsystem.backend-cert.set' : 'subsystem.backend-cert.remove', subsystemId(parseSubsystemId(id)), async (trx) => {
    const sealed = checked ? ring.seal(JSON.stringify(checked), sealContext('subsystems', 'backend_cert', row.id)) : null;
    await trx.updateTable('subsystems').set({ backend_cert: sealed }).where('id', '=', row.id).execute();
    return { result: undefined, before, after };
  });
  return after;
}

// ---------- services ----------
export interface ServiceInput {
  id: string;
  url: string;
  openapi?: unknown;
  timeout?: string | number | null;
  connectTimeout?: string | number | null;
  rateLimit?: string | null;
  logBodies?: boolean;
  /** A WSDL 1.1 document: a SOAP service, its operations the endpoints "POST /{operation}". */
  wsdl?: string | null;
  /** A scheme (none, static, oauth2, signed, inherit) or the older {header, value}. */
  backendAuth?: BackendAuthInput | { header: string; value: string } | null;
  /** PEM certificates an https backend is verified against besides the system's CAs (null: none). */
  backendCa?: string | null;
}

export interface ServiceOptions { trustedBackend?: boolean }

function ownPorts(ctx: RegistryCtx): number[] {
  return [ctx.config.gatewayPort, ctx.config.adminPort, 8443, ...(ctx.ownPorts ?? [])].filter((p) => p > 0);
}

async function validateServiceFields(ctx: RegistryCtx, input: Partial<ServiceInput>, opts: ServiceOptions, previousAuth: BackendAuthSpec | null = null) {
  const out: Partial<Omit<Schema['services'], 'id'>> = {};
  let endpoints: { method: string; path: string; operationId: string | null }[] | undefined;
  if (input.url !== undefined) {
    const url = opts.trustedBackend ? new URL(input.url) : await checkBackendUrl(input.url, { allow: ctx.config.backendAllow, ownPorts: ownPorts(ctx) });
    out.url = url.toString().replace(/\/$/, '');
  }
  if (input.timeout !== undefined) out.timeout_ms = input.timeout === null ? null : positive(parseDuration(input.timeout), 'timeout');
  if (input.connectTimeout !== undefined) out.connect_timeout_ms = input.connectTimeout === null ? null : positive(parseDuration(input.connectTimeout), 'connect timeout');
  if (input.rateLimit !== undefined) out.rate_limit = input.rateLimit === null || input.rateLimit === '' ? null : formatRateLimit(parseRateLimit(input.rateLimit));
  if (input.logBodies !== undefined) out.log_bodies = input.logBodies ? 1 : 0;
  if (input.backendCa !== undefined) out.backend_ca = input.backendCa === null || input.backendCa === '' ? null : normaliseCaBundle(input.backendCa);
  let backendAuth: BackendAuthSpec | null | undefined;
  if (input.backendAuth === null) backendAuth = null;
  else if (input.backendAuth !== undefined) {
    if (!('scheme' in (input.backendAuth as object))) {
      const l = checkBackendAuth(input.backendAuth);
      backendAuth = { scheme: 'static', headers: [{ name: l.header, value: l.value }], budget: null };
    } else {
      // A token endpoint is a backend too: the same URL policy applies.
      backendAuth = await normaliseBackendAuth(input.backendAuth as BackendAuthInput, {
        previous: previousAuth,
        checkUrl: async (u) => (opts.trustedBackend ? new URL(u) : checkBackendUrl(u, { allow: ctx.config.backendAllow, ownPorts: ownPorts(ctx) })),
      });
    }
  }
  if (input.wsdl !== undefined && input.wsdl !== null) {
    if (input.openapi !== undefined && input.openapi !== null) throw new VamcoError('VALIDATION_FAILED', 'A service is described by an OpenAPI document or a WSDL, not both');
    if (typeof input.wsdl !== 'string') throw new VamcoError('VALIDATION_FAILED', 'wsdl must be the WSDL 1.1 document as text');
    const model = parseWsdl(input.wsdl);
    out.wsdl = input.wsdl;
    out.openapi = null;
    out.service_type = 'WSDL'; // X-Road's name for a SOAP service (PR-MREST listMethods)
    // Each operation is an endpoint, so access rights name operations like REST endpoints.
    endpoints = model.operations.map((o) => ({ method: 'POST', path: `/${o.name}`, operationId: o.name }));
  }
  if (input.openapi !== undefined && input.openapi !== null) {
    const parsed = parseOpenApi(input.openapi);
    out.openapi = JSON.stringify(parsed.doc);
    out.wsdl = null;
    out.service_type = 'OPENAPI';
    endpoints = parsed.endpoints;
  }
  return { fields: out, endpoints, backendAuth };
}

/** Seals a service's backend credential for its row (src/secrets). */
async function sealBackendAuth(ring: Keyring, trx: Trx, serviceIdNum: number, auth: BackendAuthSpec | null): Promise<void> {
  const sealed = auth ? ring.seal(JSON.stringify(auth), sealContext('services', 'backend_auth', serviceIdNum)) : null;
  await trx.updateTable('services').set({ backend_auth: sealed }).where('id', '=', serviceIdNum).execute();
}


function positive(ms: number, what: string): number {
  if (ms <= 0 || ms > 3_600_000) throw new VamcoError('VALIDATION_FAILED', `The ${what} must be between 1 ms and 1 h`);
  return ms;
}

export async function addService(ctx: RegistryCtx, input: ServiceInput, who: Actor, opts: ServiceOptions = {}): Promise<ServiceView> {
  const ref = parseServiceId(input.id);
  if (RESERVED_SERVICE_CODES.has(ref.serviceCode)) throw new VamcoError('VALIDATION_FAILED', `${ref.serviceCode} is a reserved metaservice name`);
  if (!input.url) throw new VamcoError('VALIDATION_FAILED', 'A service needs a backend url');
  const sub = await subsystemRow(ctx.store.db, subsystemId(ref));
  const { fields, endpoints, backendAuth } = await validateServiceFields(ctx, input, opts);
  const id = serviceId(ref);
  // Before the transaction: on SQLite its first use reads the database, which the transaction holds.
  const ring = await ctx.store.keyring();
  await mutate(ctx, who, 'service.add', id, async (trx) => {
    const t = now();
    const r = await trx.insertInto('services').values({
      subsystem_id: sub.id, service_code: ref.serviceCode, service_type: 'REST', url: fields.url!,
      timeout_ms: null, connect_timeout_ms: null, rate_limit: null, openapi: null, wsdl: null, log_bodies: 0, backend_auth: null, backend_ca: null,
      created_at: t, updated_at: t, ...fields,
    }).returning('id').executeTakeFirstOrThrow();
    if (endpoints?.length) await insertEndpoints(trx, Number(r.id), endpoints);
    if (backendAuth) await sealBackendAuth(ring, trx, Number(r.id), backendAuth);
    return { result: undefined, after: { id, url: fields.url, rateLimit: fields.rate_limit ?? null, endpoints: endpoints?.length ?? 0, backendAuth: viewOf(backendAuth ?? null), backendCa: caBundleView(fields.backend_ca ?? null) } };
  });
  return getService(ctx, id);
}

async function insertEndpoints(trx: Trx, serviceIdNum: number, endpoints: { method: string; path: string; operationId: string | null }[]) {
  const seen = new Set<string>();
  const rows = endpoints.filter((e) => !seen.has(e.method + ' ' + e.path) && seen.add(e.method + ' ' + e.path))
    .map((e) => ({ service_id: serviceIdNum, method: e.method, path: e.path, operation_id: e.operationId }));
  // In slices: one statement's bind parameters are limited (SQLite 32,766, PostgreSQL 65,535).
  for (let i = 0; i < rows.length; i += 500) await trx.insertInto('service_endpoints').values(rows.slice(i, i + 500)).execute();
}

export async function updateService(ctx: RegistryCtx, id: string, patch: Partial<Omit<ServiceInput, 'id'>>, who: Actor, opts: ServiceOptions = {}): Promise<ServiceView> {
  const row = await serviceRow(ctx.store.db, id);
  const before = await getService(ctx, id);
  const ring = await ctx.store.keyring();
  const { fields, endpoints, backendAuth } = await validateServiceFields(ctx, patch, opts, openBackendAuth(ring, row.id, row.backend_auth));
  await mutate(ctx, who, 'service.update', serviceId(row.ref), async (trx) => {
    await trx.updateTable('services').set({ ...fields, updated_at: now() }).where('id', '=', row.id).execute();
    if (backendAuth !== undefined) await sealBackendAuth(ring, trx, row.id, backendAuth);
    if (endpoints) {
      // Re-importing OpenAPI keeps endpoints that still exist (their grants stay valid).
      const existing = await trx.selectFrom('service_endpoints').selectAll().where('service_id', '=', row.id).execute();
      const wanted = new Set(endpoints.map((e) => e.method + ' ' + e.path));
      const stale = existing.filter((e) => !wanted.has(e.method + ' ' + e.path)).map((e) => e.id);
      if (stale.length) {
        await trx.deleteFrom('access_rights').where('endpoint_id', 'in', stale).execute();
        await trx.deleteFrom('service_endpoints').where('id', 'in', stale).execute();
      }
      const have = new Set(existing.map((e) => e.method + ' ' + e.path));
      await insertEndpoints(trx, row.id, endpoints.filter((e) => !have.has(e.method + ' ' + e.path)));
    }
    // The trail never holds a backend secret, only that one was set.
    const after = {
      ...patch, openapi: patch.openapi ? '(document)' : undefined, backendAuth: backendAuth === undefined ? undefined : viewOf(backendAuth),
      backendCa: fields.backend_ca === undefined ? undefined : caBundleView(fields.backend_ca),
    };
    return { result: undefined, before: { url: before.url, rateLimit: before.rateLimit, timeoutMs: before.timeoutMs, backendAuth: before.backendAuth, backendCa: before.backendCa }, after };
  });
  return getService(ctx, id);
}

export async function removeService(ctx: RegistryCtx, id: string, who: Actor): Promise<void> {
  const row = await serviceRow(ctx.store.db, id);
  await mutate(ctx, who, 'service.remove', serviceId(row.ref), async (trx) => {
    await trx.deleteFrom('services').where('id', '=', row.id).execute();
    return { result: undefined, before: { id: serviceId(row.ref), url: row.url } };
  });
}

function serviceQuery(db: Kysely<Schema>) {
  return db.selectFrom('services').innerJoin('subsystems', 'subsystems.id', 'services.subsystem_id')
    .innerJoin('members', 'members.id', 'subsystems.member_id')
    .select(['services.id', 'services.service_code', 'services.service_type', 'services.url', 'services.timeout_ms',
      'services.connect_timeout_ms', 'services.rate_limit', 'services.log_bodies', 'services.openapi', 'services.created_at', 'services.updated_at',
      'services.backend_auth', 'services.backend_ca',
      'subsystems.subsystem_code', 'members.member_class', 'members.member_code']);
}

async function toServiceViews(ctx: RegistryCtx, rows: Awaited<ReturnType<ReturnType<typeof serviceQuery>['execute']>>): Promise<ServiceView[]> {
  const db = ctx.store.db;
  const ring = rows.some((r) => r.backend_auth) ? await ctx.store.keyring() : null;
  const ids = rows.map((r) => Number(r.id));
  const eps = ids.length ? await db.selectFrom('service_endpoints').selectAll().where('service_id', 'in', ids).orderBy('path').orderBy('method').execute() : [];
  return rows.map((r) => {
    const provider = `${r.member_class}/${r.member_code}/${r.subsystem_code}`;
    return {
      id: `${provider}/${r.service_code}`, providerId: provider, memberId: `${r.member_class}/${r.member_code}`, serviceCode: r.service_code,
      type: r.service_type, url: r.url, timeoutMs: r.timeout_ms, connectTimeoutMs: r.connect_timeout_ms, rateLimit: r.rate_limit,
      logBodies: !!r.log_bodies, hasOpenApi: !!r.openapi, ...docInfo(r.openapi),
      endpoints: eps.filter((e) => Number(e.service_id) === Number(r.id)).map((e) => ({ id: Number(e.id), method: e.method, path: e.path, operationId: e.operation_id })),
      createdAt: r.created_at, updatedAt: r.updated_at,
      backendAuth: ring ? viewOf(openBackendAuth(ring, Number(r.id), r.backend_auth)) : null,
      backendCa: caBundleView(r.backend_ca),
    };
  });
}

export async function listServices(ctx: RegistryCtx, filter: { provider?: string; member?: string } = {}): Promise<ServiceView[]> {
  let q = serviceQuery(ctx.store.db);
  if (filter.provider) {
    const s = parseSubsystemId(filter.provider);
    q = q.where('members.member_class', '=', s.memberClass).where('members.member_code', '=', s.memberCode).where('subsystems.subsystem_code', '=', s.subsystemCode);
  }
  if (filter.member) {
    const m = parseMemberId(filter.member);
    q = q.where('members.member_class', '=', m.memberClass).where('members.member_code', '=', m.memberCode);
  }
  const rows = await q.orderBy('members.member_class').orderBy('members.member_code').orderBy('subsystems.subsystem_code').orderBy('services.service_code').execute();
  return toServiceViews(ctx, rows);
}

export async function getService(ctx: RegistryCtx, id: string): Promise<ServiceView> {
  const ref = parseServiceId(id);
  const rows = await serviceQuery(ctx.store.db)
    .where('members.member_class', '=', ref.memberClass).where('members.member_code', '=', ref.memberCode)
    .where('subsystems.subsystem_code', '=', ref.subsystemCode).where('services.service_code', '=', ref.serviceCode).execute();
  if (!rows.length) throw new VamcoError('NOT_FOUND', `Service ${serviceId(ref)} is not registered`);
  return (await toServiceViews(ctx, rows))[0];
}

export async function getServiceOpenApi(ctx: RegistryCtx, id: string): Promise<Record<string, unknown> | null> {
  const row = await serviceRow(ctx.store.db, id);
  return row.openapi ? JSON.parse(row.openapi) : null;
}

/** A service's backend credential, opened (null when it has none). */
export async function getBackendAuth(ctx: RegistryCtx, id: string): Promise<BackendAuthSpec | null> {
  const row = await serviceRow(ctx.store.db, id);
  return openBackendAuth(await ctx.store.keyring(), row.id, row.backend_auth);
}

export async function addEndpoint(ctx: RegistryCtx, id: string, input: { method: string; path: string }, who: Actor): Promise<EndpointView> {
  const row = await serviceRow(ctx.store.db, id);
  const method = normaliseMethod(input.method);
  const path = checkEndpointPath(input.path);
  compilePathPattern(path);
  return mutate(ctx, who, 'endpoint.add', `${serviceId(row.ref)} ${method} ${path}`, async (trx) => {
    const r = await trx.insertInto('service_endpoints').values({ service_id: row.id, method, path, operation_id: null }).returning('id').executeTakeFirstOrThrow();
    const view = { id: Number(r.id), method, path };
    return { result: view, after: view };
  });
}

export async function removeEndpoint(ctx: RegistryCtx, id: string, endpointId: number, who: Actor): Promise<void> {
  const row = await serviceRow(ctx.store.db, id);
  const ep = await ctx.store.db.selectFrom('service_endpoints').selectAll().where('id', '=', endpointId).where('service_id', '=', row.id).executeTakeFirst();
  if (!ep) throw new VamcoError('NOT_FOUND', `Endpoint ${endpointId} is not an endpoint of ${serviceId(row.ref)}`);
  await mutate(ctx, who, 'endpoint.remove', `${serviceId(row.ref)} ${ep.method} ${ep.path}`, async (trx) => {
    await trx.deleteFrom('access_rights').where('endpoint_id', '=', ep.id).execute();
    await trx.deleteFrom('service_endpoints').where('id', '=', ep.id).execute();
    return { result: undefined, before: { method: ep.method, path: ep.path } };
  });
}


// ---------- access rights ----------
export interface GrantInput { service: string; client: string; endpoint?: { method: string; path: string } | null }

/** The service's endpoint a right names ("METHOD /path"), or null for the whole service. */
export async function endpointOf(ctx: RegistryCtx, svc: { id: number; ref: ReturnType<typeof parseServiceId> }, e: GrantInput['endpoint']): Promise<EndpointView | null> {
  if (!e) return null;
  const method = normaliseMethod(e.method);
  const ep = await ctx.store.db.selectFrom('service_endpoints').selectAll()
    .where('service_id', '=', svc.id).where('method', '=', method).where('path', '=', e.path).executeTakeFirst();
  if (!ep) throw new VamcoError('NOT_FOUND', `${serviceId(svc.ref)} has no endpoint ${method} ${e.path}`);
  return { id: Number(ep.id), method: ep.method, path: ep.path };
}

export async function grantAccess(ctx: RegistryCtx, input: GrantInput, who: Actor): Promise<AccessRightView> {
  // A client written with its instance is another instance's (issue 17): a right of its own kind.
  if (isForeignClient(input.client)) return grantForeign(ctx, input, who);
  const svc = await serviceRow(ctx.store.db, input.service);
  const client = await subsystemRow(ctx.store.db, input.client);
  const endpoint = await endpointOf(ctx, svc, input.endpoint);
  const clientId = subsystemId(parseSubsystemId(input.client));
  const target = `${serviceId(svc.ref)}${endpoint ? ` ${endpoint.method} ${endpoint.path}` : ''} -> ${clientId}`;
  return mutate(ctx, who, 'access.grant', target, async (trx) => {
    const created = now();
    const r = await trx.insertInto('access_rights').values({ service_id: svc.id, client_subsystem_id: client.id, endpoint_id: endpoint?.id ?? 0, created_at: created })
      .returning('id').executeTakeFirstOrThrow();
    const view: AccessRightView = { kind: 'local', id: Number(r.id), serviceId: serviceId(svc.ref), clientId, endpoint, createdAt: created };
    return { result: view, after: view };
  });
}

export async function revokeAccess(ctx: RegistryCtx, input: GrantInput | { id: number }, who: Actor): Promise<void> {
  if ('client' in input && isForeignClient(input.client)) return revokeForeign(ctx, input, who);
  const rights = await listAccessRights(ctx, 'id' in input ? { id: input.id } : { service: input.service, client: input.client });
  const match = 'id' in input
    ? rights.find((r) => r.id === input.id)
    : rights.find((r) => (input.endpoint
      ? r.endpoint?.method === normaliseMethod(input.endpoint.method) && r.endpoint?.path === input.endpoint.path
      : r.endpoint === null));
  if (!match) throw new VamcoError('NOT_FOUND', 'No such access right');
  await mutate(ctx, who, 'access.revoke', `${match.serviceId}${match.endpoint ? ` ${match.endpoint.method} ${match.endpoint.path}` : ''} -> ${match.clientId}`, async (trx) => {
    await trx.deleteFrom('access_rights').where('id', '=', match.id).execute();
    return { result: undefined, before: match };
  });
}

export async function getAccessRight(ctx: RegistryCtx, id: number): Promise<AccessRightView> {
  const [r] = await listAccessRights(ctx, { id });
  if (!r) throw new VamcoError('NOT_FOUND', `Access right ${id} does not exist`);
  return r;
}

export async function listAccessRights(ctx: RegistryCtx, filter: { id?: number; service?: string; client?: string; member?: string }): Promise<AccessRightView[]> {
  const db = ctx.store.db;
  let q = db.selectFrom('access_rights as a')
    .innerJoin('services as s', 's.id', 'a.service_id')
    .innerJoin('subsystems as ps', 'ps.id', 's.subsystem_id')
    .innerJoin('members as pm', 'pm.id', 'ps.member_id')
    .innerJoin('subsystems as cs', 'cs.id', 'a.client_subsystem_id')
    .innerJoin('members as cm', 'cm.id', 'cs.member_id')
    .leftJoin('service_endpoints as e', 'e.id', 'a.endpoint_id')
    .select(['a.id', 'a.created_at', 's.service_code', 'ps.subsystem_code as p_sub', 'pm.member_class as p_class', 'pm.member_code as p_code',
      'cs.subsystem_code as c_sub', 'cm.member_class as c_class', 'cm.member_code as c_code', 'e.id as e_id', 'e.method as e_method', 'e.path as e_path']);
  if (filter.id !== undefined) q = q.where('a.id', '=', filter.id);
  if (filter.service) {
    const r = parseServiceId(filter.service);
    q = q.where('pm.member_class', '=', r.memberClass).where('pm.member_code', '=', r.memberCode).where('ps.subsystem_code', '=', r.subsystemCode).where('s.service_code', '=', r.serviceCode);
  }
  if (filter.client) {
    const r = parseSubsystemId(filter.client);
    q = q.where('cm.member_class', '=', r.memberClass).where('cm.member_code', '=', r.memberCode).where('cs.subsystem_code', '=', r.subsystemCode);
  }
  if (filter.member) {
    const m = parseMemberId(filter.member);
    q = q.where((eb) => eb.or([
      eb.and([eb('pm.member_class', '=', m.memberClass), eb('pm.member_code', '=', m.memberCode)]),
      eb.and([eb('cm.member_class', '=', m.memberClass), eb('cm.member_code', '=', m.memberCode)]),
    ]));
  }
  const rows = await q.orderBy('a.id').execute();
  return rows.map((r) => ({
    kind: 'local' as const,
    id: Number(r.id),
    serviceId: `${r.p_class}/${r.p_code}/${r.p_sub}/${r.service_code}`,
    clientId: `${r.c_class}/${r.c_code}/${r.c_sub}`,
    endpoint: r.e_id ? { id: Number(r.e_id), method: r.e_method!, path: r.e_path! } : null,
    createdAt: r.created_at,
  }));
}

// ---------- API keys ----------
export async function createKey(ctx: RegistryCtx, input: { subsystem: string; label?: string | null; expires?: string | null }, who: Actor): Promise<KeyView & { key: string }> {
  const expiresAt = parseKeyExpiry(input.expires);
  const sub = await subsystemRow(ctx.store.db, input.subsystem);
  const sid = subsystemId(parseSubsystemId(input.subsystem));
  const k = newApiKey();
  return mutate(ctx, who, 'key.create', sid, async (trx) => {
    const created = now();
    const label = optionalName(input.label, 'A key\'s label');
    const r = await trx.insertInto('api_keys').values({ subsystem_id: sub.id, key_hash: k.hash, prefix: k.prefix, label, created_at: created, revoked_at: null, expires_at: expiresAt, last_used_at: null })
      .returning('id').executeTakeFirstOrThrow();
    const view: KeyView = { id: Number(r.id), subsystemId: sid, prefix: k.prefix, label, createdAt: created, revokedAt: null, expiresAt, lastUsedAt: null, status: 'active' };
    // The trail holds the key's prefix, never the key.
    return { result: { ...view, key: k.key }, after: view };
  });
}

export async function revokeKey(ctx: RegistryCtx, id: number, who: Actor): Promise<KeyView> {
  const key = await getKey(ctx, id);
  if (key.revokedAt) return key;
  await mutate(ctx, who, 'key.revoke', `${key.subsystemId} ${key.prefix}…`, async (trx) => {
    await trx.updateTable('api_keys').set({ revoked_at: now() }).where('id', '=', id).execute();
    return { result: undefined, before: key };
  });
  return getKey(ctx, id);
}

export async function listKeys(ctx: RegistryCtx, filter: { id?: number; subsystem?: string; member?: string } = {}): Promise<KeyView[]> {
  let q = ctx.store.db.selectFrom('api_keys as k').innerJoin('subsystems as s', 's.id', 'k.subsystem_id').innerJoin('members as m', 'm.id', 's.member_id')
    .select(['k.id', 'k.prefix', 'k.label', 'k.created_at', 'k.revoked_at', 'k.expires_at', 'k.last_used_at', 's.subsystem_code', 'm.member_class', 'm.member_code']);
  if (filter.id !== undefined) q = q.where('k.id', '=', filter.id);
  q = whereOwner(q, filter);
  const rows = await q.orderBy('k.id').execute();
  const at = Date.now();
  return rows.map((r): KeyView => ({
    id: Number(r.id), subsystemId: `${r.member_class}/${r.member_code}/${r.subsystem_code}`, prefix: r.prefix, label: r.label,
    createdAt: r.created_at, revokedAt: r.revoked_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at,
    status: r.revoked_at ? 'revoked' : r.expires_at && Date.parse(r.expires_at) <= at ? 'expired' : 'active',
  }));
}

export async function getKey(ctx: RegistryCtx, id: number): Promise<KeyView> {
  const [k] = await listKeys(ctx, { id });
  if (!k) throw new VamcoError('NOT_FOUND', `API key ${id} does not exist`);
  return k;
}

export async function registryVersion(store: Store): Promise<number> {
  const r = await store.db.selectFrom('registry_state').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(r.version);
}
