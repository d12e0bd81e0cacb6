// Issue 12 replayed on what a real platform leaves on disk: findings 2 (a copied database) and 4
// (checkpoints deleted, exports cut short), and the two `audit` items of finding 5, on a data dir
// a real `vamco start` process filled with traffic and then stopped, judged by the real `vamco`
// CLI; and finding 6's DNS rebinding against a running gateway. The other findings are replayed
// against running platforms by the other suites here; docs/security.md lists every finding with
// the test that replays it.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { runCli, startTestPlatform } from '../helpers/platform.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';
import { until } from '../helpers/wait.js';
import { startVamco, register, load, SERVICE, CLIENT } from '../helpers/vamco-process.js';
import { tempDir } from '../../src/store/testing.js';
import { loadConfig } from '../../src/config/index.js';
import * as reg from '../../src/registry/index.js';
import { hashMessage } from '../../src/audit/chain.js';
import { base32Bytes, forgedTokenStatuses, realToken, userWithTotp } from './attacks.js';

const INSTANCE = 'DEV';
const PW = 'Mật khẩu phát lại 31';
const EXCHANGES = 250;

/** Runs a vamco child process on `dir` until `fn` is done, then stops it (SIGTERM: final checkpoint, clean close). */
async function whileRunning<T>(dir: string, fn: (v: { gatewayUrl: string; adminUrl: string; adminToken: string }) => Promise<T>): Promise<T> {
  const v = await startVamco(dir, { VAMCO_PUBLICADMIN: '0', VAMCO_CHECKPOINT_INTERVAL: '1s' });
  try {
    const adminUrl = /Console\/admin API\s+(http:\/\/\S+?)\/?\s/.exec(v.output())![1];
    return await fn({ gatewayUrl: v.gatewayUrl, adminUrl, adminToken: fs.readFileSync(path.join(dir, 'admin-token'), 'utf8').trim() });
  } finally {
    v.child.kill('SIGTERM');
    await v.exited;
  }
}

