import { describe, it, expect, afterEach } from 'vitest';
import { OAuth2Client, tokenId } from './oauth2.js';
import { startWso2, type Wso2StandIn } from '../../test/helpers/wso2.js';
import { VamcoError } from '../core/errors.js';

const spec = (url: string, over: Record<string, unknown> = {}) => ({
  scheme: 'oauth2' as const, tokenUrl: `${url}/token`, clientId: 'vamco-province-key', secret: 'unused-here',
  scope: null, clientAuth: 'basic' as const, budget: null, ...over,
});

describe('OAuth2 client credentials towards a WSO2-style gateway', () => {
  let ws: Wso2StandIn | undefined;
  afterEach(async () => { await ws?.close(); ws = undefined; });

  it('fetches once for 50 concurrent callers and reuses the token until shortly before it expires', async () => {
    ws = await startWso2({ tokenDelayMs: 50, expiresIn: 3600 });
    let now = 1_000_000;
    const c = new OAuth2Client({ spec: spec(ws.url), readSecret: () => 'national-secret-2026', upstream: 'GOV/LGSP/ndxp', timeoutMs: 5000, now: () => now });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => c.token()));
    expect(ws.issued).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.value))).toEqual(new Set([ws.issued[0].token]));
    expect(tokens[0].id).toBe(tokenId(ws.issued[0].token));
    expect(tokens[0].id).not.toContain(ws.issued[0].token.slice(0, 8));
    // RFC 6749 4.4.2: grant_type=client_credentials, credentials as HTTP Basic (2.3.1).
    expect(ws.tokenRequests[0]).toMatchObject({ auth: 'basic', ok: true, scope: null });
    now += 3600_000 - 31_000; // 31 s before expiry: still used
    expect((await c.token()).value).toBe(ws.issued[0].token);
    now += 2_000; // 29 s before expiry: replaced, once for all waiting callers
    const after = await Promise.all(Array.from({ length: 20 }, () => c.token()));
    expect(ws.issued).toHaveLength(2);
    expect(new Set(after.map((t) => t.value))).toEqual(new Set([ws.issued[1].token]));
  });

  it('replaces a refused token once however many requests saw the 401', async () => {
    ws = await startWso2({ tokenDelayMs: 30 });
    const c = new OAuth2Client({ spec: spec(ws.url), readSecret: () => 'national-secret-2026', upstream: 'GOV/LGSP/ndxp', timeoutMs: 5000 });
    const first = await c.token();
    const retried = await Promise.all(Array.from({ length: 10 }, () => c.afterUnauthorized(first.id)));
    expect(ws.issued).toHaveLength(2);
    expect(new Set(retried.map((t) => t.id))).toEqual(new Set([tokenId(ws.issued[1].token)]));
    // A late 401 for the old token does not throw the new one away.
    expect((await c.afterUnauthorized(first.id)).id).toBe(tokenId(ws.issued[1].token));
    expect(ws.issued).toHaveLength(2);
  });

  it('sends the scope and, if asked, the credentials as form fields', async () => {
    ws = await startWso2();
    const c = new OAuth2Client({ spec: spec(ws.url, { scope: 'csdl_dkdn', clientAuth: 'body' }), readSecret: () => 'national-secret-2026', upstream: 'u', timeoutMs: 5000 });
    await c.token();
    expect(ws.tokenRequests[0]).toMatchObject({ auth: 'body', ok: true, scope: 'csdl_dkdn' });
  });

  it('form-encodes an id and secret with reserved characters before the Basic encoding (RFC 6749 2.3.1)', async () => {
    ws = await startWso2({ consumerKey: 'tỉnh:80 key', consumerSecret: 's%3A+/=' });
    const c = new OAuth2Client({ spec: spec(ws.url, { clientId: 'tỉnh:80 key' }), readSecret: () => 's%3A+/=', upstream: 'u', timeoutMs: 5000 });
    await c.token();
    expect(ws.tokenRequests[0]).toMatchObject({ auth: 'basic', ok: true });
  });

  it('names the upstream and the reason when the secret is wrong, never the secret', async () => {
    ws = await startWso2();
    const c = new OAuth2Client({ spec: spec(ws.url), readSecret: () => 'wrong-secret-value', upstream: 'subsystem GOV/LGSP/ndxp', timeoutMs: 5000 });
    const e = await c.token().catch((x: unknown) => x) as VamcoError;
    expect(e).toBeInstanceOf(VamcoError);
    expect(e.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(e.status).toBe(500);
    expect(e.message).toContain('subsystem GOV/LGSP/ndxp');
    expect(e.message).toContain(`${ws.url}/token`);
    expect(e.message).toContain('invalid_client');
    expect(e.message).not.toContain('wrong-secret-value');
    // Not cached: the next call tries again.
    await c.token().catch(() => {});
    expect(ws.tokenRequests).toHaveLength(2);
  });

  it('answers an unreachable token endpoint as UPSTREAM_UNREACHABLE naming it', async () => {
    const c = new OAuth2Client({ spec: spec('http://127.0.0.1:9'), readSecret: () => 's', upstream: 'subsystem GOV/LGSP/ndxp', timeoutMs: 5000 });
    const e = await c.token().catch((x: unknown) => x) as VamcoError;
    expect(e.code).toBe('UPSTREAM_UNREACHABLE');
    expect(e.message).toContain('http://127.0.0.1:9/token');
  });
});
