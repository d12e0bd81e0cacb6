// Second reading of the data plane (security and correctness). Every test here failed against
// the code under review because of a defect in it; each names the file and line at fault.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, deadPort, rawRequest, type TestBackend } from './helpers/backend.js';
import { register, startVamco, SERVICE, CLIENT } from './helpers/vamco-process.js';
import { tempDir } from '../src/store/testing.js';
import { searchMessages } from '../src/audit/index.js';

const P = 'GOV/000.00.00.H59/hotich';
const C = 'GOV/000.00.00.H60/motcua';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A backend whose behaviour each test sets; records what it saw. */
async function startScriptedBackend(port = 0) {
  let handler: http.RequestListener = (_req, res) => { res.end('ok'); };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    set(h: http.RequestListener) { handler = h; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Sends raw bytes and collects everything the server sends back until it closes or `ms` passes. */
function rawExchange(port: number, chunks: (string | Buffer)[], ms: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => { out += d; });
    s.on('error', () => {});
    s.on('connect', () => { for (const c of chunks) s.write(c); });
    const t = setTimeout(() => { s.destroy(); resolve(out); }, ms);
    s.on('close', () => { clearTimeout(t); resolve(out); });
  });
}

describe('review: gateway data plane', () => {
  let p: TestPlatform;
  let backend: TestBackend;
  let scripted: Awaited<ReturnType<typeof startScriptedBackend>>;
  let key: string;
  const client = () => `${p.instance}/${C}`;
  const hdrs = () => ({ 'x-road-client': client(), 'x-api-key': key });
  const url = (svcPath: string) => `${p.gatewayUrl}/r1/${p.instance}/${P}/${svcPath}`;
  const adminOk = async (method: string, path: string, body?: unknown) => {
    const r = await p.admin(method, '/api/v1' + path, body);
    if (r.status >= 400) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const addService = async (code: string, svcUrl: string, extra: Record<string, unknown> = {}, grant: unknown = true) => {
    await adminOk('POST', '/services', { id: `${P}/${code}`, url: svcUrl, ...extra });
    if (grant === true) await adminOk('POST', '/access-rights', { service: `${P}/${code}`, client: C });
    else if (grant) await adminOk('POST', '/access-rights', { service: `${P}/${code}`, client: C, endpoint: grant });
  };

  beforeAll(async () => {
    backend = await startBackend();
    scripted = await startScriptedBackend();
    p = await startTestPlatform({ env: { VAMCO_REQUEST_TIMEOUT: '2s', VAMCO_HEADERS_TIMEOUT: '1s' } });
    await adminOk('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' });
    await adminOk('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.H60', name: 'Văn phòng UBND tỉnh' });
    await adminOk('POST', '/subsystems', { id: P });
    await adminOk('POST', '/subsystems', { id: C });
    await addService('echo', `${backend.url}/api`);
    await addService('root', backend.url);
    await addService('fixedq', `${backend.url}/api?tenant=h59`);
    await addService('pub', `${backend.url}/api`, {}, null);
    await adminOk('POST', `/services/${encodeURIComponent(`${P}/pub`)}/endpoints`, { method: 'GET', path: '/public/*' });
    await adminOk('POST', '/access-rights', { service: `${P}/pub`, client: C, endpoint: { method: 'GET', path: '/public/*' } });
    await addService('early', `http://127.0.0.1:${scripted.port}`);
    key = (await adminOk('POST', '/keys', { subsystem: C })).key;
    await p.snapshots.poll();
  });
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
    await scripted?.close();
  });


  // path.ts:17-23 / exchange.ts:185,214 — a service URL without a path and a call without a
  // sub-path give undici the path "" (or "?q"), which it refuses: 502 instead of the answer.
  it('forwards a call with no sub-path to a service URL with no path', async () => {
    for (const [target, want] of [['root', '/'], ['root?x=1', '/?x=1']] as const) {
      const res = await request(url(target), { headers: hdrs() });
      const body = await res.body.text();
      expect([target, res.statusCode, res.statusCode === 200 ? JSON.parse(body).url : body]).toEqual([target, 200, want]);
    }
  });

  // exchange.ts:214 — `query || svc.url.search`: a consumer's query replaces the query the
  // provider put in the service URL (a fixed tenant, API version, backend parameter…).
  it('keeps the service URL\'s own query when the consumer sends one', async () => {
    const res = await request(url('fixedq/x?a=1'), { headers: hdrs() });
    const body = await res.body.json() as { url: string };
    expect(res.statusCode).toBe(200);
    expect(body.url).toContain('tenant=h59');
    expect(body.url).toContain('a=1');
  });

  // path.ts:50-51 — only the exact segments "." and ".." are refused. "..;" (and ".;") pass the
  // endpoint check and reach the backend, where Tomcat/Jetty/Spring strip the ";" parameter and
  // resolve "/public/..;/admin" to "/admin": a grant on GET /public/* reaches every path.
  it('refuses dot segments carrying ;parameters (the Java path-parameter bypass)', async () => {
    for (const raw of ['/public/..;/admin', '/public/%2e%2e;/admin', '/public/.;/x', '/public/..;x=1/admin']) {
      const r = await rawRequest(p.gatewayUrl, `/r1/${p.instance}/${P}/pub${raw}`, hdrs());
      expect([raw, r.status]).toEqual([raw, 400]);
    }
  });

  // exchange.ts:163,59,93 — identifier parts are percent-decoded and put, unchecked, into the
  // X-Road-Service response header. "%0d%0a" or any character above U+00FF makes writeHead throw
  // inside fail(); the promise from `void exchange()` (server.ts:93) rejects unhandled and the
  // process dies. No credentials needed.
  it('answers a percent-encoded CR/LF or non-Latin-1 identifier with a problem and stays up', async () => {
    const dir = tempDir();
    const b = await startBackend();
    const key2 = await register(dir, b.url);
    const v = await startVamco(dir);
    try {
      const [, cls, mem, sub] = SERVICE.split('/');
      for (const bad of ['echo%0d%0aX-Injected:%201', 'echo%E4%B8%AD']) {
        // No credentials at all: the problem answer itself is what throws.
        const r = await rawRequest(v.gatewayUrl, `/r1/DEV/${cls}/${mem}/${sub}/${bad}/x`, {})
          .catch((e: Error) => ({ status: 0, headers: {}, body: String(e) }));
        expect({ bad, status: r.status }).toEqual({ bad, status: 400 });
        expect((r.headers as Record<string, unknown>)['x-injected']).toBeUndefined();
      }
      // and still serving
      const ok = await rawRequest(v.gatewayUrl, `/r1/DEV/${SERVICE}/x`, { 'x-road-client': `DEV/${CLIENT}`, 'x-api-key': key2 })
        .catch((e: Error) => ({ status: 0, headers: {}, body: String(e) }));
      expect({ status: ok.status, exited: v.child.exitCode !== null }).toEqual({ status: 200, exited: false });
    } finally {
      v.child.kill('SIGKILL');
      await v.exited;
      await b.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // exchange.ts:267 — a HEAD answer is buffered (it has no body) and its Content-Length is
  // overwritten with 0, so the client is told the resource is empty.
  it('passes the backend\'s Content-Length through on HEAD', async () => {
    const res = await request(url('echo/big/12345'), { method: 'HEAD', headers: hdrs() });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('12345');
  });

  // server.ts:117-122 — the clientError handler writes a raw 408/400 whenever the socket is
  // writable, even when a response is already on the wire. Node's own handler checks
  // `socket._httpMessage._headerSent` for exactly this reason. Here the backend answers before the
  // consumer has finished its (slow) upload: the consumer gets the 200, then a stray
  // "HTTP/1.1 408" on the same connection (response desync for any keep-alive client).
  it('never writes a second, raw response after a response was already sent', async () => {
    scripted.set((req, res) => { req.resume(); res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }); res.end('ok'); });
    const port = Number(new URL(p.gatewayUrl).port);
    const head = `POST /r1/${p.instance}/${P}/early/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Road-Client: ${client()}\r\nX-API-Key: ${key}\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc`;
    const out = await rawExchange(port, [head], 5000);
    const statusLines = out.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    expect(statusLines[0]).toBe('HTTP/1.1 200');
    expect(statusLines).toEqual(['HTTP/1.1 200']);
  });

  // server.ts:48-61,72 — bad input to POST /token is a 500 INTERNAL (logged as a platform
  // error): a JSON body that is not an object, a non-string client_id, malformed %-escapes in
  // Basic credentials.
  it('answers malformed POST /token input with 400/401, not 500', async () => {
    const tok = (body: string, headers: Record<string, string> = {}) => request(`${p.gatewayUrl}/token`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body,
    });
    // RFC 6749 §5.2: a malformed request is 400, failed client authentication 401.
    const cases: [string, string, Record<string, string>, number, string][] = [
      ['null body', 'null', {}, 400, 'BAD_REQUEST'],
      ['array body', '[]', {}, 400, 'BAD_REQUEST'],
      ['numeric client_id', JSON.stringify({ grant_type: 'client_credentials', client_id: 5, client_secret: key }), {}, 401, 'INVALID_CLIENT'],
      ['bad %-escape in Basic', JSON.stringify({ grant_type: 'client_credentials' }), { authorization: 'Basic ' + Buffer.from('a%zz:b').toString('base64') }, 401, 'INVALID_CLIENT'],
    ];
    for (const [name, body, headers, status, code] of cases) {
      const res = await tok(body, headers);
      const problem = await res.body.json() as { code: string };
      expect([name, res.statusCode, problem.code]).toEqual([name, status, code]);
    }
  });

  // exchange.ts:275-276 — a response over VAMCO_LOG_BUFFER_BYTES (1 MiB) without Content-Length
  // is logged with responseSize -1, which the message log refuses: the consumer gets 500 INTERNAL
  // for every chunked answer over 1 MiB. The paused upstream body is then never consumed or
  // destroyed (the timer is cleared in the catch), so its pool connection is leaked too.
  it('delivers a chunked response larger than 1 MiB', async () => {
    scripted.set((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }); // no Content-Length: chunked
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      for (let i = 0; i < 32; i++) res.write(chunk);
      res.end();
    });
    const res = await request(url('early/stream'), { headers: hdrs() });
    const body = Buffer.from(await res.body.arrayBuffer());
    expect([res.statusCode, body.length]).toEqual([200, 2 * 1024 * 1024]);
  });

  // exchange.ts:273-276 — a response over 1 MiB is logged with no response digest. DESIGN.md:
  // every record carries the SHA-256 of the response body; an auditor cannot prove what a large
  // answer contained. (Stream all but the last chunk, commit the record with the digest, then
  // send the last chunk: "durable before answered" holds and the digest is there. That also lets
  // a stream cut by either side be recorded as such.)
  it('logs the SHA-256 of a streamed (>1 MiB) response', async () => {
    const res = await request(url('echo/big/2097152'), { headers: { ...hdrs(), 'x-road-id': 'review-stream-2' } });
    const body = Buffer.from(await res.body.arrayBuffer());
    expect(body.length).toBe(2 * 1024 * 1024);
    await p.messageLog.flush(); // records reach the store from the node's journal
    const { items } = await searchMessages(p.store, { messageId: 'review-stream-2' });
    expect(items).toHaveLength(1);
    expect(items[0].responseSize).toBe(2 * 1024 * 1024);
    expect(items[0].responseDigest).toBe(crypto.createHash('sha256').update(body).digest('hex'));
  });

  // upstream.ts:41-48 — half-open lets one probe through and sets `probing`; only a *connect*
  // failure (exchange.ts:304) or a success clears it. A probe that times out, is reset, is cut
  // by its client or is refused as too large calls neither, so `probing` stays true and allow()
  // answers false for ever: the service is 503 CIRCUIT_OPEN until its registry entry changes,
  // although the backend is healthy again.
  it('closes the circuit again once the backend recovers after a failed half-open probe', async () => {
    const port = await deadPort();
    await addService('flaky', `http://127.0.0.1:${port}`, { timeout: '500ms' });
    await p.snapshots.poll();
    // All of these are 500 (PR-REST §4.6 category 2); X-Road-Error tells them apart.
    const kind = (r: { statusCode: number; headers: Record<string, unknown> }) => r.statusCode === 200 ? '200' : `${r.statusCode} ${r.headers['x-road-error']}`;
    for (let i = 0; i < 5; i++) {
      const r = await request(url('flaky/x'), { headers: hdrs() });
      await r.body.dump();
      expect(kind(r)).toBe('500 Server.ServerProxy.NetworkError');
    }
    const open = await request(url('flaky/x'), { headers: hdrs() });
    await open.body.dump();
    expect(kind(open)).toBe('500 Server.ServerProxy.ServiceUnavailable');
    /** Calls until the circuit lets a call through (anything but CIRCUIT_OPEN), within a generous deadline. */
    const firstThrough = async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const r = await request(url('flaky/x'), { headers: hdrs() });
        await r.body.dump();
        if (kind(r) !== '500 Server.ServerProxy.ServiceUnavailable' || Date.now() > deadline) return kind(r);
        await sleep(250);
      }
    };
    // The backend is back but still slow for the probe: a timeout.
    const b = await startScriptedBackend(port);
    try {
      b.set(() => { /* never answers */ });
      expect(await firstThrough()).toBe('500 Server.ServerProxy.Timeout');
      // Healthy from now on: a failed probe re-opens the circuit for one open period,
      // after which the next probe gets through and closes it.
      b.set((req, res) => { req.resume(); res.end('ok'); });
      const reopened = await request(url('flaky/x'), { headers: hdrs() });
      await reopened.body.dump();
      expect(kind(reopened)).toBe('500 Server.ServerProxy.ServiceUnavailable');
      expect(await firstThrough()).toBe('200');
    } finally {
      await b.close();
    }
  });

  // backend-policy.ts:85-95 — "the platform's own ports stay refused" is only checked when the
  // address is loopback/link-local. The host's own LAN address with the gateway or admin port
  // (the gateway binds 0.0.0.0 by default) is accepted. No traffic is sent: the URL is an IP literal.
  it('refuses the platform\'s own ports on the host\'s own non-loopback addresses', async () => {
    const own = Object.values(os.networkInterfaces()).flat().find((a) => a && !a.internal && a.family === 'IPv4');
    // A prerequisite, not a reason to pass: CI's machine has one (eth0).
    expect(own, 'this test needs a non-loopback IPv4 interface on the machine').toBeDefined();
    if (!own) throw new Error('unreachable');
    const gwPort = Number(new URL(p.gatewayUrl).port);
    const adminPort = Number(new URL(p.adminUrl).port);
    for (const port of [gwPort, adminPort]) {
      const r = await p.admin('POST', '/api/v1/services', { id: `${P}/self${port}`, url: `http://${own.address}:${port}/` });
      expect([port, r.status, r.body?.code]).toEqual([port, 400, 'BACKEND_URL_REFUSED']);
    }
  });

  // admin/routes/registry.ts:145-148 + registry/registry.ts:257 — PATCH accepts backendAuth (the
  // body schema does not forbid extra properties) and the admin trail records the patch as is:
  // the backend secret is readable by every auditor (the publicadmin wing's X-Vamco-Backend-Secret
  // goes the same way on every start that moves its backend, platform/publicadmin.ts:41).
  it('never writes a backend secret into the admin trail', async () => {
    await adminOk('PATCH', `/services/${encodeURIComponent(`${P}/echo`)}`, { backendAuth: { header: 'X-Backend-Token', value: 'review-s3cret-value' } });
    const trail = await adminOk('GET', '/admin-trail?limit=20');
    expect(JSON.stringify(trail)).not.toContain('review-s3cret-value');
  });

  // admin/params.ts:1 — idParam decodes again with decodeURIComponent; a lone "%" throws a
  // URIError, answered as 500 INTERNAL and logged as a platform failure.
  it('answers a malformed identifier in the admin API with 400, not 500', async () => {
    const r1 = await p.admin('GET', '/api/v1/services/' + encodeURIComponent('GOV:X:y:%'));
    const r2 = await p.admin('POST', '/api/v1/subsystems', { id: 'GOV/X/%zz' });
    expect([r1.status, r2.status]).toEqual([400, 400]);
  });
});
