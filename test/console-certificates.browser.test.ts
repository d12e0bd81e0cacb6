// Client certificates in the console (issue 8, item 3: "… and in the console"), in a real
// browser: an information system's CSR (its key made here, never sent) is signed from the
// console, the server holds the certificate, the system then calls the gateway over mutual TLS
// with it and no API key, and a revoke through the confirmation dialog is refused by the gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { Agent, request } from 'undici';
import { type Browser, type Page } from 'playwright-core';
import { startConsolePlatform, type ConsolePlatform, checkedAdmin, ensureConsoleBuilt, adminPage, setConsoleLanguage, launchChromium } from './security/console-platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { issueWithKey } from '../src/pki/index.js';

const PROVIDER = 'GOV/000.00.00.H59/hotich';
const SERVICE = `${PROVIDER}/giaykhaisinh`;

/** An information system's own key and certificate request; the key stays in the test. */
async function keyAndCsr(cn: string): Promise<{ keyPem: string; csrPem: string; spki: Buffer }> {
  const keys = await crypto.webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys: keys as never, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  const key = crypto.KeyObject.from(keys.privateKey);
  return { keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), csrPem: csr.toString('pem'), spki: crypto.createPublicKey(key).export({ type: 'spki', format: 'der' }) };
}

const ddmmyyyy = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(iso));

