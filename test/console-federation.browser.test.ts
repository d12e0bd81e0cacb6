// Peers and outbound rules in the console (issue 17, item 1: "… and the console"), in a real
// browser, in Vietnamese and English: a peer added from the form (its CA pasted, its directory
// key uploaded as a file), shown with its trust and directory state, trust withdrawn and given
// back, removed, each through the confirmation dialog with a notice, and the server agreeing;
// an outbound rule added and removed; no horizontal overflow at 1366x800 and no serious or
// critical axe-core violation on either page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { startConsolePlatform, type ConsolePlatform, checkedAdmin, ensureConsoleBuilt, adminPage, setConsoleLanguage, launchChromium } from './security/console-platform.js';
import { makeCa } from './helpers/tls.js';
import { checkPage } from './helpers/page-audit.js';

const CLIENT = 'GOV/000.00.00.F01/motcua';

describe('console: peers and outbound rules', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const notice = (text: string) => page.locator('[data-testid="notice"]').filter({ hasText: text }).first().waitFor({ timeout: 30_000 });
  const admin = (method: string, url: string, body?: unknown) => checkedAdmin(cp)(method, url, body);
  const setLang = (lang: 'vi' | 'en') => setConsoleLanguage(page, lang);

  /** The page as it is now: no horizontal overflow at 1366 px, no English in the Vietnamese console, axe-core clean, every action reachable by keyboard. */
  async function fitsAndAccessible(lang: 'vi' | 'en'): Promise<void> {
    expect(await checkPage(page, lang)).toEqual({ overflow: [], english: [], axe: [], keyboard: [] });
  }

  beforeAll(async () => {
    ensureConsoleBuilt();
    cp = await startConsolePlatform();
    await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.F01', name: 'UBND F01' });
    await admin('POST', '/api/v1/subsystems', { id: CLIENT, name: 'Một cửa F01' });
    browser = await launchChromium();
    page = await adminPage(browser, cp);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
  });

  it('(vi) adds a peer from the form, withdraws trust and gives it back, removes it, through dialogs', async () => {
    await setLang('vi');
    const peerCa = makeCa('Tinh Q CA').cert;
    await page.goto(`${cp.url}/peers`);
    await tid('add-peer').click();
    await tid('peer-instance').fill('VN-Q');
    await tid('peer-url').fill('https://127.0.0.1:9');
    await tid('peer-ca').fill(peerCa);
    await tid('peer-directory-key-file').setInputFiles({ name: 'vn-q-nodes.pub', mimeType: 'application/x-pem-file', buffer: Buffer.from(cp.platform.nodeKey.publicKeyPem) });
    await expect.poll(() => tid('peer-directory-key').inputValue(), { timeout: 30_000 }).toBe(cp.platform.nodeKey.publicKeyPem);
    await tid('peer-submit').click();
    await notice('Đã thêm nền tảng VN-Q.');
    const [held] = (await admin('GET', '/api/v1/peers')).items;
    expect(held).toMatchObject({ instance: 'VN-Q', url: 'https://127.0.0.1:9', trusted: true, fingerprint: null, directoryKeys: [cp.platform.nodeKey.nodeId], ca: expect.objectContaining({ subject: expect.stringContaining('Tinh Q CA') }) });
    await tid('peer-VN-Q').waitFor({ timeout: 30_000 });
    expect(await tid('peer-VN-Q-state').innerText()).toMatch(/^đang tin cậy$/i);
    expect(await tid('peer-VN-Q-trust').innerText()).toContain('Tinh Q CA');
    expect(await tid('peer-VN-Q-directory').innerText()).toContain('Chưa có danh mục');
    await fitsAndAccessible('vi');

    await tid('withdraw-peer-VN-Q').click();
    expect(await tid('withdraw-peer-VN-Q-dialog').innerText()).toContain('VN-Q');
    await tid('withdraw-peer-VN-Q-confirm').click();
    await notice('Đã rút tin cậy với VN-Q.');
    expect((await admin('GET', '/api/v1/peers')).items[0]).toMatchObject({ trusted: false });
    await tid('peer-VN-Q-state').filter({ hasText: /^đã rút tin cậy$/i }).waitFor({ timeout: 30_000 });
    await tid('trust-peer-VN-Q').click();
    await notice('Đã tin cậy lại VN-Q.');
    expect((await admin('GET', '/api/v1/peers')).items[0]).toMatchObject({ trusted: true });

    await tid('remove-peer-VN-Q').click();
    await tid('remove-peer-VN-Q-confirm').click();
    await notice('Đã xóa nền tảng VN-Q.');
    expect((await admin('GET', '/api/v1/peers')).items).toEqual([]);
    await tid('peer-VN-Q').waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('(en) adds an outbound rule and removes it through the dialog; a peer pinned by fingerprint', async () => {
    await setLang('en');
    await page.goto(`${cp.url}/outbound`);
    await tid('add-outbound').click();
    await tid('outbound-service').fill('VN-B/GOV/000.00.00.B01/hotich/records');
    await tid('outbound-client').click();
    await page.getByRole('option', { name: `Một cửa F01 (${CLIENT})`, exact: true }).click();
    await tid('outbound-submit').click();
    await notice('Allowed calls to VN-B/GOV/000.00.00.B01/hotich/records.');
    const [rule] = (await admin('GET', '/api/v1/outbound-rules')).items;
    expect(rule).toMatchObject({ serviceId: 'VN-B/GOV/000.00.00.B01/hotich/records', clientId: CLIENT });
    await tid(`outbound-${rule.id}`).waitFor({ timeout: 30_000 });
    // The system by its name, its id on hover.
    expect(await tid(`outbound-${rule.id}-client`).innerText()).toBe('Một cửa F01');
    await tid(`outbound-${rule.id}-client`).getByText('Một cửa F01').hover();
    await page.getByRole('tooltip').filter({ hasText: CLIENT }).waitFor({ timeout: 30_000 });
    await fitsAndAccessible('en');
    await tid(`remove-outbound-${rule.id}`).click();
    expect(await tid(`remove-outbound-${rule.id}-dialog`).innerText()).toContain(CLIENT);
    await tid(`remove-outbound-${rule.id}-confirm`).click();
    await notice('Removed the rule for VN-B/GOV/000.00.00.B01/hotich/records.');
    expect((await admin('GET', '/api/v1/outbound-rules')).items).toEqual([]);

    await page.goto(`${cp.url}/peers`);
    await tid('add-peer').click();
    await tid('peer-instance').fill('VN-F');
    await tid('peer-url').fill('https://127.0.0.1:9');
    await page.getByText('By fingerprint', { exact: true }).click();
    await tid('peer-fingerprint').fill('ab'.repeat(32));
    await tid('peer-tofu').check();
    await tid('peer-submit').click();
    await notice('Added the platform VN-F.');
    expect((await admin('GET', '/api/v1/peers')).items[0]).toMatchObject({ instance: 'VN-F', fingerprint: 'ab'.repeat(32), ca: null, directoryKeyOnFirstUse: true });
    expect(await tid('peer-VN-F-trust').innerText()).toContain('ab'.repeat(32));
    await fitsAndAccessible('en');
  });
});
