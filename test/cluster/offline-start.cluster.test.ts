// A node starts while PostgreSQL refuses connections (issue 13, item 1: "A node keeps serving
// when the central database is unreachable (last registry snapshot, cached on disk too) and
// ships what it logged once the database is back"). The fault is real: the node reaches
// PostgreSQL through a TCP proxy this test closes before the restart and opens again later.
// The node serves from the snapshot it cached in its data dir (a key and grant added while it
// ran included), its admin API answers 503 STORE_UNAVAILABLE, /readyz says so, and once the
// database is back every answered exchange is in the store exactly once, verify OK.
// Without a usable cached snapshot it refuses to start, saying why.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, CLIENT, SERVICE, type Cluster, type ClusterNode } from './harness.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';
import { load } from '../helpers/vamco-process.js';
import { pgProxy, type PgProxy } from '../helpers/faults.js';

const alive = (n: ClusterNode) => n.child.exitCode === null && n.child.signalCode === null;
const LATE = 'GOV/000.00.00.T02/late';
const SNAPSHOT = 'registry-snapshot.json';

/** `count` answers on the node (or the node gone, or 120 s): never a wait without end. */
function calls(n: ClusterNode, key: string, prefix: string, count: number, client = CLIENT) {
  const deadline = Date.now() + 120_000;
  return load(n.gatewayUrl, key, { connections: Math.min(2, count), prefix, client, stop: (x) => x >= count || !alive(n) || Date.now() > deadline });
}

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a node started while the shared database is away', () => {
  let c: Cluster | undefined;
  let backend: TestBackend | undefined;
  let proxy: PgProxy | undefined;
  afterEach(async () => { await c?.close(); await proxy?.close(); await backend?.close(); c = undefined; });

  it('serves from its cached snapshot (a key and grant added while it ran too), admin API 503, then ships every record once the database is back: answers = records, verify OK', { timeout: 900_000 }, async () => {
    backend = await startBackend();
    c = await startCluster({ nodes: 1, start: false });
    const key = await c.registerExchange(backend.url);
    proxy = await pgProxy(c.databaseUrl);
    let n = await c.startNode(0, { VAMCO_DATABASE_URL: proxy.url });
    expect((await calls(n, key, 'warm', 1)).answered.map((a) => a.status)).toEqual([200]);
    // A client, grant and key the node learns only from a later snapshot (it caches each one).
    for (const args of [['subsystem', 'add', LATE], ['access', 'grant', SERVICE, LATE]]) expect((await c.cli(args)).code).toBe(0);
    const late = await c.cli(['key', 'create', LATE]);
    expect(late.code).toBe(0);
    const lateKey = late.stdout.trim();
    await c.registryLoaded();
    await until('the cached snapshot holds the late grant', async () => fs.readFileSync(path.join(n.dataDir, SNAPSHOT), 'utf8').includes('"subsystem_code":"late"'));
    expect(await c.stopNode(0, 'SIGTERM')).toBe(0);

    await proxy.cut();
    n = await c.startNode(0);
    expect(n.output()).toMatch(/DEGRADED\s+the database is unreachable/);
    // Ready (it serves), and the body says the store is away and how old the snapshot is.
    const gw = await fetch(`${n.gatewayUrl}/readyz`);
    expect(gw.status).toBe(200);
    const body = await gw.json() as { store: { reachable: boolean; snapshot: { source: string; ageSeconds: number } } };
    expect(body.store.reachable).toBe(false);
    expect(body.store.snapshot.source).toBe('cache');
    expect(body.store.snapshot.ageSeconds).toBeGreaterThanOrEqual(0);
    // The admin API never answers from the cache: 503 with the catalogue's code.
    const token = fs.readFileSync(path.join(n.dataDir, 'admin-token'), 'utf8').trim();
    for (const [method, url] of [['GET', '/api/v1/members'], ['POST', '/api/v1/members']]) {
      const r = await fetch(`${n.adminUrl}${url}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: method === 'POST' ? JSON.stringify({ memberClass: 'GOV', memberCode: '000.00.00.T09', name: 'x' }) : undefined });
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await r.json()).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
    }

    const away = [await calls(n, key, 'offA', 40), await calls(n, lateKey, 'offB', 40, LATE)];
    expect(alive(n)).toBe(true);
    for (const r of away) {
      expect(r.errors).toEqual([]);
      expect(r.answered.length).toBeGreaterThanOrEqual(40);
      expect(r.answered.filter((a) => a.status !== 200)).toEqual([]);
    }
    const answeredIds = away.flatMap((r) => r.answered.map((a) => a.id)).sort();
    expect((await c.query("select count(*) as n from message_log where message_id like 'off%'"))[0]).toEqual({ n: 0 });
    // The provider saw exactly the answered calls (the late client's too: its key and grant came from the cache).
    const seenWhileAway = backend.seen.map((s) => String(s.headers['x-road-id'] ?? '')).filter((id) => id.startsWith('off'));
    expect(seenWhileAway.sort()).toEqual(answeredIds);

    await proxy.restore();
    // Back: the skipped start-up steps done, degraded mode over, the journal shipped.
    await until('the node leaves degraded mode', async () => !('store' in (await (await fetch(`${n.adminUrl}/readyz`)).json() as object)));
    await c.shipped();
    const rows = await c.query<{ message_id: string; status: number }>("select message_id, status from message_log where message_id like 'off%'");
    expect(rows.filter((r) => r.status > 0).map((r) => r.message_id).sort()).toEqual(answeredIds);
    expect(rows.filter((r) => r.status === 0).map((r) => r.message_id).sort()).toEqual(answeredIds);
    // The node registered again: its lease and admin token are in the store, the admin API answers.
    expect(await c.query('select node_id from node_leases')).toHaveLength(1);
    expect((await fetch(`${n.adminUrl}/api/v1/members`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await calls(n, key, 'back', 1)).answered.map((a) => a.status)).toEqual([200]);
    expect(await c.stopNode(0, 'SIGTERM')).toBe(0);
    const verify = await c.cli(['audit', 'verify']);
    expect(verify.stdout + verify.stderr).toMatch(/^OK: \d+ records verified/);
    expect((await c.query("select count(*) as n from message_log where message_id like 'back%'"))[0]).toEqual({ n: 2 });
  });

  it('refuses to start, saying why, when its cached snapshot is torn or missing and the database is away', { timeout: 600_000 }, async () => {
    backend = await startBackend();
    c = await startCluster({ nodes: 1, start: false });
    await c.registerExchange(backend.url);
    proxy = await pgProxy(c.databaseUrl);
    const n = await c.startNode(0, { VAMCO_DATABASE_URL: proxy.url });
    await c.registryLoaded();
    expect(await c.stopNode(0, 'SIGTERM')).toBe(0);
    await proxy.cut();
    const file = path.join(n.dataDir, SNAPSHOT);
    // A torn write: the file cut short.
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    await expect(c.startNode(0)).rejects.toThrow(/exited \(2\) before starting:[\s\S]*central database is unreachable[\s\S]*no usable cached registry snapshot[\s\S]*torn write[\s\S]*STORE_UNAVAILABLE/);
    fs.rmSync(file);
    await expect(c.startNode(0)).rejects.toThrow(/central database is unreachable[\s\S]*no usable cached registry snapshot \(there is no [^)]*registry-snapshot\.json\)/);
  });

  it('a copy of a live node started without the database stops once the database is back: the other node holds the key\'s lease (NODE_ALREADY_RUNNING)', { timeout: 600_000 }, async () => {
    backend = await startBackend();
    c = await startCluster({ nodes: 2, start: false });
    const key = await c.registerExchange(backend.url);
    proxy = await pgProxy(c.databaseUrl);
    const a = await c.startNode(0);
    expect((await calls(a, key, 'a', 1)).answered.map((x) => x.status)).toEqual([200]);
    // A cloned data dir (image, backup restored elsewhere): same node key, same cached snapshot.
    fs.cpSync(a.dataDir, c.dataDirs[1], { recursive: true });
    await proxy.cut();
    const b = await c.startNode(1, { VAMCO_DATABASE_URL: proxy.url });
    expect(b.output()).toMatch(/DEGRADED/);
    await proxy.restore();
    let t: NodeJS.Timeout | undefined;
    const code = await Promise.race([b.exited, new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`the copy did not stop in 120 s:\n${b.output()}`)), 120_000); })]);
    clearTimeout(t);
    expect(code).toBe(1);
    expect(b.output()).toMatch(/error: Node node-\w+ is already running on [\s\S]*\(NODE_ALREADY_RUNNING\)/);
    // The node that holds the lease is untouched.
    expect(alive(a)).toBe(true);
    expect((await calls(a, key, 'a2', 1)).answered.map((x) => x.status)).toEqual([200]);
  });
});
