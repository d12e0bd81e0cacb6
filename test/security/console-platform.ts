// A running platform with the console: the real gateway, admin API and web console
// (web/dist at /) from startTestPlatform, and the first admin with a known one-time password.
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from '../helpers/platform.js';
import { ensureFirstAdmin, base32Decode, totp } from '../../src/accounts/index.js';
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { WEB_DIST } from '../../src/admin/index.js';

export { WEB_DIST } from '../../src/admin/index.js';

export interface ConsolePlatform {
  platform: TestPlatform;
  /** Base URL of the admin API + console. */
  url: string;
  gatewayUrl: string;
  adminToken: string;
  firstAdmin: { username: string; oneTimePassword: string };
  stop(): Promise<void>;
}

export async function startConsolePlatform(opts: TestPlatformOptions = {}): Promise<ConsolePlatform> {
  const platform = await startTestPlatform({ demo: false, ...opts });
  // The platform created the first admin at start (and printed it); give it a known one-time password.
  const { cliResetPassword } = await import('../../src/accounts/index.js');
  const first = (await ensureFirstAdmin(platform.store)) ?? await cliResetPassword(platform.store, 'admin', { resetTotp: true, actor: 'test' });
  return {
    platform, url: platform.adminUrl, gatewayUrl: platform.gatewayUrl, adminToken: platform.adminToken, firstAdmin: first,
    stop: () => platform.stop(),
  };
}

export const totpNow = (secret: string, at = Date.now()): string => totp(base32Decode(secret), at);

/** Waits until the next 30-second TOTP step, so a fresh code is not a replay of the last one. */
export async function nextTotpStep(): Promise<void> {
  const ms = 30_000 - (Date.now() % 30_000) + 50;
  await new Promise((r) => setTimeout(r, ms));
}

/**
 * The two-step set-up step of a first login in the console: reads the secret, types a code,
 * and acknowledges the recovery codes shown once; resolves with both.
 */
export async function enrolInConsole(page: import('playwright-core').Page): Promise<{ secret: string; recoveryCodes: string[] }> {
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const secret = (await tid('totp-secret').innerText()).replace(/\s/g, '');
  await tid('totp-code').locator('input').first().click();
  await page.keyboard.type(totpNow(secret));
  await tid('totp-submit').click();
  const recoveryCodes = (await tid('recovery-list').innerText()).trim().split(/\s+/);
  await tid('recovery-done').click();
  return { secret, recoveryCodes };
}

/**
 * Logs `username` in through the console's form; an administrator without two-step
 * verification sets it up on the way (issue 14). Resolves when the console shows who is logged in.
 */
export async function consoleLogin(page: import('playwright-core').Page, url: string, username: string, password: string): Promise<{ secret?: string; recoveryCodes?: string[] }> {
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  await page.goto(url + '/');
  await tid('username').fill(username);
  await tid('password').fill(password);
  await tid('login-submit').click();
  await page.locator('[data-testid="whoami"], [data-testid="totp-secret"]').first().waitFor({ timeout: 60_000 });
  const enrolled = (await tid('totp-secret').count()) ? await enrolInConsole(page) : {};
  await tid('whoami').waitFor({ timeout: 60_000 });
  return enrolled;
}

/**
 * The first admin's first login in a browser: one-time password, two-step enrolment, own
 * password; resolves when the console shows who is logged in.
 */
export async function firstAdminLogin(page: import('playwright-core').Page, cp: ConsolePlatform, newPassword = 'Mật khẩu quản trị 2026!'): Promise<void> {
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  await page.goto(cp.url + '/');
  await tid('username').fill(cp.firstAdmin.username);
  await tid('password').fill(cp.firstAdmin.oneTimePassword);
  await tid('login-submit').click();
  await enrolInConsole(page);
  await tid('new-password').fill(newPassword);
  await tid('repeat-password').fill(newPassword);
  await tid('password-submit').click();
  await tid('whoami').waitFor();
}

/** An admin API call as the platform's token that must succeed (the answer's body), for setting up a test's data. */
export function checkedAdmin(cp: ConsolePlatform): (method: string, url: string, body?: unknown) => Promise<any> {
  return async (method, url, body) => {
    const r = await cp.platform.admin(method, url, body);
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
}

/** The console's language for the next page load (what the language switch stores). */
export const setConsoleLanguage = (page: import('playwright-core').Page, lang: 'vi' | 'en'): Promise<void> =>
  page.evaluate((l) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vamco.lang', l), lang);

/**
 * A browser page (1366×800, Vietnamese unless `opts` say otherwise) with the first admin logged in
 * (first login done); downloads are kept for the test to read.
 */
export async function adminPage(browser: import('playwright-core').Browser, cp: ConsolePlatform, opts: { locale?: string; timezoneId?: string } = {}): Promise<import('playwright-core').Page> {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: opts.locale ?? 'vi-VN', timezoneId: opts.timezoneId, acceptDownloads: true })).newPage();
  await firstAdminLogin(page, cp);
  return page;
}

/** Debian's Chromium, headless, as every console test drives it (.ci/run installs it; nothing is downloaded). */
export function launchChromium(): Promise<import('playwright-core').Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Builds the console when web/dist has none (npm test builds it first; a lone test file run may not have). */
export function ensureConsoleBuilt(): void {
  if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) execFileSync('npx', ['vite', 'build', 'web'], { stdio: 'ignore' });
}
