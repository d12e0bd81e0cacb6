// Signed receipts (issue 17, item 3) against a running platform: an answer to a request that
// asks for one carries the provider platform's signature over the request hash, the response
// digest, the status and the outcome record's place in the log; the CLI exports it and a third
// party verifies it offline; one byte changed and it does not verify.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { expectedRequestHash } from './helpers/xroad.js';
import { decodeReceiptHeader, verifyReceipt } from '../src/federation/index.js';
import { tempDir } from '../src/store/testing.js';

const P = 'GOV/000.00.00.F01/provider';
const C = 'GOV/000.00.00.F02/consumer';
const BIG = 256 * 1024;

describe('signed receipts', () => {
  let p: TestPlatform;
  let backend: http.Server;
  let backendUrl: string;
  let key: string;
  const dir = tempDir();

  beforeAll(async () => {
    backend = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.startsWith('/base/big')) { res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG }); res.end(Buffer.alloc(BIG, 7)); return; }
        res.writeHead(req.url?.includes('missing') ? 404 : 200, { 'content-type': 'application/json', 'x-vamco-receipt': 'forged-by-provider' });
        res.end(JSON.stringify({ url: req.url, receiptAsked: req.headers['x-vamco-receipt'] ?? null }));
      });
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    // Answers over 64 KB stream: their receipt comes as a trailer.
    p = await startTestPlatform({ env: { VAMCO_LOG_BUFFER_BYTES: String(64 * 1024) } });
    const api = (m: string, u: string, b?: unknown) => p.admin(m, '/api/v1' + u, b);
    for (const code of ['000.00.00.F01', '000.00.00.F02']) expect((await api('POST', '/members', { memberClass: 'GOV', memberCode: code, name: 'Sở thử' })).status).toBe(201);
    for (const id of [P, C]) expect((await api('POST', '/subsystems', { id })).status).toBe(201);
    expect((await api('POST', '/services', { id: `${P}/echo`, url: `${backendUrl}/base` })).status).toBe(201);
    expect((await api('POST', '/access-rights', { service: `${P}/echo`, client: C })).status).toBe(201);
    key = (await api('POST', '/keys', { subsystem: C })).body.key;
    await p.snapshots.poll();
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    backend?.closeAllConnections();
    await new Promise((r) => backend?.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const target = (sub: string) => `/r1/${p.instance}/${P}/echo/${sub}`;
  const headersOf = (extra: Record<string, string> = {}): [string, string][] =>
    [['X-Road-Client', `${p.instance}/${C}`], ['X-API-Key', key], ['X-Road-Id', `id-${crypto.randomUUID()}`], ...Object.entries(extra)];

  it('an answer to a request asking for one carries a receipt over exactly that exchange', async () => {
    const body = Buffer.from('{"q":"hồ sơ"}');
    const hs = headersOf({ 'X-Vamco-Receipt': 'v1', 'Content-Type': 'application/json' });
    const res = await request(p.gatewayUrl + target('items?x=1'), { method: 'POST', headers: hs.flat(), body });
    const answer = Buffer.from(await res.body.arrayBuffer());
    expect(res.statusCode).toBe(200);
    // The provider never sees the request for a receipt, and cannot forge one.
    expect(JSON.parse(answer.toString()).receiptAsked).toBeNull();
    const r = decodeReceiptHeader(String(res.headers['x-vamco-receipt']), 'the answer');
    const messageId = hs.find(([n]) => n === 'X-Road-Id')![1];
    expect(r).toMatchObject({ instance: p.instance, nodeId: p.nodeKey.nodeId, messageId, client: `${p.instance}/${C}`, service: `${p.instance}/${P}/echo`, status: 200, responseSize: answer.length });
    expect(r.requestHash).toBe(res.headers['x-road-request-hash']);
    // The hash is the request as the client sent it (recomputed here from the bytes), not a value the gateway chose.
    expect(r.requestHash).toBe(expectedRequestHash({ method: 'POST', target: target('items?x=1'), headers: hs, requestId: String(res.headers['x-road-request-id']), body }));
    expect(r.responseDigest).toBe(crypto.createHash('sha256').update(answer).digest('hex'));
    // The log position is the outcome record of that exchange (in the store once shipped from the journal).
    await p.messageLog.flush();
    const row = await p.store.db.selectFrom('message_log').selectAll().where('node_id', '=', r.nodeId).where('seq', '=', r.logSeq).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ message_id: messageId, status: 200, hash: r.logHash, response_digest: r.responseDigest });
    expect(verifyReceipt(r, 'r', crypto.createPublicKey(p.nodeKey.publicKeyPem)).signature).toBe(r.signature);
  });

  it('a request that does not ask gets none, and the provider\'s own header is dropped', async () => {
    const res = await request(p.gatewayUrl + target('plain'), { headers: headersOf().flat() });
    await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-vamco-receipt']).toBeUndefined();
  });

  it('a provider\'s error status is receipted too (what was answered is what is signed)', async () => {
    const res = await request(p.gatewayUrl + target('missing'), { headers: headersOf({ 'X-Vamco-Receipt': 'v1' }).flat() });
    await res.body.text();
    expect(res.statusCode).toBe(404);
    expect(decodeReceiptHeader(String(res.headers['x-vamco-receipt']), 'a').status).toBe(404);
  });

  it('a streamed answer carries its receipt as a trailer, signed after its record committed', async () => {
    const raw = await new Promise<{ body: Buffer; trailers: NodeJS.Dict<string>; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const req = http.request(p.gatewayUrl + target('big'), { headers: Object.fromEntries(headersOf({ 'X-Vamco-Receipt': 'v1' })) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ body: Buffer.concat(chunks), trailers: res.trailers, headers: res.headers }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(raw.body.length).toBe(BIG);
    expect(raw.headers.trailer).toMatch(/x-vamco-receipt/i);
    const r = decodeReceiptHeader(String(raw.trailers['x-vamco-receipt']), 'the trailer');
    expect(r.responseSize).toBe(BIG);
    expect(r.responseDigest).toBe(crypto.createHash('sha256').update(raw.body).digest('hex'));
  });

  it('the CLI exports a receipt that verifies offline, and not with one byte changed; audit verify re-checks kept receipts', async () => {
    const hs = headersOf({ 'X-Vamco-Receipt': 'v1' });
    const res = await request(p.gatewayUrl + target('evidence'), { headers: hs.flat() });
    await res.body.text();
    const messageId = hs.find(([n]) => n === 'X-Road-Id')![1];
    const file = path.join(dir, 'receipt.json');
    // The issued copy is kept in the background: wait for it (generous deadline, no fixed sleep).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await p.cli(['audit', 'receipt', messageId, '--out', file], { allowFail: true });
      if (r.code === 0) break;
      if (Date.now() > deadline) throw new Error(r.stderr);
      await new Promise((w) => setTimeout(w, 200));
    }
    const keyFile = path.join(dir, 'signer.pem');
    fs.writeFileSync(keyFile, p.nodeKey.publicKeyPem);
    const ok = await p.cli(['audit', 'verify-receipt', file, '--key', keyFile]);
    expect(ok.stdout).toContain(`message ${messageId}`);
    expect(ok.stdout).toMatch(/^OK: /);

    const text = fs.readFileSync(file, 'utf8');
    // One byte changed in the status (200 → 201): the signature no longer matches.
    const changed = path.join(dir, 'changed.json');
    fs.writeFileSync(changed, text.replace('"status": 200', '"status": 201'));
    expect(fs.readFileSync(changed, 'utf8')).not.toBe(text);
    const bad = await p.cli(['audit', 'verify-receipt', changed], { allowFail: true });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/signature does not match its content/);
    // A byte changed anywhere in the file: never valid (checked in-process: the same function the CLI calls).
    for (let at = 0; at < text.length; at += 7) {
      const b = Buffer.from(text);
      b[at] = b[at] === 0x41 ? 0x42 : 0x41;
      expect(() => verifyReceipt(JSON.parse(b.toString('utf8')), 'changed'), `byte ${at}`).toThrow();
    }
    // Another key given to trust: refused.
    fs.writeFileSync(keyFile, crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string);
    expect((await p.cli(['audit', 'verify-receipt', file, '--key', keyFile], { allowFail: true })).stderr).toMatch(/not by the key given to trust/);

    await p.messageLog.flush();
    const v = await p.cli(['audit', 'verify']);
    expect(v.stdout).toMatch(/receipts: (\d+) of \1 verified/);
    // A kept receipt whose record was rewritten is named by audit verify.
    const kept = JSON.parse(text);
    await p.store.db.updateTable('message_log').set({ response_digest: '0'.repeat(64) }).where('node_id', '=', kept.nodeId).where('seq', '=', kept.logSeq).execute();
    const v2 = await p.cli(['audit', 'verify'], { allowFail: true });
    expect(v2.code).not.toBe(0);
    expect(v2.stderr).toContain(`issued receipt of message ${messageId}: the record it names (node ${kept.nodeId}, record ${kept.logSeq}) no longer matches it`);
  }, 600_000);
});
