// API keys that expire and show their last use (issue 14), end to end: the real `vamco` CLI
// creates them, the gateway refuses an expired one on /r1 with an X-Road fault and a stable code
// (as it refuses a revoked key: Client.InvalidCredentials, PR-REST 1.0.4 §4.6), and the last use
// reaches `vamco key list` and the admin API once a gateway node flushes its batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { registerPair } from './helpers/registry.js';
import { until } from './helpers/wait.js';

const PROVIDER = 'GOV/000.00.00.H59/hotich';
const CLIENT = 'GOV/000.00.00.H60/motcua';

describe('API key expiry and last use', () => {
  let p: TestPlatform;
  let backend: TestBackend;
  const call = (key: string) => fetch(`${p.gatewayUrl}/r1/DEV/${PROVIDER}/khaisinh/hello`, { headers: { 'x-road-client': `DEV/${CLIENT}`, 'x-api-key': key } });
  const keyLine = async (prefix: string) => (await p.cli(['key', 'list'])).stdout.split('\n').find((l) => l.includes(prefix.slice(0, 10)));

  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform();
    await registerPair(p, { provider: PROVIDER, client: CLIENT, service: 'khaisinh', url: backend.url });
  }, 240_000);
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
  });

  it('refuses a key past its expiry on /r1 with API_KEY_EXPIRED (Client.InvalidCredentials), at /token too, and lists it expired', async () => {
    const created = await p.cli(['key', 'create', CLIENT, '--expires', '3s', '--label', 'short']);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    await p.snapshots.poll();
    // Polled: the first answers may still be 200 while the three seconds run.
    const refused = await until('the key to expire', async () => {
      const r = await call(key);
      return r.status === 200 ? undefined : r;
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-road-error')).toBe('Client.InvalidCredentials');
    // X-Road's REST fault body (PR-REST §4.6): type, message, detail (the request id); code is Vamco's stable one.
    const body = await refused.json() as { type: string; message: string; code: string };
    expect(body.type).toBe('Client.InvalidCredentials');
    expect(body.code).toBe('API_KEY_EXPIRED');
    expect(body.message).toMatch(/expired at \d{4}-\d{2}-\d{2}T/);
    // A token is no way around it: the token endpoint refuses the expired key as a client secret.
    const tok = await fetch(`${p.gatewayUrl}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: `DEV/${CLIENT}`, client_secret: key }).toString(),
    });
    expect(tok.status).toBe(401);
    expect(await tok.json()).toMatchObject({ error: 'invalid_client', detail: expect.stringContaining('expired') });
    expect(await keyLine(key)).toMatch(/\texpired\texpires \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}\t/);
    const listed = (await p.admin('GET', '/api/v1/keys')).body.items.find((k: { prefix: string }) => key.startsWith(k.prefix));
    expect(listed).toMatchObject({ status: 'expired', label: 'short' });
  }, 120_000);

  it('refuses an expiry in the past or not an expiry, creating no key', async () => {
    const before = (await p.cli(['key', 'list'])).stdout.trim().split('\n').length;
    for (const bad of ['01/01/2020', 'tomorrow']) {
      const r = await p.cli(['key', 'create', CLIENT, '--expires', bad], { allowFail: true });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('VALIDATION_FAILED');
    }
    expect((await p.cli(['key', 'list'])).stdout.trim().split('\n').length).toBe(before);
  }, 120_000);

  it('shows the last use after a call, in `vamco key list` (dd/mm/yyyy HH:mm) and the admin API', async () => {
    const key = (await p.cli(['key', 'create', CLIENT, '--expires', '31/12/2099'])).stdout.trim();
    await p.snapshots.poll();
    // The day given is the last day it works: it stops at the start of the next, in Vietnam time.
    expect(await keyLine(key)).toContain('\tactive\texpires 01/01/2100 00:00\tlast used never\t');
    const t0 = Date.now();
    expect((await call(key)).status).toBe(200);
    // Written by the gateway's batch (every few seconds), not by the request: waited for, not slept.
    const line = await until('the last use to be flushed', async () => {
      const l = await keyLine(key);
      return l && !l.includes('last used never') ? l : undefined;
    });
    expect(line).toMatch(/\tlast used \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}\t/);
    const listed = (await p.admin('GET', '/api/v1/keys')).body.items.find((k: { prefix: string }) => key.startsWith(k.prefix));
    expect(Date.parse(listed.lastUsedAt)).toBeGreaterThanOrEqual(Math.floor(t0 / 1000) * 1000 - 1000);
    expect(listed.status).toBe('active');
  }, 120_000);
});
