// The stages on their own: the composer's contract (stop at `finished`, a throw is logged and
// answered) and the decisions of identify, resolve and authorise, against a hand-made snapshot.
import { BackendAuthenticators, UpstreamBudgets } from '../../backend-auth/index.js';
import { describe, it, expect } from 'vitest';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { VamcoError } from '../../core/errors.js';
import { hashApiKey, type Snapshot, type SnapService, type SnapSubsystem } from '../../registry/index.js';
import { compilePathPattern } from '../../registry/openapi.js';
import type { ExchangeRecord } from '../../audit/index.js';
import { Metrics } from '../../monitoring/index.js';
import { TokenService } from '../tokens.js';
import { RateLimits } from '../limiter.js';
import { Upstreams } from '../upstream.js';
import { loadConfig } from '../../config/index.js';
import type { GatewayDeps } from '../types.js';
import { createExchangeHandler } from '../exchange.js';
import { parse, identify, resolve, authorise, newExchange, createOutcome, type StageFactory, type Exchange } from './index.js';

const KEY = 'k-motcua';
const motcua: SnapSubsystem = { id: 2, key: 'GOV/H60/motcua', memberClass: 'GOV', memberCode: 'H60', subsystemCode: 'motcua', name: null };
const hotich: SnapSubsystem = { id: 1, key: 'GOV/H59/hotich', memberClass: 'GOV', memberCode: 'H59', subsystemCode: 'hotich', name: null };
const records: SnapService = {
  id: 7, key: 'GOV/H59/hotich/records', memberClass: 'GOV', memberCode: 'H59', subsystemCode: 'hotich', serviceCode: 'records',
  providerKey: 'GOV/H59/hotich', type: 'REST', url: new URL('http://backend.example/api'), timeoutMs: null, connectTimeoutMs: null,
  rateLimit: null, rateLimitText: null, logBodies: false, backendAuth: null, backendCredential: null, tls: null, openapi: null, soap: null,
  endpoints: [{ id: 70, method: 'GET', path: '/records/{id}', pattern: compilePathPattern('/records/{id}') }],
};

function snapshot(grant: 'all' | 'endpoint' | 'none'): Snapshot {
  const grants = new Map();
  if (grant !== 'none') grants.set(7, new Map([[2, grant === 'all' ? { all: true, endpoints: [] } : { all: false, endpoints: records.endpoints }]]));
  return {
    version: 1, builtAt: 0,
    services: new Map([[records.key, records]]), servicesByProvider: new Map([[hotich.key, [records]]]),
    subsystems: new Map([[hotich.key, hotich], [motcua.key, motcua]]), subsystemsById: new Map([[1, hotich], [2, motcua]]),
    members: [], keys: new Map([[hashApiKey(KEY), 2]]), grants, clientCerts: new Map(), revokedSerials: new Set(), peers: new Map(), outbound: new Map(), foreignClients: new Map(),
  };
}

function deps(snap: Snapshot, logged: ExchangeRecord[], failLog = false): GatewayDeps {
  return {
    config: loadConfig({ VAMCO_INSTANCE: 'DEV' }), snapshots: { current: snap } as GatewayDeps['snapshots'],
    log: { append: async (r) => { if (failLog) throw new Error('disk full'); logged.push(r); } },
    tokens: new TokenService(Buffer.alloc(32, 1), 'vamco:DEV', 300), metrics: new Metrics(), logger: pino({ level: 'silent' }),
    limits: new RateLimits(), upstreams: new Upstreams({ connectTimeoutMs: 1000, defaultTimeoutMs: 1000 }), isReady: () => true,
    backendAuth: new BackendAuthenticators({ tokenTimeoutMs: 1000 }), budgets: new UpstreamBudgets(),
  };
}

/** A request as node:http gives it: repeated headers joined in `headers`, kept apart in `headersDistinct`. */
function fakeReq(url: string, given: Record<string, string | string[]>, method = 'GET'): IncomingMessage {
  const headers = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
  const headersDistinct = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  const rawHeaders = Object.entries(given).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).flatMap((one) => [k, one]));
  return Object.assign(new EventEmitter(), { url, method, headers, headersDistinct, rawHeaders, complete: true }) as unknown as IncomingMessage;
}

interface Written { status?: number; headers?: Record<string, unknown>; body?: string }
function fakeRes(out: Written): ServerResponse {
  const res = Object.assign(new EventEmitter(), {
    headersSent: false, writableFinished: false,
    writeHead(status: number, headers: Record<string, unknown>) { out.status = status; out.headers = headers; res.headersSent = true; return res; },
    end(body?: string | Buffer) { out.body = String(body ?? ''); res.writableFinished = true; },
    destroy() {},
  });
  return res as unknown as ServerResponse;
}

