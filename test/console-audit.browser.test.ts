// Every console page, as the platform admin and as an agency admin, in Vietnamese and English,
// at 1366×800 (issue 14, "done when"): no horizontal overflow (of the document or of any element
// of the main content), no English words in the Vietnamese console (rendered text, names and
// placeholders, against the English catalogue, with an explicit allow-list of technical terms),
// no serious or critical axe-core violations, and every action reachable by keyboard (whatever
// reacts to a click is focusable by Tab; links have targets; rows that open on click open on
// Enter). Screenshots go to test-output/console/audit-*.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { consoleLogin, firstAdminLogin, startConsolePlatform, type ConsolePlatform, launchChromium, checkedAdmin, ensureConsoleBuilt, setConsoleLanguage } from './security/console-platform.js';
import { csr } from './security/world.js';
import { createDossier, type Actor } from '../src/publicadmin/dossiers/dossiers.js';
import { DEMO_PROCEDURES } from '../src/publicadmin/procedures/demo-procedures.js';
import { fromLayThuTuc, saveProcedure } from '../src/publicadmin/procedures/procedures.js';
import { checkPage, loadEnglishWords, type PageReport } from './helpers/page-audit.js';

const OUT = path.resolve('test-output/console');
const VIEWPORT = { width: 1366, height: 800 };

