// The multi-node harness: 2–3 real `vamco start` processes on one fresh PostgreSQL database of
// this machine (VAMCO_TEST_DATABASE_URL), optionally the machine's Redis (VAMCO_REDIS_URL,
// default redis://127.0.0.1:6379) and nginx (/usr/sbin/nginx) balancing the gateways.
//
// How to use it in a new case (test/cluster/<topic>.cluster.test.ts):
//   const c = await startCluster({ nodes: 2, nginx: true, redis: true });   // in the test
//   const key = await c.registerExchange(backend.url, { rateLimit: '20/h' }); // provider, consumer, key
//   await load(c.nginxUrl!, key, {...})  or  fetch(c.nodes[0].gatewayUrl + ...)
//   c.nodes[i].child.kill('SIGKILL'); await c.restartNode(i);               // faults, restarts
//   await c.stopNode(i, 'SIGTERM')      → exit code;  c.loggedIds() → message ids in the store
//   await c.close()                      (afterEach: kills what is left, stops nginx, drops the DB)
// Every node has its own data dir (own node key, lock and chain) and shares the platform key
// file (VAMCO_SECRET_KEY_FILE), as docs/operations.md tells operators to. Extra environment
// for one node: c.startNode(i, { VAMCO_…: … }); for all: startCluster({ env }).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../../src/config/index.js';
import { openStore, migrate } from '../../src/store/index.js';
import * as reg from '../../src/registry/index.js';
import { createPgDatabase, tempDir } from '../../src/store/testing.js';
import { CLI } from '../helpers/platform.js';
import { startVamco, SERVICE, CLIENT, type VamcoProcess } from '../helpers/vamco-process.js';

const run = promisify(execFile);
export const NGINX = '/usr/sbin/nginx';
export const REDIS_URL = process.env.VAMCO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export { SERVICE, CLIENT };

export interface ClusterNode extends VamcoProcess { dataDir: string; adminUrl: string; index: number }

export interface ClusterOptions {
  nodes: number;
  redis?: boolean;
  nginx?: boolean;
  /** Environment for every node (on top of the harness's own). */
  env?: Record<string, string>;
  /** Start the nodes now (default) or leave it to the test (c.startNode). */
  start?: boolean;
  /** Run the demo too (default: `vamco start --no-demo`). */
  demo?: boolean;
}

