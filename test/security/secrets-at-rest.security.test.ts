// Issue 12, findings 2, 3 and 6 (secrets at rest), replayed against a running platform: the
// attacks of a local user who can read (or copy) the database, and of a careless operator.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestPlatform, runCli, type TestPlatform } from '../helpers/platform.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';
import { startVamco } from '../helpers/vamco-process.js';
import { tempDir } from '../../src/store/testing.js';
import { importAgencies, importProcedures } from '../../src/publicadmin/index.js';
import { parseKeyFile } from '../../src/secrets/index.js';
import { base32Bytes, forgedTokenStatuses, realToken, userWithTotp } from './attacks.js';

const P = 'GOV/000.00.00.S01/provider';
const C = 'GOV/000.00.00.S02/consumer';
const SVC = `${P}/records`;
const PW = 'Mật khẩu an toàn 12';

const vamco = (args: string[], env: Record<string, string>) => runCli(args, { VAMCO_LOG_LEVEL: 'warn', VAMCO_PUBLICADMIN: '0', ...env });

/** Every file of the data dir (recursively), with its mode. */
function modes(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [['.', (fs.statSync(dir).mode & 0o777).toString(8)]];
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    // A file the running platform removes between the listing and here (its log health probe) is gone, not open.
    let st: fs.Stats;
    try { st = fs.statSync(path.join(dir, name)); } catch (e) { if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; throw e; }
    // Directories under the data dir are 0700 like the dir itself: reported as the dir is.
    out.push([st.isDirectory() ? `${name}/` : name, (st.mode & 0o777).toString(8)]);
  }
  return out;
}