const H59 = '000.00.00.H59';
const H61 = '000.00.00.H61';
const SERVICE = `GOV/${H59}/hotich/khaisinh`;

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('every console page: layout, language, accessibility, keyboard', () => {
  let cp: ConsolePlatform;
  let backend: TestBackend;
  let browser: Browser;
  let dossier = '';
  const reports: Record<string, PageReport> = {};

  beforeAll(async () => {
    ensureConsoleBuilt();
    expect((await loadEnglishWords()).has('password')).toBe(true);
    fs.mkdirSync(OUT, { recursive: true });
    // This file's screenshots from earlier runs go first (the other browser tests keep theirs).
    for (const f of fs.readdirSync(OUT)) if (f.startsWith('audit-')) fs.rmSync(path.join(OUT, f));
    backend = await startBackend();
    cp = await startConsolePlatform({ env: { VAMCO_PUBLICADMIN: '1' } });
    const admin = (method: string, url: string, body?: unknown) => checkedAdmin(cp)(method, url, body);
    // Data on every page: agencies, systems, a service with its OpenAPI document, a grant, a key,
    // traffic (a success and a refusal), a pending access request, a dossier, an agency admin.
    for (const [code, name, sub] of [[H59, 'Sở Tư pháp', 'hotich'], ['000.00.00.H60', 'Ủy ban nhân dân xã Tân Phú', 'motcua'], [H61, 'Sở Y tế', 'yte']]) {
      await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name });
      await admin('POST', '/api/v1/subsystems', { id: `GOV/${code}/${sub}`, name: sub });
    }
    await admin('POST', '/api/v1/services', {
      id: SERVICE, url: backend.url + '/api',
      openapi: JSON.stringify({ openapi: '3.0.3', info: { title: 'Khai sinh', version: '1.0' }, paths: { '/records/{id}': { get: { summary: 'Tra cứu một hồ sơ', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'Hồ sơ' } } } } } }),
    });
    await admin('POST', '/api/v1/access-rights', { service: SERVICE, client: `GOV/000.00.00.H60/motcua` });
    const key = (await admin('POST', '/api/v1/keys', { subsystem: `GOV/000.00.00.H60/motcua`, label: 'một cửa' })).key as string;
    await admin('POST', '/api/v1/keys', { subsystem: `GOV/${H61}/yte`, label: 'y tế' });
    await admin('POST', '/api/v1/client-certificates', { subsystem: `GOV/${H61}/yte`, csr: await csr(), label: 'y tế' });
    await admin('POST', '/api/v1/access-requests', { service: SERVICE, client: `GOV/${H61}/yte`, reason: 'Tra cứu khai sinh khi tiếp nhận hồ sơ khám chữa bệnh cho trẻ em' });
    await admin('POST', '/api/v1/users', { username: 'yte-admin', role: 'agency_admin', memberId: `GOV/${H61}`, password: 'Mật khẩu Sở Y tế 1' });
    const inst = cp.platform.instance;
    let status = 0;
    for (const deadline = Date.now() + 60_000; status !== 200 && Date.now() < deadline;) {
      const r = await fetch(`${cp.gatewayUrl}/r1/${inst}/${SERVICE}/records/42`, { headers: { 'X-Road-Client': `${inst}/GOV/000.00.00.H60/motcua`, 'X-API-Key': key } });
      status = r.status;
      await r.arrayBuffer();
      if (status !== 200) await new Promise((res) => setTimeout(res, 200));
    }
    expect(status).toBe(200);
    await (await fetch(`${cp.gatewayUrl}/r1/${inst}/${SERVICE}/records/43`, { headers: { 'X-Road-Client': `${inst}/GOV/000.00.00.H60/motcua`, 'X-API-Key': 'wrong' } })).arrayBuffer();
    const store = cp.platform.store;
    for (const r of DEMO_PROCEDURES) await saveProcedure(store, fromLayThuTuc(r, 'dichvucong.gov.vn'));
    await admin('POST', '/api/v1/publicadmin/agencies', { code: '000.00.21.H80', name: 'Ủy ban nhân dân phường Tân An', shortName: 'UBND phường Tân An', unitCode: '27712' });
    const official: Actor = { client: `${inst}/GOV/000.00.21.H80/motcua`, userId: 'mc.nguyenthilan' };
    dossier = (await createDossier(store, { procedureCode: '1.001193', agencyCode: '000.00.21.H80', applicant: { name: 'Lê Văn Tâm', idNumber: '079190000123', phone: '0909 000 123', address: 'Khu phố 1, phường Tân An, tỉnh Tây Ninh' }, channel: '1', summary: 'Đăng ký khai sinh cho con Lê Minh Khang, sinh ngày 02/01/2026 tại Bệnh viện Đa khoa tỉnh Tây Ninh' }, official)).code;
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    await backend?.close();
  });

  async function audit(page: Page, name: string, lang: 'vi' | 'en'): Promise<void> {
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(400); // charts and drawers animate in
    reports[`${name}-${lang}`] = await checkPage(page, lang);
    await page.screenshot({ path: path.join(OUT, `audit-${name}-${lang}.png`), fullPage: true });
  }

  async function session(user: 'admin' | 'agency'): Promise<Page> {
    const page = await (await browser.newContext({ viewport: VIEWPORT, locale: 'vi-VN' })).newPage();
    if (user === 'admin') {
      await firstAdminLogin(page, cp);
    } else {
      // Its first (and only) login here sets up two-step verification (issue 14).
      await consoleLogin(page, cp.url, 'yte-admin', 'Mật khẩu Sở Y tế 1');
    }
    await page.locator('[data-testid="whoami"]').waitFor({ timeout: 60_000 });
    return page;
  }

  const pages = () => [
    ['dashboard', '/'], ['members', '/members'], ['services', '/services'], ['service-detail', '/services/' + encodeURIComponent(SERVICE)],
    ['access', '/access'], ['requests', '/access-requests'], ['keys', '/keys'], ['certificates', '/certificates'], ['messages', '/messages'], ['edoc', '/edoc'],
    ['units', '/units'], ['agencies', '/agencies'], ['procedures', '/procedures'], ['dossiers', '/dossiers'], ['dossier-detail', '/dossiers/' + encodeURIComponent(dossier)],
    ['stats', '/stats'], ['holidays', '/holidays'], ['trail', '/trail'], ['users', '/users'], ['account', '/account'], ['not-found', '/khong-co-trang-nay'],
  ];

  for (const user of ['admin', 'agency'] as const) {
    it(`walks every page as ${user === 'admin' ? 'the platform admin' : 'an agency admin'} in Vietnamese and English`, async () => {
      const page = await session(user);
      for (const lang of ['vi', 'en'] as const) {
        await setConsoleLanguage(page, lang);
        const titles = new Set<string>();
        for (const [name, url] of pages()) {
          await page.goto(cp.url + url);
          await page.locator('[data-testid="whoami"]').waitFor();
          titles.add(await page.title());
          await audit(page, `${user}-${name}`, lang);
        }
        // Every page is named for what it is, not "Vamco" alone.
        expect(titles.size).toBeGreaterThanOrEqual(pages().length - 3);
        // States behind a click: the add-service dialog, a message's detail (opened by keyboard).
        if (user === 'admin') {
          await page.goto(cp.url + '/services');
          await page.locator('[data-testid="add-service"]').click();
          await page.locator('[data-testid="service-code"]').waitFor();
          await audit(page, `${user}-add-service`, lang);
          // A refused backend address: the dialog's error is shown in view, not below the fold.
          await page.locator('[data-testid="service-provider"]').click();
          await page.getByRole('option', { name: `GOV/${H61}/yte`, exact: false }).first().click();
          await page.locator('[data-testid="service-code"]').fill('thu');
          await page.locator('[data-testid="service-url"]').fill('ftp://yte.example/api');
          await page.locator('[data-testid="service-submit"]').click();
          const error = page.getByRole('dialog').locator('[data-testid="error"]');
          await error.waitFor();
          await expect.poll(() => error.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= (globalThis as unknown as { innerHeight: number }).innerHeight; }), { timeout: 30_000 }).toBe(true);
          await page.keyboard.press('Escape');
        }
        await page.goto(cp.url + '/messages');
        if (user === 'admin') {
          await page.locator('[data-testid="message-row"]').first().focus();
          await page.keyboard.press('Enter');
          const opened = await page.locator('[data-testid="message-detail"]').waitFor({ timeout: 30_000 }).then(() => true, () => false);
          if (opened) await audit(page, `${user}-message-detail`, lang);
          else reports[`${user}-message-detail-${lang}`] = { overflow: [], english: [], axe: [], keyboard: ['a message row does not open on Enter'] };
        }
      }
      // Rows that open on click open on Enter too.
      if (user === 'admin') {
        await page.goto(cp.url + '/dossiers');
      await page.locator('[data-testid="dossier-row"]').first().focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/dossiers\/.+/);
      await page.goto(cp.url + '/services');
      await page.locator(`[data-testid="service-${SERVICE}"]`).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/services\/.+/);
      }
      await page.context().close();
      fs.writeFileSync(path.join(OUT, `audit-${user}-report.json`), JSON.stringify(reports, null, 2));
      const bad = Object.fromEntries(Object.entries(reports).filter(([k, r]) => k.startsWith(`${user}-`) && (r.overflow.length || r.english.length || r.axe.length || r.keyboard.length)));
      expect(bad).toEqual({});
    }, 900_000);
  }
});
