// express-gateway, the Node peer: key-auth + rate-limit + proxy to the same backend.
// It lives in bench/peers with its own lockfile so the product's dependency tree stays clean.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, mustRun, start, waitHttp, type Proc } from './proc.js';

const PEERS = path.join(ROOT, 'bench/peers');

/** Installs the peers from their lockfile on first use. */
export async function ensurePeers(): Promise<void> {
  if (fs.existsSync(path.join(PEERS, 'node_modules/express-gateway/package.json'))) return;
  process.stderr.write('bench: installing express-gateway into bench/peers (first run only)…\n');
  // Scripts are not needed by the peer and would run code at install time.
  await mustRun('npm', ['ci', '--prefix', PEERS, '--ignore-scripts', '--no-audit', '--no-fund']);
}

export interface Eg { proc: Proc; url: string; headers: Record<string, string>; stop(): Promise<unknown> }

export async function startEg(dir: string, port: number, adminPort: number, backendUrl: string): Promise<Eg> {
  await ensurePeers();
  const cfg = path.join(dir, 'config');
  fs.mkdirSync(path.join(cfg, 'models'), { recursive: true });
  for (const m of ['users', 'applications', 'credentials']) {
    fs.copyFileSync(path.join(PEERS, 'node_modules/express-gateway/lib/config/models', `${m}.json`), path.join(cfg, 'models', `${m}.json`));
  }
  // JSON is valid YAML, so no YAML writer is needed.
  fs.writeFileSync(path.join(cfg, 'gateway.config.yml'), JSON.stringify({
    http: { port, hostname: '127.0.0.1' },
    admin: { port: adminPort, host: '127.0.0.1' },
    apiEndpoints: { api: { host: '*', paths: ['/*'] } },
    serviceEndpoints: { backend: { url: backendUrl } },
    policies: ['key-auth', 'rate-limit', 'proxy'],
    pipelines: {
      bench: {
        apiEndpoints: ['api'],
        policies: [
          // The same X-API-Key header every target receives.
          { 'key-auth': [{ action: { apiKeyHeader: 'x-api-key', disableHeadersScheme: true, disableQueryParam: true } }] },
          // High enough never to trip, like Vamco's.
          { 'rate-limit': [{ action: { max: 10_000_000, windowMs: 1000, delayAfter: 0, delayMs: 0, rateLimitBy: '${req.egContext.consumer.id}' } }] },
          { proxy: [{ action: { serviceEndpoint: 'backend' } }] },
        ],
      },
    },
  }));
  fs.writeFileSync(path.join(cfg, 'system.config.yml'), JSON.stringify({
    db: { redis: { emulate: true, namespace: 'EG' } },
    crypto: { cipherKey: 'bench-only', algorithm: 'aes256', saltRounds: 10 },
    session: { secret: 'bench-only', resave: false, saveUninitialized: false },
    accessTokens: { timeToExpiry: 7_200_000 }, refreshTokens: { timeToExpiry: 7_200_000 }, authorizationCodes: { timeToExpiry: 300_000 },
  }));
  const proc = start('express-gateway', process.execPath, ['-e', `require('express-gateway')().load(${JSON.stringify(cfg)}).run()`], {
    cwd: PEERS, env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'error', EG_CONFIG_DIR: cfg },
  });
  try {
    return await provision(proc, port, adminPort);
  } catch (e) {
    await proc.stop(); // a half-started peer must not outlive the run
    throw e;
  }
}

async function provision(proc: Proc, port: number, adminPort: number): Promise<Eg> {
  const admin = `http://127.0.0.1:${adminPort}`;
  await waitHttp(admin + '/users', { proc, timeoutMs: 30_000 });
  const post = async (p: string, body: unknown) => {
    const r = await fetch(admin + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`express-gateway admin ${p}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, string>>;
  };
  await post('/users', { username: 'bench', firstname: 'Bench', lastname: 'Client' });
  const cred = await post('/credentials', { type: 'key-auth', consumerId: 'bench', credential: {} });
  const headers = { 'x-api-key': `${cred.keyId}:${cred.keySecret}` };
  const url = `http://127.0.0.1:${port}/item/1`;
  await waitHttp(url, { proc, headers, timeoutMs: 10_000 });
  return { proc, url, headers, stop: () => proc.stop() };
}
