import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { tempDir } from '../store/testing.js';
import { normaliseBackendAuth, type BackendAuthInput } from './input.js';
import { readSecret } from './secret-files.js';
import { viewOf, secretRefs, parseStoredSpec } from './spec.js';
import { UpstreamBudgets } from './budget.js';
import { createAuthenticator } from './runtime.js';

describe('backend credentials as an operator enters them', () => {
  let dataDir: string;
  beforeEach(() => { dataDir = tempDir(); });
  afterEach(() => { fs.rmSync(dataDir, { recursive: true, force: true }); });
  const opts = (previous = null as ReturnType<typeof parseStoredSpec>) => ({
    dataDir, label: 'svc-GOV_LGSP_ndxp_dkdn', previous, checkUrl: async (u: string) => new URL(u),
  });
  const oauth2: BackendAuthInput = { scheme: 'oauth2', tokenUrl: 'https://gw.ndxp.gov.vn/token', clientId: 'key1', clientSecret: 'S3cr3t-national', budget: '100/s' };

  it('writes the secret to a 0600 file in a 0700 folder of the data dir; the spec and its view hold neither it nor its file', async () => {
    const n = await normaliseBackendAuth(oauth2, opts());
    const json = JSON.stringify(n.spec);
    expect(json).not.toContain('S3cr3t-national');
    const ref = secretRefs(n.spec)[0];
    const file = path.join(dataDir, 'secrets', ref);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readSecret(dataDir, ref)).toBe('S3cr3t-national');
    const view = JSON.stringify(viewOf(n.spec));
    expect(view).not.toContain('S3cr3t');
    expect(view).not.toContain(ref);
    expect(viewOf(n.spec)).toMatchObject({ scheme: 'oauth2', clientId: 'key1', secretSet: true, budget: '100/s', clientAuth: 'basic' });
  });

  it('keeps the stored secret when an update leaves it out, and names the old file unused when it changes', async () => {
    const first = await normaliseBackendAuth(oauth2, opts());
    const same = await normaliseBackendAuth({ ...oauth2, clientSecret: undefined, scope: 'dkdn' }, opts(first.spec));
    expect(secretRefs(same.spec)).toEqual(secretRefs(first.spec));
    expect(same.unused).toEqual([]);
    const changed = await normaliseBackendAuth({ ...oauth2, clientSecret: 'new-one' }, opts(same.spec));
    expect(changed.unused).toEqual(secretRefs(first.spec));
    expect(readSecret(dataDir, secretRefs(changed.spec)[0])).toBe('new-one');
    // Another scheme cannot borrow it.
    await expect(normaliseBackendAuth({ scheme: 'signed', user: 'u', template: { algorithm: 'sha256', input: ['secret'], headers: { A: '{signature}' } } }, opts(first.spec)))
      .rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: 'secret is required' });
  });

  it('refuses bad input with the field named and leaves no secret file behind', async () => {
    const bad = async (i: unknown) => normaliseBackendAuth(i as BackendAuthInput, opts()).then(() => 'accepted', (e: Error) => e.message);
    expect(await bad({ ...oauth2, tokenUrl: '' })).toBe('tokenUrl is required');
    expect(await bad({ ...oauth2, clientSecret: 'a\nb' })).toMatch(/no line breaks/);
    expect(await bad({ ...oauth2, budget: 'lots' })).toMatch(/not a rate limit/);
    expect(await bad({ scheme: 'kerberos' })).toMatch(/Unknown backend authentication scheme "kerberos"/);
    expect(await bad({ scheme: 'static', headers: [{ name: 'X-Key', value: 'v' }, { name: 'x-key', value: 'w' }] })).toMatch(/given twice/);
    expect(await bad({ scheme: 'signed', user: 'a:b', secret: 's', template: {} })).toMatch(/must not contain ":"/);
    const dir = path.join(dataDir, 'secrets', 'backend');
    expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
  });

  it('reads the legacy one-header shape, and "inherit" clears a service\'s own credential', async () => {
    const legacy = await normaliseBackendAuth({ header: 'X-Vamco-Backend-Secret', value: 'v' }, opts());
    expect(legacy.spec).toEqual({ scheme: 'static', headers: [{ name: 'X-Vamco-Backend-Secret', value: 'v' }], budget: null });
    expect(parseStoredSpec('{"header":"X-A","value":"b"}')).toEqual({ scheme: 'static', headers: [{ name: 'X-A', value: 'b' }], budget: null });
    expect((await normaliseBackendAuth({ scheme: 'inherit' }, opts(legacy.spec))).spec).toBeNull();
  });

  it('static headers: each value in its own secret file, sent as given', async () => {
    const n = await normaliseBackendAuth({ scheme: 'static', headers: [{ name: 'X-Api-Key', value: 'abc' }, { name: 'X-Partner', value: 'TAYNINH' }] }, opts());
    const a = createAuthenticator({ credential: 'service x', spec: n.spec! }, { dataDir, tokenTimeoutMs: 1000 });
    expect(await a.apply('GET', new URL('http://h/'))).toEqual({ scheme: 'static', headers: { 'X-Api-Key': 'abc', 'X-Partner': 'TAYNINH' }, tokenId: null });
    expect(secretRefs(n.spec)).toHaveLength(2);
  });
});

describe('shared upstream budget', () => {
  it('counts per credential, whoever calls', async () => {
    const b = new UpstreamBudgets();
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await b.consume('subsystem GOV/LGSP/ndxp', '3/m'));
    expect(got.slice(0, 3)).toEqual([0, 0, 0]);
    expect(got[3]).toBeGreaterThan(0);
    expect(await b.consume('subsystem GOV/LGSP/other', '3/m')).toBe(0);
    expect(await b.consume('x', null)).toBe(0);
  });
});
