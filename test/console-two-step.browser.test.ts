// Two-step verification in the console (issue 14), in a real browser, in Vietnamese and
// English: an agency admin must set it up at the first login; the set-up shows a QR code that
// decodes to the otpauth:// link shown beside it (and stays the same across a reload); the
// recovery codes are shown once and downloadable; a recovery code logs in once and is refused
// the second time; new recovery codes after the current code; the set-up redone behind a
// confirmation. Each screen at 1366×800 has no horizontal overflow and no serious or critical
// axe-core violation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import jsQRModule from 'jsqr';
import { type Browser, type Page } from 'playwright-core';
import { startConsolePlatform, type ConsolePlatform, launchChromium, ensureConsoleBuilt } from './security/console-platform.js';
import { freshCodes } from './helpers/two-step.js';

// jsqr is CommonJS whose types declare an ES default export: the function is the module itself.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const OUT = path.resolve('test-output/console');
const PW = 'Mật khẩu văn thư 2026';

const TEXT = {
  vi: { wrongRecovery: 'Mã khôi phục sai hoặc đã được dùng.', left: (n: number) => `Còn ${n} mã khôi phục chưa dùng.`, enrolTitle: 'Bật xác thực hai bước' },
  en: { wrongRecovery: 'Wrong or already used recovery code.', left: (n: number) => `${n} unused recovery codes left.`, enrolTitle: 'Turn on two-step verification' },
};

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console: two-step verification', () => {
  let cp: ConsolePlatform;
  let browser: Browser;

  beforeAll(async () => {
    ensureConsoleBuilt();
    fs.mkdirSync(OUT, { recursive: true });
    cp = await startConsolePlatform();
    expect((await cp.platform.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' })).status).toBe(201);
    browser = await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
  });

  /** No horizontal overflow and no serious/critical axe-core violation on what the page shows now. */
  async function checkScreen(page: Page, name: string): Promise<void> {
    await page.waitForLoadState('networkidle');
    // A dialog fades in: contrast is judged once its transitions are over, not mid-fade.
    await page.waitForFunction(() => (globalThis as any).document.getAnimations().every((a: { playState: string }) => a.playState !== 'running'), undefined, { timeout: 30_000 });
    // Run in the page (strings: this file is compiled without the DOM's types).
    const overflow = await page.evaluate('(() => { const se = document.scrollingElement; return se.scrollWidth > se.clientWidth ? se.scrollWidth + " > " + se.clientWidth : ""; })()') as string;
    expect(overflow, `${name}: the page is wider than the window`).toBe('');
    // Evaluated through the debugger, not as a <script>: the console's CSP refuses inline scripts.
    if (!String(await page.evaluate('typeof window.axe')).startsWith('object')) await page.evaluate(AXE);
    const bad = await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`) as string[];
    expect(bad, `${name}: axe-core`).toEqual([]);
    await page.screenshot({ path: path.join(OUT, `two-step-${name}.png`), fullPage: true });
  }

  /** What the QR code image on the page encodes, read back from its pixels. */
  async function readQr(page: Page): Promise<string> {
    const img = page.locator('[data-testid="totp-qr"]');
    // The image's own pixels, drawn on a canvas in the page at four times its size (runs in the
    // page; typed loosely, this file is compiled without the DOM's types).
    const { width, height, data } = await img.evaluate(async (el: any) => {
      await el.decode();
      const c = (globalThis as any).document.createElement('canvas');
      c.width = el.naturalWidth * 4; c.height = el.naturalHeight * 4;
      const g = c.getContext('2d');
      g.fillStyle = 'white'; g.fillRect(0, 0, c.width, c.height);
      g.imageSmoothingEnabled = false;
      g.drawImage(el, 0, 0, c.width, c.height);
      return { width: c.width as number, height: c.height as number, data: Array.from(g.getImageData(0, 0, c.width, c.height).data as number[]) };
    });
    const found = jsQR(Uint8ClampedArray.from(data), width, height);
    expect(found, 'a QR code is readable in the image').not.toBeNull();
    return found!.data;
  }

  for (const lang of ['vi', 'en'] as const) {
    it(`(${lang}) set-up with a QR code, recovery codes once each, new codes, and the set-up redone`, async () => {
      const username = `vanthu-${lang}`;
      const T = TEXT[lang];
      const code = freshCodes();
      expect((await cp.platform.admin('POST', '/api/v1/users', { username, role: 'agency_admin', memberId: 'GOV/000.00.00.H59', password: PW })).status).toBe(201);
      const ctx = await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: lang === 'vi' ? 'vi-VN' : 'en-GB', acceptDownloads: true });
      await ctx.addInitScript(`localStorage.setItem('vamco.lang', '${lang}')`);
      const page = await ctx.newPage();
      const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
      const typeInto = async (testId: string, text: string) => {
        await tid(testId).locator('input').first().click();
        await page.keyboard.type(text);
      };
      const logIn = async () => {
        await page.goto(cp.url + '/');
        await tid('username').fill(username);
        await tid('password').fill(PW);
        await tid('login-submit').click();
      };
      const logOut = async () => {
        await tid('logout').click();
        await tid('username').waitFor();
      };

      // First login: an agency admin must set up two-step verification.
      await logIn();
      await page.getByRole('heading', { name: T.enrolTitle }).waitFor();
      await tid('totp-qr').waitFor();
      const secret = (await tid('totp-secret').innerText()).replace(/\s/g, '');
      const uri = (await tid('totp-uri').innerText()).trim();
      expect(uri).toContain(`secret=${secret}&`);
      // The QR code is the otpauth:// link itself.
      expect(await readQr(page)).toBe(uri);
      await checkScreen(page, `enrol-${lang}`);
      // A reload before confirming shows the same secret (an app already set up keeps working).
      await page.reload();
      await tid('totp-secret').waitFor();
      expect((await tid('totp-secret').innerText()).replace(/\s/g, '')).toBe(secret);
      expect(await readQr(page)).toBe(uri);
      await typeInto('totp-code', await code(secret));
      await tid('totp-submit').click();

      // Recovery codes, once: ten, to copy or download.
      await tid('recovery-codes').waitFor();
      const codes = (await tid('recovery-list').innerText()).trim().split(/\s+/);
      expect(codes).toHaveLength(10);
      const [file] = await Promise.all([page.waitForEvent('download'), tid('recovery-download').click()]);
      expect(file.suggestedFilename()).toBe(`vamco-recovery-codes-${username}.txt`);
      const saved = fs.readFileSync((await file.path())!, 'utf8');
      for (const c of codes) expect(saved).toContain(c);
      await checkScreen(page, `recovery-codes-${lang}`);
      await tid('recovery-done').click();
      await tid('whoami').waitFor();
      await logOut();

      // A recovery code instead of the code: it logs in once.
      await logIn();
      await tid('use-recovery').click();
      await tid('recovery-code').fill(codes[0]);
      await checkScreen(page, `recovery-login-${lang}`);
      await tid('recovery-submit').click();
      await tid('whoami').waitFor();
      await page.goto(cp.url + '/account');
      await tid('recovery-left').filter({ hasText: T.left(9) }).waitFor();
      await logOut();
      // The same code a second time: refused, in the console's language.
      await logIn();
      await tid('use-recovery').click();
      await tid('recovery-code').fill(codes[0]);
      await tid('recovery-submit').click();
      await tid('error').filter({ hasText: T.wrongRecovery }).waitFor();
      await tid('recovery-code').fill(codes[1].toUpperCase());
      await tid('recovery-submit').click();
      await tid('whoami').waitFor();

      // New recovery codes, behind a dialog that asks for the current code.
      await page.goto(cp.url + '/account');
      await tid('recovery-left').filter({ hasText: T.left(8) }).waitFor();
      await checkScreen(page, `account-${lang}`);
      await tid('regenerate-recovery').click();
      await tid('regenerate-dialog').waitFor();
      await typeInto('regenerate-code', await code(secret));
      await tid('regenerate-confirm').click();
      await tid('recovery-codes').waitFor();
      const renewed = (await tid('recovery-list').innerText()).trim().split(/\s+/);
      expect(renewed).toHaveLength(10);
      expect(renewed.filter((c) => codes.includes(c))).toEqual([]);
      await tid('recovery-done').click();
      await tid('recovery-left').filter({ hasText: T.left(10) }).waitFor();

      // The set-up redone (a new phone), behind a dialog that asks for the password (vi) or the code (en).
      await tid('redo-totp').click();
      await tid('redo-dialog').waitFor();
      await checkScreen(page, `redo-dialog-${lang}`);
      if (lang === 'vi') {
        await page.getByText('Mật khẩu', { exact: true }).click();
        await tid('redo-password').fill(PW);
      } else {
        await typeInto('redo-current-code', await code(secret));
      }
      await tid('redo-confirm').click();
      await tid('totp-qr').waitFor();
      const secret2 = (await tid('totp-secret').innerText()).replace(/\s/g, '');
      expect(secret2).not.toBe(secret);
      expect(await readQr(page)).toBe((await tid('totp-uri').innerText()).trim());
      await typeInto('redo-code', await code(secret2));
      await tid('redo-confirm-code').click();
      await tid('recovery-codes').waitFor();
      const third = (await tid('recovery-list').innerText()).trim().split(/\s+/);
      await tid('recovery-done').click();
      await logOut();

      // Now only the new secret and the newest recovery codes work.
      await logIn();
      await tid('use-recovery').click();
      await tid('recovery-code').fill(renewed[0]);
      await tid('recovery-submit').click();
      await tid('error').filter({ hasText: T.wrongRecovery }).waitFor();
      await tid('use-totp').click();
      await typeInto('totp-code', await code(secret2));
      await tid('totp-submit').click();
      await tid('whoami').waitFor();
      expect(third).toHaveLength(10);
      await ctx.close();
    }, 600_000);
  }
});
