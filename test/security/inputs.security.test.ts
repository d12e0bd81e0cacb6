// Issue 12, finding 5: the bad inputs that still got through, replayed against a running
// platform (admin API, CLI, gateway). Each must be refused with a clear 4xx and a stable code.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';

const P = 'GOV/000.00.00.I01/provider';
const C = 'GOV/000.00.00.I02/consumer';
const SVC = `${P}/svc`;

/** Sends raw bytes and returns everything the server answered before closing. */
function raw(url: string, bytes: string | Buffer): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    let out = '';
    s.on('data', (c) => { out += c.toString('latin1'); });
    s.on('error', (e) => (out ? resolve(out) : reject(e)));
    s.on('close', () => resolve(out));
    s.write(bytes);
  });
}

describe('bad inputs on a running platform', () => {
  let p: TestPlatform;
  let backend: TestBackend;
  let key = '';
  const api = (method: string, url: string, body?: unknown) => p.admin(method, '/api/v1' + url, body);

  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform();
    for (const [cls, code] of [['GOV', '000.00.00.I01'], ['GOV', '000.00.00.I02']]) expect((await api('POST', '/members', { memberClass: cls, memberCode: code, name: 'Cơ quan thử' })).status).toBe(201);
    expect((await api('POST', '/subsystems', { id: P })).status).toBe(201);
    expect((await api('POST', '/subsystems', { id: C })).status).toBe(201);
    expect((await api('POST', '/services', { id: SVC, url: backend.url })).status).toBe(201);
    expect((await api('POST', '/access-rights', { service: SVC, client: C })).status).toBe(201);
    key = (await api('POST', '/keys', { subsystem: C })).body.key;
    await p.snapshots.poll();
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
  });

  it('POST /token with a body over 8 KB answers 413, declared or chunked, instead of dropping the connection', async () => {
    const body = 'grant_type=client_credentials&client_id=x&client_secret=' + 'a'.repeat(9 * 1024);
    const declared = await raw(p.gatewayUrl, `POST /token HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    expect(declared).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared).toMatch(/"code":"PAYLOAD_TOO_LARGE"/);
    const chunked = await request(`${p.gatewayUrl}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Readable.from([Buffer.from(body.slice(0, 4000)), Buffer.from(body.slice(4000))]),
    });
    expect(chunked.statusCode).toBe(413);
    expect(((await chunked.body.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('accepts a token only in its one canonical spelling', async () => {
    const t = await request(`${p.gatewayUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=client_credentials&client_id=${p.instance}/${C}&client_secret=${key}` });
    const token = ((await t.body.json()) as { access_token: string }).access_token;
    const [h, pl, sig] = token.split('.');
    const call = async (tok: string) => {
      const r = await request(`${p.gatewayUrl}/r1/${p.instance}/${SVC}/x`, { headers: { 'x-road-client': `${p.instance}/${C}`, authorization: `Bearer ${tok}` } });
      await r.body.dump();
      return r.statusCode;
    };
    expect(await call(token)).toBe(200);
    const std = Buffer.from(sig, 'base64url').toString('base64'); // "+", "/" and "=" padding
    const last = sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const flipped = sig.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1]; // an unused low bit set
    // A signature without "-" or "_" reads the same in standard base64: not another spelling then.
    const variants = [`${sig}=`, std, std.replace(/=+$/, ''), flipped].filter((v) => v !== sig);
    expect(variants.length).toBeGreaterThanOrEqual(3);
    for (const v of variants) {
      // Each spelling decodes to the very same signature bytes.
      expect(Buffer.from(v, 'base64url').equals(Buffer.from(sig, 'base64url'))).toBe(true);
      expect([v, await call(`${h}.${pl}.${v}`)]).toEqual([v, 400]); // Client.InvalidCredentials (PR-REST §4.6 category 3)
    }
  });

  it('refuses a backend credential with CR or LF when the service is registered', async () => {
    for (const value of ['Bearer abc\r\nX-Injected: 1', 'line\nbreak', 'nul\u0000', ' padded ']) {
      const r = await api('POST', '/services', { id: `${P}/crlf`, url: backend.url, backendAuth: { header: 'Authorization', value } });
      expect([r.status, r.body.code, r.body.detail]).toEqual([400, 'VALIDATION_FAILED', expect.stringMatching(/backendAuth\.value must be .*no CR, LF/)]);
    }
    const hop = await api('POST', '/services', { id: `${P}/crlf`, url: backend.url, backendAuth: { header: 'Host', value: 'evil' } });
    expect([hop.status, hop.body.detail]).toEqual([400, expect.stringMatching(/cannot be Host/)]);
    expect((await api('GET', `/services/${encodeURIComponent(`${P}/crlf`)}`)).status).toBe(404);
  });

  it('refuses a deeply nested or 20,000-path OpenAPI document with a clear 4xx (API and CLI)', async () => {
    // Written out by hand: JSON.stringify itself would overflow the stack on it.
    const deep = '{"items":'.repeat(20_000) + '{}' + '}'.repeat(20_000);
    const nested = `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":${deep}}}}}}}}}`;
    const r1 = await fetch(`${p.adminUrl}/api/v1/services`, {
      method: 'POST', headers: { authorization: `Bearer ${p.adminToken}`, 'content-type': 'application/json' },
      body: `{"id":"${P}/deep","url":"${backend.url}","openapi":${nested}}`,
    });
    const b1 = await r1.json() as { code: string; detail: string };
    expect([r1.status, b1.code, b1.detail]).toEqual([400, 'VALIDATION_FAILED', expect.stringMatching(/nests deeper than 64 levels/)]);
    const paths = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`/p${i}`, { get: { responses: { 200: { description: 'ok' } } } }]));
    const many = { openapi: '3.0.3', info: { title: 't', version: '1' }, paths };
    const r2 = await api('POST', '/services', { id: `${P}/many`, url: backend.url, openapi: many });
    expect([r2.status, r2.body.code, r2.body.detail]).toEqual([400, 'VALIDATION_FAILED', expect.stringMatching(/20000 paths; at most 2000/)]);
    const file = path.join(p.dataDir, 'many.json');
    fs.writeFileSync(file, JSON.stringify(many));
    const cli = await p.cli(['service', 'add', `${P}/many`, '--url', backend.url, '--openapi', file], { allowFail: true });
    expect([cli.code, cli.stderr]).toEqual([2, expect.stringMatching(/20000 paths; at most 2000 are accepted .*\(VALIDATION_FAILED\)/)]);
    expect(cli.stderr).not.toMatch(/SQL/);
    // A large but reasonable document still goes in whole.
    const fine = { ...many, paths: Object.fromEntries(Object.entries(paths).slice(0, 1500)) };
    const ok = await api('POST', '/services', { id: `${P}/fine`, url: backend.url, openapi: fine });
    expect([ok.status, ok.body.endpoints.length]).toEqual([201, 1500]);
  });

  it('refuses "." and ".." as member and subsystem codes', async () => {
    for (const code of ['.', '..']) {
      const m = await api('POST', '/members', { memberClass: 'GOV', memberCode: code, name: 'X' });
      expect([code, m.status, m.body.code]).toEqual([code, 400, 'INVALID_IDENTIFIER']);
      const s = await api('POST', '/subsystems', { id: `GOV/000.00.00.I01/${code}` });
      expect([code, s.status, s.body.code]).toEqual([code, 400, 'INVALID_IDENTIFIER']);
    }
    const cli = await p.cli(['member', 'add', 'GOV', '..', '--name', 'X'], { allowFail: true });
    expect([cli.code, cli.stderr]).toEqual([2, expect.stringMatching(/not "\." or "\.\."\)? \(INVALID_IDENTIFIER\)|INVALID_IDENTIFIER/)]);
    expect((await api('GET', '/members')).body.items.map((m: { memberCode: string }) => m.memberCode)).not.toContain('..');
  });

  it('refuses names with control characters, direction overrides or no sane length', async () => {
    const bad = ['Sở Tư pháp\nGOV/FAKE\tadmin', 'Sở \u202Egnp.exe', 'zero\u200Bwidth', 'x'.repeat(301)];
    for (const name of bad) {
      const r = await api('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.I09', name });
      expect([r.status, r.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const s = await api('POST', '/subsystems', { id: `${P.split('/').slice(0, 2).join('/')}/named`, name });
      expect([s.status, s.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const u = await api('POST', '/users', { username: 'named-user', role: 'auditor', displayName: name, password: 'Mật khẩu đủ dài 1' });
      expect([u.status, u.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    // 100 KB through the CLI, which has no body limit in front of it.
    const cli = await p.cli(['member', 'add', 'GOV', '000.00.00.I09', '--name', 'n'.repeat(100 * 1024)], { allowFail: true });
    expect([cli.code, cli.stderr]).toEqual([2, expect.stringMatching(/at most 300 characters \(VALIDATION_FAILED\)/)]);
    // Vietnamese, as people write it, is a name.
    expect((await api('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.I09', name: '  Ủy ban nhân dân xã Bình Tâm  ' })).body.name).toBe('Ủy ban nhân dân xã Bình Tâm');
  });

  it('checks OpenAPI paths like endpoints added by hand', async () => {
    for (const bad of ['/../admin', '/a/{id', '/a/id}', '/a/./b', '/a b']) {
      const doc = { openapi: '3.0.3', info: { title: 't', version: '1' }, paths: { [bad]: { get: { responses: { 200: { description: 'ok' } } } } } };
      const r = await api('POST', '/services', { id: `${P}/oas`, url: backend.url, openapi: doc });
      expect([bad, r.status, r.body.code, r.body.detail]).toEqual([bad, 400, 'VALIDATION_FAILED', expect.stringMatching(/^OpenAPI path .* is not an endpoint path/)]);
      const byHand = await api('POST', `/services/${encodeURIComponent(SVC)}/endpoints`, { method: 'GET', path: bad });
      expect([bad, byHand.status, byHand.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
    }
  });

  it('answers a refused request before the 400 of a malformed request pipelined after it (gateway and admin API)', async () => {
    // Default deny: no access right to this service, so the first request is refused (500 Server.ServerProxy.AccessDenied, PR-REST §4.6).
    expect((await api('POST', '/services', { id: `${P}/closed`, url: backend.url })).status).toBe(201);
    await p.snapshots.poll();
    const statuses = (out: string) => out.match(/HTTP\/1\.1 \d{3}/g);
    const refused = `GET /r1/${p.instance}/${P}/closed/x HTTP/1.1\r\nhost: x\r\nx-road-client: ${p.instance}/${C}\r\nx-api-key: ${key}\r\nx-road-id: pipelined-refused\r\n\r\n`;
    for (const malformed of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nhost: x\r\ncontent-length: x\r\n\r\n', 'GET / HTTP/1.1\r\nno colon here\r\n\r\n']) {
      const out = await raw(p.gatewayUrl, refused + malformed);
      expect([malformed, statuses(out)]).toEqual([malformed, ['HTTP/1.1 500', 'HTTP/1.1 400']]);
      expect(out).toContain('Server.ServerProxy.AccessDenied');
    }
    // What the consumer got is what the log holds.
    await p.messageLog.flush();
    const logged = await p.store.db.selectFrom('message_log').select('status').where('message_id', '=', 'pipelined-refused').execute();
    expect(logged.map((r) => r.status)).toEqual([500, 500, 500]);
    const admin = await raw(p.adminUrl, 'GET /api/v1/members HTTP/1.1\r\nhost: x\r\n\r\nGARBAGE\r\n\r\n');
    expect(statuses(admin)).toEqual(['HTTP/1.1 401', 'HTTP/1.1 400']);
  });
});
