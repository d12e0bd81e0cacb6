// Vamco as an operator runs it: `vamco start --no-demo` as its own process, registered with
// the `vamco` CLI, full pipeline on (API key, access check, rate limit, durable log, metrics).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CLI, mustRun, start, waitHttp, type Proc } from './proc.js';

export const PROVIDER = 'GOV/000.00.00.B01/backend';
export const SERVICE = `${PROVIDER}/echo`;
export const CLIENT = 'GOV/000.00.00.B02/consumer';

export interface VamcoSetup { dataDir: string; key: string; env: Record<string, string> }

/**
 * Registers provider, service (rate limit far above any load here), consumer, grant and key.
 * `cli`: another build's CLI, so that build's own migrations make its database (a build refuses a
 * database migrated by a newer one).
 */
export async function setupVamco(dataDir: string, backendUrl: string, extraEnv: Record<string, string> = {}, cli = CLI): Promise<VamcoSetup> {
  fs.mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string> = {
    ...process.env as Record<string, string>, VAMCO_DATA_DIR: dataDir, VAMCO_BACKEND_ALLOW: '127.0.0.1', VAMCO_LOG_LEVEL: 'warn', ...extraEnv,
  };
  const run = (...args: string[]) => mustRun(process.execPath, [cli, ...args], { env });
  // The CLI's registry commands need an existing database (they no longer create one).
  await run('migrate');
  await run('member', 'add', 'GOV', '000.00.00.B01', '--name', 'Bench provider');
  await run('subsystem', 'add', PROVIDER);
  await run('service', 'add', SERVICE, '--url', backendUrl, '--rate-limit', '100000000/s');
  await run('member', 'add', 'GOV', '000.00.00.B02', '--name', 'Bench consumer');
  await run('subsystem', 'add', CLIENT);
  await run('access', 'grant', SERVICE, CLIENT);
  const key = (await run('key', 'create', CLIENT)).trim();
  return { dataDir, key, env };
}

export interface Vamco { proc: Proc; url: string; headers: Record<string, string>; readyMs: number; tlsUrl: string | null; stop(signal?: NodeJS.Signals): Promise<unknown> }

export interface VamcoStartOptions {
  gatewayPort: number; adminPort: number; workers?: number; cpuProfDir?: string; instance?: string; cli?: string;
  /** The HTTPS listener too, with this certificate and key; without it HTTPS is off (no fixed port 8443 shared by the run's Vamcos). */
  tls?: { port: number; certFile: string; keyFile: string };
}

export async function startVamco(s: VamcoSetup, o: VamcoStartOptions): Promise<Vamco> {
  const env: Record<string, string> = {
    ...s.env, VAMCO_GATEWAY_HOST: '127.0.0.1', VAMCO_GATEWAY_PORT: String(o.gatewayPort), VAMCO_ADMIN_PORT: String(o.adminPort),
    VAMCO_WORKERS: String(o.workers ?? 1),
    ...(o.tls ? { VAMCO_GATEWAY_TLS_PORT: String(o.tls.port), VAMCO_TLS_CERT: o.tls.certFile, VAMCO_TLS_KEY: o.tls.keyFile } : { VAMCO_GATEWAY_TLS_PORT: 'off' }),
  };
  const nodeArgs = o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : [];
  const proc = start('vamco', process.execPath, [...nodeArgs, o.cli ?? CLI, 'start', '--no-demo'], { env });
  const base = `http://127.0.0.1:${o.gatewayPort}`;
  const headers = { 'x-road-client': `${o.instance ?? 'DEV'}/${CLIENT}`, 'x-api-key': s.key };
  const url = `${base}/r1/${o.instance ?? 'DEV'}/${SERVICE}/item/1`;
  let readyMs: number;
  try {
    // Generous: on the shared machine under load a start can take far longer than usual.
    readyMs = await waitHttp(base + '/readyz', { proc, timeoutMs: 120_000 });
    // The snapshot is loaded before readiness; one call proves the whole path works.
    await waitHttp(url, { proc, headers, timeoutMs: 10_000 });
  } catch (e) {
    await proc.stop();
    throw e;
  }
  const tlsUrl = o.tls ? url.replace(base, `https://127.0.0.1:${o.tls.port}`) : null;
  return { proc, url, headers, readyMs, tlsUrl, stop: (sig) => proc.stop(sig) };
}

/** Message-log records, read straight from the SQLite file (WAL readers do not block the writer). */
/** Exchanges' outcome records (request records, status 0, left out); `all` counts every record. */
export function countRecords(dataDir: string, all = false): number {
  const db = new Database(path.join(dataDir, 'vamco.db'), { readonly: true, fileMustExist: true });
  try {
    return Number((db.prepare(`select count(*) as n from message_log${all ? '' : ' where status > 0'}`).get() as { n: number }).n);
  } finally {
    db.close();
  }
}

/** `vamco audit verify`: integrity of every chain and the number of records it proved. */
export async function auditVerify(s: VamcoSetup): Promise<{ ok: boolean; records: number; text: string }> {
  const out = await mustRun(process.execPath, [CLI, 'audit', 'verify'], { env: s.env }).catch((e: Error) => e.message);
  const m = /OK: (\d+) records verified/.exec(out);
  return { ok: !!m, records: m ? Number(m[1]) : -1, text: out.trim() };
}
