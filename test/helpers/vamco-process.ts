// Vamco as a real child process (`vamco start --no-demo`), for tests that must kill it, and a
// small load client that remembers which requests were answered.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { loadConfig } from '../../src/config/index.js';
import { openStore, migrate } from '../../src/store/index.js';
import * as reg from '../../src/registry/index.js';
import { CLI } from './platform.js';

export const SERVICE = 'GOV/000.00.00.T01/provider/echo';
export const CLIENT = 'GOV/000.00.00.T02/consumer';
const who = { actor: 'test' };

/** Registers a provider service on `backendUrl`, a consumer with access, and returns its key. */
export async function register(dataDir: string, backendUrl: string): Promise<string> {
  const config = loadConfig({ VAMCO_DATA_DIR: dataDir, VAMCO_BACKEND_ALLOW: '127.0.0.1' });
  const store = openStore({ dataDir });
  try {
    await migrate(store.db, store.engine);
    const ctx = { store, config };
    await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.T01', name: 'Provider' }, who);
    await reg.addSubsystem(ctx, { id: 'GOV/000.00.00.T01/provider' }, who);
    await reg.addService(ctx, { id: SERVICE, url: backendUrl, rateLimit: '1000000/s' }, who);
    await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.T02', name: 'Consumer' }, who);
    await reg.addSubsystem(ctx, { id: CLIENT }, who);
    await reg.grantAccess(ctx, { service: SERVICE, client: CLIENT }, who);
    return (await reg.createKey(ctx, { subsystem: CLIENT }, who)).key;
  } finally {
    await store.close();
  }
}

export interface VamcoProcess { child: ChildProcess; gatewayUrl: string; output(): string; exited: Promise<number | null> }