const headers = { 'x-road-client': 'DEV/GOV/H60/motcua', 'x-api-key': KEY };

/** Runs the given stages over one request, as the composer does. */
function runStages(snap: Snapshot, factories: StageFactory[], url: string, h: Record<string, string | string[]>, method = 'GET'): Exchange {
  const d = deps(snap, []);
  const outcome = createOutcome(d);
  const x = newExchange(fakeReq(url, h, method), fakeRes({}), 0, snap);
  for (const f of factories) {
    const r = f(d, outcome).run(x);
    if (r instanceof Promise) throw new Error('these stages are synchronous');
  }
  return x;
}

describe('gateway stages', () => {
  const upToAuthorise: StageFactory[] = [parse, identify, resolve, authorise];

  it('identify takes the client from X-Road-Client only when the credential belongs to it', () => {
    const x = runStages(snapshot('all'), [parse, identify], '/r1/DEV/GOV/H59/hotich/records/x', headers);
    expect(x.clientSub).toBe(motcua);
    expect(x.client).toBe('DEV/GOV/H60/motcua');
    // The same key named for another subsystem is refused.
    expect(() => runStages(snapshot('all'), [parse, identify], '/r1/DEV/GOV/H59/hotich/records/x', { ...headers, 'x-road-client': 'DEV/GOV/H59/hotich' }))
      .toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(() => runStages(snapshot('all'), [parse, identify], '/r1/DEV/GOV/H59/hotich/records/x', { ...headers, 'x-api-key': 'wrong' }))
      .toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });

  // PR-REST 1.0.4 §4.3 (X-Road-Client): parts percent-encoded on their own, the subsystem part
  // optional, and of several X-Road-Client headers the last one counts.
  it('identify percent-decodes each X-Road-Client part (PR-REST §4.3, §4.2)', () => {
    const plus: SnapSubsystem = { id: 3, key: 'GOV/A+B/is', memberClass: 'GOV', memberCode: 'A+B', subsystemCode: 'is', name: null };
    const snap = snapshot('all');
    snap.subsystems.set(plus.key, plus);
    snap.subsystemsById.set(3, plus);
    snap.keys.set(hashApiKey('k-plus'), 3);
    const x = runStages(snap, [parse, identify], '/r1/DEV/GOV/H59/hotich/records/x', { 'x-road-client': 'DEV/GOV/A%2BB/is', 'x-api-key': 'k-plus' });
    expect([x.client, x.clientSub]).toEqual(['DEV/GOV/A+B/is', plus]);
    // Encoded or not, an unreserved character is the same part.
    expect(runStages(snapshot('all'), [parse, identify], '/r1/DEV/GOV/H59/hotich/records/x', { ...headers, 'x-road-client': 'DEV/GOV/H60/mot%63ua' }).clientSub).toBe(motcua);
    // A decoded part still has to use X-Road's characters (§4.8), and bad escapes are refused.
    for (const bad of ['DEV/GOV/H60/mot%20cua', 'DEV/GOV/H60/%ZZ', 'DEV/GOV/H60%2Fmotcua', 'DEV/GOV', 'DEV/GOV/H60/motcua/extra']) {
      expect(() => runStages(snapshot('all'), [parse, identify], '/r1/DEV/GOV/H59/hotich/records/x', { ...headers, 'x-road-client': bad }))
        .toThrow(expect.objectContaining({ code: 'MISSING_CLIENT' }));
    }
  });

  it('identify takes the last of several X-Road-Client headers (PR-REST §4.3)', () => {
    const x = runStages(snapshot('all'), [parse, identify], '/r1/DEV/GOV/H59/hotich/records/x', { ...headers, 'x-road-client': ['DEV/GOV/H59/hotich', 'DEV/GOV/H60/motcua'] });
    expect(x.clientSub).toBe(motcua);
    expect(() => runStages(snapshot('all'), [parse, identify], '/r1/DEV/GOV/H59/hotich/records/x', { ...headers, 'x-road-client': ['DEV/GOV/H60/motcua', 'DEV/GOV/H59/hotich'] }))
      .toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });

  it('a member-level client is well-formed and refused by authorise, not by parsing (PR-REST §4.1, §4.3)', () => {
    const x = runStages(snapshot('all'), [parse, identify, resolve], '/r1/DEV/GOV/H59/hotich/records/x', { ...headers, 'x-road-client': 'DEV/GOV/H60' });
    expect([x.client, x.clientSub]).toEqual(['DEV/GOV/H60', null]);
    expect(() => runStages(snapshot('all'), upToAuthorise, '/r1/DEV/GOV/H59/hotich/records/x', { ...headers, 'x-road-client': 'DEV/GOV/H60' }))
      .toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
    // Its credential must still belong to one of the member's subsystems.
    expect(() => runStages(snapshot('all'), [parse, identify], '/r1/DEV/GOV/H59/hotich/records/x', { ...headers, 'x-road-client': 'DEV/GOV/H59' }))
      .toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });

  it('resolve decodes the service path once and names a metaservice instead of a service', () => {
    const x = runStages(snapshot('all'), [parse, identify, resolve], '/r1/DEV/GOV/H59/hotich/records/a%7eb/%41?q=1', headers);
    expect(x.svc).toBe(records);
    // Authorised decoded; forwarded as the consumer encoded it (PR-REST §4.1).
    expect(x.servicePath).toEqual({ decoded: '/a~b/A', encoded: '/a%7eb/%41' });
    expect(x.target).toBe('/r1/DEV/GOV/H59/hotich/records/a%7eb/%41?q=1');
    const m = runStages(snapshot('all'), [parse, identify, resolve], '/r1/DEV/GOV/H59/hotich/listMethods', headers);
    expect(m.metaservice).toBe('listMethods');
    expect(m.svc).toBeNull();
    expect(() => runStages(snapshot('all'), [parse, identify, resolve], '/r1/DEV/GOV/H59/hotich/nothing', headers))
      .toThrow(expect.objectContaining({ code: 'SERVICE_NOT_FOUND' }));
  });

  it('authorise follows the grant: all, one endpoint by method and path, or none', () => {
    expect(runStages(snapshot('all'), upToAuthorise, '/r1/DEV/GOV/H59/hotich/records/other', headers, 'POST').finished).toBe(false);
    expect(() => runStages(snapshot('endpoint'), upToAuthorise, '/r1/DEV/GOV/H59/hotich/records/other', headers)).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
    expect(() => runStages(snapshot('endpoint'), upToAuthorise, '/r1/DEV/GOV/H59/hotich/records/records/1', headers, 'DELETE')).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
    runStages(snapshot('endpoint'), upToAuthorise, '/r1/DEV/GOV/H59/hotich/records/records/1', headers);
    expect(() => runStages(snapshot('none'), upToAuthorise, '/r1/DEV/GOV/H59/hotich/records/records/1', headers)).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
  });

  it('the composer stops at the stage that answered, and logs and answers a refusal', async () => {
    const ran: string[] = [];
    const answering: StageFactory = () => ({ name: 'answer', run(x) { ran.push('answer'); x.finished = true; } });
    const after: StageFactory = () => ({ name: 'after', run() { ran.push('after'); } });
    const refusing: StageFactory = () => ({ name: 'refuse', async run() { ran.push('refuse'); throw new VamcoError('ACCESS_DENIED', 'no'); } });
    const snap = snapshot('all');

    const logged: ExchangeRecord[] = [];
    await createExchangeHandler(deps(snap, logged), [parse, answering, after])(fakeReq('/r1/DEV/GOV/H59/hotich/records', headers), fakeRes({}), 0);
    expect(ran).toEqual(['answer']);
    expect(logged).toHaveLength(0); // the answering stage logs its own outcome

    const out: Written = {};
    await createExchangeHandler(deps(snap, logged), [parse, refusing, after])(fakeReq('/r1/DEV/GOV/H59/hotich/records', headers), fakeRes(out), 0);
    expect(ran).toEqual(['answer', 'refuse']);
    expect(out.status).toBe(500);
    expect(out.headers?.['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
    expect(logged).toEqual([expect.objectContaining({ status: 500, errorCode: 'ACCESS_DENIED', service: 'DEV/GOV/H59/hotich/records' })]);

    // When the refusal cannot be recorded, the answer says so (Server.NotReady, 500), never the refusal alone.
    const out2: Written = {};
    await createExchangeHandler(deps(snap, [], true), [parse, refusing])(fakeReq('/r1/DEV/GOV/H59/hotich/records', headers), fakeRes(out2), 0);
    expect(out2.status).toBe(500);
    expect(JSON.parse(out2.body!).code).toBe('NOT_READY');
  });
});
