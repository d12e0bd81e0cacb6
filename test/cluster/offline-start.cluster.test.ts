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
import { childPids, load } from '../helpers/vamco-process.js';
import { pgProxy, type PgProxy } from '../helpers/faults.js';

const alive = (n: ClusterNode) => n.child.exitCode === null && n.child.signalCode === null;
const LATE = 'GOV/000.00.00.T02/late';
const SNAPSHOT = 'registry-snapshot.json';

/** `count` answers on the node (or the node gone, or 120 s): never a wait without end. */
function calls(n: ClusterNode, key: string, prefix: string, count: number, client = CLIENT, tls?: { url: string; ca: string; cert: string; key: string }) {
  const deadline = Date.now() + 120_000;
  return load(tls?.url ?? n.gatewayUrl, key, { connections: Math.min(2, count), prefix, client, tls: tls && { ca: tls.ca, cert: tls.cert, key: tls.key }, stop: (x) => x >= count || !alive(n) || Date.now() > deadline });
}

/** One exchange answered 200 on a node started with its database (the answer shown when not). */
async function warm(n: ClusterNode, key: string) {
  const r = await fetch(`${n.gatewayUrl}/r1/DEV/${SERVICE}/item/1`, { headers: { 'x-road-client': `DEV/${CLIENT}`, 'x-api-key': key, 'x-road-id': 'warm' } });
  expect(r.status, `${await r.text()}\n${n.output().slice(-3000)}`).toBe(200);
}

/** The node's gateway HTTPS (mutual TLS) address, as its banner prints it. */
const tlsUrl = (n: ClusterNode) => /Gateway \(HTTPS\)\s+(https:\/\/\S+)/.exec(n.output())?.[1];

/** A client certificate of CLIENT from the platform CA (`vamco cert issue --out`), for calls with no API key. */
async function clientCert(c: Cluster): Promise<{ ca: string; cert: string; key: string }> {
  const dir = path.join(c.dir, 'client-tls');
  expect((await c.cli(['cert', 'issue', CLIENT, '--out', dir])).code).toBe(0);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') };
}

/** The same as a 200 answer, and its records in the store exactly once each (request and outcome). */
async function storedOnce(c: Cluster, like: string, answeredIds: string[]) {
  const rows = await c.query<{ message_id: string; status: number }>('select message_id, status from message_log where message_id like $1', [like]);
  expect(rows.filter((r) => r.status > 0).map((r) => r.message_id).sort()).toEqual(answeredIds);
  expect(rows.filter((r) => r.status === 0).map((r) => r.message_id).sort()).toEqual(answeredIds);
}