/** Starts `vamco start --no-demo` (or with `args`) on free ports and resolves when its banner names the gateway. */
export function startVamco(dataDir: string, env: Record<string, string> = {}, args: string[] = ['--no-demo']): Promise<VamcoProcess> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test builds first)`);
  const child = spawn(process.execPath, [CLI, 'start', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, VAMCO_DATA_DIR: dataDir, VAMCO_GATEWAY_HOST: '127.0.0.1', VAMCO_GATEWAY_PORT: '0', VAMCO_ADMIN_PORT: '0',
      VAMCO_BACKEND_ALLOW: '127.0.0.1', VAMCO_LOG_LEVEL: 'warn', VAMCO_SNAPSHOT_POLL: '100ms', ...env,
    },
  });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`vamco did not start in 120 s:\n${out}`)); }, 120_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Gateway\s+(http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, gatewayUrl: m[1], output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    void exited.then((code) => { clearTimeout(t); reject(new Error(`vamco exited (${code}) before starting:\n${out}`)); });
  });
}

export const ADMIN_NODE = CLI.replace(/src\/cli\/main\.js$/, 'test/helpers/admin-node.js');

/**
 * A second process serving the admin API (accounts, access requests) on a running platform's
 * store (`env` as the test platform got it), so requests sent to both really run at the same
 * time against one store: on SQLite the only way to get two writers at once, since its driver
 * runs one process's queries one after the other. Resolves when it listens.
 */
export async function startSecondNode(env: Record<string, string>): Promise<{ child: ChildProcess; adminUrl: string; stop(): Promise<void> }> {
  if (!fs.existsSync(ADMIN_NODE)) throw new Error(`${ADMIN_NODE} is missing: run "npm run build" (npm test builds first)`);
  const child = spawn(process.execPath, [ADMIN_NODE], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, VAMCO_LOG_LEVEL: 'warn' } });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let out = '';
  const adminUrl = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the second node did not listen in 120 s:\n${out}`)); }, 120_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /Console\/admin API\s+(http:\/\/\S+?)\/?\s/.exec(out);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    void exited.then((code) => { clearTimeout(t); reject(new Error(`the second node exited (${code}) before listening:\n${out}`)); });
  });
  return {
    child, adminUrl,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Answered { id: string; status: number }
/** A request that got no complete answer: why, and whether the run was already told to stop. */
export interface LoadError { id: string; message: string; afterStop: boolean }

/**
 * `connections` loops send GETs (as `client`, default CLIENT) with their own X-Road-Id until `stop()` says so; a request
 * counts as answered only when its whole response was read. Every other request is in
 * `errors`, with its reason: a caller decides which failures it expects (e.g. after a kill).
 */
export async function load(gatewayUrl: string, key: string, opts: { connections: number; stop(answered: number): boolean; prefix: string; client?: string; tls?: { ca: string; cert: string; key: string } }):
  Promise<{ answered: Answered[]; failed: number; errors: LoadError[] }> {
  // With `tls` (an https URL): the client presents that certificate; an empty `key` sends no API key.
  const pool = new Pool(gatewayUrl, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 30_000, ...(opts.tls ? { connect: opts.tls } : {}) });
  const answered: Answered[] = [];
  const errors: LoadError[] = [];
  let n = 0;
  const path = `/r1/DEV/${SERVICE}/item/1`;
  try {
    await Promise.all(Array.from({ length: opts.connections }, async () => {
      while (!opts.stop(answered.length)) {
        const id = `${opts.prefix}-${++n}`;
        try {
          const r = await pool.request({
            path, method: 'GET', headersTimeout: 15_000, bodyTimeout: 15_000,
            headers: { 'x-road-client': `DEV/${opts.client ?? CLIENT}`, ...(key ? { 'x-api-key': key } : {}), 'x-road-id': id },
          });
          await r.body.text();
          answered.push({ id, status: r.statusCode });
        } catch (e) {
          const afterStop = opts.stop(answered.length);
          errors.push({ id, message: String((e as Error)?.message ?? e), afterStop });
          if (afterStop) break;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }));
  } finally {
    await pool.destroy();
  }
  return { answered, failed: errors.length, errors };
}

/** Message ids in the log, read from the SQLite file (after the process has stopped). */
/** Message ids with an outcome record (request records, status 0, are not an answer's record). */
export function loggedIds(dataDir: string): Set<string> {
  const db = new Database(path.join(dataDir, 'vamco.db'));
  try {
    return new Set((db.prepare('select message_id from message_log where status > 0').all() as { message_id: string }[]).map((r) => r.message_id));
  } finally {
    db.close();
  }
}

/** Message ids with a request record (status 0): exchanges the provider may have seen. */
export function requestRecordIds(dataDir: string): Set<string> {
  const db = new Database(path.join(dataDir, 'vamco.db'));
  try {
    return new Set((db.prepare('select message_id from message_log where status = 0').all() as { message_id: string }[]).map((r) => r.message_id));
  } finally {
    db.close();
  }
}

/**
 * Makes the store refuse every message-log record (a trigger aborts the insert) until the
 * returned function is called: what the journals hold then stays there, whatever the shipping's
 * timing, and the node keeps answering (it retries shipping). Holding SQLite's write lock instead
 * would also make the node's own main-thread writes (API key last use, lease, checkpoints) fail
 * after their 5 s wait. Releasing twice is harmless.
 */
export function refuseMessageLog(dataDir: string): () => void {
  const file = path.join(dataDir, 'vamco.db');
  const open = () => new Database(file, { timeout: 60_000 });
  const db = open();
  try {
    db.exec("create trigger test_refuse_message_log before insert on message_log begin select raise(abort, 'refused by the test'); end");
  } finally {
    db.close();
  }
  return () => {
    if (!fs.existsSync(file)) return;
    const d = open();
    try { d.exec('drop trigger if exists test_refuse_message_log'); } finally { d.close(); }
  };
}

/** The nodes (chains) that logged outcome records whose message id starts with `prefix`. */
export function loggingNodes(dataDir: string, prefix: string): Set<string> {
  const db = new Database(path.join(dataDir, 'vamco.db'));
  try {
    const rows = db.prepare("select distinct node_id from message_log where status > 0 and substr(message_id, 1, length(?)) = ?").all(prefix, prefix) as { node_id: string }[];
    return new Set(rows.map((r) => r.node_id));
  } finally {
    db.close();
  }
}

/** Every record of the message log, request records included: what audit verify counts. */
export function recordCount(dataDir: string): number {
  const db = new Database(path.join(dataDir, 'vamco.db'));
  try {
    return Number((db.prepare('select count(*) as n from message_log').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

/** Pids of a process's children (Linux /proc), e.g. the gateway workers of a primary. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

/** Established TCP connections to `port` whose socket is held by `pid` (Linux /proc). */
export function connectionsHeldBy(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const localPort = parseInt(f[1].split(':')[1], 16);
      if (localPort === port && f[3] === '01') inodes.add(f[9]); // 01 = ESTABLISHED
    }
  }
  let n = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1])) n++;
    } catch { /* closed meanwhile */ }
  }
  return n;
}
