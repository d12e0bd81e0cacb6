// Worker mode (VAMCO_WORKERS=2): two gateway processes serve the port, each with its own message
// log (its own key, journal and chain in <data dir>/workers/<slot>: issue 15). Every answered
// exchange, whichever worker served it, is in the store, every chain verifies, and the admin
// port's metrics count the exchanges of all workers.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import { URL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { readNodeKeyFile } from '../src/audit/index.js';
import { tempDir } from '../src/store/testing.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { CLI, runCli } from './helpers/platform.js';
import { until } from './helpers/wait.js';
import { register, SERVICE, CLIENT, startVamco, load, loggedIds, recordCount, childPids, connectionsHeldBy, type VamcoProcess } from './helpers/vamco-process.js';

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

  it('logs the exchanges of every worker in its own chain, and every chain verifies', async () => {
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
    // The exchanges were logged by the workers, each under its slot's key (not the primary's),
    // both of them (each held connections), in chains numbered from 1 without a gap.
    const slots = [1, 2].map((n) => readNodeKeyFile(path.join(dataDir, 'workers', String(n)))!.nodeId);
    const primary = readNodeKeyFile(dataDir)!.nodeId;
    const db = new Database(path.join(dataDir, 'vamco.db'), { readonly: true });
    try {
      const chains = db.prepare("select node_id, count(*) as n, min(seq) as lo, max(seq) as hi from message_log where message_id like 'w%' group by node_id order by node_id").all() as { node_id: string; n: number; lo: number; hi: number }[];
      expect(chains.map((c) => c.node_id)).toEqual([...slots].sort());
      expect(chains.map((c) => c.node_id)).not.toContain(primary);
      for (const c of chains) {
        const all = db.prepare('select count(*) as n, max(seq) as hi from message_log where node_id = ?').get(c.node_id) as { n: number; hi: number };
        expect(all.n).toBe(all.hi);
      }
    } finally {
      db.close();
    }
  });
  it('serves mutual TLS from every worker, and a revoked certificate is refused by all of them (issue 8)', async () => {
    backend = await startBackend();
    dataDir = tempDir('vamco-workers-tls-');
    await register(dataDir, backend.url);
    const env = { VAMCO_DATA_DIR: dataDir };
    const dir = path.join(dataDir, 'is-cert');
    const issued = await runCli(['cert', 'issue', CLIENT, '--out', dir], env);
    expect(issued.code, issued.stderr).toBe(0);
    const certId = issued.stdout.split('\t')[0];
    v = await startVamco(dataDir, { VAMCO_WORKERS: '2' });
    const tlsUrl = await until('the banner\'s HTTPS line', async () => /Gateway \(HTTPS\)\s+(https:\/\/\S+)/.exec(v!.output())?.[1]);
    const tlsPort = Number(new URL(tlsUrl).port);
    const workers = childPids(v.child.pid!);
    expect(workers).toHaveLength(2);

    // Eight client connections over mutual TLS (no API key), each its own agent, kept open.
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    const connect = { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') };
    const agents = Array.from({ length: 8 }, () => new Agent({ connect, connections: 1, keepAliveTimeout: 60_000 }));
    const call = async (agent: Agent) => {
      const r = await request(`${tlsUrl}/r1/DEV/${SERVICE}/item/1`, { dispatcher: agent, headers: { 'x-road-client': `DEV/${CLIENT}` } });
      const body = await r.body.text();
      return { status: r.statusCode, id: r.headers['x-road-id'], code: r.statusCode === 200 ? undefined : JSON.parse(body).code as string };
    };
    try {
      const held = await until('both workers to hold client connections', async () => {
        const answers = await Promise.all(agents.map(call));
        expect(answers.filter((a) => a.status !== 200 || !/^DEV-/.test(String(a.id)))).toEqual([]);
        const h = workers.map((pid) => connectionsHeldBy(pid, tlsPort));
        return h.every((c) => c > 0) ? h : undefined;
      });
      expect(held.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);

      // Revoked through the CLI: every connection, whichever worker holds it, is refused.
      expect((await runCli(['cert', 'revoke', certId], env)).code).toBe(0);
      for (const agent of agents) {
        const refused = await until('the revocation on this connection', async () => { const a = await call(agent); return a.status === 200 ? undefined : a; });
        expect(refused).toMatchObject({ status: 500, code: 'CLIENT_CERT_REVOKED' });
      }
    } finally {
      await Promise.all(agents.map((a) => a.close()));
    }
    v.child.kill('SIGTERM');
    expect(await v.exited).toBe(0);
  });
});
