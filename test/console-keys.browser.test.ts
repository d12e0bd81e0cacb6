// API keys with an expiry and a last use in the console (issue 14), in a real browser: the
// create dialog takes the expiry as dd/mm/yyyy (as every date field of the console), the list
// shows when the key expires and when it was last used (dd/mm/yyyy HH:mm, Vietnam time), and a
// key past its expiry reads as expired, in Vietnamese and in English.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { startConsolePlatform, type ConsolePlatform, checkedAdmin, ensureConsoleBuilt, adminPage, setConsoleLanguage, launchChromium } from './security/console-platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { until } from './helpers/wait.js';

const PROVIDER = 'GOV/000.00.00.H59/hotich';
const SERVICE = `${PROVIDER}/khaisinh`;
const MINUTE = /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/;

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console: API key expiry and last use', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  let backend: TestBackend;
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const admin = (method: string, url: string, body?: unknown) => checkedAdmin(cp)(method, url, body);
  const setLang = (lang: 'vi' | 'en') => setConsoleLanguage(page, lang);
  const cell = (id: number, what: string) => tid(`key-${id}`).locator(`[data-testid="${what}"]`);
  /** Reloads the keys page until the cell reads as wanted (the list is read when the page opens). */
  const cellBecomes = (id: number, what: string, want: RegExp) => until(`key ${id} ${what} to read ${want}`, async () => {
    await page.goto(`${cp.url}/keys`);
    await tid(`key-${id}`).waitFor({ timeout: 30_000 });
    const text = (await cell(id, what).innerText()).trim();
    return want.test(text) ? text : undefined;
  }, 90_000);

  async function newClient(code: string): Promise<string> {
    const client = `GOV/${code}/motcua`;
    await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name: `UBND ${code}` });
    await admin('POST', '/api/v1/subsystems', { id: client });
    await admin('POST', '/api/v1/access-rights', { service: SERVICE, client });
    return client;
  }

  beforeAll(async () => {
    ensureConsoleBuilt();
    backend = await startBackend();
    cp = await startConsolePlatform();
    await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' });
    await admin('POST', '/api/v1/subsystems', { id: PROVIDER });
    await admin('POST', '/api/v1/services', { id: SERVICE, url: backend.url });
    // An American browser: the locale that would show mm/dd/yyyy in a native date field.
    browser = await launchChromium();
    page = await adminPage(browser, cp, { locale: 'en-US' });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    await backend?.close();
  });

  it('(vi) creates a key expiring at the end of a dd/mm/yyyy day; after a call its last use shows, dd/mm/yyyy HH:mm', async () => {
    await setLang('vi');
    const client = await newClient('000.00.00.H71');
    await page.goto(`${cp.url}/keys`);
    await tid('create-key').click();
    await tid('key-subsystem').click();
    await page.getByRole('option', { name: client, exact: true }).click();
    await tid('key-expires-input').fill('31/12/2099');
    await page.keyboard.press('Tab');
    expect(await tid('key-expires-input').inputValue()).toBe('31/12/2099');
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/v1/keys') && r.method() === 'POST');
    await tid('key-submit').click();
    expect((await sent).postDataJSON()).toMatchObject({ subsystem: client, expires: '2099-12-31' });
    const key = (await tid('new-key').innerText()).trim();
    await tid('key-done').click();
    const [held] = (await admin('GET', `/api/v1/keys?subsystem=${encodeURIComponent(client)}`)).items as { id: number; expiresAt: string }[];
    // To the end of 31/12/2099 in Vietnam time.
    expect(held.expiresAt).toBe('2099-12-31T17:00:00.000Z');
    await tid(`key-${held.id}`).waitFor({ timeout: 30_000 });
    expect((await cell(held.id, 'key-expires').innerText()).trim()).toBe('01/01/2100 00:00');
    expect((await cell(held.id, 'key-last-used').innerText()).trim()).toBe('Chưa dùng');
    expect((await cell(held.id, 'key-status').innerText()).trim()).toMatch(/^đang dùng$/i);

    await cp.platform.snapshots.poll();
    const r = await fetch(`${cp.gatewayUrl}/r1/${cp.platform.instance}/${SERVICE}/x`, { headers: { 'x-road-client': `${cp.platform.instance}/${client}`, 'x-api-key': key } });
    expect(r.status).toBe(200);
    await cellBecomes(held.id, 'key-last-used', MINUTE);
  }, 240_000);

  it('(en) a key past its expiry reads as expired; one without expiry never expires', async () => {
    await setLang('en');
    const client = await newClient('000.00.00.H72');
    const short = await admin('POST', '/api/v1/keys', { subsystem: client, expires: '2s' });
    const forever = await admin('POST', '/api/v1/keys', { subsystem: client });
    expect(await cellBecomes(short.id, 'key-status', /^expired$/i)).toMatch(/^expired$/i);
    expect((await cell(short.id, 'key-expires').innerText()).trim()).toMatch(MINUTE);
    expect((await cell(forever.id, 'key-expires').innerText()).trim()).toBe('Never');
    expect((await cell(forever.id, 'key-last-used').innerText()).trim()).toBe('Never');
    expect((await cell(forever.id, 'key-status').innerText()).trim()).toMatch(/^active$/i);
    // The create dialog's field reads dd/mm/yyyy in English too.
    await tid('create-key').click();
    expect(await tid('key-expires-input').getAttribute('placeholder')).toBe('dd/mm/yyyy');
    await page.keyboard.press('Escape');
  }, 240_000);
});
