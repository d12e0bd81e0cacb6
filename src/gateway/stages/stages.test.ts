// The stages on their own: the composer's contract (stop at `finished`, a throw is logged and
// answered) and the decisions of identify, resolve and authorise, against a hand-made snapshot.
import { BackendAuthenticators, UpstreamBudgets } from '../../backend-auth/index.js';
import { describe, it, expect } from 'vitest';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { VamcoError } from '../../core/errors.js';
import { hashApiKey, type Snapshot, type SnapPeer, type SnapService, type SnapSubsystem } from '../../registry/index.js';
import type { WsdlModel } from '../../soap/index.js';
import { compilePathPattern } from '../../registry/openapi.js';
import type { ExchangeRecord } from '../../audit/index.js';
import { Metrics } from '../../monitoring/index.js';
import { TokenService } from '../tokens.js';
import { RateLimits } from '../limiter.js';
import { Upstreams } from '../upstream.js';
import { loadConfig } from '../../config/index.js';
import type { GatewayDeps } from '../types.js';
import { createExchangeHandler } from '../exchange.js';
import { AddressGuard } from '../../preauth/index.js';
import { parse, identify, resolve, authorise, guard, limit, newExchange, createOutcome, type StageFactory, type Exchange } from './index.js';
import { uuidV7 } from './parse.js';

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
    members: [], keys: new Map([[hashApiKey(KEY), { id: 1, subsystemId: 2, expiresAt: null }]]), grants, clientCerts: new Map(), revokedSerials: new Set(), peers: new Map(), outbound: new Map(), foreignClients: new Map(),
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
function fakeReq(url: string, given: Record<string, string | string[]>, method = 'GET', remoteAddress = '192.0.2.10'): IncomingMessage {
  const headers = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
  const headersDistinct = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  const rawHeaders = Object.entries(given).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).flatMap((one) => [k, one]));
  return Object.assign(new EventEmitter(), { url, method, headers, headersDistinct, rawHeaders, complete: true, socket: { remoteAddress } }) as unknown as IncomingMessage;
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
      .toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED', message: 'The credential does not belong to DEV/GOV/H59/hotich' }));
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
    snap.keys.set(hashApiKey('k-plus'), { id: 2, subsystemId: 3, expiresAt: null });
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
      .toThrow(expect.objectContaining({ code: 'ACCESS_DENIED', message: 'DEV/GOV/H60 is a member, not a subsystem: only subsystems are granted access to DEV/GOV/H59/hotich/records' }));
    // Its credential must still belong to one of the member's subsystems.
    expect(() => runStages(snapshot('all'), [parse, identify], '/r1/DEV/GOV/H59/hotich/records/x', { ...headers, 'x-road-client': 'DEV/GOV/H59' }))
      .toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED', message: 'The credential does not belong to DEV/GOV/H59' }));
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

