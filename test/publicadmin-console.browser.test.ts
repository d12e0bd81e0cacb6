// The public-administration pages of the console in a real browser on a real platform: units
// by date (27712 is Xã Bình Tâm on 2025-06-30 and Phường Tân An today), agencies, procedures,
// dossiers with their timelines (opening one is logged as a console read), and the stats,
// whose numbers match both a hand count and the dossiers service. Screenshots in vi and en go
// to test-output/console/publicadmin-*.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { type Browser, type Page } from 'playwright-core';
import { consoleLogin, firstAdminLogin, startConsolePlatform, WEB_DIST, type ConsolePlatform, launchChromium } from './security/console-platform.js';
import { createDossier, transitionDossier, type Actor } from '../src/publicadmin/dossiers/dossiers.js';
import { dossierStats } from '../src/publicadmin/dossiers/stats.js';
import { DEMO_PROCEDURES } from '../src/publicadmin/procedures/demo-procedures.js';
import { fromLayThuTuc, saveProcedure } from '../src/publicadmin/procedures/procedures.js';

// Test platforms start without the publicadmin wing unless asked; these pages need it.

const OUT = path.resolve('test-output/console');

const PROVINCE = '000.00.00.H80';
const SO_TU_PHAP = '000.00.01.H80';
const TAN_AN = '000.00.21.H80';
const [KHAI_SINH, KET_HON, KHAI_TU] = ['1.001193', '1.000894', '1.000656'];
const LONG_AGO = '2026-01-05T09:00:00+07:00';

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('publicadmin console pages in a browser', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  const d: Record<string, string> = {};

  beforeAll(async () => {
    if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) execFileSync('npx', ['vite', 'build', 'web'], { stdio: 'ignore' });
    fs.mkdirSync(OUT, { recursive: true });
    // This file's screenshots from earlier runs go first: the count at the end is this run's.
    for (const f of fs.readdirSync(OUT)) if (f.startsWith('publicadmin-')) fs.rmSync(path.join(OUT, f));
    cp = await startConsolePlatform({ env: { VAMCO_PUBLICADMIN: '1' } });
    const admin = async (method: string, url: string, body?: unknown) => {
      const r = await cp.platform.admin(method, url, body);
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      return r.body;
    };
    await admin('POST', '/api/v1/publicadmin/agencies', { code: PROVINCE, name: 'Ủy ban nhân dân tỉnh Tây Ninh', shortName: 'UBND tỉnh', unitCode: '80', email: 'ubnd@tayninh.gov.vn' });
    await admin('POST', '/api/v1/publicadmin/agencies', { code: SO_TU_PHAP, name: 'Sở Tư pháp tỉnh Tây Ninh', shortName: 'Sở Tư pháp', unitCode: '80', phone: '0276 3822 000' });
    await admin('POST', '/api/v1/publicadmin/agencies', { code: TAN_AN, name: 'Ủy ban nhân dân phường Tân An', shortName: 'UBND phường Tân An', unitCode: '27712', address: 'Tân An, Tây Ninh' });
    const store = cp.platform.store;
    for (const r of DEMO_PROCEDURES) await saveProcedure(store, fromLayThuTuc(r, 'dichvucong.gov.vn'));
    // Six dossiers with a known outcome each, moved by named officials of the one-stop shop.
    const official = (userId: string): Actor => ({ client: `${cp.platform.instance}/GOV/${TAN_AN}/motcua`, userId });
    const create = async (procedureCode: string, agencyCode: string, name: string, extra: object = {}) =>
      (await createDossier(store, { procedureCode, agencyCode, applicant: { name, idNumber: '079190000123', phone: '0909 000 123', address: 'Khu phố 1, phường Tân An, tỉnh Tây Ninh' }, channel: '1', ...extra }, official('mc.nguyenthilan'))).code;
    const move = async (code: string, ...steps: [number, string?][]) => { for (const [to, note] of steps) await transitionDossier(store, code, { to, note }, official('ht.tranvanminh')); };
    d.onTime = await create(KHAI_SINH, TAN_AN, 'Lê Văn Tâm', { summary: 'Đăng ký khai sinh cho con Lê Minh Khang' });
    await move(d.onTime, [4, 'Chuyển công chức hộ tịch xử lý'], [9, 'Đã ký Giấy khai sinh'], [10, 'Đã trả kết quả tại Bộ phận một cửa']);
    d.supplement = await create(KET_HON, TAN_AN, 'Phạm Thị Hoa', { summary: 'Đăng ký kết hôn' });
    await move(d.supplement, [4, 'Xác minh điều kiện kết hôn'], [5, 'Bổ sung Giấy xác nhận tình trạng hôn nhân của bên nam'], [4, 'Công dân đã nộp bổ sung'], [9, 'Đã ký Giấy chứng nhận kết hôn']);
    d.late = await create(KHAI_SINH, TAN_AN, 'Võ Thị Mai', { receivedAt: LONG_AGO });
    await move(d.late, [4], [9, 'Xử lý xong sau thời hạn']);
    d.overdue = await create(KHAI_TU, SO_TU_PHAP, 'Đặng Văn Hùng', { receivedAt: LONG_AGO });
    await move(d.overdue, [4, 'Đang xác minh']);
    d.inProgress = await create(KET_HON, SO_TU_PHAP, 'Huỳnh Thị Ngọc');
    d.refused = await create(KHAI_SINH, SO_TU_PHAP, 'Trương Văn Bảo', { status: 1 });
    await move(d.refused, [3, 'Không thuộc thẩm quyền']);

    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'vi-VN', timezoneId: 'Europe/Berlin' })).newPage();
    // First login of the platform admin: one-time password, TOTP enrolment, own password.
    await firstAdminLogin(page, cp);
  });

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
  });

  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  /** Full page, except with a drawer open (it covers the viewport only). */
  const shot = async (name: string, fullPage = true) => {
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(500); // charts and drawers animate in
    await page.screenshot({ path: path.join(OUT, `publicadmin-${name}.png`), fullPage });
  };
  const setLang = (l: string) => page.evaluate((x) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vamco.lang', x), l);
  async function openUnit(code: string) {
    await tid('units-q').fill(code);
    await tid('units-search').click();
    await tid('unit-detail').waitFor();
  }

  it('shows unit 27712 as Phường Tân An today and Xã Bình Tâm on 2025-06-30, with its mappings', async () => {
    await tid('nav-units').click();
    await tid('province-80').waitFor();
    expect(await tid('province-count').innerText()).toBe('34');
    await openUnit('27712');
    expect(await tid('unit-name').innerText()).toBe('Phường Tân An');
    expect(await tid('unit-came-from').innerText()).toContain('27698');
    await page.keyboard.press('Escape');
    await tid('unit-detail').waitFor({ state: 'detached' });
    await tid('units-before-reform').click();
    await page.locator('[data-testid="province-count"]', { hasText: '63' }).waitFor();
    await openUnit('27712');
    await page.locator('[data-testid="unit-name"]', { hasText: 'Xã Bình Tâm' }).waitFor();
    expect(await tid('unit-detail').innerText()).toMatch(/30\/06\/2025/);
    await page.keyboard.press('Escape');
    // Search, diacritic-insensitive, within the new Tây Ninh.
    await page.getByRole('button', { name: 'Hôm nay' }).click();
    await tid('province-80').click();
    await tid('units-q').fill('tan an');
    await tid('units-search').click();
    await page.locator('[data-testid="unit-27712"]', { hasText: 'Phường Tân An' }).waitFor();
  });

  it('lists agencies with parent and unit, and procedures with days, fees and documents', async () => {
    await tid('nav-agencies').click();
    const row = page.locator(`[data-testid="agency-${TAN_AN}"]`);
    await row.waitFor();
    expect(await row.innerText()).toMatch(/Phường Tân An[\s\S]*27712/);
    expect(await tid(`agency-${SO_TU_PHAP}`).innerText()).toContain(PROVINCE);
    await tid('nav-procedures').click();
    await tid(`procedure-${KET_HON}`).waitFor();
    expect(await tid(`procedure-${KET_HON}`).innerText()).toContain('5 ngày làm việc');
    await tid(`procedure-${KHAI_SINH}`).click();
    await tid('procedure-detail').waitFor();
    expect(await tid('procedure-detail').innerText()).toMatch(/Giấy chứng sinh[\s\S]*60\/2014\/QH13/);
    await page.keyboard.press('Escape');
  });

  it('filters dossiers, marks the overdue one, and shows a dossier\'s timeline (a logged read)', async () => {
    await tid('nav-dossiers').click();
    await tid('dossier-row').first().waitFor();
    expect(await tid('dossier-row').count()).toBe(6);
    await tid('filter-overdue').getByText('Quá hạn', { exact: true }).click();
    await tid('dossiers-search').click();
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-testid="dossier-row"]').length === 1);
    expect(await tid('dossier-row').innerText()).toMatch(new RegExp(`${d.overdue.replace(/\./g, '\\.')}[\\s\\S]*Quá hạn[\\s\\S]*4 · Đang xử lý`));
    await page.getByRole('button', { name: 'Đặt lại' }).click();
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-testid="dossier-row"]').length === 6);
    await page.locator('[data-testid="dossier-row"]', { hasText: d.supplement }).click();
    await tid('dossier-timeline').waitFor();
    const items = await tid('timeline-item').allInnerTexts();
    expect(items).toHaveLength(5);
    expect(items[0]).toMatch(/Tiếp nhận hồ sơ[\s\S]*2 · Được tiếp nhận[\s\S]*mc\.nguyenthilan/);
    expect(items[2]).toMatch(/5 · Yêu cầu bổ sung giấy tờ[\s\S]*ht\.tranvanminh[\s\S]*Giấy xác nhận tình trạng hôn nhân/);
    expect(items[4]).toContain('9 · Đã xử lý xong');
    expect(await tid('applicant-name').innerText()).toBe('Phạm Thị Hoa');
    // Times are Vietnam's whatever the browser's zone (this one runs in Europe/Berlin).
    const created = (await cp.platform.admin('GET', `/api/v1/publicadmin/dossiers/${d.supplement}`)).body.history[0].at as string;
    const vn = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(created));
    expect(items[0]).toContain(vn);
    const reads = (await cp.platform.admin('GET', `/api/v1/publicadmin/dossier-reads?dossierCode=${d.supplement}&client=console`)).body;
    expect(reads.items.map((r: { userId: string }) => r.userId)).toContain('user:admin');
  });

  it('shows the stats of the six dossiers: the hand count and the dossiers service agree', async () => {
    await tid('nav-stats').click();
    await tid('chart-agencies').waitFor();
    const text = async (id: string) => (await tid(id).innerText()).trim();
    expect([await text('stat-received'), await text('stat-on-time'), await text('stat-late'), await text('stat-overdue'), await text('stat-rate')])
      .toEqual(['6', '2', '1', '1', '66,7%']);
    expect(await text(`stats-agency-${TAN_AN}`)).toMatch(/3\s+2\s+1\s+0\s+66,7%/);
    expect(await text(`stats-agency-${SO_TU_PHAP}`)).toMatch(/3\s+0\s+0\s+1\s+—/);
    const service = await dossierStats(cp.platform.store, {});
    const route = (await cp.platform.admin('GET', '/api/v1/publicadmin/stats')).body;
    expect({ ...route, at: null }).toEqual({ ...service, at: null });
    expect(service.total).toEqual({ received: 6, finishedOnTime: 2, finishedLate: 1, overdueNow: 1, onTimeRate: 0.6667 });
  });

  it('shows an agency admin only its agency\'s dossiers, and the problem\'s detail when it asks for another\'s', async () => {
    for (const [code, name, user] of [[TAN_AN, 'UBND phường Tân An', 'tanan-admin'], ['000.00.09.H80', 'Ban Quản lý (chưa có hồ sơ)', 'bql-admin']]) {
      await cp.platform.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name });
      expect((await cp.platform.admin('POST', '/api/v1/users', { username: user, role: 'agency_admin', memberId: `GOV/${code}`, password: 'Mật khẩu cơ quan 2026' })).status).toBe(201);
    }
    const as = async (user: string) => {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'vi-VN' });
      const p = await ctx.newPage();
      // Its first login sets up two-step verification (issue 14).
      await consoleLogin(p, cp.url, user, 'Mật khẩu cơ quan 2026');
      return { p, ctx };
    };
    const { p, ctx } = await as('tanan-admin');
    await p.goto(cp.url + '/dossiers');
    await p.locator('[data-testid="dossier-row"]').first().waitFor();
    expect(await p.locator('[data-testid="dossier-row"]').count()).toBe(3);
    expect(await p.locator('[data-testid="dossiers-scope"]').innerText()).toContain(TAN_AN);
    await p.waitForTimeout(300);
    await p.screenshot({ path: path.join(OUT, 'publicadmin-dossiers-agency-admin-vi.png'), fullPage: true });
    await p.goto(cp.url + '/dossiers/' + encodeURIComponent(d.overdue));
    const err = p.locator('[data-testid="error"]');
    await err.waitFor();
    expect(await err.innerText()).toMatch(new RegExp(`Không có quyền[\\s\\S]*${SO_TU_PHAP.replace(/\./g, '\\.')}`));
    await p.screenshot({ path: path.join(OUT, 'publicadmin-dossier-forbidden-vi.png'), fullPage: true });
    await ctx.close();
    // A member that is no catalogued agency: nothing to see, and the empty state says how to fix it.
    const other = await as('bql-admin');
    await other.p.goto(cp.url + '/dossiers');
    await other.p.locator('[data-testid="empty"]').waitFor();
    expect(await other.p.locator('[data-testid="empty"]').innerText()).toContain('chưa có cơ quan mang mã định danh 000.00.09.H80');
    await other.p.screenshot({ path: path.join(OUT, 'publicadmin-dossiers-empty-vi.png'), fullPage: true });
    await other.ctx.close();
  });

  it('saves a screenshot of every publicadmin page in Vietnamese and English', async () => {
    for (const lang of ['vi', 'en']) {
      await setLang(lang);
      await page.goto(cp.url + '/units');
      await tid('province-80').click();
      await tid('unit-27712').waitFor();
      await shot(`units-${lang}`, false);
      await openUnit('27712');
      await shot(`unit-27712-${lang}`, false);
      await page.keyboard.press('Escape');
      await tid('units-before-reform').click();
      await openUnit('27712');
      await shot(`unit-27712-2025-06-30-${lang}`, false);
      for (const p of ['agencies', 'procedures', 'dossiers', 'stats']) {
        await page.goto(cp.url + '/' + p);
        await tid('whoami').waitFor();
        await shot(`${p}-${lang}`);
      }
      await page.goto(cp.url + '/procedures');
      await tid(`procedure-${KHAI_SINH}`).click();
      await tid('procedure-detail').waitFor();
      await shot(`procedure-detail-${lang}`, false);
      await page.goto(cp.url + '/dossiers/' + encodeURIComponent(d.supplement));
      await tid('dossier-timeline').waitFor();
      await shot(`dossier-detail-${lang}`);
    }
    expect(fs.readdirSync(OUT).filter((f) => f.startsWith('publicadmin-')).length).toBeGreaterThanOrEqual(18);
  });
});
