// `vamco start` as a new user runs it: a real process on an empty data dir, its banner, the
// banner's curl, a clean stop, and a second start on the same data.
import { describe, it, expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CLI } from './helpers/platform.js';
import { tempDir } from '../src/store/testing.js';

function start(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ proc: ChildProcess; banner: string }> {
  const proc = spawn(process.execPath, [CLI, 'start', ...args], {
    env: {
      ...process.env, VAMCO_DATA_DIR: dataDir, VAMCO_GATEWAY_PORT: '0', VAMCO_ADMIN_PORT: '0', VAMCO_DEMO_BACKEND_PORT: '0',
      VAMCO_PUBLICADMIN_PORT: '0', VAMCO_LOG_LEVEL: 'warn', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('no banner within 90 s:\n' + out)), 90_000);
    proc.stdout!.on('data', (c) => {
      out += c;
      if (/Store\s+SQLite/.test(out) && (args.includes('--no-demo') || /\/records\/\d+/.test(out))) {
        clearTimeout(timer);
        setTimeout(() => resolve({ proc, banner: out }), 100);
      }
    });
    proc.stderr!.on('data', (c) => { out += c; });
    proc.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

const stop = (proc: ChildProcess) => new Promise<number | null>((resolve) => { proc.once('exit', (code) => resolve(code)); proc.kill('SIGTERM'); });

describe('vamco start', () => {
  it('shows a banner whose curl reaches the demo backend through the gateway', async () => {
    const dataDir = tempDir();
    try {
      const { proc, banner } = await start(dataDir);
      expect(banner).toMatch(/Console: http:\/\/127\.0\.0\.1:\d+\/\s+user "admin", one-time password "\S+"/);
      // Where things are, whatever the current directory: absolute paths, the bound address.
      expect(banner).toContain(`(API bearer token in ${path.join(dataDir, 'admin-token')})`);
      expect(banner).toContain(`SQLite in ${dataDir}`);
      const gw = /Gateway\s+http:\/\/127\.0\.0\.1:(\d+)\s+\(listening on 0\.0\.0\.0:(\d+), every address of this host\)/.exec(banner);
      expect(gw?.[1]).toBe(gw?.[2]);
      // First login as the console runs it: two-step set-up, then the new password.
      expect(banner).toContain('at first login you set up two-step verification with a TOTP app, then choose a new password');
      const client = /X-Road-Client: ([^']+)'/.exec(banner)![1];
      const key = /X-API-Key: ([^']+)'/.exec(banner)![1];
      const url = /(http:\/\/\S+\/r1\/\S+)/.exec(banner)![1];
      const res = await fetch(url, { headers: { 'X-Road-Client': client, 'X-API-Key': key } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-road-id')).toMatch(/^DEV-[0-9a-f-]{36}$/);
      expect(((await res.json()) as { client: string }).client).toBe(client);
      expect(fs.statSync(`${dataDir}/admin-token`).mode & 0o777).toBe(0o600);
      expect(fs.statSync(`${dataDir}/node-key.pem`).mode & 0o777).toBe(0o600);
      expect(await stop(proc)).toBe(0);

      // The second start keeps the data: same curl works, no new one-time password, and the
      // demo key is read from its file rather than printed again. The publicadmin backend's
      // port is taken this time: the banner says where it went.
      const taken = net.createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
      const takenPort = (taken.address() as net.AddressInfo).port;
      const again = await start(dataDir, [], { VAMCO_PUBLICADMIN_PORT: String(takenPort), VAMCO_GATEWAY_HOST: '127.0.0.1' }).finally(() => taken.close());
      expect(again.banner).not.toContain('one-time password');
      expect(again.banner).not.toContain(key);
      expect(again.banner).toContain(`-H "X-API-Key: $(cat ${path.join(dataDir, 'demo-key')})"`);
      expect(again.banner).toMatch(new RegExp(`Public-admin data  port ${takenPort} \\(VAMCO_PUBLICADMIN_PORT\\) was taken: its backend listens on http://127\\.0\\.0\\.1:\\d+ instead`));
      // Bound to the address it is called by: no second address to name.
      expect(again.banner).toMatch(/Gateway\s+http:\/\/127\.0\.0\.1:\d+\n/);
      const url2 = /(http:\/\/\S+\/r1\/\S+)/.exec(again.banner)![1];
      const res2 = await fetch(url2, { headers: { 'X-Road-Client': client, 'X-API-Key': key } });
      expect(res2.status).toBe(200);
      expect(await stop(again.proc)).toBe(0);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);

  it('--no-demo registers nothing of the demo', async () => {
    const dataDir = tempDir();
    try {
      const { proc, banner } = await start(dataDir, ['--no-demo']);
      expect(banner).not.toContain('X-API-Key');
      expect(fs.existsSync(`${dataDir}/demo-key`)).toBe(false);
      expect(await stop(proc)).toBe(0);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
