// Access requests: an agency admin asks another agency for one of its services (or one
// endpoint) with a reason; the provider's admin approves — which creates the grant through the
// registry — or rejects; the asker may withdraw while it is pending. Both sides see the state.
import type { Kysely, Selectable } from 'kysely';
import { VamcoError, reason as why } from '../core/errors.js';
import { parseServiceId, parseSubsystemId, memberId, serviceId, subsystemId } from '../core/ids.js';
import type { Store, Schema } from '../store/index.js';
import { accountsDb, type AccessRequestTable, type AccountsSchema } from '../accounts/schema.js';
import type { TrailWriter } from '../accounts/context.js';

export type RequestState = 'pending' | 'approved' | 'rejected' | 'withdrawn';
export const STATES: readonly RequestState[] = ['pending', 'approved', 'rejected', 'withdrawn'];

export interface Who { actor: string; address?: string | null }
export interface GrantInput { service: string; client: string; endpoint?: { method: string; path: string } | null }
/** The registry's grantAccess, bound to its context: it validates, writes the right and trails it. */
export type GrantFn = (input: GrantInput, who: Who) => Promise<{ id: number }>;

export interface AccessRequestsCtx {
  store: Store;
  db: Kysely<AccountsSchema>;
  trail: TrailWriter;
  grant: GrantFn;
  /** Removes an access right by id (undoes a grant whose approval lost a race). */
  revoke?: (grantId: number, who: Who) => Promise<void>;
  now(): number;
}

export function accessRequestsContext(store: Store, opts: { trail: TrailWriter; grant: GrantFn; revoke?: AccessRequestsCtx['revoke']; now?: () => number }): AccessRequestsCtx {
  return { store, db: accountsDb(store.db), trail: opts.trail, grant: opts.grant, revoke: opts.revoke, now: opts.now ?? Date.now };
}

export interface AccessRequestView {
  id: number;
  service: string;
  providerMember: string;
  client: string;
  clientMember: string;
  endpoint: { method: string; path: string } | null;
  reason: string;
  state: RequestState;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  grantId: number | null;
}

type Row = Selectable<AccessRequestTable>;

const view = (r: Row): AccessRequestView => ({
  id: Number(r.id), service: r.service_id, providerMember: r.provider_member, client: r.client_id, clientMember: r.client_member,
  endpoint: r.endpoint_method && r.endpoint_path ? { method: r.endpoint_method, path: r.endpoint_path } : null,
  reason: r.reason, state: r.state as RequestState, requestedBy: r.requested_by, requestedAt: r.requested_at,
  decidedBy: r.decided_by, decidedAt: r.decided_at, decisionNote: r.decision_note, grantId: r.grant_id === null ? null : Number(r.grant_id),
});

const iso = (ms: number) => new Date(ms).toISOString();

async function serviceExists(db: Kysely<AccountsSchema>, id: string): Promise<boolean> {
  const ref = parseServiceId(id);
  const row = await db.selectFrom('services').innerJoin('subsystems', 'subsystems.id', 'services.subsystem_id')
    .innerJoin('members', 'members.id', 'subsystems.member_id').select('services.id')
    .where('members.member_class', '=', ref.memberClass).where('members.member_code', '=', ref.memberCode)
    .where('subsystems.subsystem_code', '=', ref.subsystemCode).where('services.service_code', '=', ref.serviceCode).executeTakeFirst();
  return !!row;
}

async function subsystemExists(db: Kysely<AccountsSchema>, id: string): Promise<boolean> {
  const ref = parseSubsystemId(id);
  const row = await db.selectFrom('subsystems').innerJoin('members', 'members.id', 'subsystems.member_id').select('subsystems.id')
    .where('members.member_class', '=', ref.memberClass).where('members.member_code', '=', ref.memberCode)
    .where('subsystems.subsystem_code', '=', ref.subsystemCode).executeTakeFirst();
  return !!row;
}

export interface NewRequest { service: string; client: string; endpoint?: { method: string; path: string } | null; reason: string }

/** Normalises and validates a request; returns its canonical ids and the two owning members. */
export function describeRequest(input: NewRequest) {
  const s = parseServiceId(input.service);
  const c = parseSubsystemId(input.client);
  const reason = String(input.reason ?? '').normalize('NFC').trim();
  if (reason.length < 5) throw new VamcoError('VALIDATION_FAILED', 'Explain in a few words why this system needs the service (the provider decides on it)', why('request_reason_short'));
  if (reason.length > 2000) throw new VamcoError('VALIDATION_FAILED', 'The reason may have at most 2000 characters');
  let endpoint: { method: string; path: string } | null = null;
  if (input.endpoint) {
    const method = String(input.endpoint.method ?? '').toUpperCase();
    const path = String(input.endpoint.path ?? '');
    if (!/^[A-Z]{3,7}$/.test(method) || !path.startsWith('/')) throw new VamcoError('VALIDATION_FAILED', 'An endpoint is a method and a path starting with "/"');
    endpoint = { method, path };
  }
  return { service: serviceId(s), providerMember: memberId(s), client: subsystemId(c), clientMember: memberId(c), reason, endpoint };
}

