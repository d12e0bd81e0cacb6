// The console's holidays page in a real browser on a real platform: a year's days off and
// make-up days with their legal sources, a platform admin entering a decision (a swap as one
// entry; a bad date answered with the server's message), removing it, and recomputing the
// deadlines of dossiers already received (preview, then apply). Screenshots in vi and en go to
// test-output/console/holidays-*.png. Needs Debian's chromium (a missing browser is a failure).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { checkPage } from './helpers/page-audit.js';
import { type Browser, type Page } from 'playwright-core';
import { firstAdminLogin, startConsolePlatform, WEB_DIST, type ConsolePlatform, launchChromium } from './security/console-platform.js';
import { createDossier, getDossierRecord } from '../src/publicadmin/dossiers/dossiers.js';
import { fromLayThuTuc, saveProcedure } from '../src/publicadmin/procedures/procedures.js';

const CHROMIUM = '/usr/bin/chromium';
const OUT = path.resolve('test-output/console');
const AGENCY = '000.00.31.H80';
const SOURCE = 'Văn bản 1/VPCP-KGVX ngày 25/11/2026 (thử)';

describe('holidays page in a browser', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  let dossier = '';
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const shot = async (name: string) => {
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(OUT, `holidays-${name}.png`), fullPage: true });
  };
  const notice = (text: string | RegExp) => page.locator('[data-testid="notice"]').filter({ hasText: text }).first().waitFor({ timeout: 30_000 });
  const setYear = async (y: number) => {
    await tid('holidays-year').fill(String(y));
    await tid('holidays-year').press('Tab');
  };

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) execFileSync('npx', ['vite', 'build', 'web'], { stdio: 'ignore' });
    fs.mkdirSync(OUT, { recursive: true });
    cp = await startConsolePlatform({ env: { VAMCO_PUBLICADMIN: '1' } });
    const r = await cp.platform.admin('POST', '/api/v1/publicadmin/agencies', { code: AGENCY, name: 'Bộ phận một cửa (thử)' });
    expect(r.status).toBe(201);
    await saveProcedure(cp.platform.store, fromLayThuTuc({ MATTHC: '1.999031', TENTTHC: 'Thủ tục ba mươi ngày (thử)',
      CACHTHUCTHUCHIEN: [{ KENH: '1', THOIGIAN: [{ THOIGIANGIAIQUYET: '30', DONVITINH: 'Ngày làm việc' }] }] }));
    dossier = (await createDossier(cp.platform.store, { procedureCode: '1.999031', agencyCode: AGENCY, applicant: { name: 'Lê Thị B' },
      receivedAt: '2026-11-20T10:00:00+07:00' }, { client: 'test', userId: 'setup' })).code;

    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: 'vi-VN', timezoneId: 'Europe/Berlin' })).newPage();
    await firstAdminLogin(page, cp);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
  });

  it('shows a year\'s days off and make-up days, each with its legal source', async () => {
    await tid('nav-holidays').click();
    await setYear(2026);
    const swapOff = tid('day-off-2026-08-31');
    await swapOff.waitFor();
    expect(await swapOff.innerText()).toContain('9859/VPCP-KGVX');
    expect(await tid('day-off-2026-02-17').innerText()).toMatch(/Tết Âm lịch[\s\S]*45\/2019\/QH14/);
    expect(await tid('make-up-2026-01-10').innerText()).toMatch(/10\/01\/2026[\s\S]*12729\/VPCP-KGVX/);
    expect(await tid('holidays-make-up').innerText()).toContain('22/08/2026');
    await shot('vi-2026');
  });

  it('enters a decision as a platform admin, shows the server\'s refusal of a bad one, and removes it', async () => {
    await setYear(2027);
    await tid('day-off-2027-02-05').waitFor();
    // A Saturday as a day off: refused with the server's explanation.
    await tid('holiday-add').click();
    await tid('decision-kind').getByText('Ngày nghỉ', { exact: true }).click();
    await tid('decision-date').fill('2027-05-08');
    await tid('decision-source').fill(SOURCE);
    await tid('decision-submit').click();
    await page.locator('[data-testid="error"]', { hasText: /Saturday/ }).waitFor();
    // A swap, as one entry: Tuesday 4/5 off, Saturday 8/5 worked.
    await tid('decision-kind').getByText('Hoán đổi ngày làm việc').click();
    await tid('decision-date').fill('2027-05-04');
    await tid('decision-work').fill('2027-05-08');
    await tid('decision-source').fill(SOURCE);
    await tid('decision-submit').click();
    await tid('decision-submit').waitFor({ state: 'detached' });
    // Every change says so (issue 14: success notices), naming what it added.
    await notice(/^Đã thêm “Nghỉ hoán đổi \(làm bù 08\/05\/2027\)”, “Làm bù cho ngày 04\/05\/2027”\.$/);
    expect(await checkPage(page, 'vi')).toEqual({ overflow: [], english: [], axe: [], keyboard: [] });
    expect(await tid('day-off-2027-05-04').innerText()).toContain(SOURCE);
    expect(await tid('make-up-2027-05-08').innerText()).toContain(SOURCE);
    await shot('vi-2027-decision');
    const trail = (await cp.platform.admin('GET', '/api/v1/admin-trail?limit=20')).body.items as Array<{ actor: string; action: string }>;
    expect(trail.filter((e) => e.action === 'publicadmin.holiday_rule.create').map((e) => e.actor)).toEqual(['user:admin', 'user:admin']);
    // Remove both rows again.
    const ids = await page.locator('[data-testid^="rule-delete-"]:not([data-testid$="-confirm"])')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice('rule-delete-'.length)));
    expect(ids).toHaveLength(2); // only operator rows can be deleted
    for (const id of ids) {
      await tid(`rule-delete-${id}`).click();
      await tid(`rule-delete-${id}-confirm`).click();
      await tid(`rule-${id}`).waitFor({ state: 'detached' });
      await notice(/^Đã xóa “(Nghỉ hoán đổi|Làm bù cho ngày)/);
    }
    await tid('day-off-2027-05-04').waitFor({ state: 'detached' });
    expect(await tid('holidays-make-up').count()).toBe(0);
  });

  it('recomputes deadlines of dossiers already received only when asked: preview, then apply', async () => {
    await setYear(2026);
    await tid('day-off-2026-08-31').waitFor();
    const before = (await getDossierRecord(cp.platform.store, dossier)).dueDate;
    expect(before).toBe('2027-01-04');
    await tid('holiday-add').click();
    await tid('decision-kind').getByText('Ngày nghỉ', { exact: true }).click();
    await tid('decision-date').fill('2026-12-01');
    await tid('decision-name').fill('Nghỉ thêm (thử)');
    await tid('decision-source').fill(SOURCE);
    await tid('decision-submit').click();
    await tid('day-off-2026-12-01').waitFor();
    expect((await getDossierRecord(cp.platform.store, dossier)).dueDate).toBe(before); // kept until recomputed
    await tid('holiday-recompute').click();
    await tid('recompute-preview').click();
    await tid('recompute-items').waitFor();
    expect(await tid('recompute-items').innerText()).toMatch(new RegExp(`${dossier.replace(/\./g, '\\.')}[\\s\\S]*04/01/2027[\\s\\S]*05/01/2027`));
    expect((await getDossierRecord(cp.platform.store, dossier)).dueDate).toBe(before); // a preview changes nothing
    await tid('recompute-apply').click();
    await page.locator('[data-testid="recompute-result"]', { hasText: 'Đã đổi hạn của 1' }).waitFor();
    await notice(/^Đã đổi hạn của 1 trong \d+ hồ sơ đang xử lý\.$/);
    expect((await getDossierRecord(cp.platform.store, dossier)).dueDate).toBe('2027-01-05');
    await page.keyboard.press('Escape');
  });

  it('reads in English too', async () => {
    await tid('lang').getByText('EN').click();
    await page.getByRole('heading', { name: 'Public holidays and make-up days' }).waitFor();
    expect(await tid('holidays-days-off').innerText()).toContain('Legal source');
    await shot('en-2026');
    // Turning a rule off and on again, each with its notice.
    const rule = page.locator('[data-testid^="rule-enabled-"]').first();
    const name = (await page.locator('[data-testid^="rule-"]:has([data-testid^="rule-enabled-"])').first().locator('td').nth(2).innerText()).split('\n')[0].trim();
    await rule.click({ force: true });
    await notice(`Turned off “${name}”.`);
    await rule.click({ force: true });
    await notice(`Applied “${name}” again.`);
    expect(await checkPage(page, 'en')).toEqual({ overflow: [], english: [], axe: [], keyboard: [] });
    await tid('lang').getByText('VI').click();
  });
});
