// What a node started without its central database does with what needs that database (issue 13,
// item 1: "A node keeps serving when the central database is unreachable (last registry
// snapshot, cached on disk too)"). The publicadmin services' data lives in that database: their
// calls get a 503 with the catalogue's code at once (not a 502 for a backend that is not there,
// not a wait on the database), and are served again when it is back. A fresh data dir has no
// snapshot to serve from: the node refuses, naming what is missing. The fault is real: the node
// reaches PostgreSQL through a TCP proxy the test closes and opens again.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, CLIENT, type Cluster, type ClusterNode } from './harness.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';
import { pgProxy, type PgProxy } from '../helpers/faults.js';
import { until } from '../helpers/wait.js';
import { readSnapshotCache } from '../../src/registry/index.js';

const SNAPSHOT = 'registry-snapshot.json';

describe('a node without its database, and what needs the database', () => {
  let c: Cluster | undefined;
  let backend: TestBackend | undefined;
  let proxy: PgProxy | undefined;
  afterEach(async () => { await c?.close(); await proxy?.close(); await backend?.close(); c = undefined; });

  it('publicadmin calls get 503 STORE_UNAVAILABLE problem+json with Retry-After while the database is away, and the data again once it is back', { timeout: 900_000 }, async () => {
    backend = await startBackend();
    c = await startCluster({ nodes: 1, start: false });
    const key = await c.registerExchange(backend.url);
    proxy = await pgProxy(c.databaseUrl);
    let n = await c.startNode(0, { VAMCO_DATABASE_URL: proxy.url, VAMCO_PUBLICADMIN: '1' });
    const units = (await c.cli(['service', 'list'])).stdout.trim().split('\n').find((s) => s.endsWith('/publicadmin/admin-units'));
    expect(units).toBeTruthy();
    expect((await c.cli(['access', 'grant', units!, CLIENT])).code).toBe(0);
    const provinces = async (node: ClusterNode) => {
      const r = await fetch(`${node.gatewayUrl}/r1/DEV/${units}/provinces`, { headers: { 'x-road-client': `DEV/${CLIENT}`, 'x-api-key': key } });
      return { status: r.status, type: r.headers.get('content-type') ?? '', retryAfter: r.headers.get('retry-after'), body: await r.json() as Record<string, unknown> };
    };
    await c.registryLoaded();
    const served = await provinces(n);
    expect(served.status).toBe(200);
    expect(served.body.total).toBe(34);
    // The grant is in the snapshot the node cached (what it serves from once the database is away).
    const [{ version }] = await c.query<{ version: number }>('select version from registry_state where id = 1');
    await until('the cached snapshot holds the grant', async () => {
      const cached = readSnapshotCache(path.join(n.dataDir, SNAPSHOT));
      return !('error' in cached) && cached.rows.version === Number(version) ? true : undefined;
    }, 120_000);
    expect(await c.stopNode(0, 'SIGTERM')).toBe(0);

    await proxy.cut();
    n = await c.startNode(0);
    expect(n.output()).toMatch(/DEGRADED/);
    const away = await provinces(n);
    expect(away).toMatchObject({ status: 503, retryAfter: '5', body: { code: 'STORE_UNAVAILABLE', status: 503 } });
    expect(away.type).toMatch(/^application\/problem\+json/);
    // Says what is missing, without the database's address (the caller is another agency).
    expect(String(away.body.detail)).toMatch(/public-administration data is in the platform's central database/);
    expect(String(away.body.detail)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);

    await proxy.restore();
    // The same backend serves again once the skipped start-up steps are done (no restart).
    const back = await until('publicadmin serves again', async () => { const r = await provinces(n); return r.status === 200 ? r : undefined; }, 120_000);
    expect(back.body.total).toBe(34);
    expect(await c.stopNode(0, 'SIGTERM')).toBe(0);
  });

  it('a fresh data dir refuses to start while the database is away, naming the missing snapshot cache and node key, and starts once it is back', { timeout: 600_000 }, async () => {
    c = await startCluster({ nodes: 1, start: false });
    proxy = await pgProxy(c.databaseUrl);
    await proxy.cut();
    const dir = c.dataDirs[0];
    const cache = path.join(dir, SNAPSHOT);
    await expect(c.startNode(0, { VAMCO_DATABASE_URL: proxy.url })).rejects.toThrow(new RegExp(
      `exited \\(2\\) before starting:[\\s\\S]*central database is unreachable[\\s\\S]*data dir ${dir} holds neither a cached registry snapshot \\(${cache}\\) nor a node key: a node's first start needs the database[\\s\\S]*\\(STORE_UNAVAILABLE\\)`));
    // Nothing made up meanwhile: no identity, no snapshot.
    expect(fs.existsSync(path.join(dir, 'node-key.pem')) || fs.existsSync(cache)).toBe(false);
    await proxy.restore();
    const n = await c.startNode(0);
    expect(n.output()).not.toMatch(/DEGRADED/);
    await until('the node ready', async () => ((await fetch(`${n.gatewayUrl}/readyz`)).status === 200 ? true : undefined), 120_000);
  });
});