describe('issue 12 replayed on a data dir a real platform wrote', () => {
  let backend: TestBackend;
  /** The data dir after traffic and a clean stop: each test tampers with its own copy. */
  let template = '';
  let anchorFile = '';
  let key = '';
  let totpSecret = '';
  /** Records in the template's log: a request and an outcome record per answered exchange. */
  let records = 0;
  const copyOfTemplate = () => {
    const d = tempDir();
    fs.cpSync(template, d, { recursive: true });
    return d;
  };
  const vamco = (dir: string, args: string[]) => runCli(args, { VAMCO_DATA_DIR: dir, VAMCO_LOG_LEVEL: 'warn', VAMCO_PUBLICADMIN: '0' });
  const db = (dir: string) => new Database(path.join(dir, 'vamco.db'));
  const lastSeq = (dir: string) => {
    const d = db(dir);
    try { return Number((d.prepare('select max(seq) as n from message_log').get() as { n: number }).n); } finally { d.close(); }
  };

  const nodeOf = (text: string) => /node-[0-9a-f]+/.exec(text)?.[0];
  const messageCheckpoints = (dir: string) => {
    const d = new Database(path.join(dir, 'vamco.db'), { readonly: true });
    try { return Number((d.prepare("select count(*) as n from log_checkpoints where chain = 'message'").get() as { n: number }).n); } finally { d.close(); }
  };

  beforeAll(async () => {
    backend = await startBackend();
    template = tempDir();
    key = await register(template, backend.url);
    await whileRunning(template, async (v) => {
      totpSecret = await userWithTotp(v.adminUrl, v.adminToken, 'second-factor', PW);
      // Two rounds of traffic with a signed checkpoint between them, and the one signed at the
      // stop after them: the message chain has checkpoints that a later one names.
      const first = await load(v.gatewayUrl, key, { connections: 4, prefix: 'replay-a', stop: (n) => n >= EXCHANGES / 2 });
      await until('a signed message checkpoint', async () => (messageCheckpoints(template) >= 1 ? true : undefined));
      const second = await load(v.gatewayUrl, key, { connections: 4, prefix: 'replay-b', stop: (n) => n >= EXCHANGES / 2 });
      for (const r of [first, second]) {
        expect(r.errors).toEqual([]);
        expect(new Set(r.answered.map((a) => a.status))).toEqual(new Set([200]));
      }
      records = 2 * (first.answered.length + second.answered.length);
    });
    expect(messageCheckpoints(template)).toBeGreaterThanOrEqual(2);
    // The operator keeps the signed head outside the platform, as docs/operator-guide.md says.
    const anchor = await vamco(template, ['audit', 'anchor']);
    expect(anchor.code).toBe(0);
    anchorFile = path.join(tempDir(), 'anchor.json');
    fs.writeFileSync(anchorFile, anchor.stdout);
    // The untouched log verifies, against the anchor too: every failure below is the tampering's.
    const ok = await vamco(copyOfTemplate(), ['audit', 'verify', '--anchor', anchorFile]);
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^OK: ${records} records verified .*; the log extends all 2 anchored checkpoints`))]);
  });
  afterAll(async () => { await backend?.close(); });

  // Finding 4: "deleting records together with their checkpoints … verify as OK".
  it('finding 4: the newest records deleted together with their checkpoints fail against the anchor', async () => {
    const dir = copyOfTemplate();
    const last = lastSeq(dir);
    const cut = last - 20;
    const d = db(dir);
    d.prepare('delete from log_checkpoints where chain = ? and seq > ?').run('message', cut);
    d.prepare('delete from message_log where seq > ?').run(cut);
    d.close();
    // Nothing left in the database contradicts the shorter log: only the anchor can tell.
    expect((await vamco(dir, ['audit', 'verify'])).stdout).toMatch(new RegExp(`^OK: ${cut} records verified`));
    const v = await vamco(dir, ['audit', 'verify', '--anchor', anchorFile]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(new RegExp(`^FAILED: message-log record node-[0-9a-f]+#${cut + 1}: The log no longer extends the anchor: .* ends at record ${cut}, .*covers records up to ${last}: records ${cut + 1} to ${last} were deleted\\.`));
  });

  // Finding 4 / "checkpoints chained to each other": a checkpoint deleted while a later one of
  // the same signer remains is named without any anchor.
  it('finding 4: a checkpoint deleted from the chain of checkpoints is named by audit verify, no anchor needed', async () => {
    const dir = copyOfTemplate();
    const d = db(dir);
    const cps = d.prepare("select seq from log_checkpoints where chain = 'message' order by seq").all() as Array<{ seq: number }>;
    expect(cps.length).toBeGreaterThanOrEqual(2);
    const gone = Number(cps[cps.length - 2].seq);
    d.prepare("delete from log_checkpoints where chain = 'message' and seq = ?").run(gone);
    d.close();
    const v = await vamco(dir, ['audit', 'verify']);
    expect(v.code).toBe(1);
    // The checkpoint after it names it: verify says which one no longer follows its predecessor.
    const next = Number(cps[cps.length - 1].seq);
    const why = cps.length > 2
      ? `does not follow its checkpoint at record ${Number(cps[cps.length - 3].seq)}: a checkpoint between them was removed or replaced`
      : 'names a previous checkpoint that is not in the log: a checkpoint before it was removed';
    expect(v.stderr).toBe(`FAILED: message-log record ${nodeOf(v.stderr)}#${next}: The message chain's checkpoint at record ${next} signed by ${nodeOf(v.stderr)} ${why}.\n`);
  });

  // Finding 4: "… truncating … verify as OK".
  it('finding 4: a truncated log (every record and checkpoint gone) fails against the anchor', async () => {
    const dir = copyOfTemplate();
    const last = lastSeq(dir);
    const d = db(dir);
    d.exec("delete from log_checkpoints where chain = 'message'; delete from message_log;");
    d.close();
    expect((await vamco(dir, ['audit', 'verify'])).stdout).toMatch(/^OK: 0 records verified/);
    const v = await vamco(dir, ['audit', 'verify', '--anchor', anchorFile]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(new RegExp(`^FAILED: message-log record node-[0-9a-f]+#1: The log no longer extends the anchor: .* has no records, .*records 1 to ${last} were deleted\\.`));
  });

  // Finding 4: "… or deleting all checkpoints and re-hashing the chain all verify as OK".
  it('finding 4: a record changed, the chain re-hashed after it and every checkpoint deleted fails against the anchor', async () => {
    const dir = copyOfTemplate();
    const last = lastSeq(dir);
    const from = last - 30;
    const d = db(dir);
    d.exec('delete from log_checkpoints');
    const rows = d.prepare('select * from message_log where seq >= ? order by seq').all(from) as Array<Record<string, any>>;
    let prev = (d.prepare('select hash from message_log where seq = ?').get(from - 1) as { hash: string }).hash;
    const update = d.prepare('update message_log set path = ?, prev_hash = ?, hash = ? where seq = ?');
    for (const r of rows) {
      // The forger's change: the record says another path was called.
      const row: Record<string, any> = { ...r, prev_hash: prev, path: r.seq === from ? '/forged' : r.path };
      row.hash = hashMessage(row as never);
      prev = row.hash;
      update.run(row.path, row.prev_hash, row.hash, row.seq);
    }
    d.close();
    expect((await vamco(dir, ['audit', 'verify'])).stdout).toMatch(new RegExp(`^OK: ${last} records verified \\(0 checkpoints`));
    const v = await vamco(dir, ['audit', 'verify', '--anchor', anchorFile]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(new RegExp(`^FAILED: message-log record node-[0-9a-f]+#${last} \\(message replay-b-\\d+\\): Record ${last} does not match the anchor's checkpoint .*: the chain was rewritten after the anchor was taken\\.`));
  });

  // Finding 4: "an export truncated with its end counts fixed verifies too (its end line is unsigned)".
  it('finding 4: an export cut short with its end line\'s counts fixed fails offline', async () => {
    const dir = copyOfTemplate();
    const file = path.join(dir, 'export.jsonl');
    const exported = await vamco(dir, ['audit', 'export', '--out', file]);
    expect(exported.stdout).toMatch(new RegExp(`^exported ${records} records`));
    expect((await vamco(dir, ['audit', 'verify', '--file', file])).code).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    // The newest ten records gone with the message checkpoints that cover them, and the end
    // line's counts fixed to match, as the finding's forger did.
    const last = lastSeq(dir);
    const dropped = (o: Record<string, any>) => (o.type === 'record' && o.seq > last - 10) || (o.type === 'checkpoint' && o.chain === 'message' && o.seq > last - 10);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, any>);
    const gone = { records: parsed.filter((o) => dropped(o) && o.type === 'record').length, checkpoints: parsed.filter((o) => dropped(o) && o.type === 'checkpoint').length };
    expect(gone.records).toBe(10);
    const kept = parsed.filter((o) => !dropped(o)).map((o, i, all) => (o.type === 'end'
      ? JSON.stringify({ ...o, records: o.records - gone.records, checkpoints: o.checkpoints - gone.checkpoints })
      : lines[parsed.indexOf(all[i])]));
    fs.writeFileSync(file, kept.join('\n') + '\n');
    const v = await vamco(dir, ['audit', 'verify', '--file', file]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(new RegExp(`^FAILED: .* at line ${kept.length}: The end line's signature by node-[0-9a-f]+ is not valid: the end line was altered\\.`));
  });

  // Finding 2: "Another local user copied the file, minted a token for a client without its key,
  // and the gateway answered 200"; "TOTP secrets in clear".
  it('finding 2: the database file copied alone mints no token the gateway accepts and holds no readable TOTP secret', async () => {
    const dir = copyOfTemplate();
    const stolen = path.join(tempDir(), 'vamco.db');
    fs.copyFileSync(path.join(dir, 'vamco.db'), stolen);
    const opened = new Database(stolen, { readonly: true });
    const sealed = (opened.prepare('select totp_secret from users where username = ?').get('second-factor') as { totp_secret: string }).totp_secret;
    opened.close();
    expect(sealed).toMatch(/^vs1\.k[0-9a-f]+\./);
    const bytes = fs.readFileSync(stolen);
    for (const needle of [Buffer.from(totpSecret), base32Bytes(totpSecret), Buffer.from(base32Bytes(totpSecret).toString('hex'))]) expect(bytes.includes(needle)).toBe(false);
    // On the copy alone the CLI cannot open what is sealed: no key file beside it.
    const alone = await vamco(path.dirname(stolen), ['secrets', 'status']);
    expect([alone.code, alone.stderr]).toEqual([2, expect.stringMatching(/no key file at .*secret\.key/)]);
    await whileRunning(dir, async (v) => {
      const call = `/r1/${INSTANCE}/${SERVICE}/item/1`;
      const forged = await forgedTokenStatuses(stolen, { gatewayUrl: v.gatewayUrl, instance: INSTANCE, client: CLIENT, path: call });
      expect(forged.tried).toBeGreaterThan(0);
      expect(forged.statuses).toEqual([400]); // Client.InvalidCredentials
      const ok = await request(v.gatewayUrl + call, { headers: { 'x-road-client': `${INSTANCE}/${CLIENT}`, authorization: `Bearer ${await realToken(v.gatewayUrl, INSTANCE, CLIENT, key)}` } });
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();
    });
  });

  // Finding 5: "`audit verify --file` on a file that is not an export says "record undefined#0"".
  it('finding 5: audit verify --file on a file that is not an export says so', async () => {
    const dir = copyOfTemplate();
    const other = path.join(dir, 'notes.txt');
    for (const text of ['hello\n', '{"type":"record","seq":1}\n']) {
      fs.writeFileSync(other, text);
      const v = await vamco(dir, ['audit', 'verify', '--file', other]);
      expect([v.code, v.stderr]).toEqual([1, `FAILED: ${other} at line 1: The file is not a Vamco audit export: its first line is not a vamco-audit-export header.\n`]);
    }
  });

  // Finding 5: "`audit export` leaks listeners (`MaxListenersExceededWarning`)".
  it('finding 5: audit export of a log that fills the stream\'s buffer many times leaves no listener warning', async () => {
    const dir = copyOfTemplate();
    const file = path.join(dir, 'export.jsonl');
    const r = await vamco(dir, ['audit', 'export', '--out', file]);
    expect(r.code).toBe(0);
    // Many times the write stream's 16 KB buffer: the export waited for it to drain again and again.
    expect(fs.statSync(file).size).toBeGreaterThan(20 * 16 * 1024);
    expect(r.stderr).not.toMatch(/MaxListenersExceeded|Warning/);
  });
});

// Finding 6: "backend host names checked at registration, not at connect (DNS rebinding)".
// A name that passed registration where its address was allowed (the registering side allowed
// loopback) and resolves to loopback when the gateway connects, which does not allow it.
describe('issue 12 finding 6 (DNS rebinding) on a running platform', () => {
  it('finding 6: a backend name that now resolves to loopback is refused at connect time, before any byte is sent', async () => {
    const backend = await startBackend();
    const p = await startTestPlatform({ env: { VAMCO_BACKEND_ALLOW: '' } });
    try {
      const ctx = { store: p.store, config: loadConfig({ ...p.env, VAMCO_BACKEND_ALLOW: 'localhost,127.0.0.1,::1' }) };
      const who = { actor: 'test' };
      await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.R01', name: 'Provider' }, who);
      await reg.addSubsystem(ctx, { id: 'GOV/000.00.00.R01/provider' }, who);
      const svc = 'GOV/000.00.00.R01/provider/rebound';
      await reg.addService(ctx, { id: svc, url: `http://localhost:${backend.port}/` }, who);
      await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.R02', name: 'Consumer' }, who);
      await reg.addSubsystem(ctx, { id: 'GOV/000.00.00.R02/consumer' }, who);
      await reg.grantAccess(ctx, { service: svc, client: 'GOV/000.00.00.R02/consumer' }, who);
      const k = (await reg.createKey(ctx, { subsystem: 'GOV/000.00.00.R02/consumer' }, who)).key;
      await p.snapshots.poll();
      const r = await request(`${p.gatewayUrl}/r1/${p.instance}/${svc}/x`, { headers: { 'x-road-client': `${p.instance}/GOV/000.00.00.R02/consumer`, 'x-api-key': k } });
      const body = await r.body.json() as { type: string; code: string };
      expect([r.statusCode, r.headers['x-road-error'], body.code]).toEqual([500, 'Server.ServerProxy.NetworkError', 'UPSTREAM_UNREACHABLE']);
      expect(backend.seen).toEqual([]);
    } finally {
      await p.stop();
      await backend.close();
    }
  });
});
