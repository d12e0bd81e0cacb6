// The console in a real browser on a real platform, as a newcomer uses it: first login with
// the banner's one-time password (TOTP enrolment, new password), register a service with its
// OpenAPI document, issue a key, grant access, call through the gateway, see the call on the
// dashboard and in the message log; an agency admin cannot touch another agency's service.
// Screenshots of every page in Vietnamese and English go to test-output/console/.
// Each test stands alone (any one can run by itself, in any order): the set-up registers the
// agencies, a service with a grant and a second platform administrator already logged in, and a
// test that needs a call through the gateway makes its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { consoleLogin, startConsolePlatform, totpNow, type ConsolePlatform, launchChromium, ensureConsoleBuilt, setConsoleLanguage } from './security/console-platform.js';

const OUT = path.resolve('test-output/console');

const OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'Đăng ký khai sinh', version: '1.0', description: 'Tra cứu và đăng ký khai sinh của Sở Tư pháp' },
  paths: {
    '/records/{id}': { get: { summary: 'Tra cứu một hồ sơ khai sinh', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'Hồ sơ' }, 404: { description: 'Không tìm thấy' } } } },
    '/records': { post: { summary: 'Đăng ký khai sinh', responses: { 201: { description: 'Đã tạo' } } } },
  },
};

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console in a browser', () => {
  let cp: ConsolePlatform;
  let backend: TestBackend;
  let browser: Browser;
  let page: Page;
  const OPERATOR = 'quantri';
  const SERVICE = 'GOV/000.00.00.H59/hotich/khaisinh';
  // Granted in the set-up: the client the gateway tests call with.
  const CALLER = 'GOV/000.00.00.H60/tiepnhan';
  const inst = () => cp.platform.instance;
  /** The admin API of the console server, as the platform admin token. */
  const api = async (method: string, url: string, body: unknown) => {
    const r = await fetch(cp.url + url, { method, headers: { authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBeLessThan(300);
    return r.json();
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    fs.mkdirSync(OUT, { recursive: true });
    // This file's screenshots from earlier runs go first: the count at the end is this run's.
    for (const f of fs.readdirSync(OUT)) if (f.endsWith('.png') && !f.startsWith('publicadmin-')) fs.rmSync(path.join(OUT, f));
    backend = await startBackend();
    cp = await startConsolePlatform();
    // Two agencies with one system each, as the platform operator would register them first.
    for (const [code, name, sub] of [['000.00.00.H59', 'Sở Tư pháp', 'hotich'], ['000.00.00.H60', 'UBND xã Tân Phú', 'motcua'], ['000.00.00.H61', 'Sở Y tế', 'yte']]) {
      await api('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name });
      await api('POST', '/api/v1/subsystems', { id: `GOV/${code}/${sub}`, name: sub });
    }
    await api('POST', '/api/v1/subsystems', { id: CALLER, name: 'tiepnhan' });
    await api('POST', '/api/v1/services', { id: SERVICE, url: backend.url + '/api', openapi: OPENAPI });
    await api('POST', '/api/v1/access-rights', { service: SERVICE, client: CALLER });
    browser = await launchChromium();
    // A second platform administrator, logged in once (two-step enrolment included) for the
    // tests that work in the console: the first admin's first login is a test of its own.
    const password = 'Mật khẩu người vận hành 2026!';
    await api('POST', '/api/v1/users', { username: OPERATOR, role: 'platform_admin', password });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'vi-VN' })).newPage();
    await consoleLogin(page, cp.url, OPERATOR, password);
  });

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    await backend?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  async function typeCode(code: string) {
    await tid('totp-code').locator('input').first().click();
    await page.keyboard.type(code);
  }
  async function pickSelect(testId: string, option: string) {
    await tid(testId).click();
    await page.getByRole('option', { name: option, exact: false }).first().click();
  }

  /** The operator's page on the dashboard in Vietnamese, whatever another test left open or switched. */
  async function home(): Promise<void> {
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vamco.lang', 'vi'));
    await page.goto(cp.url + '/');
    await tid('whoami').waitFor();
  }

  /** Calls the service through the gateway with a new key of CALLER until it answers 200 (the grant reaches the gateway with its next snapshot); the call is in the store when this resolves. */
  async function callThroughGateway(): Promise<void> {
    const { key } = await api('POST', '/api/v1/keys', { subsystem: CALLER, label: 'console journey' }) as { key: string };
    let status = 0;
    for (const deadline = Date.now() + 60_000; status !== 200 && Date.now() < deadline;) {
      const r = await fetch(`${cp.gatewayUrl}/r1/${inst()}/${SERVICE}/records/42?x=1`, { headers: { 'X-Road-Client': `${inst()}/${CALLER}`, 'X-API-Key': key } });
      status = r.status;
      await r.arrayBuffer();
      if (status !== 200) await new Promise((res) => setTimeout(res, 200));
    }
    expect(status).toBe(200);
    // Records reach the store from the node's journal.
    await cp.platform.messageLog.flush();
  }

  it('logs in the first time: one-time password, TOTP enrolment, new password', async () => {
    // Its own browser context: the first admin, as the platform printed it.
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'vi-VN' });
    const page = await ctx.newPage();
    const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
    const shot = (name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
    await page.goto(cp.url + '/');
    await tid('username').waitFor();
    await shot('login-vi');
    // A wrong password is told in the console's language, not as the server's English detail.
    await tid('username').fill(cp.firstAdmin.username);
    await tid('password').fill('sai mật khẩu');
    await tid('login-submit').click();
    await tid('error').waitFor();
    expect(await tid('error').innerText()).toContain('Sai tên đăng nhập hoặc mật khẩu.');
    expect(await tid('error').innerText()).not.toContain('Wrong username');
    await tid('password').fill(cp.firstAdmin.oneTimePassword);
    await tid('login-submit').click();
    await tid('totp-secret').waitFor();
    const totpSecret = (await tid('totp-secret').innerText()).replace(/\s/g, '');
    await shot('login-totp-enrol-vi');
    // A reload mid-set-up shows the same secret: the app already set up keeps giving good codes.
    await page.reload();
    await tid('totp-secret').waitFor();
    expect((await tid('totp-secret').innerText()).replace(/\s/g, '')).toBe(totpSecret);
    await tid('totp-code').locator('input').first().click();
    await page.keyboard.type(totpNow(totpSecret));
    await tid('totp-submit').click();
    // The recovery codes, shown once, before the new password (issue 14).
    expect((await tid('recovery-list').innerText()).trim().split(/\s+/)).toHaveLength(10);
    await tid('recovery-done').click();
    await tid('new-password').waitFor();
    await shot('login-password-change-vi');
    const adminPassword = 'Quản trị viên mới 2026!';
    await tid('new-password').fill(adminPassword);
    await tid('repeat-password').fill(adminPassword);
    await tid('password-submit').click();
    await tid('whoami').waitFor();
    const users = await cp.platform.admin('GET', '/api/v1/users') as { body: { items: { username: string; displayName: string }[] } };
    const first = users.body.items.find((u) => u.username === cp.firstAdmin.username);
    expect(await tid('whoami').innerText()).toBe(first?.displayName);
    await ctx.close();
  });

  it('registers a member only with a class of the platform and, for an agency, its identifier code', async () => {
    await home();
    await tid('nav-members').click();
    await tid('add-member').click();
    await tid('member-class').click();
    const classes = await page.getByRole('option').allInnerTexts();
    expect(classes).toEqual(['GOV', 'COM', 'ORG', 'NGO', 'EDU']);
    await page.keyboard.press('Escape');
    await tid('member-code').fill('H62');
    await tid('member-name').fill('Sở Giáo dục và Đào tạo');
    await tid('member-submit').click();
    // The hint's shape is enforced: the field says so and nothing is registered.
    await page.getByText('Mã định danh phải có dạng 000.00.00.H59').waitFor();
    const before = await (await fetch(cp.url + '/api/v1/members', { headers: { authorization: `Bearer ${cp.adminToken}` } })).json() as { items: { id: string }[] };
    expect(before.items.map((m) => m.id)).not.toContain('GOV/H62');
    await tid('member-code').fill('000.00.00.H62');
    await tid('member-submit').click();
    await tid('member-GOV/000.00.00.H62').waitFor();
  });

  it('shows "not found" for an unknown address and "not allowed" for a page the role may not open', async () => {
    await home();
    await page.goto(cp.url + '/khong-co-trang-nay');
    await tid('not-found').waitFor();
    expect(await page.title()).toBe('Không tìm thấy trang · Vamco');
    await page.goto(cp.url + '/members');
    await tid('member-GOV/000.00.00.H59').waitFor();
    expect(await page.title()).toBe('Thành viên & hệ thống · Vamco');
  });

  it('registers a service with its OpenAPI document and shows the rendered docs', async () => {
    await home();
    await tid('nav-services').click();
    await tid('add-service').click();
    await pickSelect('service-provider', 'GOV/000.00.00.H59/hotich');
    // Not the set-up's service: this one exists only if the form registered it.
    await tid('service-code').fill('dangky');
    await tid('service-url').fill(backend.url + '/api');
    await tid('openapi').fill(JSON.stringify(OPENAPI));
    await tid('service-submit').click();
    await tid('tab-docs').click();
    // Rendered by Swagger UI from its own chunk: wait for the operation, not only the block.
    await tid('api-docs').locator('.opblock').first().waitFor({ timeout: 60_000 });
    expect(await tid('api-docs').innerText()).toContain('/records/{id}');
    const registered = await cp.platform.admin('GET', '/api/v1/services/GOV:000.00.00.H59:hotich:dangky');
    expect(registered.status).toBe(200);
  });

  it('issues a key, shown once with a copy button and a curl', async () => {
    await home();
    await tid('nav-access').click();
    await tid('grant').click();
    await pickSelect('grant-service', SERVICE);
    await pickSelect('grant-client', 'GOV/000.00.00.H60/motcua');
    await tid('grant-submit').click();
    await page.getByText('GOV/000.00.00.H60/motcua').first().waitFor();
    await tid('nav-keys').click();
    await tid('create-key').click();
    await pickSelect('key-subsystem', 'GOV/000.00.00.H60/motcua');
    await tid('key-submit').click();
    await tid('new-key').waitFor();
    expect((await tid('new-key').innerText()).trim()).not.toBe('');
    expect(await tid('curl').innerText()).toContain(`X-Road-Client: ${inst()}/GOV/000.00.00.H60/motcua`);
    await shot('keys-new-key-vi');
    await tid('key-done').click();
  });

  it('calls through the gateway and sees the call on the dashboard and in the message log', async () => {
    await callThroughGateway();
    await home();
    // The dashboard reuses its answers for a few seconds: open it until it counts the call.
    let total = 0;
    for (const deadline = Date.now() + 60_000; total < 1 && Date.now() < deadline;) {
      await page.goto(cp.url + '/');
      // The totals render with every answer; the chart only once there is traffic to draw.
      await tid('total-requests').waitFor();
      total = Number((await tid('total-requests').innerText()).replace(/\D/g, ''));
      if (total < 1) await new Promise((res) => setTimeout(res, 1000));
    }
    expect(total).toBeGreaterThanOrEqual(1);
    await tid('chart-traffic').waitFor();
    await tid('nav-messages').click();
    await tid('message-row').first().waitFor();
    // The service by its name (the OpenAPI title), its id (with the instance, as the log has it) on hover and to copy.
    const logged = tid('message-row').first().locator('[data-testid="message-service"] [data-testid="named"]');
    expect((await logged.innerText()).trim()).toBe(OPENAPI.info.title);
    expect(await logged.getAttribute('data-id')).toBe(`${cp.platform.instance}/${SERVICE}`);
    await tid('verify').click();
    await tid('verify-result').waitFor();
    // The success result with its counts, not the alert's title (a failed check has the same title).
    const verdict = await tid('verify-result').innerText();
    expect(verdict).not.toContain('Phát hiện sai lệch');
    expect(Number(/Nhật ký toàn vẹn: (\d+) bản ghi giao dịch/.exec(verdict)?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('an agency admin cannot see or change another agency\'s service', async () => {
    await api('POST', '/api/v1/users', { username: 'yte-admin', role: 'agency_admin', memberId: 'GOV/000.00.00.H61', password: 'Mật khẩu Sở Y tế 1' });
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const p = await ctx.newPage();
    // Its first login sets up two-step verification (issue 14).
    await consoleLogin(p, cp.url, 'yte-admin', 'Mật khẩu Sở Y tế 1').catch(async (e) => { await p.screenshot({ path: path.join(OUT, 'debug-agency.png') }); throw e; });
    // No traffic of the other agencies on its dashboard.
    expect(await p.locator('[data-testid="total-requests"]').innerText()).toBe('0');
    await p.goto(cp.url + '/services/' + encodeURIComponent('GOV/000.00.00.H59/hotich/khaisinh'));
    await p.getByText('GOV/000.00.00.H59/hotich/khaisinh').first().waitFor();
    expect(await p.getByRole('button', { name: 'Xóa' }).count()).toBe(0);
    // And the API refuses, whatever the UI shows.
    const res = await p.evaluate(async () => {
      // Runs in the page: the browser's globals, not Node's.
      const csrf = /vamco_csrf=([^;]+)/.exec((globalThis as unknown as { document: { cookie: string } }).document.cookie)?.[1] ?? '';
      const r = await fetch('/api/v1/services/GOV:000.00.00.H59:hotich:khaisinh', { method: 'DELETE', headers: { 'x-csrf-token': decodeURIComponent(csrf) } });
      return { status: r.status, body: (await r.json()) as { code: string } };
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    await p.goto(cp.url + '/messages');
    await p.locator('[data-testid="empty"]').waitFor();
    // Pages of other roles say so, instead of showing the dashboard in their place.
    for (const url of ['/users', '/trail']) {
      await p.goto(cp.url + url);
      await p.locator('[data-testid="forbidden"]').waitFor();
      expect(await p.locator('[data-testid="total-requests"]').count()).toBe(0);
    }
    await p.goto(cp.url + '/nope');
    await p.locator('[data-testid="not-found"]').waitFor();
    await ctx.close();
  });

  it('saves a screenshot of every page in Vietnamese and English', async () => {
    // A logged call for the message pages and a pending request so the requests page shows both sides.
    await callThroughGateway();
    await api('POST', '/api/v1/access-requests', { service: 'GOV/000.00.00.H59/hotich/khaisinh', client: 'GOV/000.00.00.H61/yte', reason: 'Tra cứu thông tin khai sinh khi tiếp nhận hồ sơ khám chữa bệnh cho trẻ em' });
    const pages = ['/', '/members', '/services', '/services/' + encodeURIComponent('GOV/000.00.00.H59/hotich/khaisinh'), '/access', '/access-requests', '/keys', '/messages', '/trail', '/users', '/account'];
    for (const lang of ['vi', 'en'] as const) {
      await setConsoleLanguage(page, lang);
      for (const p of pages) {
        await page.goto(cp.url + p);
        await tid('whoami').waitFor();
        await page.waitForLoadState('networkidle');
        await page.waitForTimeout(400); // charts animate in
        if (p === '/trail') {
          // Actions and actors by name, the raw codes on hover.
          await tid('trail-row').first().waitFor();
          const trail = await page.locator('main').innerText();
          expect(trail).toContain(lang === 'vi' ? `Người dùng ${OPERATOR}` : `User ${OPERATOR}`);
          expect(trail).toContain(lang === 'vi' ? 'Cấp quyền truy cập' : 'Access granted');
          expect(trail).not.toContain('access.grant');
        }
        const name = p === '/' ? 'dashboard' : p.slice(1).replace(/\/.*/, '-detail').replace(/[^a-z-]/g, '');
        await shot(`${name}-${lang}`);
      }
      await page.goto(cp.url + '/messages');
      await tid('message-row').first().click();
      await tid('message-detail').waitFor();
      await shot(`messages-detail-${lang}`);
    }
    const files = fs.readdirSync(OUT).filter((f) => f.endsWith('.png') && !f.startsWith('publicadmin-') && !f.startsWith('debug-'));
    expect(files.length).toBeGreaterThanOrEqual(24);
  }, 300_000);
});
