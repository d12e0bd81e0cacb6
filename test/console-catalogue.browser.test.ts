// The service catalogue (issue 14: "a service catalogue (search, agency, description, OpenAPI
// rendered with a maintained renderer, spec download) that every role may browse without backend
// addresses; who has access shown on each service"), in real Chromium, in Vietnamese as another
// agency's admin and in English as the platform admin: what each sees, the rendered document
// (request body, schema, example), the downloaded document, and the page checks every console
// page passes (no overflow, axe, keyboard, no English in Vietnamese).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { firstAdminLogin, startConsolePlatform, type ConsolePlatform, launchChromium, checkedAdmin, ensureConsoleBuilt, setConsoleLanguage } from './security/console-platform.js';
import { checkPage } from './helpers/page-audit.js';
import { freshCodes } from './helpers/two-step.js';

const H59 = 'GOV/000.00.00.H59';
const H61 = 'GOV/000.00.00.H61';
const KHAISINH = `${H59}/hotich/khaisinh`;
const KHAMBENH = `${H61}/yte/khambenh`;
// Backend addresses the other agency must never see: in the service and in the document's servers.
const HOTICH_BACKEND = 'http://10.20.30.40:8081/hotich';
const DOC_SERVER = 'https://hotich-noibo.tinh.gov.vn:9443/v2';
const OUT = path.resolve('test-output/console');

