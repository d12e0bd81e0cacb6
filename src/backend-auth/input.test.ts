import { describe, it, expect } from 'vitest';
import { normaliseBackendAuth, type BackendAuthInput } from './input.js';
import { viewOf, secretsOf, parseStoredSpec, type BackendAuthSpec } from './spec.js';
import { UpstreamBudgets } from './budget.js';
import { createAuthenticator } from './runtime.js';

describe('backend credentials as an operator enters them', () => {
  const opts = (previous = null as BackendAuthSpec | null) => ({ previous, checkUrl: async (u: string) => new URL(u) });
  const oauth2: BackendAuthInput = { scheme: 'oauth2', tokenUrl: 'https://gw.ndxp.gov.vn/token', clientId: 'key1', clientSecret: 'S3cr3t-national', budget: '100/s' };

  it('keeps the secret in the spec (sealed with the row) and never in its view', async () => {
    const spec = await normaliseBackendAuth(oauth2, opts());
    expect(secretsOf(spec)).toEqual(['S3cr3t-national']);
    const view = JSON.stringify(viewOf(spec));
    expect(view).not.toContain('S3cr3t');
    expect(viewOf(spec)).toEqual({ scheme: 'oauth2', tokenUrl: 'https://gw.ndxp.gov.vn/token', clientId: 'key1', scope: null, secretSet: true, budget: '100/s', clientAuth: 'basic' });
  });

  it('keeps the stored secret when an update leaves it out; another scheme cannot borrow it', async () => {
    const first = await normaliseBackendAuth(oauth2, opts());
    const same = await normaliseBackendAuth({ ...oauth2, clientSecret: undefined, scope: 'dkdn' }, opts(first));
    expect(secretsOf(same)).toEqual(['S3cr3t-national']);
    expect(same).toMatchObject({ scope: 'dkdn' });
    const changed = await normaliseBackendAuth({ ...oauth2, clientSecret: 'new-one' }, opts(same));
    expect(secretsOf(changed)).toEqual(['new-one']);
    await expect(normaliseBackendAuth({ scheme: 'signed', user: 'u', template: { algorithm: 'sha256', input: ['secret'], headers: { A: '{signature}' } } }, opts(first)))
      .rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: 'secret is required' });
  });

  it('refuses bad input with the field named', async () => {
    const bad = async (i: unknown) => normaliseBackendAuth(i as BackendAuthInput, opts()).then(() => 'accepted', (e: Error) => e.message);
    expect(await bad({ ...oauth2, tokenUrl: '' })).toBe('tokenUrl is required');
    expect(await bad({ ...oauth2, clientSecret: 'a\nb' })).toMatch(/no line breaks/);
    expect(await bad({ ...oauth2, budget: 'lots' })).toMatch(/not a rate limit/);
    expect(await bad({ scheme: 'kerberos' })).toMatch(/Unknown backend authentication scheme "kerberos"/);
    expect(await bad({ scheme: 'static', headers: [{ name: 'X-Key', value: 'v' }, { name: 'x-key', value: 'w' }] })).toMatch(/given twice/);
    expect(await bad({ scheme: 'static', headers: [{ name: 'X-Road-Client', value: 'v' }] })).toMatch(/set by the gateway/);
    expect(await bad({ scheme: 'signed', user: 'a:b', secret: 's', template: {} })).toMatch(/must not contain ":"/);
  });

  it('reads the legacy one-header shape, and "inherit" clears a service\'s own credential', async () => {
    const legacy = await normaliseBackendAuth({ header: 'X-Vamco-Backend-Secret', value: 'v' }, opts());
    expect(legacy).toEqual({ scheme: 'static', headers: [{ name: 'X-Vamco-Backend-Secret', value: 'v' }], budget: null });
    expect(parseStoredSpec('{"header":"X-A","value":"b"}')).toEqual({ scheme: 'static', headers: [{ name: 'X-A', value: 'b' }], budget: null });
    expect(await normaliseBackendAuth({ scheme: 'inherit' }, opts(legacy))).toBeNull();
  });

  it('static headers are sent as given; their view names the headers only', async () => {
    const spec = await normaliseBackendAuth({ scheme: 'static', headers: [{ name: 'X-Api-Key', value: 'abc' }, { name: 'X-Partner', value: 'TAYNINH' }] }, opts());
    const a = createAuthenticator({ credential: 'service x', spec: spec! }, { tokenTimeoutMs: 1000 });
    expect(await a.apply('GET', new URL('http://h/'))).toEqual({ scheme: 'static', headers: { 'X-Api-Key': 'abc', 'X-Partner': 'TAYNINH' }, tokenId: null });
    expect(viewOf(spec)).toEqual({ scheme: 'static', headers: ['X-Api-Key', 'X-Partner'], budget: null });
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
