// Backend authentication set per provider subsystem (issue 16, item 1): every service of the
// subsystem without a credential of its own uses the subsystem's; a service's own setting wins
// (including an explicit "none"). Real gateway, real backend on port 0, the real CLI.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { testEngines } from '../src/store/testing.js';

const PROV = 'GOV/000.00.00.H80/lgsp';
const CLIENT = 'GOV/000.00.00.H81/motcua';

describe.each(testEngines())('backend authentication per provider subsystem (%s)', (engine) => {
  let p: TestPlatform;
  let b: TestBackend;
  let key = '';
  const call = (svc: string) => request(`${p.gatewayUrl}/r1/${p.instance}/${PROV}/${svc}/x`, {
    headers: { 'x-road-client': `${p.instance}/${CLIENT}`, 'x-api-key': key },
  }).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }));
  const lastHeader = (name: string) => b.seen[b.seen.length - 1].headers[name];
  const file = (name: string, text: string) => {
    const f = path.join(p.dataDir, name);
    fs.writeFileSync(f, text, { mode: 0o600 });
    return f;
  };

  beforeAll(async () => {
    b = await startBackend();
    p = await startTestPlatform({ engine });
    for (const code of ['000.00.00.H80', '000.00.00.H81']) await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name: code });
    for (const s of [PROV, CLIENT]) await p.admin('POST', '/api/v1/subsystems', { id: s });
    key = (await p.admin('POST', '/api/v1/keys', { subsystem: CLIENT })).body.key;
    await p.cli(['subsystem', 'backend-auth', PROV, '--backend-auth', 'static', '--header', `X-Province-Key=${file('sub.txt', 'subsystem-secret-1')}`]);
    await p.cli(['service', 'add', `${PROV}/inherits`, '--url', b.url]);
    await p.cli(['service', 'add', `${PROV}/plain`, '--url', b.url, '--backend-auth', 'none']);
    await p.cli(['service', 'add', `${PROV}/own`, '--url', b.url, '--backend-auth', 'static', '--header', `X-Province-Key=${file('own.txt', 'service-secret-2')}`]);
    for (const s of ['inherits', 'plain', 'own']) await p.admin('POST', '/api/v1/access-rights', { service: `${PROV}/${s}`, client: CLIENT });
    await p.snapshots.poll();
  });
  afterAll(async () => {
    await p?.stop();
    await b?.close();
  });

  it('a service without its own credential uses its subsystem\'s; its own setting (even "none") wins', async () => {
    expect((await call('inherits')).status).toBe(200);
    expect(lastHeader('x-province-key')).toBe('subsystem-secret-1');
    expect((await call('own')).status).toBe(200);
    expect(lastHeader('x-province-key')).toBe('service-secret-2');
    expect((await call('plain')).status).toBe(200);
    expect(lastHeader('x-province-key')).toBeUndefined();
  });

  it('shows the subsystem\'s scheme without its secret, and "inherit" removes it', async () => {
    const subs = (await p.admin('GET', '/api/v1/subsystems')).body;
    expect(subs.items.find((s: { id: string }) => s.id === PROV).backendAuth).toEqual({ scheme: 'static', headers: ['X-Province-Key'], budget: null });
    const trail = JSON.stringify((await p.admin('GET', '/api/v1/admin-trail?limit=200')).body);
    expect(trail).toContain('subsystem.backend-auth');
    for (const text of [JSON.stringify(subs), trail]) expect(text).not.toContain('subsystem-secret-1');
    const r = await p.admin('PUT', `/api/v1/subsystems/${PROV.replace(/\//g, ':')}/backend-auth`, { scheme: 'inherit' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ backendAuth: null });
    await p.snapshots.poll();
    expect((await call('inherits')).status).toBe(200);
    expect(lastHeader('x-province-key')).toBeUndefined();
    expect((await call('own')).status).toBe(200);
    expect(lastHeader('x-province-key')).toBe('service-secret-2');
  });
});