/** One node in worker mode (2 workers), its database reached through a proxy the test can cut. */
async function workerNodeThroughProxy(): Promise<{ c: Cluster; proxy: PgProxy }> {
  const c = await startCluster({ nodes: 1, start: false, env: { VAMCO_WORKERS: '2' } });
  return { c, proxy: await pgProxy(c.databaseUrl) };
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
    await warm(n, key);
    const cert = await clientCert(c);
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

    // The mutual-TLS listener is up too: its certificate and the platform CA are files here, the
    // client's certificate is in the cached snapshot. No API key: the certificate authenticates.
    const https = tlsUrl(n);
    expect(https, n.output()).toMatch(/^https:/);
    const away = [await calls(n, key, 'offA', 40), await calls(n, lateKey, 'offB', 40, LATE), await calls(n, '', 'offT', 20, CLIENT, { url: https!, ...cert })];
    expect(alive(n)).toBe(true);
    for (const r of away) {
      expect(r.errors).toEqual([]);
      expect(r.answered.length).toBeGreaterThanOrEqual(20);
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
    await storedOnce(c, 'off%', answeredIds);
    // The node registered again: its lease and admin token are in the store, the admin API answers.
    expect(await c.query('select node_id from node_leases')).toHaveLength(1);
    expect((await fetch(`${n.adminUrl}/api/v1/members`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await calls(n, key, 'back', 1)).answered.map((a) => a.status)).toEqual([200]);
    expect(await c.stopNode(0, 'SIGTERM')).toBe(0);
    const verify = await c.cli(['audit', 'verify']);
    expect(verify.stdout + verify.stderr).toMatch(/^OK: \d+ records verified/);
    expect((await c.query("select count(*) as n from message_log where message_id like 'back%'"))[0]).toEqual({ n: 2 });
  });

  it('worker mode (VAMCO_WORKERS=2) starts degraded too: every worker serves from the cached snapshot (HTTP and mutual TLS), their records wait in the journal, admin API 503; once the database is back every record is stored exactly once', { timeout: 900_000 }, async () => {
    backend = await startBackend();
    ({ c, proxy } = await workerNodeThroughProxy());
    const key = await c.registerExchange(backend.url);
    let n = await c.startNode(0, { VAMCO_DATABASE_URL: proxy.url });
    await warm(n, key);
    const cert = await clientCert(c);
    await c.registryLoaded();
    const [{ fingerprint }] = await c.query<{ fingerprint: string }>('select fingerprint from client_certificates');
    await until('the cached snapshot holds the client certificate', async () => fs.readFileSync(path.join(n.dataDir, SNAPSHOT), 'utf8').includes(fingerprint));
    expect(await c.stopNode(0, 'SIGTERM')).toBe(0);

    await proxy.cut();
    n = await c.startNode(0);
    expect(n.output()).toMatch(/DEGRADED\s+the database is unreachable/);
    // Two workers and the primary: the gateway runs in the workers.
    await until('two gateway workers', async () => childPids(n.child.pid!).length === 2);
    const token = fs.readFileSync(path.join(n.dataDir, 'admin-token'), 'utf8').trim();
    const members = await fetch(`${n.adminUrl}/api/v1/members`, { headers: { authorization: `Bearer ${token}` } });
    expect(members.status).toBe(503);
    expect(await members.json()).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    // Every worker's /readyz says the store is away (new connections go to the workers in turn).
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${n.gatewayUrl}/readyz`, { headers: { connection: 'close' } });
      expect(r.status).toBe(200);
      expect((await r.json() as { store?: { reachable: boolean } }).store?.reachable).toBe(false);
    }
    const https = tlsUrl(n);
    expect(https, n.output()).toMatch(/^https:/);
    const away = [await calls(n, key, 'woffA', 60), await calls(n, '', 'woffT', 30, CLIENT, { url: https!, ...cert })];
    expect(alive(n)).toBe(true);
    for (const r of away) {
      expect(r.errors).toEqual([]);
      expect(r.answered.filter((a) => a.status !== 200)).toEqual([]);
    }
    const answeredIds = away.flatMap((r) => r.answered.map((a) => a.id)).sort();
    expect(answeredIds.length).toBeGreaterThanOrEqual(90);
    const seenWhileAway = backend.seen.map((s) => String(s.headers['x-road-id'] ?? '')).filter((id) => id.startsWith('woff'));
    expect(seenWhileAway.sort()).toEqual(answeredIds);
    expect((await c.query("select count(*) as n from message_log where message_id like 'woff%'"))[0]).toEqual({ n: 0 });

    await proxy.restore();
    await until('the node leaves degraded mode', async () => !('store' in (await (await fetch(`${n.adminUrl}/readyz`)).json() as object)));
    // The workers heard it too: none of them says the store is away any more.
    await until('every worker leaves degraded mode', async () => {
      for (let i = 0; i < 4; i++) {
        const r = await fetch(`${n.gatewayUrl}/readyz`, { headers: { connection: 'close' } });
        if ('store' in (await r.json() as object)) return false;
      }
      return true;
    });
    await c.shipped();
    await storedOnce(c, 'woff%', answeredIds);
    expect((await fetch(`${n.adminUrl}/api/v1/members`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const back = await calls(n, key, 'wback', 4);
    expect(back.answered.length).toBeGreaterThanOrEqual(4);
    expect(back.answered.filter((a) => a.status !== 200)).toEqual([]);
    expect(await c.stopNode(0, 'SIGTERM')).toBe(0);
    // Stopped and started again: nothing shipped a second time.
    await storedOnce(c, 'woff%', answeredIds);
    const verify = await c.cli(['audit', 'verify']);
    expect(verify.stdout + verify.stderr).toMatch(/^OK: \d+ records verified/);
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

  it('worker mode: an older copy of the data dir started without the database stops the node with JOURNAL_CONFLICT once the database is back, and ships nothing of the copy (a worker\'s chain, not only the primary\'s)', { timeout: 900_000 }, async () => {
    backend = await startBackend();
    ({ c, proxy } = await workerNodeThroughProxy());
    const key = await c.registerExchange(backend.url);
    let n = await c.startNode(0, { VAMCO_DATABASE_URL: proxy.url });
    await warm(n, key);
    await c.registryLoaded();
    expect(await c.stopNode(0, 'SIGTERM')).toBe(0);
    // The backup: both worker slots' journals as they are now.
    const old = path.join(c.dir, 'old-copy');
    fs.cpSync(n.dataDir, old, { recursive: true });
    // The live node logs on: its workers' chains in the database move past the copy's.
    n = await c.startNode(0);
    const live = await calls(n, key, 'live', 40);
    expect(live.answered.filter((a) => a.status !== 200)).toEqual([]);
    expect(await c.stopNode(0, 'SIGTERM')).toBe(0);
    const [stored] = await c.query('select count(*) as n from message_log');
    // The copy restored over the data dir and started while the database is away: it serves.
    fs.rmSync(n.dataDir, { recursive: true, force: true });
    fs.cpSync(old, n.dataDir, { recursive: true });
    await proxy.cut();
    n = await c.startNode(0);
    expect(n.output()).toMatch(/DEGRADED/);
    const away = await calls(n, key, 'copy', 20);
    expect(away.answered.filter((a) => a.status !== 200)).toEqual([]);
    await proxy.restore();
    let t: NodeJS.Timeout | undefined;
    const code = await Promise.race([n.exited, new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`the node did not stop in 120 s:\n${n.output()}`)), 120_000); })]);
    clearTimeout(t);
    expect(code).toBe(1);
    expect(n.output()).toMatch(/error: The central database holds this node's \(node-\w+\) records up to seq \d+, but its journal continued the chain after seq \d+[\s\S]*workers\/\d\/journal[\s\S]*\(JOURNAL_CONFLICT\)/);
    // Nothing of the copy's records reached the database.
    expect((await c.query("select count(*) as n from message_log where message_id like 'copy%'"))[0]).toEqual({ n: 0 });
    expect((await c.query('select count(*) as n from message_log'))[0]).toEqual(stored);
    // Started again, now with the database: each worker opens its journal with the database there
    // (as a worker replaced on its slot after the database came back does). The copy's chains are
    // refused at once, not discarded for the database's head; the journals stay as they were.
    const journals = () => fs.readdirSync(path.join(n.dataDir, 'workers'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.seg')).sort()
      .map((f) => `${f}:${fs.readFileSync(path.join(n.dataDir, 'workers', f)).toString('base64')}`);
    const kept = journals();
    await expect(c.startNode(0)).rejects.toThrow(/exited \(2\) before starting:[\s\S]*error: The central database holds this node's \(node-\w+\) records up to seq \d+, and its record at seq \d+ is not the one in the journal[\s\S]*workers\/\d\/journal[\s\S]*\(JOURNAL_CONFLICT\)/);
    expect(journals()).toEqual(kept);
    expect((await c.query("select count(*) as n from message_log where message_id like 'copy%'"))[0]).toEqual({ n: 0 });
    expect((await c.query('select count(*) as n from message_log'))[0]).toEqual(stored);
  });
});
