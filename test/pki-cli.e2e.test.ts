// The platform PKI as an operator drives it with the real `vamco` CLI (issue 8, item 5): the CA
// made once with its key 0600 in the data dir (never in the database), `ca export`, a CSR
// signed so the system's key never leaves it, a key made for operators who prefer that, and
// certificates listed, registered and revoked by id.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { runCli } from './helpers/platform.js';
import { tempDir } from '../src/store/testing.js';

interface Run { code: number; stdout: string; stderr: string }
const SUB = 'GOV/000.00.00.H60/motcua';

describe('vamco ca / vamco cert', () => {
  let dir = '';
  const run = (args: string[]): Promise<Run> => runCli(args, { VAMCO_DATA_DIR: dir, VAMCO_LOG_LEVEL: 'warn' });
  const ok = async (args: string[]) => {
    const r = await run(args);
    expect(r.code, `vamco ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };

  beforeAll(async () => {
    dir = tempDir();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the CA once; its key is 0600 in the data dir and nowhere in the database; export prints its certificate', async () => {
    const first = await ok(['ca', 'init']);
    expect(first.stdout).toMatch(/^created\t.*Vamco platform CA DEV.*\tSHA-256 [0-9a-f]{64}\n/);
    const again = await ok(['ca', 'init']);
    expect(again.stdout).toMatch(/^exists\t/);
    expect(again.stdout.split('\t')[2]).toBe(first.stdout.split('\t')[2]);
    const keyFile = path.join(dir, 'pki', 'ca.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const keyBody = fs.readFileSync(keyFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const db = fs.readdirSync(dir).filter((f) => /\.db/.test(f)).map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1')).join('');
    expect(db.length).toBeGreaterThan(0);
    expect(db).not.toContain(keyBody.slice(8, 48));
    const exported = await ok(['ca', 'export']);
    expect(exported.stdout).toBe(fs.readFileSync(path.join(dir, 'pki', 'ca.crt'), 'utf8'));
    expect(new crypto.X509Certificate(exported.stdout).ca).toBe(true);
  });

  it('signs an information system\'s CSR and registers the certificate; --out makes key and certificate; list and revoke by id', async () => {
    await ok(['member', 'add', 'GOV', '000.00.00.H60', '--name', 'Văn phòng UBND tỉnh']);
    await ok(['subsystem', 'add', SUB]);
    const caPem = (await ok(['ca', 'export'])).stdout;
    // The information system's side: its own key, its own CSR.
    const keys = await crypto.webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=motcua', keys: keys as never, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
    const csrFile = path.join(dir, 'is.csr');
    fs.writeFileSync(csrFile, csr.toString('pem'));
    const issued = await ok(['cert', 'issue', SUB, '--csr', csrFile, '--days', '30', '--label', 'motcua']);
    const cert = new crypto.X509Certificate(issued.stdout);
    expect(cert.verify(new crypto.X509Certificate(caPem).publicKey)).toBe(true);
    expect(cert.subject).toContain(`CN=DEV/${SUB}`);
    expect(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(crypto.KeyObject.from(keys.publicKey).export({ type: 'spki', format: 'der' }))).toBe(true);
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThan(31 * 86_400_000);
    expect(issued.stderr).toMatch(/registered as certificate \d+ of GOV\/000\.00\.00\.H60\/motcua/);

    const outDir = path.join(dir, 'motcua-tls');
    const made = await ok(['cert', 'issue', SUB, '--out', outDir]);
    expect(made.stdout).toMatch(/^\d+\tGOV\/000\.00\.00\.H60\/motcua\t[0-9a-f]{64}\t/);
    expect(fs.statSync(path.join(outDir, 'client.key')).mode & 0o777).toBe(0o600);
    const pair = crypto.createPrivateKey(fs.readFileSync(path.join(outDir, 'client.key')));
    const madeCert = new crypto.X509Certificate(fs.readFileSync(path.join(outDir, 'client.crt')));
    expect(madeCert.checkPrivateKey(pair)).toBe(true);
    expect(fs.readFileSync(path.join(outDir, 'ca.crt'), 'utf8')).toBe(caPem);
    // The same directory twice would overwrite a key in use: refused before issuing.
    expect((await run(['cert', 'issue', SUB, '--out', outDir])).code).not.toBe(0);
    // Registering the same certificate again is a conflict, with the stable code.
    const dup = await run(['cert', 'add', SUB, '--file', path.join(outDir, 'client.crt')]);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/ALREADY_EXISTS|already exists/);
    expect((await run(['cert', 'issue', SUB])).stderr).toMatch(/--csr FILE .* or --out DIR/);

    const list = (await ok(['cert', 'list', '--subsystem', SUB])).stdout.trim().split('\n');
    expect(list).toHaveLength(2);
    const id = list[0].split('\t')[0];
    expect(list[0]).toMatch(/\tactive\tmotcua$/);
    expect((await ok(['cert', 'revoke', id])).stdout).toMatch(new RegExp(`^${id}\trevoked `));
    expect((await ok(['cert', 'list'])).stdout.split('\n')[0]).toMatch(/\trevoked \d{4}-/);
    expect((await run(['cert', 'revoke', 'abc'])).stderr).toMatch(/not a certificate id/);
  });
});
