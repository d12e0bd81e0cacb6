// What an operator expects after every change, in a real browser, in Vietnamese and English
// (issue 14): a notice that it went through, a dialog before anything is deleted or revoked that
// names the object and says what goes with it, and renaming members and systems and editing a
// service's timeouts; each checked against what the server then holds and its admin trail.
// And finding things: search on members and services, filters on the admin trail, and the
// filtered message log and trail downloaded as CSV and JSON Lines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { startConsolePlatform, type ConsolePlatform, ensureConsoleBuilt, adminPage, setConsoleLanguage, launchChromium } from './security/console-platform.js';

const OUT = path.resolve('test-output/console');
const H59 = '000.00.00.H59';
const H60 = '000.00.00.H60';
const SERVICE = `GOV/${H59}/hotich/khaisinh`;

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console: notices, confirmations and edits', () => {
  let cp: ConsolePlatform;
  let backend: TestBackend;
  let browser: Browser;
  let page: Page;
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const admin = async (method: string, url: string, body?: unknown) => {
    const r = await cp.platform.admin(method, url, body);
    return r;
  };
  const trail = async () => (await admin('GET', '/api/v1/admin-trail?limit=50')).body.items as { action: string; target: string; before: any; after: any; actor: string }[];
  const shot = (name: string) => page.screenshot({ path: path.join(OUT, `operator-${name}.png`), fullPage: true });
  /** The notice the last change raised (Mantine keeps earlier ones for a few seconds: the newest is last). */
  async function notice(text: string): Promise<void> {
    await page.locator('[data-testid="notice"]').filter({ hasText: text }).first().waitFor({ timeout: 30_000 });
  }
  async function setLang(lang: 'vi' | 'en') {
    await setConsoleLanguage(page, lang);
  }

  beforeAll(async () => {
    ensureConsoleBuilt();
    fs.mkdirSync(OUT, { recursive: true });
    cp = await startConsolePlatform();
    for (const [code, name, sub] of [[H59, 'Sở Tư pháp', 'hotich'], [H60, 'UBND xã Tân Phú', 'motcua']]) {
      expect((await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name })).status).toBe(201);
      expect((await admin('POST', '/api/v1/subsystems', { id: `GOV/${code}/${sub}`, name: sub })).status).toBe(201);
    }
    // A service with traffic: two calls through the gateway, in the message log.
    backend = await startBackend();
    const inst = cp.platform.instance;
    expect((await admin('POST', '/api/v1/services', { id: SERVICE, url: backend.url + '/api' })).status).toBe(201);
    expect((await admin('POST', '/api/v1/access-rights', { service: SERVICE, client: `GOV/${H60}/motcua` })).status).toBe(201);
    const key = (await admin('POST', '/api/v1/keys', { subsystem: `GOV/${H60}/motcua`, label: 'một cửa' })).body.key as string;
    for (const id of ['41', '42']) {
      let status = 0;
      for (const deadline = Date.now() + 60_000; status !== 200 && Date.now() < deadline;) {
        const r = await fetch(`${cp.gatewayUrl}/r1/${inst}/${SERVICE}/records/${id}`, { headers: { 'X-Road-Client': `${inst}/GOV/${H60}/motcua`, 'X-API-Key': key } });
        status = r.status;
        await r.arrayBuffer();
        if (status !== 200) await new Promise((res) => setTimeout(res, 200));
      }
      expect(status).toBe(200);
    }
    await cp.platform.messageLog.flush();
    browser = await launchChromium();
    page = await adminPage(browser, cp);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    await backend?.close();
  });

  for (const lang of ['vi', 'en'] as const) {
    const L = lang === 'vi'
      ? { renamed: (id: string, n: string) => `Đã đổi tên ${id} thành “${n}”.`, saved: (id: string) => `Đã lưu thay đổi của ${id}.`, deleted: (w: string) => `Đã xóa ${w}.`, created: (w: string) => `Đã tạo ${w}.`,
        memberGoes: 'Cùng bị xóa: 1 hệ thống thông tin', serviceGoes: 'Cùng bị xóa: 2 endpoint', revokedKey: 'Đã thu hồi khóa', keyGoes: 'bị từ chối ngay', granted: 'Đã cấp quyền cho', revokedAccess: 'Đã thu hồi quyền của' }
      : { renamed: (id: string, n: string) => `Renamed ${id} to “${n}”.`, saved: (id: string) => `Saved the changes to ${id}.`, deleted: (w: string) => `Deleted ${w}.`, created: (w: string) => `Created ${w}.`,
        memberGoes: 'Also deleted: the member\'s 1 information systems', serviceGoes: 'Also deleted: 2 endpoints', revokedKey: 'Revoked key', keyGoes: 'are refused at once', granted: 'Granted', revokedAccess: 'Revoked' };

    it(`renames members and systems, with a notice and a trail entry (${lang})`, async () => {
      await setLang(lang);
      await page.goto(cp.url + '/members');
      await tid(`rename-GOV/${H59}`).click();
      const newName = lang === 'vi' ? 'Sở Tư pháp tỉnh Tây Ninh' : 'Sở Tư pháp (Tây Ninh)';
      await tid('rename-name').fill(newName);
      await tid('rename-submit').click();
      await notice(L.renamed(`GOV/${H59}`, newName));
      await page.getByText(newName, { exact: true }).waitFor();
      await shot(`rename-notice-${lang}`);
      // The server holds the new name; the identifier is unchanged; the trail says who, before and after.
      expect((await admin('GET', `/api/v1/members/GOV:${H59}`)).body.name).toBe(newName);
      const m = (await trail()).find((e) => e.action === 'member.update' && e.target === `GOV/${H59}` && e.after?.name === newName);
      expect(m?.actor).toMatch(/^user:/);
      expect(m?.before?.name).toBeTruthy();

      const sub = `GOV/${H60}/motcua`;
      const subName = lang === 'vi' ? 'Hệ thống một cửa điện tử' : 'One-stop-shop system';
      await tid(`rename-${sub}`).click();
      await tid('rename-name').fill(subName);
      await tid('rename-submit').click();
      await notice(L.renamed(sub, subName));
      const subs = (await admin('GET', `/api/v1/subsystems?member=GOV:${H60}`)).body.items as { id: string; name: string }[];
      expect(subs.find((s) => s.id === sub)?.name).toBe(subName);
      expect((await trail()).some((e) => e.action === 'subsystem.update' && e.target === sub && e.after?.name === subName)).toBe(true);
      // The trail page names the action in the console's language.
      await page.goto(cp.url + '/trail');
      await page.getByText(lang === 'vi' ? 'Đổi tên hệ thống' : 'System renamed').first().waitFor();
    });

    it(`asks before deleting, says what goes with it, and deletes only when confirmed (${lang})`, async () => {
      await setLang(lang);
      const code = lang === 'vi' ? '000.00.00.H70' : '000.00.00.H71';
      const member = `GOV/${code}`;
      await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name: 'Sở Xây dựng' });
      await admin('POST', '/api/v1/subsystems', { id: `${member}/xaydung`, name: 'xaydung' });
      await page.goto(cp.url + '/members');
      await tid(`delete-${member}`).click();
      const dialog = tid(`delete-${member}-dialog`);
      await dialog.waitFor();
      expect(await dialog.innerText()).toContain('Sở Xây dựng');
      expect(await tid('confirm-details').innerText()).toContain(L.memberGoes);
      await shot(`delete-member-dialog-${lang}`);
      // Cancel keeps it.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect((await admin('GET', `/api/v1/members/${member.replace(/\//g, ':')}`)).status).toBe(200);
      await tid(`delete-${member}`).click();
      await tid(`delete-${member}-confirm`).click();
      await notice(L.deleted('Sở Xây dựng'));
      expect((await admin('GET', `/api/v1/members/${member.replace(/\//g, ':')}`)).status).toBe(404);
      expect((await admin('GET', `/api/v1/subsystems?member=${member.replace(/\//g, ':')}`)).body.items).toEqual([]);
    });

    it(`edits a service's timeouts and deletes it after its dialog (${lang})`, async () => {
      await setLang(lang);
      const service = `GOV/${H59}/hotich/khaisinh-${lang}`;
      expect((await admin('POST', '/api/v1/services', { id: service, url: 'http://127.0.0.1:9/api', timeout: '20s' })).status).toBe(201);
      await admin('POST', `/api/v1/services/${service.replace(/\//g, ':')}/endpoints`, { method: 'GET', path: '/records/{id}' });
      await page.goto(cp.url + '/services/' + encodeURIComponent(service));
      const timeout = tid('service-timeout');
      await timeout.waitFor();
      expect(await timeout.inputValue()).toBe('20');
      await timeout.fill('45');
      await tid('service-connect-timeout').fill('4');
      await tid('service-save').click();
      await notice(L.saved(service));
      const s = (await admin('GET', `/api/v1/services/${service.replace(/\//g, ':')}`)).body;
      expect([s.timeoutMs, s.connectTimeoutMs]).toEqual([45_000, 4_000]);
      const upd = (await trail()).find((e) => e.action === 'service.update' && e.target === service);
      expect(upd?.before?.timeoutMs).toBe(20_000);

      // An endpoint added in the console raises its notice; the service then has two.
      await page.getByRole('tab', { name: /Endpoint/ }).click();
      await page.getByPlaceholder('/records/{id}').fill('/records');
      await page.getByRole('button', { name: lang === 'vi' ? 'Thêm endpoint' : 'Add endpoint' }).click();
      await notice(L.created('GET /records'));
      await page.getByRole('tab', { name: lang === 'vi' ? 'Cấu hình' : 'Settings' }).click();

      await tid('service-delete').click();
      await tid('service-delete-dialog').waitFor();
      expect(await tid('confirm-details').innerText()).toContain(L.serviceGoes);
      await tid('service-delete-confirm').click();
      await notice(L.deleted(service));
      await page.waitForURL(/\/services$/);
      expect((await admin('GET', `/api/v1/services/${service.replace(/\//g, ':')}`)).status).toBe(404);
    });

    it(`revokes access and a key, each confirmed and announced (${lang})`, async () => {
      await setLang(lang);
      const service = `GOV/${H59}/hotich/tracuu-${lang}`;
      const client = `GOV/${H60}/motcua`;
      await admin('POST', '/api/v1/services', { id: service, url: 'http://127.0.0.1:9/api' });
      const right = (await admin('POST', '/api/v1/access-rights', { service, client })).body as { id: number };
      await page.goto(cp.url + '/access');
      await tid(`revoke-${right.id}`).click();
      await tid(`revoke-${right.id}-dialog`).waitFor();
      await tid(`revoke-${right.id}-confirm`).click();
      await notice(L.revokedAccess);
      const rights = (await admin('GET', `/api/v1/access-rights?service=${service.replace(/\//g, ':')}`)).body.items;
      expect(rights).toEqual([]);

      const key = (await admin('POST', '/api/v1/keys', { subsystem: client, label: `khóa ${lang}` })).body as { id: number; prefix: string };
      await page.goto(cp.url + '/keys');
      await tid(`revoke-key-${key.id}`).click();
      await tid(`revoke-key-${key.id}-dialog`).waitFor();
      expect(await tid('confirm-details').innerText()).toContain(L.keyGoes);
      await tid(`revoke-key-${key.id}-confirm`).click();
      await notice(`${L.revokedKey} ${key.prefix}`);
      const keys = (await admin('GET', `/api/v1/keys?subsystem=${client.replace(/\//g, ':')}`)).body.items as { id: number; revokedAt: string | null }[];
      expect(keys.find((k) => k.id === key.id)?.revokedAt).toBeTruthy();
      await shot(`revoke-key-notice-${lang}`);
    });

    it(`finds members and services by search, filters the trail, and downloads the filtered trail and message log (${lang})`, async () => {
      await setLang(lang);
      // Services: by any part of the id, URL or an endpoint; nothing matching says so.
      await admin('POST', '/api/v1/services', { id: `GOV/${H60}/motcua/hoso-${lang}`, url: 'http://127.0.0.1:9/api' });
      await page.goto(cp.url + '/services');
      await tid(`service-${SERVICE}`).waitFor();
      await tid('services-search').fill('KHAISINH');
      await expect.poll(() => page.locator('[data-testid^="service-GOV/"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid'))), { timeout: 30_000 }).toEqual([`service-${SERVICE}`]);
      await tid('services-search').fill('không-có-dịch-vụ-này');
      await page.getByText(lang === 'vi' ? 'Không có mục nào khớp' : 'Nothing matches').waitFor();

      // Members: without tone marks or case ("tan phu" finds "Tân Phú").
      await page.goto(cp.url + '/members');
      await tid(`member-GOV/${H59}`).waitFor();
      await tid('members-search').fill('tan phu');
      await expect.poll(() => page.locator('[data-testid^="member-GOV/"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid'))), { timeout: 30_000 }).toEqual([`member-GOV/${H60}`]);

      // The trail: member actions about H59 only, then the same view as CSV.
      await page.goto(cp.url + '/trail');
      await tid('trail-search').fill(H59);
      await tid('trail-group').click();
      await page.getByRole('option', { name: lang === 'vi' ? 'Thành viên' : 'Members', exact: true }).click();
      await tid('trail-submit').click();
      const expected = (await admin('GET', `/api/v1/admin-trail?action=member&q=${encodeURIComponent(H59)}&limit=1000`)).body.items as { seq: number; action: string; target: string }[];
      expect(expected.length).toBeGreaterThanOrEqual(1); // added (and renamed, after the rename test)
      await expect.poll(() => tid('trail-row').count(), { timeout: 30_000 }).toBe(expected.length);
      const [csvDl] = await Promise.all([page.waitForEvent('download'), tid('trail-export-csv').click()]);
      expect(csvDl.suggestedFilename()).toMatch(/^vamco-admin-trail-.*\.csv$/);
      const csv = fs.readFileSync((await csvDl.path())!, 'utf8').replace(/^\uFEFF/, '').trimEnd().split('\r\n');
      expect(csv[0]).toBe('seq,at,actor,action,target,address,before,after');
      expect(csv.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(expected.map((e) => e.seq));
      for (const l of csv.slice(1)) expect([l.split(',')[3].split('.')[0], l.split(',')[4]]).toEqual(['member', `GOV/${H59}`]);

      // The message log: one service's calls, as JSON Lines, the same records the server finds.
      await page.goto(cp.url + '/messages');
      await page.getByLabel(lang === 'vi' ? 'Dịch vụ' : 'Service', { exact: true }).fill(`${cp.platform.instance}/${SERVICE}`);
      await tid('search').click();
      // The set-up's two answered calls, and any refusal before the grant reached the gateway.
      const server = (await admin('GET', `/api/v1/messages?service=${encodeURIComponent(`${cp.platform.instance}/${SERVICE}`)}`)).body.items as { messageId: string }[];
      expect(server.length).toBeGreaterThanOrEqual(2);
      await expect.poll(() => page.locator('[data-testid="message-row"]').count(), { timeout: 30_000 }).toBe(server.length);
      const [jsonDl] = await Promise.all([page.waitForEvent('download'), tid('messages-export-jsonl').click()]);
      expect(jsonDl.suggestedFilename()).toMatch(/^vamco-messages-.*\.jsonl$/);
      const records = fs.readFileSync((await jsonDl.path())!, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { service: string; path: string; status: number; messageId: string });
      expect(records.map((r) => r.messageId)).toEqual(server.map((r) => r.messageId));
      expect(new Set(records.map((r) => r.service))).toEqual(new Set([`${cp.platform.instance}/${SERVICE}`]));
      expect(records.filter((r) => r.status === 200).map((r) => r.path.replace(/^.*\/records\//, '')).sort()).toEqual(['41', '42']);
      await shot(`messages-export-${lang}`);
    });

    it(`shows failed logins in the admin trail (${lang})`, async () => {
      await setLang(lang);
      const r = await fetch(cp.url + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: cp.firstAdmin.username, password: `sai mật khẩu ${lang}` }) });
      expect(r.status).toBe(401);
      const failed = (await admin('GET', '/api/v1/admin-trail?action=auth.failed')).body.items as { actor: string; address: string | null; after: { reason: string } }[];
      expect(failed[0]).toMatchObject({ actor: `user:${cp.firstAdmin.username}`, after: { reason: 'password' } });
      expect(failed[0].address).toBeTruthy();
      await page.goto(cp.url + '/trail');
      await tid('trail-group').click();
      await page.getByRole('option', { name: lang === 'vi' ? 'Đăng nhập' : 'Logins', exact: true }).click();
      await tid('trail-submit').click();
      await page.locator('[data-testid="trail-row"]').filter({ hasText: lang === 'vi' ? 'Đăng nhập thất bại' : 'Failed login' }).first().waitFor();
    });
  }
});
