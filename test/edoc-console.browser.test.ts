// The console's document-exchange page in a real browser on a real platform (issue 9, console):
// two agencies' document systems send a package through the hub (gateway, /edoc/v1), the
// recipient fetches and acknowledges it, and the page shows the traffic, the document and its
// journey (the hub's TraceHeader hop, the delivery acknowledged, status 01 sent on fetch).
// Screenshots (vi, and the journey in en): test-output/console/edoc-*.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { type Browser, type Page } from 'playwright-core';
import { firstAdminLogin, startConsolePlatform, WEB_DIST, type ConsolePlatform, launchChromium } from './security/console-platform.js';
import { edocClient, type EdocClient } from './helpers/edoc.js';
import { buildEdoc, vnDate } from '../src/edoc/index.js';

const OUT = path.resolve('test-output/console');
const A = '000.00.00.H62'; // UBND tỉnh (sender)
const B = '000.00.17.H62'; // Sở Nội vụ (recipient)

// Chromium is a prerequisite (.ci/run installs it): without it this test fails, never skips.
describe('document-exchange console page in a browser', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  const clients: Record<string, EdocClient> = {};

  beforeAll(async () => {
    if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) execFileSync('npx', ['vite', 'build', 'web'], { stdio: 'ignore' });
    fs.mkdirSync(OUT, { recursive: true });
    for (const f of fs.readdirSync(OUT)) if (f.startsWith('edoc-')) fs.rmSync(path.join(OUT, f));
    cp = await startConsolePlatform();
    const p = cp.platform;
    for (const [code, name] of [[A, 'UBND tỉnh'], [B, 'Sở Nội vụ']]) {
      expect((await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name })).status).toBe(201);
      expect((await p.admin('POST', '/api/v1/subsystems', { id: `GOV/${code}/qlvb` })).status).toBe(201);
      const key = (await p.admin('POST', '/api/v1/keys', { subsystem: `GOV/${code}/qlvb`, label: 'qlvb' })).body.key;
      await p.edoc.hub.setEndpoint(`GOV/${code}/qlvb`, 'test');
      clients[code] = edocClient(p.gatewayUrl, () => ({ 'x-road-client': `${p.instance}/GOV/${code}/qlvb`, 'x-api-key': key }));
    }
    await p.snapshots.poll();
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'vi-VN' })).newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
  });

  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);

  it('shows a package sent between two agencies through the hub, with its journey', async () => {
    const xml = buildEdoc({
      from: { organId: A, organName: 'UBND tỉnh' }, to: [{ organId: B, organName: 'Sở Nội vụ' }], codeNumber: '42', codeNotation: 'UBND-VP',
      promulgationDate: vnDate(), subject: 'Về việc triển khai liên thông văn bản',
      attachments: [{ name: 'cong-van.pdf', contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.7\n%%EOF\n'), description: 'Công văn' }],
    });
    const sent = await clients[A].send(xml, 'edoc');
    expect(sent.body).toMatchObject({ status: 'OK' });
    const docId: string = sent.body.DocId;
    expect((await clients[B].getEdoc(docId)).http).toBe(200);
    expect((await clients[B].call('updateStatus', { docid: docId, status: 'done' })).body.status).toBe('OK');

    await firstAdminLogin(page, cp);
    await tid('nav-edoc').click();
    await tid('edoc-traffic').waitFor();
    const rows = tid('edoc-traffic-row');
    // Per agency: B acknowledged the document and sent status 01 (still pending at A); A sent the document.
    await expect.poll(() => rows.filter({ hasText: B }).locator('td').allInnerTexts(), { timeout: 30_000 }).toEqual([B, '1', '0', '1', '0', '0']);
    await expect.poll(() => rows.filter({ hasText: A }).locator('td').nth(1).innerText()).toBe('1');
    const row = page.locator(`[data-testid="edoc-document-row"][data-docid="${docId}"]`);
    await expect.poll(() => row.innerText()).toContain('Về việc triển khai liên thông văn bản');
    // Badges show in capitals: compare the text itself.
    expect(await row.locator('[data-testid="edoc-state"]').allTextContents()).toEqual(['Đã nhận']);
    await page.screenshot({ path: path.join(OUT, 'edoc-vi.png'), fullPage: true });

    await row.click();
    await tid('edoc-journey').waitFor();
    expect(await tid('edoc-journey-docid').innerText()).toBe(docId);
    // Hops: the hub's own TraceHeader (docs/edoc.md, "Durable before the answer").
    expect((await tid('edoc-hops').locator('tbody tr').count())).toBeGreaterThanOrEqual(1);
    const delivery = await tid('edoc-deliveries').locator('tbody tr').first().locator('td').allTextContents();
    expect(delivery.slice(0, 4)).toEqual([B, 'Trong tỉnh', 'Đã nhận', '0']);
    // Status 01 (QCVN 102:2016), sent for B by the hub when B fetched the package.
    expect(await tid('edoc-status-code').first().innerText()).toBe('01 — Đã đến, chưa xử lý');
    await page.screenshot({ path: path.join(OUT, 'edoc-journey-vi.png'), fullPage: true });
    // The same journey in English.
    await tid('lang').getByText('EN', { exact: true }).click();
    await expect.poll(() => tid('edoc-status-code').first().innerText()).toBe('01 — Arrived, not yet handled');
    expect((await tid('edoc-deliveries').locator('tbody tr').first().locator('td').allTextContents()).slice(1, 3)).toEqual(['In the province', 'Acknowledged']);
    await page.screenshot({ path: path.join(OUT, 'edoc-journey-en.png'), fullPage: true });
    expect(fs.readdirSync(OUT).filter((f) => f.startsWith('edoc-')).sort()).toEqual(['edoc-journey-en.png', 'edoc-journey-vi.png', 'edoc-vi.png']);
  });
});
