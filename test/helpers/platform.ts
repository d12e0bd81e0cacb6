// Starts a real platform (gateway + admin API on port 0, SQLite in a temp dir, or a fresh
// PostgreSQL database) and runs the real `vamco` CLI against the same store.
import { execFile } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Agent, fetch as undiciFetch } from 'undici';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startPlatform, type Platform, type StartOptions } from '../../src/platform/index.js';
import { tempDir, createPgDatabase } from '../../src/store/testing.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(root, 'dist/src/cli/main.js');

export interface TestPlatform extends Platform {
  dataDir: string;
  instance: string;
  env: Record<string, string>;
  cli(args: string[], opts?: { allowFail?: boolean }): Promise<{ code: number; stdout: string; stderr: string }>;
  admin(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: any; headers: Headers }>;
}

/** Runs the real `vamco` CLI with `env` on top of this process's environment; resolves with its exit code and output. */
export function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface TestPlatformOptions {
  engine?: 'sqlite' | 'postgres';
  env?: Record<string, string>;
  demo?: boolean;
  start?: StartOptions;
}

export async function startTestPlatform(opts: TestPlatformOptions = {}): Promise<TestPlatform> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test builds first)`);
  const dataDir = tempDir();
  let dropDb: (() => Promise<void>) | undefined;
  const env: Record<string, string> = {
    VAMCO_DATA_DIR: dataDir,
    VAMCO_GATEWAY_PORT: '0',
    VAMCO_ADMIN_PORT: '0',
    VAMCO_GATEWAY_HOST: '127.0.0.1',
    VAMCO_BACKEND_ALLOW: '127.0.0.1',
    VAMCO_DEMO_BACKEND_PORT: '0',
    VAMCO_SNAPSHOT_POLL: '100ms',
    VAMCO_LOG_LEVEL: 'silent',
    // The publicadmin wing seeds ~14,000 unit rows per fresh data dir; only its own tests need it.
    VAMCO_PUBLICADMIN: '0',
    VAMCO_PUBLICADMIN_PORT: '0',
    // Role matrices send hundreds of unauthenticated calls from one address; the pre-auth
    // limit has its own suite (test/security/preauth.security.test.ts), which turns it on.
    VAMCO_PREAUTH_FAILURES: '0',
    ...opts.env,
  };
  if (opts.engine === 'postgres') {
    const d = await createPgDatabase();
    env.VAMCO_DATABASE_URL = d.url;
    dropDb = d.drop;
  }
  const config: Readonly<Config> = loadConfig(env, { demo: opts.demo ?? false });
  const platform = await startPlatform(config, { logger: pino({ level: 'silent' }), ...opts.start });
  const stop = platform.stop;
  let stopped = false;
  let adminTls: Agent | null | undefined;
  return {
    ...platform,
    dataDir,
    instance: config.instance,
    env,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stop();
      await adminTls?.close();
      if (dropDb) await dropDb();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    async cli(args, o = {}) {
      const r = await runCli(args, env);
      if (r.code !== 0 && !o.allowFail) throw new Error(`vamco ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r;
    },
    async admin(method, url, body, token) {
      // With VAMCO_ADMIN_TLS the admin API's certificate is the platform CA's: trusted here only.
      adminTls ??= platform.adminUrl.startsWith('https:') ? new Agent({ connect: { ca: platform.ca.certPem } }) : null;
      const init = {
        method,
        headers: { authorization: `Bearer ${token ?? platform.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      };
      const res = adminTls ? await undiciFetch(platform.adminUrl + url, { ...init, dispatcher: adminTls }) as unknown as Response : await fetch(platform.adminUrl + url, init);
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}
