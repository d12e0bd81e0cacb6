// The integrity check in the console (issue 14: "integrity result without time, key fingerprint or
// download"; "the integrity check as a downloadable signed report"), in real Chromium, in
// Vietnamese and English: the result shows when it was checked and the signing key's
// fingerprint, the downloaded report verifies offline with `vamco audit verify-report`, and the
// same file with one count changed does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { startConsolePlatform, type ConsolePlatform, ensureConsoleBuilt, adminPage, setConsoleLanguage, launchChromium } from './security/console-platform.js';
import { checkPage } from './helpers/page-audit.js';

const OUT = path.resolve('test-output/console');
const ddmmyyyy = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(iso));

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console: the signed integrity report', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  let dir = '';
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);

  beforeAll(async () => {
    ensureConsoleBuilt();
    fs.mkdirSync(OUT, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-report-ui-'));
    cp = await startConsolePlatform();
    browser = await launchChromium();
    page = await adminPage(browser, cp);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [lang, checked, intact] of [['vi', 'Kiểm tra lúc', 'Nhật ký toàn vẹn'], ['en', 'Checked at', 'The log is intact']] as const) {
    it(`(${lang}) shows the time and key fingerprint, and the downloaded report verifies offline; a tampered copy does not`, async () => {
      await setConsoleLanguage(page, lang);
      await page.goto(cp.url + '/messages');
      await tid('verify').click();
      await tid('verify-result').waitFor({ timeout: 60_000 });
      expect(await tid('verify-result').innerText()).toContain(intact);
      const [file] = await Promise.all([page.waitForEvent('download'), tid('verify-download').click()]);
      const saved = path.join(dir, `report-${lang}.json`);
      fs.copyFileSync((await file.path())!, saved);
      const report = JSON.parse(fs.readFileSync(saved, 'utf8'));
      // What the page shows is what the file says.
      expect(await tid('verify-fingerprint').innerText()).toBe(report.keyFingerprint);
      expect(report.keyFingerprint).toMatch(/^[0-9a-f]{64}$/);
      const time = await tid('verify-time').innerText();
      expect(time).toContain(checked);
      expect(time).toContain(ddmmyyyy(report.finishedAt));
      const ok = await cp.platform.cli(['audit', 'verify-report', saved]);
      expect(ok.stdout).toContain(`key SHA-256 ${report.keyFingerprint}`);
      expect(ok.stdout).toContain('the log was intact');
      report.result.adminRecords += 1;
      const tampered = path.join(dir, `tampered-${lang}.json`);
      fs.writeFileSync(tampered, JSON.stringify(report));
      const bad = await cp.platform.cli(['audit', 'verify-report', tampered], { allowFail: true });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('its signature does not match its content');
      const checks = await checkPage(page, lang);
      await page.screenshot({ path: path.join(OUT, `verify-report-${lang}.png`), fullPage: true });
      expect(checks).toEqual({ overflow: [], english: [], axe: [], keyboard: [] });
    }, 300_000);
  }
});