describe('gateway stages before the backend: guard and limit', () => {
  const url = '/r1/DEV/GOV/H59/hotich/records/records/1';

  it('guard refuses a blocked address unheard: 429 with Retry-After in whole seconds, counted, nothing logged', async () => {
    const d = deps(snapshot('all'), []);
    d.guard = new AddressGuard({ failures: 2, windowMs: 60_000 });
    const blockedAt = Date.now();
    d.guard.failed('192.0.2.66', blockedAt);
    d.guard.failed('192.0.2.66', blockedAt);
    const outcome = createOutcome(d);
    const stage = guard(d, outcome);

    const out: Written = {};
    const x = newExchange(fakeReq(url, headers, 'GET', '192.0.2.66'), fakeRes(out), 0, snapshot('all'));
    stage.run(x);
    const ranAt = Date.now();
    expect(x.finished).toBe(true);
    expect(out.status).toBe(429);
    // What is left of the 60 s block, rounded up to whole seconds (never 0 while blocked).
    const seconds = Number(out.headers?.['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(Math.ceil((blockedAt + 60_000 - ranAt) / 1000));
    expect(seconds).toBeLessThanOrEqual(60);
    expect(JSON.parse(out.body!)).toMatchObject({
      type: 'Server.ServerProxy.RateLimited', code: 'ADDRESS_RATE_LIMITED', detail: x.requestId,
      message: `Too many failed authentications from this address: try again in ${seconds} s`,
    });
    expect((await d.metrics.preAuthRefused.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { server: 'gateway' } })]);

    // Another address goes on to identify: nothing answered, nothing counted.
    const other: Written = {};
    const y = newExchange(fakeReq(url, headers, 'GET', '192.0.2.67'), fakeRes(other), 0, snapshot('all'));
    stage.run(y);
    expect([y.finished, other.status]).toEqual([false, undefined]);
    expect((await d.metrics.preAuthRefused.get()).values[0].value).toBe(1);
  });

  it('guard lets everything through when no address guard is configured', () => {
    const d = deps(snapshot('all'), []);
    const out: Written = {};
    const x = newExchange(fakeReq(url, headers), fakeRes(out), 0, snapshot('all'));
    guard(d, createOutcome(d)).run(x);
    expect([x.finished, out.status]).toEqual([false, undefined]);
  });

  it('limit counts each client against the service\'s rate limit and answers 429 with the wait', async () => {
    const limited: SnapService = { ...records, id: 8, rateLimit: { points: 2, perSeconds: 60 }, rateLimitText: '2/min' };
    const snap = snapshot('all');
    const d = deps(snap, []);
    const stage = limit(d, createOutcome(d));
    const call = (client: SnapSubsystem, h: Record<string, string> = {}) => {
      const x = newExchange(fakeReq(url, { ...headers, ...h }), fakeRes({}), 0, snap);
      x.svc = limited;
      x.clientSub = client;
      x.client = `DEV/${client.key}`;
      x.service = 'DEV/GOV/H59/hotich/records';
      return stage.run(x);
    };
    await call(motcua);
    await call(motcua);
    const refusal = await Promise.resolve(call(motcua)).then(() => null, (e: VamcoError) => e);
    expect(refusal).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(refusal!.message).toBe('Rate limit of 2/min exceeded for DEV/GOV/H60/motcua');
    // The wait is what the limiter says, in whole seconds up: up to a minute here.
    const waitMs = refusal!.extra!.retryAfterMs as number;
    expect(waitMs).toBeGreaterThan(1_000);
    expect(waitMs).toBeLessThanOrEqual(60_000);
    expect(refusal!.headers).toEqual({ 'retry-after': String(Math.ceil(waitMs / 1000)) });
    // The count is per client: another subsystem still has its own two calls.
    await call(hotich);
    // A service without a limit is never refused for rate.
    const free = newExchange(fakeReq(url, headers), fakeRes({}), 0, snap);
    Object.assign(free, { svc: records, clientSub: motcua });
    for (let i = 0; i < 5; i++) await stage.run(free);
  });

  it('limit refuses a declared body over the size limit (413), at one byte over and not at the limit', async () => {
    const snap = snapshot('all');
    const d = deps(snap, []);
    const stage = limit(d, createOutcome(d));
    const max = d.config.maxBodyBytes;
    const run = (length: number) => {
      const x = newExchange(fakeReq(url, { ...headers, 'content-length': String(length) }, 'POST'), fakeRes({}), 0, snap);
      Object.assign(x, { svc: records, clientSub: motcua });
      return stage.run(x);
    };
    await run(max);
    await expect(run(max + 1)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413, message: `The request body (${max + 1} bytes) is larger than ${max} bytes` });
  });

  it('limit answers 503 CIRCUIT_OPEN, retry in 10 s, once the backend failed five times in a row', async () => {
    const snap = snapshot('all');
    const d = deps(snap, []);
    const stage = limit(d, createOutcome(d));
    const run = () => {
      const x = newExchange(fakeReq(url, headers), fakeRes({}), 0, snap);
      Object.assign(x, { svc: records, clientSub: motcua, service: 'DEV/GOV/H59/hotich/records' });
      return stage.run(x);
    };
    for (let i = 0; i < 4; i++) d.upstreams.failure(records.id);
    await run();
    d.upstreams.failure(records.id);
    await expect(run()).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN', status: 503, headers: { 'retry-after': '10' },
      message: 'The backend of DEV/GOV/H59/hotich/records failed repeatedly; retry shortly',
    });
  });
});

