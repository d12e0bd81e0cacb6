// A running platform with the console wired in: the real gateway and registry from
// startTestPlatform, and an admin server carrying the accounts, access-request and dashboard
// wings plus the built console (web/dist) at /. Once the platform's own admin server mounts
// the console wings, that one is used instead.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { createAdminServer, type AdminDeps } from '../../src/admin/index.js';
import { Metrics } from '../../src/monitoring/index.js';
import { accountsAuthenticators, accountsPlugin, ensureFirstAdmin, base32Decode, totp } from '../../src/accounts/index.js';
import { accessRequestsPlugin } from '../../src/access-requests/index.js';
import { dashboardPlugin } from '../../src/dashboard/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIST = path.join(root, 'web/dist');

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.json': 'application/json' };

/** Test stand-in for the console's static serving: files from web/dist, index.html for every other GET outside /api. */
const webConsole: FastifyPluginAsync<AdminDeps> = async (app) => {
  app.get('/*', { schema: { hide: true } as never }, async (req, reply) => {
    const rel = decodeURIComponent((req.params as { '*': string })['*'] || '');
    let file = path.join(WEB_DIST, rel);
    if (!file.startsWith(WEB_DIST) || !rel || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(WEB_DIST, 'index.html');
    reply.type(TYPES[path.extname(file)] ?? 'application/octet-stream');
    return fs.readFileSync(file);
  });
};

export interface ConsolePlatform {
  platform: TestPlatform;
  /** Base URL of the admin API + console. */
  url: string;
  gatewayUrl: string;
  adminToken: string;
  firstAdmin: { username: string; oneTimePassword: string };
  stop(): Promise<void>;
}

export async function startConsolePlatform(opts: { demo?: boolean } = {}): Promise<ConsolePlatform> {
  const platform = await startTestPlatform({ demo: opts.demo ?? false });
  let extra: FastifyInstance | undefined;
  let url = platform.adminUrl;
  const probe = await fetch(url + '/api/v1/auth/me');
  if (probe.status === 404) {
    const deps: AdminDeps = {
      config: platform.config, store: platform.store, metrics: new Metrics(), adminToken: platform.adminToken, isReady: () => true,
      authenticators: accountsAuthenticators(platform.store, { instance: platform.config.instance }),
    };
    extra = await createAdminServer(deps, { plugins: [accountsPlugin, accessRequestsPlugin, dashboardPlugin], rootPlugins: [webConsole] });
    await extra.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(extra.server.address() as { port: number }).port}`;
  }
  // The platform may have created the first admin at start (and printed it); otherwise do it here.
  let first = await ensureFirstAdmin(platform.store);
  if (!first) {
    const { cliResetPassword } = await import('../../src/accounts/index.js');
    first = await cliResetPassword(platform.store, 'admin', { resetTotp: true, actor: 'test' });
  }
  return {
    platform, url, gatewayUrl: platform.gatewayUrl, adminToken: platform.adminToken, firstAdmin: first,
    async stop() { await extra?.close(); await platform.stop(); },
  };
}

export const totpNow = (secret: string, at = Date.now()): string => totp(base32Decode(secret), at);

/** Waits until the next 30-second TOTP step, so a fresh code is not a replay of the last one. */
export async function nextTotpStep(): Promise<void> {
  const ms = 30_000 - (Date.now() % 30_000) + 50;
  await new Promise((r) => setTimeout(r, ms));
}
