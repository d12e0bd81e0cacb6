// The message log in the console shows the credential of each exchange (issue 14, with issue
// 8's record field): its kind, and a certificate by the start of its SHA-256 with the whole on
// hover; the filter by kind searches the server (?credential=), in Vietnamese and in English.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { type Browser, type Page } from 'playwright-core';
import { startConsolePlatform, type ConsolePlatform, checkedAdmin, ensureConsoleBuilt, adminPage, setConsoleLanguage, launchChromium } from './security/console-platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { issueClientCert, loadOrCreateCa } from '../src/pki/index.js';

const PROVIDER = 'GOV/000.00.00.H59/hotich';
const SERVICE = `${PROVIDER}/khaisinh`;
const CLIENT = 'GOV/000.00.00.H73/motcua';

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console: the credential of each message', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  let backend: TestBackend;
  let fingerprint = '';
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const admin = (method: string, url: string, body?: unknown) => checkedAdmin(cp)(method, url, body);
  const setLang = (lang: 'vi' | 'en') => setConsoleLanguage(page, lang);
  const kinds = async () => (await page.locator('[data-testid="message-row"] [data-testid="message-credential"]').allInnerTexts()).map((s) => s.trim());

  beforeAll(async () => {
    ensureConsoleBuilt();
    backend = await startBackend();
    cp = await startConsolePlatform();
    const p = cp.platform;
    await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' });
    await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H73', name: 'UBND H73' });
    await admin('POST', '/api/v1/subsystems', { id: PROVIDER });
    await admin('POST', '/api/v1/subsystems', { id: CLIENT });
    await admin('POST', '/api/v1/services', { id: SERVICE, url: backend.url });
    await admin('POST', '/api/v1/access-rights', { service: SERVICE, client: CLIENT });
    const key = (await admin('POST', '/api/v1/keys', { subsystem: CLIENT })).key as string;
    const ca = await loadOrCreateCa(p.store, p.dataDir, { instance: p.instance });
    const issued = await issueClientCert({ store: p.store, config: p.config }, ca, { subsystem: CLIENT, label: 'h73' }, { actor: 'test:messages' });
    fingerprint = issued.credential.fingerprint;
    await p.snapshots.poll();
    const headers = { 'x-road-client': `${p.instance}/${CLIENT}` };
    // One exchange with an API key, one with a TLS client certificate and no key.
    expect((await fetch(`${p.gatewayUrl}/r1/${p.instance}/${SERVICE}/a`, { headers: { ...headers, 'x-api-key': key } })).status).toBe(200);
    const agent = new Agent({ connect: { ca: p.ca.certPem, cert: issued.certPem, key: issued.keyPem! } });
    try {
      const r = await request(`${p.gatewayTlsUrl}/r1/${p.instance}/${SERVICE}/b`, { dispatcher: agent, headers });
      await r.body.text();
      expect(r.statusCode).toBe(200);
    } finally {
      await agent.close();
    }
    browser = await launchChromium();
    page = await adminPage(browser, cp);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    await backend?.close();
  });

  it('(vi) shows each record\'s credential, the certificate by its SHA-256 (whole on hover), and filters by kind', async () => {
    await setLang('vi');
    await page.goto(`${cp.url}/messages`);
    await expect.poll(async () => (await kinds()).sort(), { timeout: 60_000 }).toEqual(['Chứng thư số', 'Khóa API']);
    const short = tid('message-fingerprint');
    expect((await short.innerText()).trim()).toBe(`${fingerprint.slice(0, 12)}…`);
    expect(await short.getAttribute('aria-label')).toContain(fingerprint);
    await short.hover();
    await expect.poll(() => page.getByRole('tooltip').innerText(), { timeout: 30_000 }).toBe(fingerprint);

    // The filter asks the server for one kind.
    await tid('messages-credential-filter').click();
    await page.getByRole('option', { name: 'Chứng thư số', exact: true }).click();
    const req = page.waitForRequest((r) => r.url().includes('/api/v1/messages?'));
    await tid('search').click();
    expect(new URL((await req).url()).searchParams.get('credential')).toBe('certificate');
    await expect.poll(kinds, { timeout: 30_000 }).toEqual(['Chứng thư số']);
    // The record's detail names it in full.
    await page.locator('[data-testid="message-row"]').first().click();
    expect(await tid('message-detail').innerText()).toContain(`Chứng thư số SHA-256 ${fingerprint}`);
  }, 120_000);

  it('(en) names the kinds in English and filters to API keys', async () => {
    await setLang('en');
    await page.goto(`${cp.url}/messages`);
    await expect.poll(async () => (await kinds()).sort(), { timeout: 60_000 }).toEqual(['API key', 'Certificate']);
    await tid('messages-credential-filter').click();
    await page.getByRole('option', { name: 'API key', exact: true }).click();
    await tid('search').click();
    await expect.poll(kinds, { timeout: 30_000 }).toEqual(['API key']);
    // The export takes the filter of the list on screen.
    expect(await tid('messages-export-csv').getAttribute('href')).toContain('credential=api-key');
  }, 120_000);
});
