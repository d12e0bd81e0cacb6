// Date fields read dd/mm/yyyy like every other date in the console (issue 14), whatever the
// browser's own locale: an en-US browser shows a native <input type="date"> as mm/dd/yyyy. The
// message log's "from" field is typed as dd/mm/yyyy HH:mm, picked from a calendar named in the
// console's language, and searched as that moment in Vietnam time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { startConsolePlatform, type ConsolePlatform, ensureConsoleBuilt, adminPage, launchChromium } from './security/console-platform.js';


// Chromium is a prerequisite (.ci/run installs it): without it this test fails, never skips.
describe('date fields', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ensureConsoleBuilt();
    cp = await startConsolePlatform();
    // An American browser: the locale that makes native date inputs mm/dd/yyyy.
    browser = await launchChromium();
    page = await adminPage(browser, cp, { locale: 'en-US', timezoneId: 'America/New_York' });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
  });

  const from = () => page.locator('[data-testid="messages-from"]');

  it('has no native date inputs on the message log', async () => {
    await page.goto(cp.url + '/messages');
    await from().waitFor();
    expect(await page.locator('input[type="date"], input[type="datetime-local"]').count()).toBe(0);
    expect(await from().getAttribute('placeholder')).toBe('dd/mm/yyyy hh:mm');
  });

  it('takes a typed dd/mm/yyyy HH:mm as that moment in Vietnam time', async () => {
    await from().fill('01/03/2026 15:30');
    await page.keyboard.press('Tab');
    expect(await from().inputValue()).toBe('01/03/2026 15:30');
    const req = page.waitForRequest((r) => r.url().includes('/api/v1/messages?'));
    await page.locator('[data-testid="search"]').click();
    const url = new URL((await req).url());
    // 15:30 on 1 March 2026 in Asia/Ho_Chi_Minh (UTC+7), not in the browser's New York zone.
    expect(url.searchParams.get('from')).toBe('2026-03-01T08:30:00.000Z');
  });

  it('picks a day from a calendar in Vietnamese and shows it dd/mm/yyyy (from the start of that day)', async () => {
    await from().click();
    // The calendar opens on the chosen month, named in Vietnamese.
    const header = page.locator('.mantine-DateInput-calendarHeaderLevel');
    await header.waitFor();
    expect((await header.innerText()).toLowerCase()).toContain('tháng 3');
    await page.locator('.mantine-DateInput-day', { hasText: /^17$/ }).first().click();
    await expect.poll(() => from().inputValue(), { timeout: 30_000 }).toBe('17/03/2026 00:00');
  });

  it('reads dd/mm/yyyy in English too', async () => {
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vamco.lang', 'en'));
    await page.goto(cp.url + '/messages');
    await from().fill('5/4/2026 09:05');
    await page.keyboard.press('Tab');
    expect(await from().inputValue()).toBe('05/04/2026 09:05');
    await from().click();
    expect((await page.locator('.mantine-DateInput-calendarHeaderLevel').innerText())).toContain('April 2026');
  });
});
