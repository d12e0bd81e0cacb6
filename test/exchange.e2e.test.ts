// The exchange core as an integrator and an operator use it: the CLI registers, the gateway
// forwards, errors are X-Road faults with stable codes, the log verifies.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, deadPort, rawRequest, type TestBackend } from './helpers/backend.js';
import { testEngines } from '../src/store/testing.js';

const P = 'GOV/000.00.00.H59/hotich';
const C = 'GOV/000.00.00.H60/motcua';
const SVC = `${P}/khaisinh`;

describe.each(testEngines())('exchange core end to end (%s)', (engine) => {
  let p: TestPlatform;
  let backend: TestBackend;
  let key: string;
  const call = (svcPath: string, opts: { method?: string; headers?: Record<string, string>; body?: any; key?: string | null; signal?: AbortSignal } = {}) =>
    request(`${p.gatewayUrl}/r1/${p.instance}/${P}/${svcPath}`, {
      method: (opts.method ?? 'GET') as 'GET',
      headers: {
        'x-road-client': `${p.instance}/${C}`,
        ...(opts.key === null ? {} : { 'x-api-key': opts.key ?? key }),
        ...opts.headers,
      },
      body: opts.body,
      signal: opts.signal,
    });

  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform({ engine, env: { VAMCO_MAX_BODY_BYTES: String(25 * 1024 * 1024) } });
    await p.cli(['member', 'add', 'GOV', '000.00.00.H59', '--name', 'Sở Tư pháp']);
    await p.cli(['member', 'add', 'GOV', '000.00.00.H60', '--name', 'Văn phòng UBND tỉnh']);
    await p.cli(['subsystem', 'add', P]);
    await p.cli(['subsystem', 'add', C]);
    await p.cli(['service', 'add', SVC, '--url', `${backend.url}/api`, '--timeout', '20s']);
    await p.cli(['service', 'add', `${P}/slowsvc`, '--url', backend.url, '--timeout', '1s']);
    await p.cli(['access', 'grant', `${P}/slowsvc`, C]);
    // Per hour: however long a burst takes on a busy machine, no point comes back during it.
    await p.cli(['service', 'add', `${P}/limited`, '--url', backend.url, '--rate-limit', '5/h']);
    await p.cli(['access', 'grant', SVC, C]);
    await p.cli(['access', 'grant', `${P}/limited`, C]);
    await p.cli(['service', 'add', `${P}/ungranted`, '--url', backend.url]);
    key = (await p.cli(['key', 'create', C])).stdout.trim();
    await p.snapshots.poll();
  });
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
  });

  it('lists services one full id per line', async () => {
    const out = (await p.cli(['service', 'list'])).stdout.trim().split('\n');
    // Sorted full ids; other tests may have added services of their own.
    expect(out).toEqual([...out].sort());
    expect(out).toEqual(expect.arrayContaining([`${P}/khaisinh`, `${P}/limited`, `${P}/slowsvc`, `${P}/ungranted`]));
    for (const id of out) expect(id).toMatch(/^GOV\/[^/]+\/[^/]+\/[^/]+$/);
    expect(key).toMatch(/^vmk_[A-Za-z0-9_-]{43}$/);
  });

  it('forwards path, query and X-Road headers, never the consumer key', async () => {
    const before = backend.seen.length;
    const res = await call('khaisinh/records/079203000001?year=2026&q=a%20b', { headers: { 'x-road-userid': 'VN079203000001', 'x-custom': 'kept' } });
    const body = await res.body.json() as { url: string };
    expect(res.statusCode).toBe(200);
    expect(body.url).toBe('/api/records/079203000001?year=2026&q=a%20b');
    const seen = backend.seen[before];
    expect(seen.headers['x-road-client']).toBe(`${p.instance}/${C}`);
    expect(seen.headers['x-road-userid']).toBe('VN079203000001');
    expect(seen.headers['x-custom']).toBe('kept');
    expect(seen.headers['x-api-key']).toBeUndefined();
    expect(JSON.stringify(seen.headers)).not.toContain(key);
    expect(res.headers['x-road-id']).toMatch(new RegExp(`^${p.instance}-[0-9a-f-]{36}$`));
    expect(seen.headers['x-road-id']).toBe(res.headers['x-road-id']);
    expect(res.headers['x-road-request-hash']).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(res.headers['x-backend']).toBe('test');
  });

  it('keeps a given X-Road-Id', async () => {
    const res = await call('khaisinh/x', { headers: { 'x-road-id': 'msg-123' } });
    await res.body.dump();
    expect(res.headers['x-road-id']).toBe('msg-123');
  });

  it('answers each platform error as an X-Road fault with a stable code (PR-REST §4.6)', async () => {
    const cases: [Promise<Awaited<ReturnType<typeof call>>>, number, string][] = [
      [call('khaisinh/x', { key: 'vmk_wrong' }), 400, 'UNAUTHENTICATED'],
      [call('khaisinh/x', { key: null }), 400, 'UNAUTHENTICATED'],
      [call('khaisinh/x', { headers: { 'x-road-client': 'nonsense' } }), 400, 'MISSING_CLIENT'],
      [call('nosuch/x'), 500, 'SERVICE_NOT_FOUND'],
      [call('khaisinh/a%2Fb'), 400, 'INVALID_PATH'],
      [call('khaisinh/a%5Cb'), 400, 'INVALID_PATH'],
      [call('khaisinh/a%ZZ'), 400, 'INVALID_PATH'],
      [call('khaisinh/x', { headers: { 'x-road-id': 'bad id with spaces' } }), 400, 'BAD_REQUEST'],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      const body = await res.body.json() as { code: string; requestId: string; type: string; detail: string };
      expect([res.statusCode, body.code]).toEqual([status, code]);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.type).toBe(res.headers['x-road-error']);
      expect(body.type).toMatch(/^(Client|Server)\./);
    }
    // Dot segments, raw and encoded, are refused before authorisation (sent raw: clients normalise them).
    for (const raw of ['/a/../b', '/a/%2e%2e/b', '/./x', '/a//b']) {
      const r = await rawRequest(p.gatewayUrl, `/r1/${p.instance}/${SVC}${raw}`, { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': key });
      expect([raw, r.status, JSON.parse(r.body).code]).toEqual([raw, 400, 'INVALID_PATH']);
    }
  });

  it('refuses a credential of another subsystem', async () => {
    const other = (await p.cli(['key', 'create', P])).stdout.trim();
    await p.snapshots.poll();
    const res = await call('khaisinh/x', { key: other });
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { message: string }).message).toContain('does not belong');
  });

  /** Calls until the answer has `status`, within a generous deadline; returns the last status. */
  const until = async (svcPath: string, status: number) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await call(svcPath);
      await res.body.dump();
      if (res.statusCode === status || Date.now() > deadline) return res.statusCode;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  // How soon a change is seen is the snapshot poll's business (VAMCO_SNAPSHOT_POLL); this test
  // checks that it is seen, on a running gateway, without a restart.
  it('denies by default and applies a grant and a revoke made by the CLI to the running gateway', async () => {
    await p.cli(['service', 'add', `${P}/private`, '--url', backend.url]);
    await p.snapshots.poll();
    const res = await call('private/x');
    expect(res.statusCode).toBe(500); // Server.ServerProxy.AccessDenied: X-Road's category 4
    expect(((await res.body.json()) as { code: string }).code).toBe('ACCESS_DENIED');
    await p.cli(['access', 'grant', `${P}/private`, C]);
    expect(await until('private/x', 200)).toBe(200);
    await p.cli(['access', 'revoke', `${P}/private`, C]);
    expect(await until('private/x', 500)).toBe(500);
  });

  it('answers 500 Server.ServerProxy.Timeout when the backend is slower than the service timeout (PR-REST §4.6 category 2)', async () => {
    const res = await call('slowsvc/slow/3000');
    const body = await res.body.json() as { code: string };
    expect([res.statusCode, body.code]).toEqual([500, 'UPSTREAM_TIMEOUT']);
  });

  // One listener on the consumer's connection marks the exchange and cancels the backend call
  // (issue 15 merged two): a consumer that goes away frees the backend's connection long before
  // the service's timeout, and the record says so.
  it('cancels the backend call when the consumer goes away, and records 499 CLIENT_CLOSED', async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((r) => { arrived = r; });
    let closed!: () => void;
    const freed = new Promise<void>((r) => { closed = r; });
    const hanging = http.createServer((req, res) => { res.on('close', closed); arrived(); });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    try {
      const port = (hanging.address() as AddressInfo).port;
      await p.cli(['service', 'add', `${P}/hangs`, '--url', `http://127.0.0.1:${port}`, '--timeout', '120s']);
      await p.cli(['access', 'grant', `${P}/hangs`, C]);
      await p.snapshots.poll();
      const ac = new AbortController();
      const pending = call('hangs/x', { headers: { 'x-road-id': 'consumer-leaves' }, signal: ac.signal }).catch((e: Error) => e);
      await reached;
      ac.abort();
      expect(await pending).toBeInstanceOf(Error);
      const deadline = new Promise<string>((r) => { const t = setTimeout(() => r('still open'), 30_000); t.unref(); });
      expect(await Promise.race([freed.then(() => 'freed'), deadline])).toBe('freed');
      let rows: { status: number; error_code: string | null }[] = [];
      for (const until = Date.now() + 30_000; Date.now() < until && rows.length < 2; await new Promise((r) => setTimeout(r, 100))) {
        await p.messageLog.flush();
        rows = await p.store.db.selectFrom('message_log').select(['status', 'error_code']).where('message_id', '=', 'consumer-leaves').orderBy('seq').execute();
      }
      expect(rows).toEqual([{ status: 0, error_code: null }, { status: 499, error_code: 'CLIENT_CLOSED' }]);
    } finally {
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
    }
  });

  it('answers 500 NetworkError when the backend is down, then 500 ServiceUnavailable once the circuit opens (PR-REST §4.6 category 2)', async () => {
    const port = await deadPort();
    await p.cli(['service', 'add', `${P}/down`, '--url', `http://127.0.0.1:${port}`]);
    await p.cli(['access', 'grant', `${P}/down`, C]);
    await p.snapshots.poll();
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await call('down/x');
      codes.push(`${res.statusCode} ${((await res.body.json()) as { code: string }).code}`);
    }
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('500 UPSTREAM_UNREACHABLE'));
    expect(codes[6]).toBe('500 CIRCUIT_OPEN');
  });

  it('streams a 20 MB upload and download intact', async () => {
    const data = crypto.randomBytes(20 * 1024 * 1024);
    const digest = crypto.createHash('sha256').update(data).digest('hex');
    const res = await call('khaisinh/upload', { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } });
    const body = await res.body.json() as { size: number; sha256: string };
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ size: data.length, sha256: digest });
    const down = await call(`khaisinh/big/${20 * 1024 * 1024}`);
    let n = 0;
    for await (const c of down.body) n += (c as Buffer).length;
    expect(down.statusCode).toBe(200);
    expect(n).toBe(20 * 1024 * 1024);
  });

  it('refuses bodies over the limit with 413', async () => {
    const big = Buffer.alloc(26 * 1024 * 1024);
    const res = await call('khaisinh/upload', { method: 'POST', body: big });
    expect(res.statusCode).toBe(413);
    expect(((await res.body.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
    // Chunked, without a declared length: cut off while streaming.
    async function* chunks() { for (let i = 0; i < 30; i++) yield Buffer.alloc(1024 * 1024); }
    const res2 = await call('khaisinh/upload', { method: 'POST', body: chunks() }).catch((e) => e);
    if (!(res2 instanceof Error)) {
      expect(res2.statusCode).toBe(413);
      await res2.body.dump();
    }
  });

  it('rate limits per client with 429 and Retry-After', async () => {
    // A burst of eight at once: five allowed, three refused.
    const responses = await Promise.all(Array.from({ length: 8 }, () => call('limited/x')));
    const statuses = responses.map((r) => r.statusCode);
    let retryAfter: string | undefined;
    for (const res of responses) {
      if (res.statusCode === 429) {
        retryAfter = res.headers['retry-after'] as string;
        expect(((await res.body.json()) as { code: string }).code).toBe('RATE_LIMITED');
      } else await res.body.dump();
    }
    expect(statuses.filter((s) => s === 200).length).toBe(5);
    expect(statuses.filter((s) => s === 429).length).toBe(3);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('issues OAuth2 client-credentials tokens and accepts them', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: `${p.instance}/${C}`, client_secret: key });
    const t = await request(`${p.gatewayUrl}/token`, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const tok = await t.body.json() as { access_token: string; token_type: string; expires_in: number };
    expect(t.statusCode).toBe(200);
    expect(tok.token_type).toBe('Bearer');
    const res = await call('khaisinh/x', { key: null, headers: { authorization: `Bearer ${tok.access_token}` } });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    // A token is bound to its client: presenting it as another subsystem fails.
    const res2 = await call('khaisinh/x', { key: null, headers: { authorization: `Bearer ${tok.access_token}`, 'x-road-client': `${p.instance}/${P}` } });
    expect(res2.statusCode).toBe(400);
    await res2.body.dump();
    // alg "none" and a tampered signature are refused.
    const [h, b] = tok.access_token.split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url') + '.' + b + '.';
    for (const bad of [none, `${h}.${b}.AAAA`]) {
      const r = await call('khaisinh/x', { key: null, headers: { authorization: `Bearer ${bad}` } });
      expect(r.statusCode).toBe(400);
      await r.body.dump();
    }
    const wrong = await request(`${p.gatewayUrl}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: C, client_secret: 'nope' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(wrong.statusCode).toBe(401);
    expect(((await wrong.body.json()) as { code: string }).code).toBe('INVALID_CLIENT');
  });

  it('ends a bearer token as soon as the API key it was issued for is revoked', async () => {
    const made = await p.admin('POST', '/api/v1/keys', { subsystem: C, label: 'token-revocation' });
    expect(made.status).toBe(201);
    await p.snapshots.poll();
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: `${p.instance}/${C}`, client_secret: made.body.key });
    const t = await request(`${p.gatewayUrl}/token`, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(t.statusCode).toBe(200);
    const bearer = { authorization: `Bearer ${((await t.body.json()) as { access_token: string }).access_token}` };
    const before = await call('khaisinh/x', { key: null, headers: bearer });
    await before.body.dump();
    expect(before.statusCode).toBe(200);
    expect((await p.admin('DELETE', `/api/v1/keys/${made.body.id}`)).status).toBe(200);
    await p.snapshots.poll();
    const after = await call('khaisinh/x', { key: null, headers: bearer });
    expect([after.statusCode, ((await after.body.json()) as { code: string }).code]).toEqual([400, 'UNAUTHENTICATED']);
    // Only that key's tokens end: the subsystem's other key still works.
    const other = await call('khaisinh/x');
    await other.body.dump();
    expect(other.statusCode).toBe(200);
  });

  it('serves the metaservices', async () => {
    const lc = await request(`${p.gatewayUrl}/listClients`, { headers: { accept: 'application/json' } });
    const clients = await lc.body.json() as { member: { id: { object_type: string; subsystem_code?: string } }[] };
    expect(clients.member.filter((m) => m.id.object_type === 'SUBSYSTEM').map((m) => m.id.subsystem_code).sort()).toEqual(['hotich', 'motcua']);
    const url = (m: string) => `${p.gatewayUrl}/r1/${p.instance}/${P}/${m}`;
    const headers = { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': key };
    const all = await (await request(url('listMethods'), { headers })).body.json() as { service: { service_code: string }[] };
    const allowed = await (await request(url('allowedMethods'), { headers })).body.json() as { service: { service_code: string }[] };
    // Only what the set-up registered: other tests add services of their own.
    expect(all.service.map((s) => s.service_code)).toEqual(expect.arrayContaining(['khaisinh', 'limited', 'slowsvc', 'ungranted']));
    const allowedCodes = allowed.service.map((s) => s.service_code);
    expect(allowedCodes).toEqual(expect.arrayContaining(['khaisinh', 'limited', 'slowsvc']));
    expect(allowedCodes).not.toContain('ungranted');
  });

  it('imports OpenAPI operations as endpoints and grants one endpoint', async () => {
    const spec = { openapi: '3.0.3', info: { title: 'pets', version: '1' }, paths: { '/pets': { get: { operationId: 'list' } }, '/pets/{id}': { get: {}, delete: {} } } };
    const file = path.join(p.dataDir, 'spec.json');
    fs.writeFileSync(file, JSON.stringify(spec));
    await p.cli(['service', 'add', `${P}/pets`, '--url', backend.url, '--openapi', file]);
    await p.cli(['access', 'grant', `${P}/pets`, C, '--endpoint', 'GET /pets/{id}']);
    await p.snapshots.poll();
    const ok = await call('pets/pets/7');
    const denied = await call('pets/pets/7', { method: 'DELETE' });
    const denied2 = await call('pets/pets');
    await Promise.all([ok.body.dump(), denied.body.dump(), denied2.body.dump()]);
    expect([ok.statusCode, denied.statusCode, denied2.statusCode]).toEqual([200, 500, 500]);
    const oa = await request(`${p.gatewayUrl}/r1/${p.instance}/${P}/getOpenAPI?serviceCode=pets`, { headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': key } });
    expect(((await oa.body.json()) as { paths: object }).paths).toHaveProperty('/pets/{id}');
    const allowed = await (await request(`${p.gatewayUrl}/r1/${p.instance}/${P}/allowedMethods`, { headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': key } })).body.json() as { service: { service_code: string; endpoint_list: unknown[] }[] };
    expect(allowed.service.find((s) => s.service_code === 'pets')!.endpoint_list).toEqual([{ method: 'GET', path: '/pets/*' }]); // PR-MREST B.2: parameters as "*"
  });

  it('logs every exchange durably and verifies; a changed byte in an export is named', async () => {
    const r = await call('khaisinh/logged', { headers: { 'x-road-id': 'to-be-tampered' } });
    await r.body.dump();
    await p.messageLog.flush();
    const count = Number((await p.store.db.selectFrom('message_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(count).toBeGreaterThanOrEqual(1);
    const v = await p.cli(['audit', 'verify']);
    expect(v.stdout).toMatch(new RegExp(`OK: ${count} records verified`));
    const file = path.join(p.dataDir, 'export.jsonl');
    await p.cli(['audit', 'export', '--out', file]);
    expect((await p.cli(['audit', 'verify', '--file', file])).code).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"to-be-tampered"'));
    expect(i).toBeGreaterThan(0);
    lines[i] = lines[i].replace('/logged', '/lagged');
    fs.writeFileSync(file, lines.join('\n'));
    const bad = await p.cli(['audit', 'verify', '--file', file], { allowFail: true });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('to-be-tampered');
  });

  it('exposes health, readiness and metrics on both ports', async () => {
    const r = await call('khaisinh/metered');
    await r.body.dump();
    expect(r.statusCode).toBe(200);
    for (const base of [p.gatewayUrl, p.adminUrl]) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    }
    const m = await (await fetch(`${p.adminUrl}/metrics`)).text();
    // Every series names the node that counted it (p.nodeKey.nodeId), so a cluster's metrics add up node by node.
    const node = p.nodeKey.nodeId;
    expect(m).toMatch(new RegExp(`vamco_requests_total\\{service="GOV/000.00.00.H59/hotich/khaisinh",status_class="2xx",node="${node}"\\} \\d+`));
    expect(m).toMatch(new RegExp(`vamco_request_duration_seconds_bucket\\{le="0.005",node="${node}",service="GOV/000.00.00.H59/hotich/khaisinh"\\}`));
  });

  it('names an altered record in the database', async () => {
    const r = await call('khaisinh/x', { headers: { 'x-road-id': 'to-be-altered' } });
    await r.body.dump();
    await p.messageLog.flush();
    const victim = await p.store.db.selectFrom('message_log').select(['node_id', 'seq', 'message_id', 'status']).where('message_id', '=', 'to-be-altered').executeTakeFirstOrThrow();
    const at = (db: typeof p.store.db) => db.updateTable('message_log').where('node_id', '=', victim.node_id).where('seq', '=', victim.seq);
    await at(p.store.db).set({ status: 201 }).execute();
    try {
      const bad = await p.cli(['audit', 'verify'], { allowFail: true });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`#${victim.seq}`);
      expect(bad.stderr).toContain('to-be-altered');
    } finally {
      // Put the record back: the chain verifies again for every other test.
      await at(p.store.db).set({ status: victim.status }).execute();
    }
    expect((await p.cli(['audit', 'verify'])).code).toBe(0);
  });
});
