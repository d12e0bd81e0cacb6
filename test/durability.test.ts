// Kill -9 during load: every exchange that got an answer must have its record in the message
// log after the restart (records are committed to the node's journal before the answer is
// written, and shipped into the store after), and every call the provider saw its request record. A real process,
// a bounded number of requests, generous timeouts: it must hold on a loaded two-core machine.
// In worker mode each worker has its own journal (<data dir>/workers/<slot>): restarted with
// fewer workers, the node ships what the slots no worker runs on now still hold. A warm-up's
// records reach the store first; then the store refuses the message log's records from before
// the load until after the kill, so none of the load's records is in the store at the kill: the
// restart alone must ship every one of them, from journals whose head is ahead of a store head
// mid-journal (each chain's check against the store at open meets a real record, as after a
// real kill -9).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../src/store/testing.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { CLI } from './helpers/platform.js';
import { until } from './helpers/wait.js';
import { register, startVamco, load, loggedIds, recordCount, requestRecordIds, childPids, refuseMessageLog, loggingNodes, type VamcoProcess } from './helpers/vamco-process.js';

const run = promisify(execFile);

describe.each([[1, 1], [2, 2], [2, 1]])('kill -9 of the gateway during load (VAMCO_WORKERS=%i, restarted with %i)', (workers, restartWith) => {
  let backend: TestBackend | undefined;
  let procs: VamcoProcess[] = [];
  let dataDir = '';
  let stopRefusing = () => {};
  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    stopRefusing();
    stopRefusing = () => {};
    await backend?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    procs = [];
  });

  it('keeps the record of every answered exchange, and the chain verifies after restart', async () => {
    backend = await startBackend();
    dataDir = tempDir('vamco-durability-');
    const key = await register(dataDir, backend.url);
    const env = { VAMCO_WORKERS: String(workers) };
    const v = await startVamco(dataDir, env);
    procs.push(v);
    const workerPids = workers > 1 ? childPids(v.child.pid!) : [];
    expect(workerPids.length).toBe(workers > 1 ? workers : 0);

    // A warm-up on every worker, shipped: each chain's head in the store is a record, not nothing.
    const warm = await load(v.gatewayUrl, key, { connections: 2 * workers, prefix: `warm${workers}`, stop: (n) => n >= 20 });
    expect(warm.errors).toEqual([]);
    expect(warm.answered.filter((a) => a.status !== 200)).toEqual([]);
    await until('the warm-up\'s records in the store', async () => {
      const ids = loggedIds(dataDir);
      return warm.answered.every((a) => ids.has(a.id)) || undefined;
    }, 120_000);
    expect(loggingNodes(dataDir, `warm${workers}-`).size).toBe(workers);

    // Shipping would land a round every 200 ms, so what is in the store at the kill would be
    // down to timing: the store refuses the records instead until the restart.
    stopRefusing = refuseMessageLog(dataDir);
    // Kill while 16 requests are in flight; those answered before death must be logged.
    let killed = false;
    const r = await load(v.gatewayUrl, key, {
      connections: 16, prefix: `kill${workers}`,
      stop: (answered) => {
        if (!killed && answered >= 300) { killed = true; v.child.kill('SIGKILL'); }
        return killed;
      },
    });
    await v.exited;
    // Gateway workers must not outlive the primary (nothing could make their records durable).
    const deadline = Date.now() + 10_000;
    while (workerPids.some((p) => fs.existsSync(`/proc/${p}`)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(workerPids.filter((p) => fs.existsSync(`/proc/${p}`))).toEqual([]);
    expect(r.answered.length).toBeGreaterThanOrEqual(300);
    // Requests fail only once the gateway is killed, never before.
    expect(r.errors.filter((e) => !e.afterStop)).toEqual([]);
    expect(r.answered.filter((a) => a.status !== 200)).toEqual([]);

    // At the kill every record of the load is in a journal only: none answered is in the store.
    const atKill = loggedIds(dataDir);
    expect(r.answered.filter((a) => atKill.has(a.id)).map((a) => a.id)).toEqual([]);
    expect([...requestRecordIds(dataDir)].filter((id) => id.startsWith(`kill${workers}-`))).toEqual([]);
    stopRefusing();

    // Restart on the same data: the chain resumes from the durable head and serves again.
    const v2 = await startVamco(dataDir, { VAMCO_WORKERS: String(restartWith) });
    procs.push(v2);
    const after = await load(v2.gatewayUrl, key, { connections: 1, prefix: `after${workers}`, stop: (n) => n >= 1 });
    expect(after.answered.map((a) => a.status)).toEqual([200]);
    expect(after.errors).toEqual([]);
    v2.child.kill('SIGTERM');
    expect(await v2.exited).toBe(0);

    const ids = loggedIds(dataDir);
    const missing = [...r.answered, ...after.answered].filter((a) => !ids.has(a.id)).map((a) => a.id);
    expect(missing).toEqual([]);
    // Each worker answered some: every slot's journal held answered records the restart shipped.
    expect(loggingNodes(dataDir, `kill${workers}-`).size).toBe(workers);
    // No provider call without a record: every request the backend saw has its request record
    // (made durable in the journal before the call, shipped into the store after the restart).
    const requested = requestRecordIds(dataDir);
    const seen = backend.seen.map((s) => String(s.headers['x-road-id'] ?? '')).filter((id) => id.startsWith('kill') || id.startsWith('after'));
    expect(seen.length).toBeGreaterThanOrEqual(r.answered.length);
    expect(seen.filter((id) => !requested.has(id))).toEqual([]);
    const verify = await run(process.execPath, [CLI, 'audit', 'verify'], { env: { ...process.env, VAMCO_DATA_DIR: dataDir } });
    const m = /OK: (\d+) records verified/.exec(verify.stdout);
    expect(m, verify.stdout + verify.stderr).not.toBeNull();
    expect(Number(m![1])).toBe(recordCount(dataDir));
  }, 300_000); // two starts, a load and a verify: minutes on a loaded two-core machine
});