describe('gateway stages: what parse, resolve and identify refuse or record', () => {
  const url = '/r1/DEV/GOV/H59/hotich/records/x';
  const refused = (f: () => unknown, code: string, message?: string) =>
    expect(f).toThrow(expect.objectContaining({ code, ...(message === undefined ? {} : { message }) }));

  it('parse keeps a given X-Road-Id (1-255 printable ASCII) and otherwise generates {instance}-{uuid} (PR-REST §4.3)', () => {
    expect(runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-id': 'id-1!~' })).toMatchObject({ messageId: 'id-1!~', messageIdGenerated: false });
    expect(runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-id': 'x'.repeat(255) }).messageId).toBe('x'.repeat(255));
    const before = Date.now();
    const generated = runStages(snapshot('all'), [parse], url, headers);
    const after = Date.now();
    expect(generated.messageIdGenerated).toBe(true);
    // A UUID version 7: its first 48 bits are the time it was made, in ms (time-ordered ids keep
    // the store's message-id index appending at its end, issue 15).
    expect(generated.messageId).toMatch(/^DEV-[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const made = parseInt(generated.messageId.slice(4, 17).replace('-', ''), 16);
    expect(made).toBeGreaterThanOrEqual(before);
    expect(made).toBeLessThanOrEqual(after);
    expect(generated.messageId).not.toBe(`DEV-${generated.requestId}`);
    for (const bad of ['', 'x'.repeat(256), 'a b', 'é']) {
      refused(() => runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-id': bad }), 'BAD_REQUEST', 'X-Road-Id must be 1-255 printable ASCII characters');
    }
  });

  it('uuidV7: the time in ms in the first 48 bits, 74 random bits, ids of later milliseconds sort after earlier ones (RFC 9562 §5.7)', () => {
    const t = Date.UTC(2026, 10, 30, 8, 30, 0, 123);
    const ids = [t, t + 1, t + 1000, 2 ** 48 - 1].map((ms) => uuidV7(ms));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids.map((id) => parseInt(id.slice(0, 13).replace('-', ''), 16))).toEqual([t, t + 1, t + 1000, 2 ** 48 - 1]);
    expect([...ids].sort()).toEqual(ids);
    expect(uuidV7(0).startsWith('00000000-0000-7')).toBe(true);
    // The random part differs between ids of the same millisecond.
    const same = new Set(Array.from({ length: 1000 }, () => uuidV7(t).slice(15)));
    expect(same.size).toBe(1000);
  });

  it('parse records X-Road-UserId and X-Road-Issue, and checks the identifier headers\' parts (PR-REST §4.3, §4.8)', () => {
    const x = runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-userid': 'EE123', 'x-road-issue': 'HS-1/2026' });
    expect([x.userId, x.issue, x.securityServer]).toEqual(['EE123', 'HS-1/2026', null]);
    expect(runStages(snapshot('all'), [parse], url, headers)).toMatchObject({ userId: null, issue: null });
    // X-Road-Issue may be up to 1024 characters, the identifier headers 255.
    expect(runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-issue': 'i'.repeat(1024) }).issue).toHaveLength(1024);
    refused(() => runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-issue': 'i'.repeat(1025) }), 'BAD_REQUEST', 'X-Road-Issue is longer than 1024 characters');
    // A refusal names the header it is about.
    refused(() => runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-userid': 'Nguyễn' }), 'BAD_REQUEST', 'X-Road-UserId must be printable ASCII');
    refused(() => runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-represented-party': 'é' }), 'BAD_REQUEST', 'X-Road-Represented-Party must be printable ASCII');
    refused(() => runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-security-server': 'é' }), 'BAD_REQUEST', 'X-Road-Security-Server must be printable ASCII');
    // Represented party: CODE or CLASS/CODE.
    runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-represented-party': 'COM/12345' });
    runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-represented-party': '12345' });
    refused(() => runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-represented-party': 'A/B/C' }), 'BAD_REQUEST',
      'X-Road-Represented-Party must be [CLASS/]CODE, each part of A-Z a-z 0-9 \' ( ) + , - . = ?');
    // Security server: four parts, each decoded on its own; kept in decoded form.
    expect(runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-security-server': 'DEV/GOV/A%2BB/ss1' }).securityServer).toBe('DEV/GOV/A+B/ss1');
    refused(() => runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-security-server': 'DEV/GOV/ss1' }), 'BAD_REQUEST',
      'X-Road-Security-Server must be INSTANCE/CLASS/MEMBER/SERVERCODE, each part of A-Z a-z 0-9 \' ( ) + , - . = ?');
    refused(() => runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-security-server': 'DEV/GOV/M/s%20s' }), 'BAD_REQUEST');
    refused(() => runStages(snapshot('all'), [parse], url, { ...headers, 'x-road-security-server': 'DEV/GOV/M/%E0%A4%A' }), 'BAD_REQUEST',
      'X-Road-Security-Server has malformed percent-encoding');
  });

  it('parse needs the five identifier parts in the path, each of X-Road\'s characters', () => {
    const x = runStages(snapshot('all'), [parse], '/r1/DEV/GOV/H59/hotich/records?a=1', headers);
    expect(x.ref).toEqual({ instance: 'DEV', memberClass: 'GOV', memberCode: 'H59', subsystemCode: 'hotich', serviceCode: 'records', providerKey: 'GOV/H59/hotich' });
    expect([x.service, x.path, x.query]).toEqual(['DEV/GOV/H59/hotich/records', '/r1/DEV/GOV/H59/hotich/records', '?a=1']);
    refused(() => runStages(snapshot('all'), [parse], '/r1/DEV/GOV/H59/hotich', headers), 'INVALID_PATH',
      'Expected /r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/path]');
    refused(() => runStages(snapshot('all'), [parse], '/r1/DEV/GOV/H59/hot%20ich/records', headers), 'INVALID_PATH', 'Identifier parts use only A-Z a-z 0-9 \' ( ) + , - . = ?');
    refused(() => runStages(snapshot('all'), [parse], '/r1/DEV/GOV/H59/hot%2Fich/records', headers), 'INVALID_PATH', 'Encoded slashes are not allowed in identifiers');
  });

  it('resolve refuses another security server, control characters in the query, and unregistered subsystems\' metaservices', () => {
    const upToResolve = [parse, identify, resolve];
    // The platform's own identity ({instance}/{operator member}/{server code}) is accepted.
    const d = deps(snapshot('all'), []);
    const self = `${d.config.instance}/${d.config.operatorMember}/${d.config.serverCode}`;
    expect(runStages(snapshot('all'), upToResolve, url, { ...headers, 'x-road-security-server': self }).svc).toBe(records);
    refused(() => runStages(snapshot('all'), upToResolve, url, { ...headers, 'x-road-security-server': 'DEV/GOV/OTHER/ss9' }), 'INVALID_SECURITY_SERVER',
      `Could not find security server DEV/GOV/OTHER/ss9: the only security server here is ${self}`);
    refused(() => runStages(snapshot('all'), upToResolve, `${url}?a=%0d%0a\u0001`, headers), 'INVALID_PATH', 'Control characters in the query string');
    refused(() => runStages(snapshot('all'), upToResolve, '/r1/DEV/GOV/H99/none/listMethods', headers), 'SERVICE_NOT_FOUND', 'Subsystem DEV/GOV/H99/none is not registered');
    // Another instance that is not a peer has no services here.
    refused(() => runStages(snapshot('all'), [parse, resolve], '/r1/EE/GOV/H59/hotich/records', headers), 'SERVICE_NOT_FOUND', 'Service EE/GOV/H59/hotich/records is not registered');
    refused(() => runStages(snapshot('all'), [parse, resolve], '/r1/EE/GOV/H59/hotich/listMethods', headers), 'SERVICE_NOT_FOUND');
  });

  it('identify: a bearer token names its key\'s subsystem, and only while the key is in the snapshot', async () => {
    const d = deps(snapshot('all'), []);
    const { token } = await d.tokens.issue('DEV/GOV/H60/motcua', hashApiKey(KEY));
    const bearer = { 'x-road-client': 'DEV/GOV/H60/motcua', authorization: `Bearer ${token}` };
    const x = runStages(snapshot('all'), [parse, identify], url, bearer);
    expect([x.clientSub, x.credential, x.authorizationConsumed]).toEqual([motcua, 'token', true]);
    // The scheme is case-insensitive (RFC 7235 §2.1).
    expect(runStages(snapshot('all'), [parse, identify], url, { ...bearer, authorization: `bearer ${token}` }).clientSub).toBe(motcua);
    // RFC 6750 §2.1: "Bearer" 1*SP b64token.
    expect(runStages(snapshot('all'), [parse, identify], url, { ...bearer, authorization: `Bearer   ${token}` }).clientSub).toBe(motcua);
    // The key revoked: gone from the snapshot's keys, the token ends with it.
    const revoked = snapshot('all');
    revoked.keys.clear();
    refused(() => runStages(revoked, [parse, identify], url, bearer), 'UNAUTHENTICATED', 'The credential is not valid');
    // A token for motcua named for another subsystem, and a token that does not verify.
    refused(() => runStages(snapshot('all'), [parse, identify], url, { ...bearer, 'x-road-client': 'DEV/GOV/H59/hotich' }), 'UNAUTHENTICATED');
    refused(() => runStages(snapshot('all'), [parse, identify], url, { ...bearer, authorization: `Bearer ${token}x` }), 'UNAUTHENTICATED');
    // A token whose subject is another subsystem than its key's holder is refused.
    const other = await d.tokens.issue('DEV/GOV/H59/hotich', hashApiKey(KEY));
    refused(() => runStages(snapshot('all'), [parse, identify], url, { 'x-road-client': 'DEV/GOV/H60/motcua', authorization: `Bearer ${other.token}` }), 'UNAUTHENTICATED');
  });

  it('identify: no credential, an empty key, or another instance that is no peer is unauthenticated; the API key wins over a token', () => {
    refused(() => runStages(snapshot('all'), [parse, identify], url, { 'x-road-client': 'DEV/GOV/H60/motcua' }), 'UNAUTHENTICATED',
      'Send an API key in X-API-Key, a bearer token from POST /token, or a TLS client certificate over HTTPS');
    // An empty key, or an Authorization that is not a bearer token, is no credential at all.
    for (const h of [{ 'x-api-key': '' }, { authorization: 'Basic Bearer abc' }, { authorization: 'Bearerabc' }] as Record<string, string>[]) {
      refused(() => runStages(snapshot('all'), [parse, identify], url, { 'x-road-client': 'DEV/GOV/H60/motcua', ...h }), 'UNAUTHENTICATED',
        'Send an API key in X-API-Key, a bearer token from POST /token, or a TLS client certificate over HTTPS');
    }
    refused(() => runStages(snapshot('all'), [parse, identify], url, { ...headers, 'x-road-client': 'EE/GOV/H60/motcua' }), 'UNAUTHENTICATED',
      "Client instance EE is not this platform's instance (DEV) nor one of its peers");
    refused(() => runStages(snapshot('all'), [parse, identify], url, { 'x-api-key': KEY }), 'MISSING_CLIENT', 'The X-Road-Client header is required: INSTANCE/CLASS/MEMBER/SUBSYSTEM');
    const x = runStages(snapshot('all'), [parse, identify], url, { ...headers, authorization: 'Bearer not-a-token' });
    expect([x.clientSub, x.credential, x.authorizationConsumed]).toEqual([motcua, 'api-key', false]);
  });
});

const upTo: StageFactory[] = [parse, identify, resolve, authorise];

describe('gateway stages: authorise for a SOAP service and for a peer instance\'s service', () => {
  const soapService: SnapService = {
    ...records, soap: {} as WsdlModel,
    endpoints: [{ id: 71, method: 'POST', path: '/getPerson', pattern: compilePathPattern('/getPerson') }],
  };
  const withSoap = (grant: 'all' | 'endpoint' | 'none'): Snapshot => {
    const snap = snapshot('none');
    snap.services.set(soapService.key, soapService);
    if (grant !== 'none') snap.grants.set(7, new Map([[2, grant === 'all' ? { all: true, endpoints: [] } : { all: false, endpoints: soapService.endpoints }]]));
    return snap;
  };

  it('a SOAP envelope posted to the service is read only with some right on the service; an operation\'s JSON call needs that operation', () => {
    // An envelope (POST to the service itself): passed on, its operation checked once read.
    expect(runStages(withSoap('endpoint'), upTo, '/r1/DEV/GOV/H59/hotich/records', headers, 'POST').soapMode).toBe('pass');
    expect(() => runStages(withSoap('none'), upTo, '/r1/DEV/GOV/H59/hotich/records', headers, 'POST'))
      .toThrow(expect.objectContaining({ code: 'ACCESS_DENIED', message: 'DEV/GOV/H60/motcua has no access to DEV/GOV/H59/hotich/records' }));
    // POST /{operation}: JSON mode, allowed by that operation's right only.
    expect(runStages(withSoap('endpoint'), upTo, '/r1/DEV/GOV/H59/hotich/records/getPerson', headers, 'POST').soapMode).toBe('json');
    expect(() => runStages(withSoap('endpoint'), upTo, '/r1/DEV/GOV/H59/hotich/records/other', headers, 'POST'))
      .toThrow(expect.objectContaining({ code: 'ACCESS_DENIED', message: 'DEV/GOV/H60/motcua has no access to POST /other of DEV/GOV/H59/hotich/records' }));
    // Another method is no SOAP call: decided by the endpoint rights as for REST.
    const get = runStages(withSoap('all'), upTo, '/r1/DEV/GOV/H59/hotich/records', headers);
    expect(get.soapMode).toBeNull();
    expect(() => runStages(withSoap('endpoint'), upTo, '/r1/DEV/GOV/H59/hotich/records', headers)).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
  });

  const peer: SnapPeer = {
    id: -4, instance: 'EE', type: 'vamco', xroadClient: null, url: 'https://ee.example:8443', ca: null, fingerprint: 'ab'.repeat(32),
    tls: { id: 'peer:4', ca: null, cert: null, key: null }, directoryKeys: [], directoryKeyOnFirstUse: false, services: new Map(),
  };
  const withPeer = (outbound: boolean): Snapshot => {
    const snap = snapshot('none');
    snap.peers.set('EE', peer);
    if (outbound) snap.outbound.set('EE/GOV/70000001/sys/people', new Set([motcua.id]));
    return snap;
  };

  it('a peer\'s service is called through the peer\'s /r1, and only by a local client an outbound rule lets out', () => {
    const x = runStages(withPeer(true), upTo, '/r1/EE/GOV/70000001/sys/people/p%2B1?q=1', headers);
    expect(x.peer).toBe(peer);
    expect(x.svc).toMatchObject({ id: -4, key: 'EE/GOV/70000001/sys/people', providerKey: 'GOV/70000001/sys', tls: peer.tls });
    expect(x.svc!.url.href).toBe('https://ee.example:8443/r1/EE/GOV/70000001/sys/people');
    expect(x.target).toBe('/r1/EE/GOV/70000001/sys/people/p%2B1?q=1');
    expect(x.serviceLabel).toBe('EE/GOV/70000001/sys/people');
    // No outbound rule for this client: default deny, with the command that would allow it.
    expect(() => runStages(withPeer(false), upTo, '/r1/EE/GOV/70000001/sys/people', headers)).toThrow(expect.objectContaining({
      code: 'ACCESS_DENIED',
      message: 'DEV/GOV/H60/motcua may not call EE/GOV/70000001/sys/people of peer EE: no outbound rule here lets it ("vamco outbound allow EE/GOV/70000001/sys/people GOV/H60/motcua")',
    }));
    // A local service is never looked up among the peer's.
    expect(runStages(withPeer(true), [parse, identify, resolve], '/r1/DEV/GOV/H59/hotich/records', headers).peer).toBeNull();
  });

  // What resolve sees of a request once identify has run (and, for a peer's client, proved it).
  function resolved(snap: Snapshot, url: string, opts: { fromPeer?: SnapPeer; directory?: object[]; noCopy?: boolean } = {}): Exchange {
    const d = deps(snap, []);
    if (opts.directory) d.directories = { content: (instance) => (instance === 'EE' && !opts.noCopy ? { members: opts.directory as never, services: [] } : null) };
    const outcome = createOutcome(d);
    const x = newExchange(fakeReq(url, headers), fakeRes({}), 0, snap);
    parse(d, outcome).run(x);
    identify(d, outcome).run(x);
    x.fromPeer = opts.fromPeer ?? null;
    resolve(d, outcome).run(x);
    return x;
  }
  const sys = (objectType: string, code = 'sys') => ({ id: { object_type: objectType, xroad_instance: 'EE', member_class: 'GOV', member_code: '70000001', subsystem_code: code } });

  it('listMethods of a peer\'s subsystem is answered here when the peer\'s signed directory lists that subsystem', () => {
    const listing = [sys('MEMBER', 'ignored'), sys('SUBSYSTEM', 'other'), sys('SUBSYSTEM')];
    expect(resolved(withPeer(false), '/r1/EE/GOV/70000001/sys/listMethods', { directory: listing })).toMatchObject({ metaservice: 'listMethods', serviceLabel: 'listMethods', svc: null });
    const notFound = { code: 'SERVICE_NOT_FOUND', message: 'Subsystem EE/GOV/70000001/sys is not registered' };
    // Not in the directory (only as a member, or another subsystem), no directory, another metaservice.
    expect(() => resolved(withPeer(false), '/r1/EE/GOV/70000001/sys/listMethods', { directory: [sys('MEMBER'), sys('SUBSYSTEM', 'other')] })).toThrow(expect.objectContaining(notFound));
    expect(() => resolved(withPeer(false), '/r1/EE/GOV/70000001/sys/listMethods')).toThrow(expect.objectContaining(notFound));
    // The peer's directory not fetched yet.
    expect(() => resolved(withPeer(false), '/r1/EE/GOV/70000001/sys/listMethods', { directory: [], noCopy: true })).toThrow(expect.objectContaining(notFound));
    // allowedMethods and getOpenAPI of the peer's subsystem too are answered here from its directory (issue 17, item 4).
    for (const m of ['allowedMethods', 'getOpenAPI']) expect(resolved(withPeer(false), `/r1/EE/GOV/70000001/sys/${m}`, { directory: listing })).toMatchObject({ metaservice: m, svc: null });
    expect(() => resolved(withPeer(false), '/r1/EE/GOV/70000001/sys/allowedMethods', { directory: [sys('SUBSYSTEM', 'other')] })).toThrow(expect.objectContaining(notFound));
    // A peer's own client does not get another peer's listing relayed.
    expect(() => resolved(withPeer(false), '/r1/EE/GOV/70000001/sys/listMethods', { directory: listing, fromPeer: peer })).toThrow(expect.objectContaining(notFound));
  });

  it('a peer\'s client reaches this instance\'s services only: a platform does not relay between peers', () => {
    expect(resolved(withPeer(true), '/r1/DEV/GOV/H59/hotich/records', { fromPeer: peer }).svc).toBe(records);
    expect(() => resolved(withPeer(true), '/r1/EE/GOV/70000001/sys/people', { fromPeer: peer })).toThrow(expect.objectContaining({
      code: 'SERVICE_NOT_FOUND', message: "Service EE/GOV/70000001/sys/people is not of this instance: a peer's client calls this instance's services only",
    }));
  });
});
