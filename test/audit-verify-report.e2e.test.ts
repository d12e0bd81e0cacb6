// The integrity check as a downloadable signed report (issue 14): the admin API runs the check and
// signs result, time, ranges checked and the latest checkpoints with the node's Ed25519 key (as it
// signs checkpoints and receipts); `vamco audit verify-report FILE` checks it offline. A report
// with any byte of its content changed, or signed by another key than the one given, fails; a
// report that records a broken log verifies but says so, and exits non-zero.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';

describe('signed integrity report', () => {
  let p: TestPlatform;
  let dir = '';
  const write = (name: string, v: unknown) => { const f = path.join(dir, name); fs.writeFileSync(f, typeof v === 'string' ? v : JSON.stringify(v, null, 2)); return f; };
  const report = async () => {
    const r = await p.admin('POST', '/api/v1/audit/verify-report');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-report-'));
    // Checkpoints every 200 ms, so the report has one to drop below (the default is 10 s).
    p = await startTestPlatform({ demo: false, env: { VAMCO_CHECKPOINT_INTERVAL: '200ms' } });
    // Something in the admin trail to be checked.
    expect((await p.admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' })).status).toBe(201);
  }, 240_000);
  afterAll(async () => {
    await p?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('signs what the check found, and the CLI verifies it offline, with and without the key to trust', async () => {
    const before = Date.now();
    const r = await report();
    expect(r).toMatchObject({ format: 'vamco-verify-report', version: 1, instance: p.instance, result: { ok: true }, nodeId: expect.stringMatching(/^node-/) });
    expect(Date.parse(r.startedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(r.finishedAt)).toBeGreaterThanOrEqual(Date.parse(r.startedAt));
    // The fingerprint is the SHA-256 of the key's SPKI, and that key is this node's.
    const key = crypto.createPublicKey(r.publicKey);
    expect(r.keyFingerprint).toBe(crypto.createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex'));
    const nodes = await p.store.db.selectFrom('nodes').select(['node_id', 'public_key']).execute();
    expect(nodes.find((n) => n.node_id === r.nodeId)?.public_key.trim()).toBe(r.publicKey.trim());
    // The admin trail's range covers every record of it present at the start.
    const admin = r.ranges.find((g: { chain: string }) => g.chain === 'admin');
    const count = Number((await p.store.db.selectFrom('admin_audit').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())!.n);
    expect(admin.records).toBeGreaterThan(0);
    expect(admin.records).toBeLessThanOrEqual(count);
    expect(admin.lastSeq - admin.firstSeq + 1).toBe(admin.records);
    expect(r.result.adminRecords).toBeGreaterThanOrEqual(admin.records);

    const file = write('report.json', r);
    const ok = await p.cli(['audit', 'verify-report', file]);
    expect(ok.stdout).toMatch(new RegExp(`^OK: signed by node ${r.nodeId} of ${p.instance} \\(key SHA-256 ${r.keyFingerprint}, the key inside the report\\)`));
    expect(ok.stdout).toContain(`admin: records ${admin.firstSeq}..${admin.lastSeq} (${admin.records})`);
    expect(ok.stdout).toContain('the log was intact');
    const keyFile = write('node.pem', r.publicKey);
    expect((await p.cli(['audit', 'verify-report', file, '--key', keyFile])).stdout).toContain('the key given');
    // Another key to trust: refused, though the report is intact.
    const other = write('other.pem', crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const wrongKey = await p.cli(['audit', 'verify-report', file, '--key', other], { allowFail: true });
    expect(wrongKey.code).not.toBe(0);
    expect(wrongKey.stderr).toContain('not by the key given to trust');
  });

  it('refuses a tampered report: a changed result, range, time or checkpoint breaks the signature', async () => {
    // A report with a checkpoint in it: dropping an empty list would change nothing.
    let r = await report();
    for (const end = Date.now() + 60_000; !r.checkpoints?.length; r = await report()) {
      if (Date.now() > end) throw new Error('no checkpoint in the report after 60 s');
      await new Promise((res) => setTimeout(res, 200));
    }
    const tampered: Array<[string, (x: any) => void]> = [
      ['result', (x) => { x.result.records += 1; }],
      ['ok', (x) => { x.result.ok = !x.result.ok; }],
      ['range', (x) => { x.ranges[x.ranges.length - 1].lastSeq += 1; }],
      ['time', (x) => { x.finishedAt = new Date(Date.parse(x.finishedAt) + 1000).toISOString(); }],
      ['instance', (x) => { x.instance = 'VN-FAKE'; }],
      ['dropped checkpoint', (x) => { x.checkpoints = []; }],
    ];
    for (const [name, change] of tampered) {
      const x = structuredClone(r);
      change(x);
      const res = await p.cli(['audit', 'verify-report', write(`tampered-${name}.json`, x)], { allowFail: true });
      expect(res.code, name).not.toBe(0);
      expect(res.stderr, name).toContain('its signature does not match its content');
    }
    // Re-signed with another key: the fingerprint no longer names the key inside.
    const x = structuredClone(r);
    x.publicKey = crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    const swapped = await p.cli(['audit', 'verify-report', write('swapped.json', x)], { allowFail: true });
    expect(swapped.code).not.toBe(0);
    expect(swapped.stderr).toContain('is not the key of node');
  });

  it('signs a broken log\'s report too: it verifies, says where the log breaks, and exits non-zero', async () => {
    const first = await p.store.db.selectFrom('admin_audit').select('seq').orderBy('seq').limit(1).executeTakeFirstOrThrow();
    await p.store.db.updateTable('admin_audit').set({ target: 'GOV/000.00.00.H99' }).where('seq', '=', first.seq).execute();
    const r = await report();
    expect(r.result).toMatchObject({ ok: false, firstBad: { chain: 'admin', seq: Number(first.seq) } });
    const res = await p.cli(['audit', 'verify-report', write('broken.json', r)], { allowFail: true });
    expect(res.code).not.toBe(0);
    expect(res.stdout).toMatch(/^OK: signed by node /);
    expect(res.stdout).toContain('the log was NOT intact');
  });
});