describe('secrets at rest on a running platform (SQLite)', () => {
  let p: TestPlatform;
  let backend: TestBackend;
  let key = '';
  let totpSecret = '';
  const backendSecret = 'be-' + crypto.randomBytes(12).toString('hex');
  const applicantName = 'Nguyễn Văn ' + crypto.randomBytes(6).toString('hex');
  const copyDir = tempDir();
  const copy = path.join(copyDir, 'vamco.db');

  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform({ demo: true, env: { VAMCO_PUBLICADMIN: '1' } });
    const ok = async (method: string, url: string, body?: unknown) => {
      const r = await p.admin(method, url, body);
      if (r.status >= 400) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await ok('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.S01', name: 'Provider' });
    await ok('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '000.00.00.S02', name: 'Consumer' });
    await ok('POST', '/api/v1/subsystems', { id: P });
    await ok('POST', '/api/v1/subsystems', { id: C });
    await ok('POST', '/api/v1/services', { id: SVC, url: backend.url, backendAuth: { header: 'X-Backend-Key', value: backendSecret } });
    await ok('POST', '/api/v1/access-rights', { service: SVC, client: C });
    key = (await ok('POST', '/api/v1/keys', { subsystem: C })).key;
    // A user with two-step verification on.
    totpSecret = await userWithTotp(p.adminUrl, p.adminToken, 'secure-admin', PW);
    // A dossier with an applicant's personal data, received through the gateway.
    const agencies = path.join(copyDir, 'agencies.json');
    fs.writeFileSync(agencies, JSON.stringify([{ code: '000.00.00.S98', name: 'Sở thử' }]));
    await importAgencies(p.store, agencies);
    const procs = path.join(copyDir, 'procedures.json');
    fs.writeFileSync(procs, JSON.stringify([{ MATTHC: '1.999001', TENTTHC: 'Thủ tục thử', CACHTHUCTHUCHIEN: [{ KENH: 1, THOIGIAN: [{ THOIGIANGIAIQUYET: 3, DONVITINH: 'Ngày làm việc' }] }] }]));
    await importProcedures(p.store, procs);
    const dossiers = (await ok('GET', '/api/v1/services')).items.find((s: any) => s.id.endsWith('/publicadmin/dossiers')).id;
    await ok('POST', '/api/v1/access-rights', { service: dossiers, client: C });
    await p.snapshots.poll();
    const d = await request(`${p.gatewayUrl}/r1/${p.instance}/${dossiers}/dossiers`, {
      method: 'POST', headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ procedureCode: '1.999001', agencyCode: '000.00.00.S98', applicant: { name: applicantName, idNumber: '079203000001' } }),
    });
    expect(d.statusCode).toBe(201);
    await d.body.dump();
    // Exchanges, so that the log and its WAL hold something too.
    for (let i = 0; i < 3; i++) {
      const r = await request(`${p.gatewayUrl}/r1/${p.instance}/${SVC}/x`, { headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': key } });
      expect(r.statusCode).toBe(200);
      await r.body.dump();
    }
    // What another local user copies: the database file (a consistent copy of it).
    const live = new Database(path.join(p.dataDir, 'vamco.db'), { readonly: true });
    live.exec(`vacuum into '${copy}'`);
    live.close();
  }, 180_000);
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
  });

  it('keeps the data dir 0700 and every file in it 0600', () => {
    const m = modes(p.dataDir);
    expect(m.map(([f]) => f)).toEqual(expect.arrayContaining(['.', 'vamco.db', 'vamco.db-wal', 'vamco.db-shm', 'node-key.pem', 'admin-token', 'secret.key', 'demo-key']));
    expect(m.filter(([f, mode]) => mode !== (f === '.' || f.endsWith('/') ? '700' : '600'))).toEqual([]);
  });

  it('a copy of the database cannot mint a token the gateway accepts', async () => {
    const path_ = `/r1/${p.instance}/${SVC}/x`;
    const forged = await forgedTokenStatuses(copy, { gatewayUrl: p.gatewayUrl, instance: p.instance, client: C, path: path_ });
    expect(forged.tried).toBeGreaterThan(0);
    expect(forged.statuses).toEqual([400]); // Client.InvalidCredentials
    // The same request with a token from POST /token works: the minted ones failed for their key alone.
    const ok = await request(p.gatewayUrl + path_, { headers: { 'x-road-client': `${p.instance}/${C}`, authorization: `Bearer ${await realToken(p.gatewayUrl, p.instance, C, key)}` } });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
  });

  it('a copy of the database reads no TOTP secret, backend credential or applicant', () => {
    const db = new Database(copy, { readonly: true });
    const u = db.prepare('select totp_secret from users where username = ?').get('secure-admin') as { totp_secret: string };
    db.close();
    expect(u.totp_secret).toMatch(/^vs1\./);
    const raw = fs.readFileSync(copy);
    const needles = {
      totpBase32: totpSecret,
      totpHex: base32Bytes(totpSecret).toString('hex'),
      backendSecret,
      applicant: applicantName,
      applicantId: '079203000001',
    };
    const found = Object.entries(needles).filter(([, n]) => raw.includes(Buffer.from(n, 'utf8')));
    expect(found).toEqual([]);
    // Nor do the live files the copy came from (the WAL included).
    for (const f of ['vamco.db', 'vamco.db-wal']) {
      const bytes = fs.readFileSync(path.join(p.dataDir, f));
      expect(Object.entries(needles).filter(([, n]) => bytes.includes(Buffer.from(n, 'utf8'))).map(([k]) => `${f}: ${k}`)).toEqual([]);
    }
  });

  it('finding 2: the copy holds nothing that signs or opens: no key file, admin token, node or CA key, derived signing key or publicadmin secret', async () => {
    const file = (name: string) => fs.readFileSync(path.join(p.dataDir, name), 'utf8');
    const ring = await p.store.keyring();
    const needles: Record<string, Buffer> = {
      adminToken: Buffer.from(p.adminToken),
      tokenSigningKey: ring.derive('vamco/oauth2-token-hs256'),
      publicadminBackendSecret: Buffer.from(ring.derive('vamco/publicadmin-backend').toString('base64url')),
    };
    for (const k of parseKeyFile(file('secret.key'), 'secret.key')) {
      needles[`secretKey ${k.kid}`] = k.key;
      needles[`secretKey ${k.kid} text`] = Buffer.from(k.key.toString('base64url'));
    }
    // The signing keys that live in files: as PEM text, DER and the bare private number.
    for (const name of ['node-key.pem', path.join('pki', 'ca.key')]) {
      const pem = file(name);
      const key = crypto.createPrivateKey(pem);
      needles[`${name} pem`] = Buffer.from(pem.split('\n').filter((l) => l && !l.startsWith('-----')).join(''));
      needles[`${name} der`] = key.export({ format: 'der', type: 'pkcs8' });
      needles[`${name} private`] = Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url');
    }
    const raw = fs.readFileSync(copy);
    expect(Object.entries(needles).filter(([, n]) => raw.includes(n) || raw.includes(Buffer.from(n.toString('hex'))) || raw.includes(Buffer.from(n.toString('base64')))).map(([k]) => k)).toEqual([]);
  });

  it('rotates the key while the platform runs: calls and earlier tokens keep working, every value is re-sealed', async () => {
    const before = await realToken(p.gatewayUrl, p.instance, C, key);
    const old = /k[0-9a-f]{12}/.exec((await p.cli(['secrets', 'status'])).stdout)![0];
    const rotated = await p.cli(['secrets', 'rotate']);
    const fresh = /new current key (k[0-9a-f]{12}); (\d+) rows re-sealed/.exec(rotated.stdout)!;
    expect(Number(fresh[2])).toBeGreaterThanOrEqual(3); // the service, the TOTP user, the dossier
    expect((await p.cli(['secrets', 'status'])).stdout).toMatch(new RegExp(`${fresh[1]}\tcurrent\t\\d+ sealed values\n${old}\told\t0 sealed values`));
    // The running gateway reloads its registry: the backend still gets its credential, and a
    // token signed before the rotation is still accepted.
    await p.admin('PATCH', `/api/v1/services/${encodeURIComponent(SVC)}`, { timeout: '29s' });
    await p.snapshots.poll();
    const seen = backend.seen.length;
    const r = await request(`${p.gatewayUrl}/r1/${p.instance}/${SVC}/after-rotation`, { headers: { 'x-road-client': `${p.instance}/${C}`, authorization: `Bearer ${before}` } });
    expect(r.statusCode).toBe(200);
    await r.body.dump();
    expect(backend.seen.slice(seen).map((x) => x.headers['x-backend-key'])).toEqual([backendSecret]);
    expect((await p.cli(['secrets', 'retire'])).stdout.trim()).toBe(`retired ${old}`);
    // The second factor opens with the new key: a login still asks for and accepts the code.
    const db = new Database(path.join(p.dataDir, 'vamco.db'), { readonly: true });
    const sealed = (db.prepare('select totp_secret from users where username = ?').get('secure-admin') as { totp_secret: string }).totp_secret;
    db.close();
    expect(sealed.startsWith(`vs1.${fresh[1]}.`)).toBe(true);
  });

  it('a platform started on the copied database without the key file stops and says why', async () => {
    const dir = tempDir();
    fs.copyFileSync(copy, path.join(dir, 'vamco.db'));
    const r = await vamco(['start', '--no-demo'], { VAMCO_DATA_DIR: dir, VAMCO_GATEWAY_PORT: '0', VAMCO_ADMIN_PORT: '0' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sealed values use key k[0-9a-f]{12}, but there is no key file at .*secret\.key.*copy it from a node that has it/);
    expect(fs.existsSync(path.join(dir, 'secret.key'))).toBe(false);
  });
});

