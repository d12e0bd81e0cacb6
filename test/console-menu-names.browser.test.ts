// Three console conventions of issue 14, in a real browser, in Vietnamese and in English:
// - removing another user's two-step verification asks first, in the confirm dialog every
//   destructive action uses (what goes with it said, focus on Cancel, Escape and Cancel do nothing);
// - the message log shows clients and services by name, the id on hover and one click to copy;
// - the header's user menu (menu button pattern): who is logged in and in which role, the own
//   account's two-step and password sections, log out, all by keyboard;
// - the API docs (Swagger UI): its section labels in the console's language, and every text's
//   lang attribute true (labels left English say so, the document's Vietnamese says so).
// Each state is checked as every console page is: axe-core (no serious or critical violations),
// no English in the Vietnamese console, no horizontal overflow, everything reachable by keyboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { type Browser, type Page } from 'playwright-core';
import { adminPage, checkedAdmin, launchChromium, setConsoleLanguage, startConsolePlatform, WEB_DIST, type ConsolePlatform } from './security/console-platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { loginOverApi } from './helpers/two-step.js';
import { checkPage } from './helpers/page-audit.js';

const OUT = path.resolve('test-output/console');
const H59 = 'GOV/000.00.00.H59';
const PROVIDER = `${H59}/hotich`;
const SERVICE = `${PROVIDER}/khaisinh`;
const H74 = 'GOV/000.00.00.H74';
const CLIENT = `${H74}/motcua`;
const PASSWORD = 'Mật khẩu cán bộ 2026!';

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console: confirm before removing two-step, names in the message log, the user menu, the API docs\' labels', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  let backend: TestBackend;
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const admin = (method: string, url: string, body?: unknown) => checkedAdmin(cp)(method, url, body);
  const setLang = (lang: 'vi' | 'en') => setConsoleLanguage(page, lang);
  const clean = async (name: string, lang: 'vi' | 'en') => {
    const report = await checkPage(page, lang);
    fs.mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, `${name}-${lang}.png`), fullPage: true });
    expect(report, name).toEqual({ overflow: [], english: [], axe: [], keyboard: [] });
  };
  /** The data-testid of the element that has focus. */
  const focused = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(a: string): string | null } | null } }).document.activeElement?.getAttribute('data-testid') ?? null);
  const twoStepOn = async (username: string) => ((await admin('GET', '/api/v1/users')).items as { username: string; totpEnabled: boolean }[]).find((u) => u.username === username)!.totpEnabled;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) execFileSync('npx', ['vite', 'build', 'web'], { stdio: 'ignore' });
    backend = await startBackend();
    cp = await startConsolePlatform();
    await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' });
    await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H74', name: 'UBND huyện Mỹ Đức' });
    await admin('POST', '/api/v1/subsystems', { id: PROVIDER, name: 'Hộ tịch' });
    await admin('POST', '/api/v1/subsystems', { id: CLIENT, name: 'Một cửa Mỹ Đức' });
    await admin('POST', '/api/v1/services', {
      id: SERVICE, url: backend.url,
      openapi: {
        openapi: '3.0.3', info: { title: 'Đăng ký khai sinh', version: '1' },
        paths: { '/x': { get: {
          summary: 'Tra cứu hồ sơ', parameters: [{ name: 'ma', in: 'query', description: 'Mã hồ sơ', schema: { type: 'string' } }],
          responses: { 200: { description: 'Kết quả', content: { 'application/json': { schema: { type: 'object', properties: { ten: { type: 'string' } } } } } } },
        } } },
      },
    });
    await admin('POST', '/api/v1/access-rights', { service: SERVICE, client: CLIENT });
    const key = (await admin('POST', '/api/v1/keys', { subsystem: CLIENT })).key as string;
    await cp.platform.snapshots.poll();
    const r = await fetch(`${cp.gatewayUrl}/r1/${cp.platform.instance}/${SERVICE}/x`, { headers: { 'x-road-client': `${cp.platform.instance}/${CLIENT}`, 'x-api-key': key } });
    expect(r.status).toBe(200);
    // Two agency admins who set up two-step verification at their first login (one per language).
    for (const username of ['tranthib-vi', 'tranthib-en']) {
      await admin('POST', '/api/v1/users', { username, displayName: `Trần Thị B ${username.slice(-2)}`, role: 'agency_admin', memberId: H74, password: PASSWORD });
      const login = await loginOverApi(cp.url, username, PASSWORD);
      expect(login.secret, username).toBeTruthy();
      expect(await twoStepOn(username)).toBe(true);
    }
    browser = await launchChromium();
    page = await adminPage(browser, cp);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([browser?.close(), cp?.stop(), backend?.close()]);
  });

  const REMOVE = {
    vi: { item: 'Gỡ xác thực 2 bước', question: 'Gỡ xác thực hai bước của tài khoản tranthib-vi?', details: /mã khôi phục.*đăng xuất.*Không thể hoàn tác.*thiết lập lại xác thực hai bước/s, notice: 'Đã đặt lại xác thực hai bước của tranthib-vi.' },
    en: { item: 'Remove two-step', question: 'Remove two-step verification from the account tranthib-en?', details: /recovery codes.*logged out.*cannot be undone.*set up two-step verification again/s, notice: 'Reset tranthib-en\'s two-step verification.' },
  };
  for (const lang of ['vi', 'en'] as const) {
    it(`(${lang}) removing a user's two-step verification asks first: consequence stated, focus on Cancel, Escape and Cancel leave it on`, async () => {
      const username = `tranthib-${lang}`;
      const want = REMOVE[lang];
      await setLang(lang);
      await page.goto(`${cp.url}/users`);
      const row = tid(`user-${username}`);
      await row.waitFor({ timeout: 60_000 });
      let resets = 0;
      page.on('request', (req) => { if (req.url().endsWith(`/users/${username}/reset-totp`)) resets++; });
      const openDialog = async () => {
        await row.getByRole('button').click();
        await page.getByRole('menuitem', { name: want.item }).click();
        await tid('reset-totp-dialog').waitFor({ timeout: 30_000 });
      };

      // Escape: closed, nothing sent, still on; focus back on the row's actions button.
      await openDialog();
      const dialog = page.getByRole('dialog');
      expect(await dialog.getByRole('heading').innerText()).toBe(want.item);
      expect((await tid('reset-totp-dialog').innerText())).toContain(want.question);
      expect(await tid('confirm-details').innerText()).toMatch(want.details);
      await expect.poll(focused, { timeout: 10_000 }).toBe('reset-totp-cancel');
      await clean(`users-remove-two-step-dialog`, lang);
      await page.keyboard.press('Escape');
      await tid('reset-totp-dialog').waitFor({ state: 'detached', timeout: 30_000 });
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { closest(s: string): { getAttribute(a: string): string | null } | null } | null } }).document.activeElement?.closest('tr')?.getAttribute('data-testid') ?? null), { timeout: 10_000 }).toBe(`user-${username}`);
      expect(resets).toBe(0);
      expect(await twoStepOn(username)).toBe(true);

      // Cancel: the same.
      await openDialog();
      await tid('reset-totp-cancel').click();
      await tid('reset-totp-dialog').waitFor({ state: 'detached', timeout: 30_000 });
      expect(resets).toBe(0);
      expect(await twoStepOn(username)).toBe(true);

      // Confirmed: removed, and said so.
      await openDialog();
      await tid('reset-totp-confirm').click();
      await expect.poll(() => twoStepOn(username), { timeout: 30_000 }).toBe(false);
      expect(resets).toBe(1);
      await expect.poll(() => page.locator('[data-testid="notice"]').allInnerTexts(), { timeout: 30_000 }).toContain(want.notice);
    }, 180_000);

    it(`(${lang}) the message log shows the client and the service by name, the id on hover and to copy`, async () => {
      await setLang(lang);
      await page.goto(`${cp.url}/messages`);
      const row = page.locator('[data-testid="message-row"]').first();
      await row.waitFor({ timeout: 60_000 });
      const client = row.locator('[data-testid="message-client"] [data-testid="named"]');
      const service = row.locator('[data-testid="message-service"] [data-testid="named"]');
      const instance = cp.platform.instance;
      expect((await client.innerText()).trim()).toBe('Một cửa Mỹ Đức');
      expect(await client.getAttribute('data-id')).toBe(`${instance}/${CLIENT}`);
      expect((await service.innerText()).trim()).toBe('Đăng ký khai sinh');
      expect(await service.getAttribute('data-id')).toBe(`${instance}/${SERVICE}`);
      // The id: on hover, and behind a named copy button.
      await client.locator('[tabindex="0"]').hover();
      await expect.poll(() => page.getByRole('tooltip').innerText(), { timeout: 30_000 }).toBe(`${instance}/${CLIENT}`);
      expect(await service.getByRole('button').getAttribute('aria-label')).toContain(`${instance}/${SERVICE}`);
      await page.mouse.move(0, 0);
      await clean('messages-names', lang);
      // The record's detail: the name above the id.
      await row.focus();
      await page.keyboard.press('Enter');
      await tid('message-detail').waitFor({ timeout: 30_000 });
      expect((await tid('detail-client-name').innerText()).trim()).toBe('Một cửa Mỹ Đức');
      expect((await tid('detail-service-name').innerText()).trim()).toBe('Đăng ký khai sinh');
      expect(await tid('message-detail').innerText()).toContain(`${instance}/${CLIENT}`);
      await page.keyboard.press('Escape');
      await tid('message-detail').waitFor({ state: 'detached', timeout: 30_000 });
    }, 180_000);
  }

  const MENU = {
    vi: { button: /Quản trị nền tảng/, who: 'Đang đăng nhập', items: ['Tài khoản của tôi', 'Xác thực hai bước', 'Đổi mật khẩu', 'Đăng xuất'] },
    en: { button: /Platform admin/, who: 'Logged in as', items: ['My account', 'Two-step verification', 'Change password', 'Log out'] },
  };
  for (const lang of ['vi', 'en'] as const) {
    it(`(${lang}) the header's user menu: who and which role, the own account's sections, by keyboard (menu button pattern)`, async () => {
      const want = MENU[lang];
      await setLang(lang);
      await page.goto(`${cp.url}/services`);
      const button = tid('user-menu');
      await button.waitFor({ timeout: 60_000 });
      expect(await button.getAttribute('aria-haspopup')).toBe('menu');
      expect(await button.getAttribute('aria-expanded')).toBe('false');
      // Named by what it shows: who (the first admin's display name) and the role.
      expect(await page.getByRole('button', { name: want.button }).getAttribute('data-testid')).toBe('user-menu');

      // Enter opens it, focus on the first item; the arrows move; Escape closes, focus back on the button.
      await button.focus();
      await page.keyboard.press('Enter');
      const menu = page.getByRole('menu');
      await menu.waitFor({ timeout: 30_000 });
      expect(await button.getAttribute('aria-expanded')).toBe('true');
      expect(await menu.innerText()).toContain(want.who);
      expect(await tid('user-menu-who').innerText()).toMatch(lang === 'vi' ? /^Quản trị nền tảng\s+admin\s+Quản trị nền tảng$/i : /^Quản trị nền tảng\s+admin\s+Platform admin$/i);
      expect((await menu.getByRole('menuitem').allInnerTexts()).map((s) => s.trim())).toEqual(want.items);
      await expect.poll(focused, { timeout: 10_000 }).toBe('user-menu-account');
      await page.keyboard.press('ArrowDown');
      await expect.poll(focused, { timeout: 10_000 }).toBe('user-menu-two-step');
      await clean('user-menu', lang);
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'detached', timeout: 30_000 });
      await expect.poll(focused, { timeout: 10_000 }).toBe('user-menu');
      expect(await button.getAttribute('aria-expanded')).toBe('false');

      // ArrowDown on the button opens it too; Enter on an item follows it: the two-step section, focused.
      const section = lang === 'vi' ? ['user-menu-two-step', 'two-step', '/account#two-step'] : ['user-menu-password', 'password', '/account#password'];
      await page.keyboard.press('ArrowDown');
      await menu.waitFor({ timeout: 30_000 });
      await expect.poll(focused, { timeout: 10_000 }).toBe('user-menu-account');
      while ((await focused()) !== section[0]) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname + u.hash === section[2], { timeout: 30_000 });
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id ?? null), { timeout: 30_000 }).toBe(section[1]);
    }, 180_000);
  }

  // Swagger UI has no translations (docs/console.md): the Vietnamese console puts its own words in
  // place of the section labels; the rest stays English and says so (lang="en"); the document's own
  // Vietnamese text is marked lang="vi" in either console.
  const LABELS = {
    vi: { shown: ['Tham số', 'Tên', 'Mô tả', 'Phản hồi', 'Mã', 'Liên kết', 'Kiểu nội dung', 'Giá trị mẫu', 'Lược đồ'], gone: ['Parameters', 'Name', 'Description', 'Responses', 'Code', 'Links', 'Media type', 'Example Value', 'Schema'] },
    en: { shown: ['Parameters', 'Name', 'Description', 'Responses', 'Code', 'Links', 'Media type', 'Example Value', 'Schema'], gone: ['Tham số', 'Phản hồi', 'Giá trị mẫu'] },
  };
  for (const lang of ['vi', 'en'] as const) {
    it(`(${lang}) the API docs: Swagger UI's section labels in the console's language, every text's lang attribute true`, async () => {
      await setLang(lang);
      await page.goto(`${cp.url}/services/${encodeURIComponent(SERVICE)}`);
      await tid('tab-docs').click();
      const docs = tid('api-docs');
      await docs.locator('.opblock').first().waitFor({ timeout: 60_000 });
      await docs.getByText('Mã hồ sơ').waitFor({ timeout: 30_000 });
      /** The language (closest lang attribute) of the text node reading each of `texts`; null when none does. */
      const langsOf = (texts: string[]) => docs.evaluate((root, wanted) => {
        const doc = (globalThis as unknown as { document: { createTreeWalker(r: unknown, what: number): { nextNode(): { nodeValue: string | null; parentElement: { closest(s: string): { getAttribute(a: string): string | null } | null } | null } | null } } }).document;
        const found = new Map<string, string>();
        const walker = doc.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const text = n.nodeValue?.trim() ?? '';
          if (wanted.includes(text) && !found.has(text)) found.set(text, n.parentElement?.closest('[lang]')?.getAttribute('lang') ?? '');
        }
        return wanted.map((text) => found.get(text) ?? null);
      }, texts);
      const want = LABELS[lang];
      await expect.poll(() => langsOf(want.shown), { timeout: 30_000 }).toEqual(want.shown.map(() => lang));
      expect(await langsOf(want.gone)).toEqual(want.gone.map(() => null));
      // The document's own Vietnamese (title, summary, descriptions): lang="vi" whichever the console's language.
      expect(await langsOf(['Đăng ký khai sinh', 'Tra cứu hồ sơ', 'Mã hồ sơ', 'Kết quả'])).toEqual(['vi', 'vi', 'vi', 'vi']);
      // What stays English (JSON Schema's type names) says so.
      expect(await langsOf(['string'])).toEqual(['en']);
      await clean('api-docs', lang);
    }, 180_000);
  }

  it('(en) an address whose fragment is not valid percent-encoding opens the page all the same', async () => {
    await setLang('en');
    await page.goto(`${cp.url}/account#%E0%A4%A`);
    await tid('whoami').waitFor({ timeout: 30_000 });
    // The account page itself, with its sections, not a blank one.
    await page.locator('[id="password"]').waitFor({ timeout: 30_000 });
  }, 120_000);

  it('(en) log out from the user menu ends the session', async () => {
    await setLang('en');
    await page.goto(`${cp.url}/`);
    await tid('user-menu').click();
    await tid('user-menu-logout').click();
    await tid('username').waitFor({ timeout: 30_000 });
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    expect(me).toBe(401);
  }, 120_000);
});
