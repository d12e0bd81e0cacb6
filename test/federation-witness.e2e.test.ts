// Witnessed checkpoints (issue 17, item 5) with two real platforms: B witnesses A. A sends its
// signed checkpoints (message chain and admin trail) to B's gateway, which checks, countersigns
// and keeps them; A's `audit verify` fetches them and fails, naming the witnessed checkpoint,
// once A's newest records are deleted together with their checkpoints, and again once the
// chain is rewritten past that point and re-signed with A's own key.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestPlatform, CLI, type TestPlatform } from './helpers/platform.js';
import { tempDir } from '../src/store/testing.js';
import { openStore, type Store } from '../src/store/index.js';
import { nodeIdFor, hashMessage, GENESIS } from '../src/audit/chain.js';
import { insertCheckpoint } from '../src/audit/checkpoints.js';
import { readNodeKeyFile } from '../src/audit/index.js';
import { WITNESS_PATH } from '../src/federation/index.js';

const P = 'GOV/000.00.00.W01/provider';
const C = 'GOV/000.00.00.W02/consumer';

function run(env: Record<string, string>, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
    });
  });
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('witnessed checkpoints: platform B witnesses platform A', () => {
  let a: TestPlatform;
  let b: TestPlatform;
  let backend: http.Server;
  const dirA = tempDir();
  let nodeA: string;
  let witnessedSeq = 0;
  let store: Store;

  beforeAll(async () => {
    // A's node key made first, so B can be told which node it witnesses before A starts.
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    fs.writeFileSync(path.join(dirA, 'node-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    nodeA = nodeIdFor(publicKey);
    b = await startTestPlatform({ env: { VAMCO_INSTANCE: 'VN-B', VAMCO_WITNESS_ACCEPT: nodeA } });
    backend = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); }); });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    a = await startTestPlatform({ env: {
      VAMCO_INSTANCE: 'VN-A', VAMCO_DATA_DIR: dirA, VAMCO_WITNESSES: b.gatewayUrl, VAMCO_WITNESS_INTERVAL: '200ms', VAMCO_CHECKPOINT_INTERVAL: '200ms',
    } });
    expect(a.nodeKey.nodeId).toBe(nodeA);
    const api = (m: string, u: string, body?: unknown) => a.admin(m, '/api/v1' + u, body);
    for (const code of ['000.00.00.W01', '000.00.00.W02']) expect((await api('POST', '/members', { memberClass: 'GOV', memberCode: code, name: 'Sở' })).status).toBe(201);
    for (const id of [P, C]) expect((await api('POST', '/subsystems', { id })).status).toBe(201);
    expect((await api('POST', '/services', { id: `${P}/echo`, url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` })).status).toBe(201);
    expect((await api('POST', '/access-rights', { service: `${P}/echo`, client: C })).status).toBe(201);
    const key = (await api('POST', '/keys', { subsystem: C })).body.key;
    await a.snapshots.poll();
    for (let i = 0; i < 20; i++) {
      const res = await request(`${a.gatewayUrl}/r1/VN-A/${P}/echo/x${i}`, { headers: { 'x-road-client': `VN-A/${C}`, 'x-api-key': key } });
      await res.body.text();
      expect(res.statusCode).toBe(200);
    }
    // 20 exchanges are 40 records (request and outcome): wait until B keeps A's checkpoint of all of them.
    witnessedSeq = await until('B to witness A\'s head', async () => {
      const row = await b.store.db.selectFrom('witnessed_checkpoints').select(['seq']).where('node_id', '=', nodeA).where('chain', '=', 'message').orderBy('seq', 'desc').limit(1).executeTakeFirst();
      return row && Number(row.seq) >= 40 ? Number(row.seq) : undefined;
    });
    await until('B to witness A\'s admin trail', async () => (await b.store.db.selectFrom('witnessed_checkpoints').select('seq').where('instance', '=', 'VN-A').where('chain', '=', 'admin').executeTakeFirst()) !== undefined);
    await a.stop();
    store = openStore({ dataDir: dirA });
  }, 300_000);
  afterAll(async () => {
    await store?.close();
    await a?.stop();
    await b?.stop();
    backend?.closeAllConnections();
    await new Promise((r) => backend?.close(r));
    fs.rmSync(dirA, { recursive: true, force: true });
  });

  it('B refuses checkpoints of a node it does not witness, forged ones, and a second head for the same place', async () => {
    const post = async (body: unknown) => {
      const res = await request(b.gatewayUrl + WITNESS_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.statusCode, body: await res.body.json() as Record<string, unknown>, type: res.headers['content-type'] };
    };
    const kept = (await (await request(`${b.gatewayUrl}${WITNESS_PATH}?instance=VN-A`)).body.json() as { checkpoints: any[] }).checkpoints;
    const msg = kept.find((k) => k.checkpoint.chain === 'message');
    expect(msg.checkpoint).toMatchObject({ nodeId: nodeA, seq: witnessedSeq });
    // The same one again: the same countersignature (idempotent).
    const again = await post({ instance: 'VN-A', publicKey: msg.publicKey, checkpoint: msg.checkpoint });
    expect(again.status).toBe(200);
    expect(again.body.countersignature).toBe(msg.countersignature);
    // Another node's (valid) checkpoint: not witnessed here.
    const other = crypto.generateKeyPairSync('ed25519');
    const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const otherId = nodeIdFor(other.publicKey);
    const payload = `vamco-checkpoint-v2|message|${otherId}|1|${'a'.repeat(64)}|2026-01-01T00:00:00.000Z|${GENESIS}`;
    const cp = { chain: 'message', nodeId: otherId, seq: 1, hash: 'a'.repeat(64), at: '2026-01-01T00:00:00.000Z', prev: GENESIS, signature: crypto.sign(null, Buffer.from(payload), other.privateKey).toString('base64') };
    const r403 = await post({ instance: 'VN-A', publicKey: otherPem, checkpoint: cp });
    expect(r403.status).toBe(403);
    expect(r403.type).toMatch(/application\/problem\+json/);
    expect(r403.body.detail).toContain(`does not witness node ${otherId}`);
    // A's checkpoint with its hash changed: the signature no longer holds.
    const forged = await post({ instance: 'VN-A', publicKey: msg.publicKey, checkpoint: { ...msg.checkpoint, hash: 'b'.repeat(64) } });
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('VALIDATION_FAILED');
    // A second, validly signed checkpoint for the same place (A's key equivocating): refused, the first kept.
    const key = readNodeKeyFile(dirA)!;
    const twin = { ...msg.checkpoint, hash: 'c'.repeat(64) };
    twin.signature = crypto.sign(null, Buffer.from(`vamco-checkpoint-v2|message|${nodeA}|${twin.seq}|${twin.hash}|${twin.at}|${twin.prev}`), key.privateKey).toString('base64');
    const r409 = await post({ instance: 'VN-A', publicKey: msg.publicKey, checkpoint: twin });
    expect(r409.status).toBe(409);
    expect(r409.body.detail).toContain(`at record ${witnessedSeq} is already witnessed here`);
  });

  it('A\'s log verifies against what B keeps', async () => {
    const v = await run(a.env, ['audit', 'verify']);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`the log extends all 2 checkpoints kept by 1 witnesses \\(${b.gatewayUrl}\\)`));
  });

  it('deleting A\'s newest records with their checkpoints passes without the witness, and fails with it, naming the witnessed checkpoint', async () => {
    const keep = witnessedSeq - 6;
    await store.db.deleteFrom('message_log').where('node_id', '=', nodeA).where('seq', '>', keep).execute();
    await store.db.deleteFrom('log_checkpoints').where('chain', '=', 'message').where('node_id', '=', nodeA).where('seq', '>', keep).execute();
    // What issue 12's checkpoints alone cannot see: the truncated log is consistent in itself.
    const alone = await run({ ...a.env, VAMCO_WITNESSES: '' }, ['audit', 'verify']);
    expect(alone.code).toBe(0);
    const v = await run(a.env, ['audit', 'verify']);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain(`The log no longer extends the checkpoint witnessed by ${b.gatewayUrl} (VN-B ${b.nodeKey.nodeId}`);
    expect(v.stderr).toContain(`Node ${nodeA}'s message chain ends at record ${keep}`);
    expect(v.stderr).toContain(`covers records up to ${witnessedSeq}: records ${keep + 1} to ${witnessedSeq} were deleted`);
  });

  it('rewriting the chain past the witnessed point, re-signed with A\'s own key, fails naming the witnessed checkpoint', async () => {
    const key = readNodeKeyFile(dirA)!;
    const last = await store.db.selectFrom('message_log').selectAll().where('node_id', '=', nodeA).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    let prev = last.hash;
    let seq = Number(last.seq);
    while (seq < witnessedSeq + 4) {
      const row = { ...last, seq: ++seq, message_id: `forged-${seq}`, request_id: `forged-${seq}`, prev_hash: prev, hash: '' };
      row.hash = hashMessage(row);
      prev = row.hash;
      await store.db.insertInto('message_log').values(row).execute();
    }
    await insertCheckpoint(store.db, key, { chain: 'message', seq, hash: prev });
    const alone = await run({ ...a.env, VAMCO_WITNESSES: '' }, ['audit', 'verify']);
    expect(alone.code).toBe(0);
    const v = await run(a.env, ['audit', 'verify']);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain(`message-log record ${nodeA}#${witnessedSeq}`);
    expect(v.stderr).toContain(`does not match the checkpoint of`);
    expect(v.stderr).toContain(`witnessed by ${b.gatewayUrl} (VN-B ${b.nodeKey.nodeId}`);
  });

  it('a witness that cannot be reached is named, and verification goes on with what it has', async () => {
    const v = await run({ ...a.env, VAMCO_WITNESSES: 'http://127.0.0.1:9' }, ['audit', 'verify']);
    expect(v.stderr).toContain('warning: witness http://127.0.0.1:9 could not be used');
  });
});