// Chromium is a prerequisite (.ci/run installs it): without it these tests fail, never skip.
describe('console: client certificates', () => {
  let cp: ConsolePlatform;
  let browser: Browser;
  let page: Page;
  let backend: TestBackend;
  const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const admin = (method: string, url: string, body?: unknown) => checkedAdmin(cp)(method, url, body);
  const certsOf = async (subsystem: string) => (await admin('GET', `/api/v1/client-certificates?subsystem=${encodeURIComponent(subsystem)}`)).items as { id: number; fingerprint: string; subject: string; notBefore: string; notAfter: string; revokedAt: string | null }[];

  /** One call over HTTPS with the certificate and its key, no API key; the snapshot is refreshed first. */
  async function mtlsCall(client: string, cert: string, key: string): Promise<{ status: number; body: string }> {
    await cp.platform.snapshots.poll();
    const agent = new Agent({ connect: { ca: cp.platform.ca.certPem, cert, key } });
    try {
      const r = await request(`${cp.platform.gatewayTlsUrl}/r1/${cp.platform.instance}/${SERVICE}/ho-so/1`, { dispatcher: agent, headers: { 'X-Road-Client': `${cp.platform.instance}/${client}` } });
      return { status: r.statusCode, body: await r.body.text() };
    } finally {
      await agent.close();
    }
  }

  /** A fresh client member and system with a right on the service: each test makes its own. */
  async function newClient(code: string): Promise<string> {
    const client = `GOV/${code}/motcua`;
    await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: code, name: `UBND ${code}` });
    await admin('POST', '/api/v1/subsystems', { id: client });
    await admin('POST', '/api/v1/access-rights', { service: SERVICE, client });
    return client;
  }

  async function pickSubsystem(id: string) {
    await tid('cert-subsystem').click();
    await page.getByRole('option', { name: id, exact: true }).click();
  }

  async function setLang(lang: 'vi' | 'en') {
    await setConsoleLanguage(page, lang);
  }

  beforeAll(async () => {
    ensureConsoleBuilt();
    backend = await startBackend();
    cp = await startConsolePlatform();
    expect(cp.platform.gatewayTlsUrl, 'the test platform serves the gateway over HTTPS').toBeTruthy();
    await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' });
    await admin('POST', '/api/v1/subsystems', { id: PROVIDER });
    await admin('POST', '/api/v1/services', { id: SERVICE, url: `${backend.url}/api` });
    browser = await launchChromium();
    page = await adminPage(browser, cp);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    await backend?.close();
  });

  it('(vi) issues from a pasted CSR, the system calls over mutual TLS with it, a revoke in the dialog is refused by the gateway', async () => {
    await setLang('vi');
    const client = await newClient('000.00.00.H70');
    const is = await keyAndCsr('motcua-h70');
    await page.goto(`${cp.url}/certificates`);
    await tid('issue-cert').click();
    await pickSubsystem(client);
    await tid('cert-pem').fill(is.csrPem);
    await tid('cert-label').fill('một cửa H70');
    await tid('cert-submit').click();
    await page.locator('[data-testid="notice"]').filter({ hasText: `Đã cấp chứng thư cho ${client}.` }).first().waitFor({ timeout: 30_000 });
    const pem = (await tid('issued-pem').innerText()).trim();
    const cert = new crypto.X509Certificate(pem);
    // Signed by the platform CA, for the key the system kept.
    expect(cert.verify(new crypto.X509Certificate(cp.platform.ca.certPem).publicKey)).toBe(true);
    expect(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(is.spki)).toBe(true);
    const [file] = await Promise.all([page.waitForEvent('download'), tid('issued-download').click()]);
    expect(fs.readFileSync((await file.path())!, 'utf8').trim()).toBe(pem);
    await tid('cert-done').click();

    // The server holds it as the system's credential; the page lists it as active.
    const fingerprint = cert.fingerprint256.replace(/:/g, '').toLowerCase();
    const [held] = await certsOf(client);
    expect(held).toMatchObject({ fingerprint, revokedAt: null });
    const row = tid(`cert-${held.id}`);
    await row.waitFor({ timeout: 30_000 });
    expect(await tid(`cert-${held.id}-fingerprint`).innerText()).toBe(fingerprint);
    expect(await tid(`cert-${held.id}-state`).innerText()).toMatch(/^đang dùng$/i);
    expect((await tid(`cert-${held.id}-from`).innerText()).trim()).toBe(ddmmyyyy(held.notBefore));
    expect((await tid(`cert-${held.id}-until`).innerText()).trim()).toBe(ddmmyyyy(held.notAfter));
    expect(ddmmyyyy(held.notAfter)).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
    expect(await row.innerText()).toContain('một cửa H70');

    // The information system calls the gateway with it and no API key.
    const before = backend.seen.length;
    const ok = await mtlsCall(client, pem, is.keyPem);
    expect(ok.status, ok.body).toBe(200);
    expect(backend.seen.length).toBe(before + 1);

    // Revoked through the confirmation dialog, with a notice; the server and the gateway agree.
    await tid(`revoke-cert-${held.id}`).click();
    expect(await tid(`revoke-cert-${held.id}-dialog`).innerText()).toContain(client);
    await tid(`revoke-cert-${held.id}-confirm`).click();
    await page.locator('[data-testid="notice"]').filter({ hasText: `Đã thu hồi chứng thư ${held.subject}.` }).first().waitFor({ timeout: 30_000 });
    expect((await certsOf(client))[0].revokedAt).toEqual(expect.any(String));
    await tid(`cert-${held.id}-state`).filter({ hasText: /^đã thu hồi$/i }).waitFor({ timeout: 30_000 });
    await expect(tid(`revoke-cert-${held.id}`).count()).resolves.toBe(0);
    const refused = await mtlsCall(client, pem, is.keyPem);
    expect(refused.status).not.toBe(200);
    expect(backend.seen.length).toBe(before + 1);
  });

  it('(en) issues from an uploaded CSR file, registers an existing certificate, downloads the CA, revokes in the dialog', async () => {
    await setLang('en');
    const client = await newClient('000.00.00.H71');
    const other = await newClient('000.00.00.H72');
    const is = await keyAndCsr('motcua-h71');
    await page.goto(`${cp.url}/certificates`);

    // The platform CA certificate, for the system's --cacert.
    const [caFile] = await Promise.all([page.waitForEvent('download'), tid('download-ca').click()]);
    expect(fs.readFileSync((await caFile.path())!, 'utf8')).toBe(cp.platform.ca.certPem);

    await tid('issue-cert').click();
    await pickSubsystem(client);
    await tid('cert-pem-file').setInputFiles({ name: 'motcua.csr', mimeType: 'application/pkcs10', buffer: Buffer.from(is.csrPem) });
    await expect.poll(() => tid('cert-pem').inputValue(), { timeout: 30_000 }).toBe(is.csrPem);
    await tid('cert-submit').click();
    await page.locator('[data-testid="notice"]').filter({ hasText: `Issued a certificate for ${client}.` }).first().waitFor({ timeout: 30_000 });
    const pem = (await tid('issued-pem').innerText()).trim();
    await tid('cert-done').click();
    const [held] = await certsOf(client);
    expect(held).toMatchObject({ fingerprint: new crypto.X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase(), revokedAt: null });
    await tid(`cert-${held.id}-state`).filter({ hasText: /^active$/i }).waitFor({ timeout: 30_000 });
    const ok = await mtlsCall(client, pem, is.keyPem);
    expect(ok.status, ok.body).toBe(200);

    // A certificate the system already has (issued by the platform CA outside the console, so
    // registered nowhere): pasted as PEM, it becomes the other system's credential and works.
    const existing = await issueWithKey(cp.platform.ca, { commonName: 'motcua-h72', organisation: 'UBND H72', usage: 'client' });
    await tid('register-cert').click();
    await pickSubsystem(other);
    await tid('cert-pem').fill(existing.certPem);
    await tid('cert-submit').click();
    await page.locator('[data-testid="notice"]').filter({ hasText: `Registered a certificate for ${other}.` }).first().waitFor({ timeout: 30_000 });
    const [registered] = await certsOf(other);
    expect(registered).toMatchObject({ fingerprint: existing.info.fingerprint, revokedAt: null });
    await tid(`cert-${registered.id}`).waitFor({ timeout: 30_000 });
    const viaRegistered = await mtlsCall(other, existing.certPem, existing.keyPem);
    expect(viaRegistered.status, viaRegistered.body).toBe(200);

    await tid(`revoke-cert-${held.id}`).click();
    await tid(`revoke-cert-${held.id}-confirm`).click();
    await page.locator('[data-testid="notice"]').filter({ hasText: `Revoked the certificate ${held.subject}.` }).first().waitFor({ timeout: 30_000 });
    expect((await certsOf(client)).find((c) => c.id === held.id)?.revokedAt).toEqual(expect.any(String));
    await tid(`cert-${held.id}-state`).filter({ hasText: /^revoked$/i }).waitFor({ timeout: 30_000 });
    expect((await mtlsCall(client, pem, is.keyPem)).status).not.toBe(200);
  });
});