export async function createRequest(ctx: AccessRequestsCtx, input: NewRequest, who: Who): Promise<AccessRequestView> {
  const d = describeRequest(input);
  if (d.providerMember === d.clientMember) throw new VamcoError('CONFLICT', 'This service belongs to your own agency: grant access directly on the Access page', why('request_own_agency'));
  if (!(await serviceExists(ctx.db, d.service))) throw new VamcoError('NOT_FOUND', `Service ${d.service} is not registered`);
  if (!(await subsystemExists(ctx.db, d.client))) throw new VamcoError('NOT_FOUND', `Subsystem ${d.client} is not registered`);
  let dup = ctx.db.selectFrom('access_requests').select('id').where('service_id', '=', d.service).where('client_id', '=', d.client).where('state', '=', 'pending');
  dup = d.endpoint ? dup.where('endpoint_method', '=', d.endpoint.method).where('endpoint_path', '=', d.endpoint.path) : dup.where('endpoint_method', 'is', null);
  const existing = await dup.executeTakeFirst();
  if (existing) throw new VamcoError('ALREADY_EXISTS', `Request ${existing.id} for the same access is already pending`, { extra: { requestId: Number(existing.id), reason: 'request_pending', params: { id: Number(existing.id) } } });
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('access_requests').values({
      service_id: d.service, provider_member: d.providerMember, client_id: d.client, client_member: d.clientMember,
      endpoint_method: d.endpoint?.method ?? null, endpoint_path: d.endpoint?.path ?? null, reason: d.reason,
      state: 'pending', requested_by: who.actor, requested_at: iso(ctx.now()),
    }).returningAll().executeTakeFirstOrThrow();
    const v = view(row);
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: who.actor, action: 'access_request.create', target: `access-request:${v.id}`, address: who.address ?? null, after: v });
    return v;
  });
}

export async function getRequest(ctx: AccessRequestsCtx, id: number): Promise<AccessRequestView> {
  const r = await ctx.db.selectFrom('access_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw new VamcoError('NOT_FOUND', `Access request ${id} does not exist`);
  return view(r);
}

export interface RequestFilter { member?: string; direction?: 'incoming' | 'outgoing'; state?: RequestState; service?: string; client?: string }

export async function listRequests(ctx: AccessRequestsCtx, f: RequestFilter = {}): Promise<AccessRequestView[]> {
  let q = ctx.db.selectFrom('access_requests').selectAll();
  if (f.member) {
    const m = f.member;
    if (f.direction === 'incoming') q = q.where('provider_member', '=', m);
    else if (f.direction === 'outgoing') q = q.where('client_member', '=', m);
    else q = q.where((eb) => eb.or([eb('provider_member', '=', m), eb('client_member', '=', m)]));
  }
  if (f.state) q = q.where('state', '=', f.state);
  if (f.service) q = q.where('service_id', '=', serviceId(parseServiceId(f.service)));
  if (f.client) q = q.where('client_id', '=', subsystemId(parseSubsystemId(f.client)));
  return (await q.orderBy('id', 'desc').limit(1000).execute()).map(view);
}

async function decide(ctx: AccessRequestsCtx, id: number, state: RequestState, note: string | null, who: Who, grantId: number | null): Promise<AccessRequestView> {
  return ctx.db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('access_requests')
      .set({ state, decided_by: who.actor, decided_at: iso(ctx.now()), decision_note: note, grant_id: grantId })
      .where('id', '=', id).where('state', '=', 'pending').returningAll().executeTakeFirst();
    if (!updated) throw new VamcoError('CONFLICT', `Access request ${id} is no longer pending`);
    const v = view(updated);
    await ctx.trail(trx as unknown as Kysely<Schema>, { actor: who.actor, action: `access_request.${state === 'approved' ? 'approve' : state === 'rejected' ? 'reject' : 'withdraw'}`, target: `access-request:${id}`, address: who.address ?? null, before: { state: 'pending' }, after: { state, note, grantId } });
    return v;
  });
}

const cleanNote = (note: unknown): string | null => {
  const n = typeof note === 'string' ? note.normalize('NFC').trim() : '';
  if (n.length > 2000) throw new VamcoError('VALIDATION_FAILED', 'The note may have at most 2000 characters');
  return n || null;
};

/** Approves a pending request: the grant is created first (by the registry, trailed there), then the request is closed. */
export async function approveRequest(ctx: AccessRequestsCtx, id: number, note: unknown, who: Who): Promise<AccessRequestView> {
  const r = await getRequest(ctx, id);
  if (r.state !== 'pending') throw new VamcoError('CONFLICT', `Access request ${id} is ${r.state}, not pending`, why('request_not_pending', { id, state: r.state }));
  let grantId: number | null = null;
  try {
    grantId = (await ctx.grant({ service: r.service, client: r.client, endpoint: r.endpoint }, who)).id;
  } catch (e) {
    // Someone granted the same access meanwhile: the request is fulfilled all the same.
    if (!(e instanceof VamcoError && e.code === 'ALREADY_EXISTS')) throw e;
  }
  try {
    return await decide(ctx, id, 'approved', cleanNote(note), who, grantId);
  } catch (e) {
    // The request was withdrawn or decided meanwhile: take back the grant this approval made,
    // so no access stands behind a request that did not end approved.
    if (grantId !== null && ctx.revoke) await ctx.revoke(grantId, who);
    throw e;
  }
}

export async function rejectRequest(ctx: AccessRequestsCtx, id: number, note: unknown, who: Who): Promise<AccessRequestView> {
  const r = await getRequest(ctx, id);
  if (r.state !== 'pending') throw new VamcoError('CONFLICT', `Access request ${id} is ${r.state}, not pending`, why('request_not_pending', { id, state: r.state }));
  return decide(ctx, id, 'rejected', cleanNote(note), who, null);
}

export async function withdrawRequest(ctx: AccessRequestsCtx, id: number, who: Who): Promise<AccessRequestView> {
  const r = await getRequest(ctx, id);
  if (r.state !== 'pending') throw new VamcoError('CONFLICT', `Access request ${id} is ${r.state}, not pending`, why('request_not_pending', { id, state: r.state }));
  return decide(ctx, id, 'withdrawn', null, who, null);
}