export interface Cluster {
  dir: string;
  databaseUrl: string;
  redisUrl?: string;
  nodes: ClusterNode[];
  dataDirs: string[];
  /** The shared key file every node uses. */
  keyFile: string;
  nginxUrl?: string;
  env(i: number, extra?: Record<string, string>): Record<string, string>;
  startNode(i: number, extra?: Record<string, string>): Promise<ClusterNode>;
  /** Signals node i and resolves with its exit code. */
  stopNode(i: number, signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts node i again (same data dir) and points nginx at its new port. */
  restartNode(i: number, extra?: Record<string, string>): Promise<ClusterNode>;
  cli(args: string[], i?: number): Promise<{ code: number; stdout: string; stderr: string }>;
  registerExchange(backendUrl: string, o?: { rateLimit?: string; backendAuth?: reg.ServiceInput['backendAuth'] }): Promise<string>;
  /** Waits until every running node's journal has shipped all it holds into the store (admin /readyz). */
  shipped(): Promise<void>;
  /** Waits until every running node serves the registry's current version (snapshot polling). */
  registryLoaded(): Promise<void>;
  loggedIds(): Promise<Set<string>>;
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const live = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** nginx in front of the gateways, from the shipped deploy/nginx/vamco.conf (ports rewritten). */
async function startNginx(dir: string, upstreams: () => string[]): Promise<{ url: string; reload(): Promise<void>; stop(): Promise<void> }> {
  const port = await freePort();
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  const write = () => fs.writeFileSync(conf, nginxConfig(dir, port, upstreams()));
  write();
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const child = spawn(NGINX, ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try { await fetch(url + '/healthz'); break; } catch { /* not yet */ }
    if (!live(child) || Date.now() > deadline) throw new Error(`nginx did not start: ${fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async reload() {
      write();
      await run(NGINX, ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log'), '-s', 'reload']);
    },
    async stop() {
      if (!live(child)) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      await exited;
    },
  };
}

/** The shipped load-balancer config with this run's listen port, upstreams and file paths. */
export function nginxConfig(dir: string, port: number, servers: string[]): string {
  const shipped = fs.readFileSync(path.resolve(path.dirname(CLI), '../../../deploy/nginx/vamco.conf'), 'utf8');
  const upstream = servers.map((s) => `    server ${s} max_fails=1 fail_timeout=5s;`).join('\n');
  const http = shipped
    .replace(/upstream vamco_gateway \{[\s\S]*?\n\}/, `upstream vamco_gateway {\n${upstream}\n    keepalive 32;\n}`)
    .replace(/listen\s+[^;]+;/, `listen 127.0.0.1:${port};`);
  return [
    // A root test run must not hand the workers to "nobody": the temp dirs are private.
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 1;', 'daemon off;', `pid ${dir}/nginx.pid;`, 'events { worker_connections 1024; }',
    'http {', `  access_log off; client_body_temp_path ${dir}/client_body; proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
    http, '}',
  ].join('\n');
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  if (!process.env.VAMCO_TEST_DATABASE_URL) throw new Error('The cluster suite needs PostgreSQL: set VAMCO_TEST_DATABASE_URL (.ci/run does)');
  const dir = tempDir('vamco-cluster-');
  const db = await createPgDatabase();
  const keyFile = path.join(dir, 'secret.key');
  const dataDirs = Array.from({ length: o.nodes }, (_, i) => path.join(dir, `node${i}`));
  const nodes: ClusterNode[] = [];
  const extraEnv: Record<number, Record<string, string>> = {};
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;

  const env = (i: number, extra: Record<string, string> = {}) => ({
    VAMCO_DATABASE_URL: db.url, VAMCO_SECRET_KEY_FILE: keyFile, VAMCO_PUBLICADMIN: '0', VAMCO_PUBLICADMIN_PORT: '0',
    VAMCO_DEMO_BACKEND_PORT: '0', VAMCO_LOG_LEVEL: 'warn',
    // A generous command timeout: on a loaded CI machine a starved node can wait longer than the
    // 500 ms default for an answer from a healthy Redis, and would count in memory (the fallback
    // for a Redis outage), which these tests of exact cluster-wide counting must not measure.
    ...(o.redis ? { VAMCO_REDIS_URL: REDIS_URL, VAMCO_REDIS_TIMEOUT: '10s' } : {}),
    ...o.env, ...extraEnv[i], ...extra, VAMCO_DATA_DIR: dataDirs[i],
  });
  const gatewayAddrs = () => nodes.filter((n) => n && live(n.child)).map((n) => new URL(n.gatewayUrl).host);
  const startNode = async (i: number, extra: Record<string, string> = {}) => {
    extraEnv[i] = { ...extraEnv[i], ...extra };
    const v = await startVamco(dataDirs[i], env(i), o.demo ? [] : ['--no-demo']);
    const admin = /Console\/admin API\s+(http:\/\/[\d.]+:\d+)/.exec(v.output());
    const node: ClusterNode = { ...v, dataDir: dataDirs[i], adminUrl: admin ? admin[1] : '', index: i };
    nodes[i] = node;
    return node;
  };
  const cluster: Cluster = {
    dir, databaseUrl: db.url, redisUrl: o.redis ? REDIS_URL : undefined, nodes, dataDirs, keyFile,
    env,
    startNode,
    async stopNode(i, signal = 'SIGTERM') {
      const n = nodes[i];
      if (!live(n.child)) return n.child.exitCode;
      n.child.kill(signal);
      // A node that never exits fails the test here, saying so, instead of hanging it.
      let t: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new Error(`node ${i} did not exit within 180 s of ${signal}:\n${n.output().slice(-4000)}`)), 180_000);
      });
      try {
        return await Promise.race([n.exited, late]);
      } finally {
        clearTimeout(t);
      }
    },
    async restartNode(i, extra) {
      const n = await startNode(i, extra);
      await nginx?.reload();
      return n;
    },
    cli(args, i = 0) {
      return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env(i) }, timeout: 120_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
        });
      });
    },
    async registerExchange(backendUrl, r = {}) {
      fs.mkdirSync(path.join(dir, 'register'), { recursive: true });
      const config = loadConfig({ VAMCO_DATA_DIR: path.join(dir, 'register'), VAMCO_BACKEND_ALLOW: '127.0.0.1' });
      const store = openStore({ dataDir: config.dataDir, databaseUrl: db.url, secretKeyFile: keyFile });
      const who = { actor: 'test' };
      try {
        await migrate(store.db, store.engine);
        await store.keyring();
        const ctx = { store, config };
        await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.T01', name: 'Provider' }, who);
        await reg.addSubsystem(ctx, { id: 'GOV/000.00.00.T01/provider' }, who);
        await reg.addService(ctx, { id: SERVICE, url: backendUrl, rateLimit: r.rateLimit ?? '1000000/s', backendAuth: r.backendAuth }, who);
        await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.T02', name: 'Consumer' }, who);
        await reg.addSubsystem(ctx, { id: CLIENT }, who);
        await reg.grantAccess(ctx, { service: SERVICE, client: CLIENT }, who);
        return (await reg.createKey(ctx, { subsystem: CLIENT }, who)).key;
      } finally {
        await store.close();
      }
    },
    async shipped() {
      // Records reach the store from each node's journal after their answer (in batches).
      for (const n of nodes.filter((x) => live(x.child))) {
        const deadline = Date.now() + 120_000;
        for (;;) {
          const j = (await (await fetch(`${n.adminUrl}/readyz`)).json() as { journal: { backlog: number; shipping: string } }).journal;
          if (j.backlog === 0 && j.shipping === 'ok') break;
          if (Date.now() > deadline) throw new Error(`node ${n.index}: journal ${JSON.stringify(j)} after 120 s`);
          await new Promise((res) => setTimeout(res, 100));
        }
      }
    },
    async registryLoaded() {
      const [{ version }] = (await pool.query<{ version: number }>('select version from registry_state where id = 1')).rows;
      for (const n of nodes) {
        const deadline = Date.now() + 60_000;
        while ((await (await fetch(`${n.gatewayUrl}/readyz`)).json() as { registryVersion: number }).registryVersion < Number(version)) {
          if (Date.now() > deadline) throw new Error(`node ${n.index} did not load registry version ${version}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async loggedIds() {
      return new Set((await pool.query<{ message_id: string }>('select message_id from message_log')).rows.map((r) => r.message_id));
    },
    async query(text, values) {
      return (await pool.query(text, values)).rows;
    },
    async close() {
      await Promise.all(nodes.filter((n) => n && live(n.child)).map((n) => { n.child.kill('SIGKILL'); return n.exited; }));
      await nginx?.stop();
      await pool.end();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  if (o.start !== false) {
    // One after the other: concurrent first starts have their own test (first-start.cluster.test.ts).
    for (let i = 0; i < o.nodes; i++) await startNode(i);
    if (o.nginx) {
      nginx = await startNginx(path.join(dir, 'nginx'), gatewayAddrs);
      cluster.nginxUrl = nginx.url;
    }
  } else if (o.nginx) {
    throw new Error('nginx needs the nodes started: start: false and nginx: true do not combine');
  }
  return cluster;
}

export const osHost = os.hostname();
