// Setting a service's backend credential from the console (issue 16, item 1: "… and the console"),
// in a real browser: the operator picks a scheme, types the secret once, and the gateway then
// presents it to the backend; the secret never comes back to the page; a scope can be changed
// later without typing the secret again (the stored one is kept), and the national stand-in
// still issues tokens for it. Checked against what the server holds and what the backends saw.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { startConsolePlatform, type ConsolePlatform, ensureConsoleBuilt, adminPage, launchChromium } from './security/console-platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { startWso2, type Wso2StandIn } from './helpers/wso2.js';

const PROVIDER = 'GOV/000.00.00.H59/hotich';
const CLIENT = 'GOV/000.00.00.H60/motcua';
const SERVICE = `${PROVIDER}/giaykhaisinh`;
const HEADER_SECRET = 'hotich-backend-secret-7f3a';
const OAUTH_SECRET = 'national-secret-2026';

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console: a service\'s backend credential', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  let backend: TestBackend;
  let ws: Wso2StandIn;
  let key = '';
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const service = async () => (await cp.platform.admin('GET', `/api/v1/services/${encodeURIComponent(SERVICE)}`)).body;
  const call = async () => {
    await cp.platform.snapshots.poll();
    const r = await fetch(`${cp.gatewayUrl}/r1/${cp.platform.instance}/${SERVICE}/ho-so/1`, { headers: { 'x-road-client': `${cp.platform.instance}/${CLIENT}`, 'x-api-key': key } });
    await r.arrayBuffer();
    return r.status;
  };
  async function pick(testId: string, option: string) {
    await tid(testId).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  beforeAll(async () => {
    ensureConsoleBuilt();
    backend = await startBackend();
    ws = await startWso2();
    cp = await startConsolePlatform();
    const a = cp.platform.admin;
    for (const [code, sub] of [['000.00.00.H59', 'hotich'], ['000.00.00.H60', 'motcua']]) {
      expect((await a('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name: code })).status).toBe(201);
      expect((await a('POST', '/api/v1/subsystems', { id: `GOV/${code}/${sub}` })).status).toBe(201);
    }
    expect((await a('POST', '/api/v1/services', { id: SERVICE, url: `${backend.url}/api` })).status).toBe(201);
    expect((await a('POST', '/api/v1/access-rights', { service: SERVICE, client: CLIENT })).status).toBe(201);
    key = (await a('POST', '/api/v1/keys', { subsystem: CLIENT })).body.key;
    browser = await launchChromium();
    page = await adminPage(browser, cp);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    await backend?.close();
    await ws?.close();
  });

  it('static header (vi): saved with a notice, presented to the backend, never shown again', async () => {
    // Each test sets the service up itself: none depends on another's outcome.
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vamco.lang', 'vi'));
    expect((await cp.platform.admin('PATCH', `/api/v1/services/${encodeURIComponent(SERVICE)}`, { url: `${backend.url}/api`, backendAuth: null })).status).toBe(200);
    await page.goto(`${cp.url}/services/${encodeURIComponent(SERVICE)}`);
    await tid('backend-auth').waitFor({ timeout: 30_000 });
    expect(await tid('backend-auth-current').textContent()).toContain('Theo hệ thống cung cấp');
    await pick('backend-auth-scheme', 'Header cố định');
    await tid('backend-auth-header-name-0').fill('X-Secret-Key');
    await tid('backend-auth-header-value-0').fill(HEADER_SECRET);
    await tid('backend-auth-budget').fill('100/m');
    await tid('backend-auth-save').click();
    await page.locator('[data-testid="notice"]').filter({ hasText: `Đã lưu thay đổi của ${SERVICE}.` }).first().waitFor({ timeout: 30_000 });
    expect((await service()).backendAuth).toEqual({ scheme: 'static', headers: ['X-Secret-Key'], budget: '100/m' });
    await page.reload();
    await tid('backend-auth-current').filter({ hasText: 'X-Secret-Key' }).waitFor({ timeout: 30_000 });
    expect(await page.content()).not.toContain(HEADER_SECRET);

    const before = backend.seen.length;
    expect(await call()).toBe(200);
    expect(backend.seen.slice(before).map((s) => s.headers['x-secret-key'])).toEqual([HEADER_SECRET]);
  });

  it('OAuth2 client credentials (en): the stand-in issues a token for the typed secret; a new scope keeps the stored secret', async () => {
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vamco.lang', 'en'));
    expect((await cp.platform.admin('PATCH', `/api/v1/services/${encodeURIComponent(SERVICE)}`, { url: `${ws.url}/hotich/1.0` })).status).toBe(200);
    await page.goto(`${cp.url}/services/${encodeURIComponent(SERVICE)}`);
    await tid('backend-auth').waitFor({ timeout: 30_000 });
    await pick('backend-auth-scheme', 'OAuth2 client credentials');
    await tid('backend-auth-token-url').fill(`${ws.url}/token`);
    await tid('backend-auth-client-id').fill('vamco-province-key');
    await tid('backend-auth-secret').fill(OAUTH_SECRET);
    await tid('backend-auth-budget').fill('');
    await tid('backend-auth-save').click();
    await page.locator('[data-testid="notice"]').filter({ hasText: `Saved the changes to ${SERVICE}.` }).first().waitFor({ timeout: 30_000 });
    expect((await service()).backendAuth).toEqual({ scheme: 'oauth2', tokenUrl: `${ws.url}/token`, clientId: 'vamco-province-key', scope: null, clientAuth: 'basic', secretSet: true, budget: null });
    expect(await call()).toBe(200);
    expect(ws.tokenRequests.at(-1)).toMatchObject({ ok: true, clientId: 'vamco-province-key', scope: null });

    // Only the scope changes; the secret field stays empty and says the stored one is kept.
    await page.reload();
    await tid('backend-auth-scope').waitFor({ timeout: 30_000 });
    expect(await tid('backend-auth-secret').inputValue()).toBe('');
    expect(await tid('backend-auth').innerText()).toContain('Leave empty to keep the stored secret');
    await tid('backend-auth-scope').fill('csdl_hotich');
    await tid('backend-auth-save').click();
    await tid('backend-auth-current').filter({ hasText: 'csdl_hotich' }).waitFor({ timeout: 30_000 });
    expect((await service()).backendAuth).toMatchObject({ scheme: 'oauth2', scope: 'csdl_hotich', secretSet: true });
    expect(await call()).toBe(200);
    expect(ws.tokenRequests.at(-1)).toMatchObject({ ok: true, scope: 'csdl_hotich' });
    expect(await page.content()).not.toContain(OAUTH_SECRET);
  });

  it('a refused credential says why in the card, and nothing changes on the server (en)', async () => {
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vamco.lang', 'en'));
    expect((await cp.platform.admin('PATCH', `/api/v1/services/${encodeURIComponent(SERVICE)}`, {
      url: `${ws.url}/hotich/1.0`, backendAuth: { scheme: 'oauth2', tokenUrl: `${ws.url}/token`, clientId: 'vamco-province-key', clientSecret: OAUTH_SECRET, scope: 'csdl_hotich' },
    })).status).toBe(200);
    await page.goto(`${cp.url}/services/${encodeURIComponent(SERVICE)}`);
    await tid('backend-auth').waitFor({ timeout: 30_000 });
    await pick('backend-auth-scheme', 'Signed (template)');
    await tid('backend-auth-user').fill('tinh-tay-ninh');
    await tid('backend-auth-secret').fill('x');
    await tid('backend-auth-template').fill('{ not json');
    await tid('backend-auth-save').click();
    await tid('backend-auth-error').filter({ hasText: 'The signature template is not valid JSON.' }).waitFor({ timeout: 30_000 });
    await tid('backend-auth-template').fill(JSON.stringify({ algorithm: 'md5', input: ['secret'], headers: { Authorization: '{signature}' } }));
    await tid('backend-auth-save').click();
    await tid('backend-auth-error').filter({ hasText: 'algorithm must be one of' }).waitFor({ timeout: 30_000 });
    expect((await service()).backendAuth).toMatchObject({ scheme: 'oauth2', scope: 'csdl_hotich' });
  });

  it('the provider system\'s credential (vi), set from the members page, is what a service without its own presents', async () => {
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vamco.lang', 'vi'));
    expect((await cp.platform.admin('PATCH', `/api/v1/services/${encodeURIComponent(SERVICE)}`, { url: `${backend.url}/api`, backendAuth: null })).status).toBe(200);
    await page.goto(`${cp.url}/members`);
    await tid(`backend-auth-${PROVIDER}`).click();
    await tid('backend-auth').waitFor({ timeout: 30_000 });
    expect(await tid('backend-auth-current').textContent()).toContain('Chưa đặt (từng dịch vụ tự đặt)');
    await pick('backend-auth-scheme', 'Header cố định');
    await tid('backend-auth-header-name-0').fill('X-System-Key');
    await tid('backend-auth-header-value-0').fill('system-secret-19c2');
    await tid('backend-auth-save').click();
    await page.locator('[data-testid="notice"]').filter({ hasText: `Đã lưu thay đổi của ${PROVIDER}.` }).first().waitFor({ timeout: 30_000 });
    const sub = (await cp.platform.admin('GET', '/api/v1/subsystems')).body.items.find((x: { id: string }) => x.id === PROVIDER);
    expect(sub.backendAuth).toEqual({ scheme: 'static', headers: ['X-System-Key'], budget: null });
    expect(await page.content()).not.toContain('system-secret-19c2');
    const before = backend.seen.length;
    expect(await call()).toBe(200);
    expect(backend.seen.slice(before).map((x) => x.headers['x-system-key'])).toEqual(['system-secret-19c2']);
    // Taken off again ("not set"): the service presents nothing.
    await pick('backend-auth-scheme', 'Chưa đặt (từng dịch vụ tự đặt)');
    await tid('backend-auth-save').click();
    await tid('backend-auth-current').filter({ hasText: 'Chưa đặt' }).waitFor({ timeout: 30_000 });
    const again = backend.seen.length;
    expect(await call()).toBe(200);
    expect(backend.seen.slice(again).map((x) => x.headers['x-system-key'])).toEqual([undefined]);
  });
});
