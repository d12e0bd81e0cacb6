// The dashboard in the console (issue 14): real exchanges through the gateway (answered, refused,
// failed against a dead backend, a metaservice, an unregistered service), then refusals and
// backend failures as separate counts and series, rows by name with the id on hover, only
// registered services and clients in the rows (the rest counted apart), and each row opening the
// message log filtered to exactly the records it counts, by keyboard as by mouse; in both languages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { adminPage, checkedAdmin, ensureConsoleBuilt, launchChromium, setConsoleLanguage, startConsolePlatform, type ConsolePlatform } from './security/console-platform.js';
import { deadPort, startBackend, type TestBackend } from './helpers/backend.js';
import { checkPage } from './helpers/page-audit.js';

const PROVIDER = 'GOV/000.00.00.H59/hotich';
const LIVE = `${PROVIDER}/khaisinh`;
const DEAD = `${PROVIDER}/kethon`;
const CLIENT = 'GOV/000.00.00.H73/motcua';
const OUTSIDER = 'GOV/000.00.00.H74/yte';
const OUT = path.resolve('test-output/console');
const OPENAPI = { openapi: '3.0.3', info: { title: 'Đăng ký khai sinh', version: '1' }, paths: { '/a': { get: { responses: { 200: { description: 'ok' } } } } } };

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console: the dashboard', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  let backend: TestBackend;
  let inst = '';
  const full = (id: string) => `${inst}/${id}`;
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const setLang = (lang: 'vi' | 'en') => setConsoleLanguage(page, lang);
  const text = async (id: string) => (await tid(id).innerText()).trim();
  /** The rows of one table: key, shown name, owner line and counts. */
  const rows = (table: string) => page.locator(`[data-testid="${table}-row"]`).evaluateAll((trs) => trs.map((tr) => {
    const q = (s: string) => ((tr as unknown as { querySelector(s: string): { textContent: string } | null }).querySelector(s)?.textContent ?? '').trim();
    return {
      key: (tr as unknown as { getAttribute(n: string): string }).getAttribute('data-key'), name: q('[data-testid="named"] span'), owner: q('[data-testid="row-owner"]'),
      requests: q('[data-testid="row-requests"]'), refusals: q('[data-testid="row-refusals"]'), failures: q('[data-testid="row-failures"]'),
    };
  }));
  /** The dashboard, opened until it counts every exchange made (its answers are reused for 5 s). */
  const openDashboard = async (requests: string) => {
    await expect.poll(async () => {
      await page.goto(`${cp.url}/`);
      await tid('total-requests').waitFor({ timeout: 60_000 });
      return text('total-requests');
    }, { timeout: 90_000, interval: 2000 }).toBe(requests);
    await tid('by-service-row').first().waitFor();
  };
  const messageRows = () => page.locator('[data-testid="message-row"]');

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    ensureConsoleBuilt();
    backend = await startBackend();
    const dead = await deadPort();
    cp = await startConsolePlatform();
    const admin = checkedAdmin(cp);
    const p = cp.platform;
    inst = p.instance;
    for (const [code, name] of [['000.00.00.H59', 'Sở Tư pháp'], ['000.00.00.H73', 'UBND huyện Mê Linh'], ['000.00.00.H74', 'Sở Y tế']]) {
      await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name });
    }
    await admin('POST', '/api/v1/subsystems', { id: PROVIDER, name: 'Hộ tịch' });
    await admin('POST', '/api/v1/subsystems', { id: CLIENT, name: 'Một cửa liên thông' });
    await admin('POST', '/api/v1/subsystems', { id: OUTSIDER });
    await admin('POST', '/api/v1/services', { id: LIVE, url: backend.url, openapi: OPENAPI });
    await admin('POST', '/api/v1/services', { id: DEAD, url: `http://127.0.0.1:${dead}`, timeout: '5s' });
    await admin('POST', '/api/v1/access-rights', { service: LIVE, client: CLIENT });
    await admin('POST', '/api/v1/access-rights', { service: DEAD, client: CLIENT });
    const key = (await admin('POST', '/api/v1/keys', { subsystem: CLIENT })).key as string;
    const outsiderKey = (await admin('POST', '/api/v1/keys', { subsystem: OUTSIDER })).key as string;
    await p.snapshots.poll();
    const call = async (as: string, k: string, target: string) => {
      const r = await fetch(`${p.gatewayUrl}/r1/${inst}/${target}`, { headers: { 'x-road-client': full(as), 'x-api-key': k } });
      await r.arrayBuffer();
      return r.status;
    };
    // Answered twice; failed by a dead backend; a metaservice; refused (no access); an unregistered service.
    expect(await call(CLIENT, key, `${LIVE}/a`)).toBe(200);
    expect(await call(CLIENT, key, `${LIVE}/a`)).toBe(200);
    expect(await call(CLIENT, key, `${DEAD}/x`)).toBeGreaterThanOrEqual(500);
    expect(await call(CLIENT, key, `${PROVIDER}/listMethods`)).toBe(200);
    expect(await call(OUTSIDER, outsiderKey, `${LIVE}/a`)).toBeGreaterThanOrEqual(400);
    expect(await call(CLIENT, key, `${PROVIDER}/nope`)).toBeGreaterThanOrEqual(400);
    browser = await launchChromium();
    page = await adminPage(browser, cp);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    await backend?.close();
  });

  it('(vi) counts refusals and backend failures apart, by name, registered ids only; a row opens its records by keyboard', async () => {
    await setLang('vi');
    await openDashboard('6');
    // The gateway's refusals (no access; unknown service) apart from the backend's failure.
    expect(await text('total-refusals')).toBe('2');
    expect(await text('total-failures')).toBe('1');
    // The chart's words come from the series it draws: three, not one "errors" series.
    expect(await tid('chart-traffic').getAttribute('aria-label')).toBe('Biểu đồ lưu lượng: 6 yêu cầu (Được trả lời 3, Bị từ chối 2, Lỗi phía backend 1).');

    // Services: registered ones only, by their title (else code) under their system and agency.
    expect(await rows('by-service')).toEqual([
      { key: full(LIVE), name: 'Đăng ký khai sinh', owner: 'Hộ tịch · Sở Tư pháp', requests: '3', refusals: '1', failures: '0' },
      { key: full(DEAD), name: 'kethon', owner: 'Hộ tịch · Sở Tư pháp', requests: '1', refusals: '0', failures: '1' },
    ]);
    // Clients by name (a system without one by its code); the metaservice and the mistyped call are the client's own.
    expect(await rows('by-client')).toEqual([
      { key: full(CLIENT), name: 'Một cửa liên thông', owner: 'UBND huyện Mê Linh', requests: '5', refusals: '1', failures: '1' },
      { key: full(OUTSIDER), name: 'yte', owner: 'Sở Y tế', requests: '1', refusals: '1', failures: '0' },
    ]);
    // What the rows leave out is said, not dropped.
    expect(await text('set-apart-metaservices')).toMatch(/^1 lời gọi dịch vụ siêu dữ liệu/);
    expect(await text('set-apart-unregisteredServices')).toMatch(/^1 lời gọi tới dịch vụ chưa đăng ký/);
    expect(await tid('set-apart-unregisteredClients').count()).toBe(0);

    // The id on hover.
    await page.locator('[data-testid="by-service-row"]').first().locator('[data-testid="named"] span').first().hover();
    await expect.poll(() => page.getByRole('tooltip').innerText(), { timeout: 30_000 }).toBe(full(LIVE));

    const report = await checkPage(page, 'vi');
    await page.screenshot({ path: path.join(OUT, 'dashboard-vi.png'), fullPage: true });
    expect(report).toEqual({ overflow: [], english: [], axe: [], keyboard: [] });

    // By keyboard: Tab reaches the row, Enter opens the message log filtered to its service and period.
    const window = await page.evaluate(async () => {
      const r = await fetch('/api/v1/dashboard?range=hour', { credentials: 'same-origin' });
      const d = await r.json() as { from: string; to: string };
      return { from: d.from, to: d.to };
    });
    const row = page.locator('[data-testid="by-service-row"]').first();
    await row.focus();
    const asked = page.waitForRequest((r) => r.url().includes('/api/v1/messages?'));
    await page.keyboard.press('Enter');
    const q = new URL((await asked).url()).searchParams;
    expect({ service: q.get('service'), client: q.get('client'), from: q.get('from'), to: q.get('to') }).toEqual({ service: full(LIVE), client: null, ...window });
    expect(new URL(page.url()).pathname).toBe('/messages');
    expect(new URL(page.url()).searchParams.get('service')).toBe(full(LIVE));
    // Exactly the records the row counted: two answered, one refused, all of that service.
    await expect.poll(() => messageRows().count(), { timeout: 30_000 }).toBe(3);
    const statuses = (await messageRows().locator('.mantine-Badge-label').allInnerTexts()).map(Number).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s >= 400)).toHaveLength(1);
    expect(await messageRows().locator('[data-testid="message-service"] [data-testid="named"]').evaluateAll((es) => es.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('data-id')))).toEqual([full(LIVE), full(LIVE), full(LIVE)]);
    // The filter fields show what is applied.
    expect(await page.getByLabel('Dịch vụ', { exact: true }).inputValue()).toBe(full(LIVE));
  }, 240_000);

  it('(en) names the series in English; a client row opens by mouse the log of that client only', async () => {
    await setLang('en');
    await openDashboard('6');
    expect(await page.locator('[data-testid="chart-traffic"]').getAttribute('aria-label')).toBe('Traffic chart: 6 requests (Answered 3, Refused 2, Backend failures 1).');
    expect(await text('set-apart-metaservices')).toMatch(/^1 metaservice call\b/);
    expect(await text('set-apart-unregisteredServices')).toMatch(/^1 call to an unregistered or unknown service/);
    const report = await checkPage(page, 'en');
    await page.screenshot({ path: path.join(OUT, 'dashboard-en.png'), fullPage: true });
    expect(report).toEqual({ overflow: [], english: [], axe: [], keyboard: [] });

    await page.locator(`[data-testid="by-client-row"][data-key="${full(OUTSIDER)}"] [data-testid="row-requests"]`).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('client'), { timeout: 30_000 }).toBe(full(OUTSIDER));
    await expect.poll(() => messageRows().count(), { timeout: 30_000 }).toBe(1);
    expect(await messageRows().locator('[data-testid="message-client"] [data-testid="named"]').getAttribute('data-id')).toBe(full(OUTSIDER));
    expect(await page.getByLabel('Client', { exact: true }).inputValue()).toBe(full(OUTSIDER));
    // The address keeps the filter: a reload shows the same records.
    await page.reload();
    await expect.poll(() => messageRows().count(), { timeout: 30_000 }).toBe(1);
  }, 240_000);
});
