// Test certificates, made with the openssl CLI (test code only): a private CA, and server and
// client certificates it signs. EC P-256 keys, so a whole set takes a fraction of a second.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Pem { cert: string; key: string }
export interface TestCa extends Pem { name: string; issue(cn: string, o?: { dns?: string[]; ip?: string[]; client?: boolean; days?: number }): Pem }

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA with its own key; `issue` signs a server (SAN dns/ip) or client certificate. */
export function makeCa(name: string): TestCa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-ca-'));
  try {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
      '-days', '30', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    const ca = { cert: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'ca.key'), 'utf8') };
    let n = 0;
    return {
      name, ...ca,
      issue(cn, o = {}) {
        const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-leaf-'));
        try {
          fs.writeFileSync(path.join(d, 'ca.pem'), ca.cert);
          fs.writeFileSync(path.join(d, 'ca.key'), ca.key);
          const san = [...(o.dns ?? []).map((x) => `DNS:${x}`), ...(o.ip ?? []).map((x) => `IP:${x}`)];
          fs.writeFileSync(path.join(d, 'ext.cnf'), [
            'basicConstraints=CA:FALSE',
            `extendedKeyUsage=${o.client ? 'clientAuth' : 'serverAuth'}`,
            ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
          ].join('\n'));
          openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${cn}`], d);
          openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(Date.now() * 100 + n++),
            '-days', String(o.days ?? 30), '-extfile', 'ext.cnf', '-out', 'leaf.pem'], d);
          return { cert: fs.readFileSync(path.join(d, 'leaf.pem'), 'utf8'), key: fs.readFileSync(path.join(d, 'leaf.key'), 'utf8') };
        } finally {
          fs.rmSync(d, { recursive: true, force: true });
        }
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a real TLS client (curl, openssl s_client) with `input` on stdin; its exit code and output (stdout and stderr). */
export function run(cmd: string, args: string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { out += c; });
    const t = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('close', (code) => { clearTimeout(t); resolve({ code: code ?? -1, out }); });
    p.stdin.end(input);
  });
}
