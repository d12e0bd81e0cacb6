// Worker mode (VAMCO_WORKERS=2): two gateway processes serve the port, one message log. Every
// answered exchange, whichever worker served it, is in the log, the chain verifies, and the
// admin port's metrics count the exchanges of all workers.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { URL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../src/store/testing.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { CLI } from './helpers/platform.js';
import { register, startVamco, load, loggedIds, recordCount, childPids, connectionsHeldBy, type VamcoProcess } from './helpers/vamco-process.js';

const run = promisify(execFile);

describe('worker mode', () => {
  let backend: TestBackend | undefined;
  let v: VamcoProcess | undefined;
  let dataDir = '';
  afterEach(async () => {
    if (v && v.child.exitCode === null && v.child.signalCode === null) v.child.kill('SIGKILL');
    await backend?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs the exchanges of every worker in one chain that verifies', async () => {
    backend = await startBackend();
    dataDir = tempDir('vamco-workers-');
    const key = await register(dataDir, backend.url);
    v = await startVamco(dataDir, { VAMCO_WORKERS: '2' });
    const workers = childPids(v.child.pid!);
    expect(workers).toHaveLength(2);
    const port = Number(new URL(v.gatewayUrl).port);

    // Mid-run, each worker must hold some of the 8 client connections (round-robin hand-out).
    let held: number[] = [];
    const r = await load(v.gatewayUrl, key, {
      connections: 8, prefix: 'w',
      stop: (n) => {
        if (n >= 200 && held.length === 0) held = workers.map((pid) => connectionsHeldBy(pid, port));
        return n >= 400;
      },
    });
    expect(held.every((c) => c > 0), `connections per worker: ${held}`).toBe(true);
    // Every request answered, and answered 200: a worker that drops or fails requests shows here.
    expect(r.errors).toEqual([]);
    expect(r.answered.filter((a) => a.status !== 200)).toEqual([]);

    const admin = /Console\/admin API\s+(http:\/\/[\d.]+:\d+)/.exec(v.output())![1];
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    const counted = [...metrics.matchAll(/^vamco_requests_total\{[^}]*status_class="2xx"[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
    expect(counted).toBeGreaterThanOrEqual(r.answered.length);

    v.child.kill('SIGTERM');
    expect(await v.exited).toBe(0);
    const ids = loggedIds(dataDir);
    expect(r.answered.filter((a) => !ids.has(a.id)).map((a) => a.id)).toEqual([]);
    const verify = await run(process.execPath, [CLI, 'audit', 'verify'], { env: { ...process.env, VAMCO_DATA_DIR: dataDir } });
    expect(verify.stdout).toContain(`OK: ${recordCount(dataDir)} records verified`);
  });
});