const KHAISINH_DOC = {
  openapi: '3.0.3',
  info: { title: 'Đăng ký khai sinh', version: '2.0', description: 'Tiếp nhận và tra cứu hồ sơ đăng ký khai sinh của Sở Tư pháp.' },
  servers: [{ url: DOC_SERVER }],
  paths: {
    '/ho-so': {
      post: {
        summary: 'Nộp hồ sơ khai sinh', operationId: 'nopHoSo',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/HoSoKhaiSinh' }, example: { hoTenTre: 'Lê Minh Khang', ngaySinh: '2026-01-02', noiSinh: 'Bệnh viện Đa khoa tỉnh Tây Ninh' } } } },
        responses: { 201: { description: 'Đã tiếp nhận' } },
      },
    },
    '/ho-so/{ma}': { get: { summary: 'Tra cứu hồ sơ', parameters: [{ name: 'ma', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'Hồ sơ' } } } },
  },
  components: { schemas: { HoSoKhaiSinh: { type: 'object', required: ['hoTenTre', 'ngaySinh'], properties: { hoTenTre: { type: 'string' }, ngaySinh: { type: 'string', format: 'date' }, noiSinh: { type: 'string' } } } } },
};

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console: the service catalogue', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  const admin = (method: string, url: string, body?: unknown) => checkedAdmin(cp)(method, url, body);

  beforeAll(async () => {
    ensureConsoleBuilt();
    fs.mkdirSync(OUT, { recursive: true });
    cp = await startConsolePlatform({ env: { VAMCO_BACKEND_ALLOW: '10.0.0.0/8,127.0.0.1' } });
    for (const [id, name, sub, subName] of [[H59, 'Sở Tư pháp', 'hotich', 'Hộ tịch điện tử'], [H61, 'Sở Y tế', 'yte', 'Hệ thống y tế']]) {
      const [memberClass, memberCode] = id.split('/');
      await admin('POST', '/api/v1/members', { memberClass, memberCode, name });
      await admin('POST', '/api/v1/subsystems', { id: `${id}/${sub}`, name: subName });
    }
    await admin('POST', '/api/v1/services', { id: KHAISINH, url: HOTICH_BACKEND, openapi: KHAISINH_DOC });
    await admin('POST', '/api/v1/services', { id: KHAMBENH, url: 'http://127.0.0.1:9/khambenh', openapi: { openapi: '3.0.3', info: { title: 'Lịch khám bệnh', version: '1' }, paths: { '/lich': { get: { responses: { 200: { description: 'Lịch' } } } } } } });
    await admin('POST', '/api/v1/access-rights', { service: KHAISINH, client: `${H61}/yte` });
    await admin('POST', '/api/v1/users', { username: 'yte-admin', role: 'agency_admin', memberId: H61, password: 'Mật khẩu Sở Y tế 1' });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
  });

  async function open(lang: 'vi' | 'en', login: (page: Page) => Promise<void>): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: 'vi-VN' })).newPage();
    await page.goto(cp.url + '/');
    await setConsoleLanguage(page, lang);
    await login(page);
    await page.locator('[data-testid="whoami"]').waitFor({ timeout: 60_000 });
    return page;
  }
  const tid = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
  // The client agency's admin (agency_admin) sets up two-step verification at its first login
  // (issue 14) and gives a fresh code at each later one, whichever test logs in first.
  const codes = freshCodes();
  let yteSecret: string | undefined;
  async function yteLogin(p: Page): Promise<void> {
    await tid(p, 'username').fill('yte-admin');
    await tid(p, 'password').fill('Mật khẩu Sở Y tế 1');
    await tid(p, 'login-submit').click();
    const enrolling = yteSecret === undefined;
    if (enrolling) {
      await tid(p, 'totp-secret').waitFor({ timeout: 60_000 });
      yteSecret = (await tid(p, 'totp-secret').innerText()).replace(/\s/g, '');
    } else {
      await tid(p, 'totp-code').waitFor({ timeout: 60_000 });
    }
    await tid(p, 'totp-code').locator('input').first().click();
    await p.keyboard.type(await codes(yteSecret!));
    await tid(p, 'totp-submit').click();
    if (enrolling) await tid(p, 'recovery-done').click();
  }
  const clean = async (page: Page, name: string, lang: 'vi' | 'en') => {
    const report = await checkPage(page, lang);
    await page.screenshot({ path: path.join(OUT, `catalogue-${name}-${lang}.png`), fullPage: true });
    expect(report, name).toEqual({ overflow: [], english: [], axe: [], keyboard: [] });
  };

  /** The docs tab: Swagger UI renders the operations, the request body with its example, and the schema. */
  async function rendered(page: Page): Promise<string> {
    await tid(page, 'tab-docs').click();
    const docs = tid(page, 'api-docs');
    await docs.locator('.opblock').first().waitFor({ timeout: 60_000 });
    await docs.getByText('Lê Minh Khang').first().waitFor({ timeout: 30_000 });
    const text = await docs.innerText();
    for (const s of ['/ho-so', '/ho-so/{ma}', 'Nộp hồ sơ khai sinh', 'Tra cứu hồ sơ', 'HoSoKhaiSinh', 'Bệnh viện Đa khoa tỉnh Tây Ninh']) expect(text).toContain(s);
    expect(await docs.locator('.opblock-post').count()).toBe(1);
    expect(await docs.locator('.opblock-get').count()).toBe(1);
    return text;
  }

  it('(vi) another agency\'s admin browses, filters and reads the documentation, and never sees the backend\'s address', async () => {
    const page = await open('vi', yteLogin);
    await page.goto(cp.url + '/services');
    const row = tid(page, `service-${KHAISINH}`);
    await row.waitFor({ timeout: 30_000 });
    // Both agencies' services, by title, agency name and description.
    expect(await row.innerText()).toContain('Đăng ký khai sinh');
    expect(await row.innerText()).toContain('Sở Tư pháp');
    expect(await row.locator('[data-testid="service-description"]').innerText()).toBe(KHAISINH_DOC.info.description);
    await tid(page, `service-${KHAMBENH}`).waitFor();
    // Its own service's address, not the other agency's.
    expect(await tid(page, `service-${KHAMBENH}`).innerText()).toContain('http://127.0.0.1:9/khambenh');
    expect(await row.locator('[data-testid="service-url-cell"]').innerText()).toBe('—');
    expect(await page.content()).not.toContain('10.20.30.40');
    await clean(page, 'list', 'vi');

    // The agency filter and the search.
    await tid(page, 'services-agency').click();
    await page.getByRole('option', { name: `Sở Tư pháp (${H59})` }).click();
    await tid(page, `service-${KHAMBENH}`).waitFor({ state: 'detached', timeout: 30_000 });
    expect(await row.count()).toBe(1);
    await tid(page, 'services-agency').click();
    await page.getByRole('option', { name: 'Tất cả' }).click();
    await tid(page, `service-${KHAMBENH}`).waitFor({ timeout: 30_000 });
    await tid(page, 'services-search').fill('tra cuu ho so dang ky');
    await tid(page, `service-${KHAMBENH}`).waitFor({ state: 'detached', timeout: 30_000 });
    expect(await row.count()).toBe(1);

    // The service: who has access (its own system, by name with the id on hover), no address, no credential.
    await row.press('Enter');
    await page.waitForURL(/\/services\/.+/);
    const grants = tid(page, 'who-has-access');
    await grants.locator('[data-testid="grant"]').first().waitFor({ timeout: 30_000 });
    expect(await grants.locator('[data-testid="named"]').getAttribute('data-id')).toBe(`${H61}/yte`);
    expect(await grants.innerText()).toContain('Hệ thống y tế');
    expect(await tid(page, 'service-url-field').count()).toBe(0);
    expect(await page.content()).not.toContain('10.20.30.40');
    await clean(page, 'detail', 'vi');

    // The documentation, rendered, and the document downloaded: its servers hold paths only.
    await rendered(page);
    expect(await page.content()).not.toContain('hotich-noibo');
    const [file] = await Promise.all([page.waitForEvent('download'), tid(page, 'download-openapi').click()]);
    const saved = JSON.parse(fs.readFileSync((await file.path())!, 'utf8'));
    expect(saved.paths).toEqual(KHAISINH_DOC.paths);
    expect(saved.servers).toEqual([{ url: '/v2' }]);
    await clean(page, 'docs', 'vi');
    await page.context().close();
  }, 600_000);

  it('(en) the platform admin sees every address, who has access, and downloads the document as registered', async () => {
    const page = await open('en', (p) => firstAdminLogin(p, cp));
    await page.goto(cp.url + '/services');
    const row = tid(page, `service-${KHAISINH}`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('[data-testid="service-url-cell"]').innerText()).toBe(HOTICH_BACKEND);
    expect(await row.innerText()).toContain('Tiếp nhận và tra cứu hồ sơ');
    await clean(page, 'list', 'en');
    await row.click();
    await page.waitForURL(/\/services\/.+/);
    await tid(page, 'who-has-access').locator('[data-testid="grant"]').first().waitFor({ timeout: 30_000 });
    expect(await tid(page, 'service-url-field').inputValue()).toBe(HOTICH_BACKEND);
    await clean(page, 'detail', 'en');
    await rendered(page);
    const [file] = await Promise.all([page.waitForEvent('download'), tid(page, 'download-openapi').click()]);
    expect(JSON.parse(fs.readFileSync((await file.path())!, 'utf8')).servers).toEqual([{ url: DOC_SERVER }]);
    await clean(page, 'docs', 'en');
    await page.context().close();
  }, 600_000);

  // Issue 14: "everything by name with the id on hover/copy": grants, keys and members' systems.
  // (As the client agency's admin: the first admin's one-time password is spent by the test above.)
  for (const lang of ['vi', 'en'] as const) {
    it(`(${lang}) lists grants, keys and systems by name, the id on hover and one click to copy`, async () => {
      // As the client agency's admin: it sees its grant on the other agency's service and its own keys.
      const page = await open(lang, yteLogin);
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cp.url });
      await admin('POST', '/api/v1/keys', { subsystem: `${H61}/yte`, label: `khóa ${lang}` });
      await page.goto(cp.url + '/access');
      const right = page.locator('[data-testid^="right-"]').first();
      await right.waitFor({ timeout: 30_000 });
      // By name, not by id: the service by its title, the client system by its name.
      await expect.poll(() => right.innerText(), { timeout: 30_000 }).toContain('Đăng ký khai sinh');
      expect(await right.innerText()).toContain('Hệ thống y tế');
      expect(await right.innerText()).not.toContain(`${H61}/yte`);
      const client = right.locator(`[data-testid="named"][data-id="${H61}/yte"]`);
      // The id on hover …
      await client.locator('span').first().hover();
      await page.getByRole('tooltip').filter({ hasText: `${H61}/yte` }).waitFor({ timeout: 30_000 });
      // … and copied by its button.
      await client.getByRole('button').click();
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText()), { timeout: 30_000 }).toBe(`${H61}/yte`);
      await clean(page, 'access', lang);
      await page.goto(cp.url + '/keys');
      await page.locator(`[data-testid^="key-"] [data-testid="named"][data-id="${H61}/yte"]`).first().waitFor({ timeout: 30_000 });
      await expect.poll(() => page.locator('[data-testid^="key-"]').first().innerText(), { timeout: 30_000 }).toContain('Hệ thống y tế');
      await clean(page, 'keys', lang);
      await page.goto(cp.url + '/members');
      await page.locator(`[data-testid="named"][data-id="${H59}/hotich"]`).waitFor({ timeout: 30_000 });
      await page.context().close();
    }, 600_000);
  }
});
