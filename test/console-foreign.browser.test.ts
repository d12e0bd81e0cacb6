// Federation in the console (issue 17), in real Chromium against two real platforms peered
// through the CLI: A's catalogue lists B's services marked as B's, from B's signed directory,
// for an agency admin (vi), without B's backend addresses; B's access-rights page lists the
// right it gave A's client with A's instance and revokes it (en). Both pages pass the checks
// every console page passes (no overflow, axe, keyboard, no English in Vietnamese).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { checkedAdmin, consoleLogin, ensureConsoleBuilt, firstAdminLogin, launchChromium, setConsoleLanguage, startConsolePlatform, type ConsolePlatform } from './security/console-platform.js';
import { checkPage } from './helpers/page-audit.js';
import { peerWith } from './helpers/federation.js';
import { tempDir } from '../src/store/testing.js';
import { until } from './helpers/wait.js';

const PROV = 'GOV/000.00.00.B01/hotich';
const APP = 'GOV/000.00.00.A01/motcua';
const SERVICE = `${PROV}/khaisinh`;
// Where B's backend lives, and the server its OpenAPI document names: never on A's pages.
const BACKEND = 'http://10.20.30.41:8081/khaisinh';
const DOC_HOST = 'hotich-noibo.tinh-b.gov.vn';
const OUT = path.resolve('test-output/console');

describe('console: foreign services and rights', () => {
  let a: ConsolePlatform;
  let b: ConsolePlatform;
  let browser: Browser;
  const dir = tempDir();
  const ok = (p: ConsolePlatform, method: string, url: string, body?: unknown) => checkedAdmin(p)(method, '/api/v1' + url, body);
  const tid = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
  const clean = async (page: Page, name: string, lang: 'vi' | 'en') => {
    const report = await checkPage(page, lang);
    await page.screenshot({ path: path.join(OUT, `foreign-${name}-${lang}.png`), fullPage: true });
    expect(report, name).toEqual({ overflow: [], english: [], axe: [], keyboard: [] });
  };
  async function open(lang: 'vi' | 'en', url: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: 'vi-VN' })).newPage();
    await page.goto(url + '/');
    await setConsoleLanguage(page, lang);
    return page;
  }

  beforeAll(async () => {
    ensureConsoleBuilt();
    fs.mkdirSync(OUT, { recursive: true });
    [a, b] = await Promise.all([
      startConsolePlatform({ env: { VAMCO_INSTANCE: 'VN-A', VAMCO_DIRECTORY_FETCH_INTERVAL: '300ms' } }),
      startConsolePlatform({ env: { VAMCO_INSTANCE: 'VN-B', VAMCO_DIRECTORY_PUBLISH: '1', VAMCO_BACKEND_ALLOW: '10.0.0.0/8,127.0.0.1' } }),
    ]);
    await Promise.all([peerWith(a.platform, b.platform, dir), peerWith(b.platform, a.platform, dir)]);
    await ok(b, 'POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.B01', name: 'Sở Tư pháp tỉnh B' });
    await ok(b, 'POST', '/subsystems', { id: PROV, name: 'Hộ tịch tỉnh B' });
    await ok(b, 'POST', '/services', {
      id: SERVICE, url: BACKEND,
      openapi: { openapi: '3.0.3', info: { title: 'Đăng ký khai sinh tỉnh B', version: '1', description: 'Tiếp nhận hồ sơ khai sinh của tỉnh B.' }, servers: [{ url: `https://${DOC_HOST}/v2` }], paths: { '/ho-so': { post: {} } } },
    });
    await ok(b, 'POST', '/access-rights', { service: SERVICE, client: `VN-A/${APP}` });
    await ok(a, 'POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.A01', name: 'UBND tỉnh A' });
    await ok(a, 'POST', '/subsystems', { id: APP, name: 'Một cửa tỉnh A' });
    await ok(a, 'POST', '/users', { username: 'motcua-admin', role: 'agency_admin', memberId: 'GOV/000.00.00.A01', password: 'Mật khẩu Một cửa 1' });
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('(vi) an agency admin of A finds B\'s service in the catalogue, marked as platform VN-B\'s, without B\'s addresses', async () => {
    const page = await open('vi', a.url);
    await consoleLogin(page, a.url, 'motcua-admin', 'Mật khẩu Một cửa 1');
    // A fetches B's directory every 300 ms; the page shows what A kept when it loaded.
    await until('B\'s directory at A', async () => ((await a.platform.admin('GET', '/api/v1/foreign-services')).body.items.length ? true : undefined));
    await page.goto(a.url + '/services');
    const row = tid(page, `foreign-service-VN-B/${SERVICE}`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('[data-testid="foreign-badge"]').innerText()).toMatch(/^dịch vụ của nền tảng VN-B$/i);
    const text = await row.innerText();
    for (const s of ['Đăng ký khai sinh tỉnh B', `VN-B/${SERVICE}`, 'Sở Tư pháp tỉnh B', 'Tiếp nhận hồ sơ khai sinh của tỉnh B.']) expect(text).toContain(s);
    const html = await page.content();
    expect(html).not.toContain('10.20.30.41');
    expect(html).not.toContain(DOC_HOST);
    // The search finds it by the peer's instance; an agency filter (an agency of A) leaves it out.
    await tid(page, 'services-search').fill('VN-B');
    await row.waitFor({ timeout: 30_000 });
    await tid(page, 'services-search').fill('');
    await tid(page, 'services-agency').click();
    await page.getByRole('option', { name: 'UBND tỉnh A (GOV/000.00.00.A01)' }).click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    await tid(page, 'services-agency').click();
    await page.getByRole('option', { name: 'Tất cả' }).click();
    await row.waitFor({ timeout: 30_000 });
    await clean(page, 'catalogue', 'vi');
    await page.context().close();
  }, 600_000);

  it('(en) B\'s platform admin sees the right given to A\'s client, marked as platform VN-A\'s, and revokes it', async () => {
    const [right] = (await ok(b, 'GET', '/access-rights')).items;
    expect(right).toMatchObject({ kind: 'foreign', instance: 'VN-A' });
    const page = await open('en', b.url);
    await firstAdminLogin(page, b);
    await page.goto(b.url + '/access');
    const row = tid(page, `right-foreign-${right.id}`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('[data-testid="right-foreign"]').innerText()).toMatch(/^peer platform VN-A$/i);
    expect(await row.innerText()).toContain(`VN-A/${APP}`);
    await clean(page, 'access', 'en');
    await tid(page, `revoke-foreign-${right.id}`).click();
    expect(await tid(page, `revoke-foreign-${right.id}-dialog`).innerText()).toContain(`VN-A/${APP}`);
    await tid(page, `revoke-foreign-${right.id}-confirm`).click();
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    expect((await ok(b, 'GET', '/access-rights')).items).toEqual([]);
    const trail = (await ok(b, 'GET', '/admin-trail?q=VN-A')).items.map((t: { action: string; target: string }) => `${t.action} ${t.target}`);
    expect(trail).toContain(`access.revoke ${SERVICE} -> VN-A/${APP}`);
    await page.context().close();
  }, 600_000);
});