describe('the data dir at start', () => {
  it('is restricted to the owner when its modes are too open, and the start says so', async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o755);
    const leftover = path.join(dir, 'export.jsonl');
    fs.writeFileSync(leftover, '{}\n');
    fs.chmodSync(leftover, 0o644);
    const v = await startVamco(dir, { VAMCO_PUBLICADMIN: '0' });
    try {
      expect(v.output()).toMatch(/mode was too open/);
      expect(modes(dir).filter(([f, m]) => m !== (f === '.' || f.endsWith('/') ? '700' : '600'))).toEqual([]);
    } finally {
      v.child.kill('SIGTERM');
      await v.exited;
    }
  });

  it('refuses to start when it holds another user\'s file or a symbolic link', async () => {
    const dir = tempDir();
    fs.symlinkSync('/etc/hostname', path.join(dir, 'admin-token'));
    let r = await vamco(['migrate'], { VAMCO_DATA_DIR: dir });
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/admin-token is a symbolic link: the data directory must hold its files itself \(CONFIG_ERROR\)/)]);
    fs.rmSync(path.join(dir, 'admin-token'));
    fs.writeFileSync(path.join(dir, 'vamco.db'), '');
    fs.chownSync(path.join(dir, 'vamco.db'), 4242, 4242);
    r = await vamco(['migrate'], { VAMCO_DATA_DIR: dir });
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/vamco\.db belongs to user id 4242, but Vamco runs as user id \d+/)]);
  });
});

describe('the admin token file', () => {
  it('an empty or blank admin-token file stops the start instead of matching a blank bearer token', async () => {
    for (const content of ['', '\n', '\u00a0\n', 'short\n']) {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'admin-token'), content, { mode: 0o600 });
      const r = await vamco(['start', '--no-demo'], { VAMCO_DATA_DIR: dir, VAMCO_GATEWAY_PORT: '0', VAMCO_ADMIN_PORT: '0' });
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/admin-token holds no usable admin token .*delete the file and start again/)]);
    }
  });

  it('a blank bearer token (no-break space) is not the admin token', async () => {
    const p = await startTestPlatform();
    try {
      for (const h of ['Bearer \u00a0', 'Bearer ', `Bearer \u00a0${p.adminToken}`, `Bearer ${p.adminToken}\u00a0`]) {
        const r = await request(p.adminUrl + '/api/v1/members', { headers: { authorization: h } });
        expect([h, r.statusCode]).toEqual([h, 401]);
        await r.body.dump();
      }
      const ok = await request(p.adminUrl + '/api/v1/members', { headers: { authorization: `Bearer ${p.adminToken}` } });
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();
      expect(fs.statSync(path.join(p.dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    } finally {
      await p.stop();
    }
  });
});
