// deploy/: the systemd unit passes `systemd-analyze verify` with no warning (a unit with an
// unknown key or a bad value is shown to fail the same check), and the nginx load-balancer
// config passes `nginx -t`. The Dockerfile and compose file need a container runtime, which
// the CI machines lack: they are not exercised here (docs/operations.md says so).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../src/store/testing.js';
import { nginxConfig, NGINX } from './cluster/harness.js';

const run = promisify(execFile);
const UNIT = path.resolve('deploy/systemd/vamco.service');

async function verify(file: string): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run('systemd-analyze', ['verify', file]);
    return { code: 0, stderr: r.stderr };
  } catch (e) {
    return { code: (e as { code: number }).code, stderr: (e as { stderr: string }).stderr };
  }
}

describe('deploy/', () => {
  it('the systemd unit verifies cleanly, and the check catches a broken unit', async () => {
    expect(await verify(UNIT)).toEqual({ code: 0, stderr: '' });
    const dir = tempDir('vamco-unit-');
    try {
      const broken = path.join(dir, 'vamco.service');
      fs.writeFileSync(broken, fs.readFileSync(UNIT, 'utf8').replace('TimeoutStopSec=150', 'TimeoutStopSec=soon\nRestartOnSunday=yes'));
      const r = await verify(broken);
      expect(r.stderr).toMatch(/Failed to parse time value/);
      expect(r.stderr).toMatch(/Unknown key 'RestartOnSunday'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the unit starts what package.json ships and gives the drain its time', () => {
    const unit = fs.readFileSync(UNIT, 'utf8');
    const bin = JSON.parse(fs.readFileSync('package.json', 'utf8')).bin.vamco as string;
    expect(unit).toContain(`ExecStart=/usr/bin/node /opt/vamco/${bin} start --no-demo`);
    // Drain (10 s) + the longest exchange (120 s) fit before systemd's SIGKILL.
    expect(Number(/TimeoutStopSec=(\d+)/.exec(unit)![1])).toBeGreaterThanOrEqual(130);
  });

  it('the nginx load-balancer config passes nginx -t', async () => {
    const dir = tempDir('vamco-nginx-');
    try {
      for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, d));
      const conf = path.join(dir, 'nginx.conf');
      fs.writeFileSync(conf, nginxConfig(dir, 18080, ['127.0.0.1:18081', '127.0.0.1:18082']));
      const r = await run(NGINX, ['-t', '-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')]);
      expect(r.stderr).toMatch(/syntax is ok/);
      expect(r.stderr).toMatch(/test is successful/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
