// Nodes keep answering while PostgreSQL refuses connections, and ship every record once it
// is back (issue 13, item 1). The fault is real: the nodes reach PostgreSQL through a TCP
// proxy that this test closes (open connections cut, new ones refused: what a database that
// went away looks like to a node), then opens again. Answers = records in the store, each
// exchange once (request record and outcome), the provider's calls all recorded, and
// `vamco audit verify` OK.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, freePort, type Cluster } from './harness.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';
import { load } from '../helpers/vamco-process.js';

/** A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
async function pgProxy(target: URL): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const listen = () => new Promise<void>((resolve, reject) => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); }
      client.pipe(upstream).pipe(client);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const cut = async () => {
    const s = server;
    server = null;
    if (s) await new Promise<void>((r) => { s.close(() => r()); for (const x of sockets) x.destroy(); });
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}

describe('the shared database away', () => {
  let c: Cluster | undefined;
  let backend: TestBackend | undefined;
  let proxy: Awaited<ReturnType<typeof pgProxy>> | undefined;
  afterEach(async () => { await c?.close(); await proxy?.close(); await backend?.close(); c = undefined; });

  it('two nodes keep answering while PostgreSQL refuses connections, then ship every record: answers = records, verify OK', { timeout: 900_000 }, async () => {
    backend = await startBackend();
    c = await startCluster({ nodes: 2, start: false });
    const key = await c.registerExchange(backend.url);
    const direct = new URL(c.databaseUrl);
    proxy = await pgProxy(direct);
    const viaProxy = new URL(c.databaseUrl);
    viaProxy.port = String(proxy.port);
    for (let i = 0; i < 2; i++) await c.startNode(i, { VAMCO_DATABASE_URL: viaProxy.toString() });
    const nodes = c.nodes;
    // Both nodes serve the service before the database goes away.
    for (const n of nodes) {
      const warm = await load(n.gatewayUrl, key, { connections: 1, prefix: `warm${n.index}`, stop: (x) => x >= 1 });
      expect(warm.answered.map((a) => a.status)).toEqual([200]);
    }

    await proxy.cut();
    // Every exchange while the database is away is answered, on both nodes.
    const during = await Promise.all(nodes.map((n) => load(n.gatewayUrl, key, { connections: 4, prefix: `away${n.index}`, stop: (x) => x >= 150 })));
    for (const r of during) {
      expect(r.errors).toEqual([]);
      expect(r.answered.filter((a) => a.status !== 200)).toEqual([]);
    }
    // Still ready; the admin /readyz shows the records waiting in the journal.
    for (const n of nodes) {
      expect((await fetch(`${n.gatewayUrl}/readyz`)).status).toBe(200);
      const r = await fetch(`${n.adminUrl}/readyz`);
      const body = await r.json() as { journal: { backlog: number; shipping: string } };
      expect(r.status).toBe(200);
      expect(body.journal.backlog).toBeGreaterThanOrEqual(300);
      expect(body.journal.shipping).toMatch(/^failing/);
    }
    const answeredIds = during.flatMap((r) => r.answered.map((a) => a.id));
    const missingWhileAway = [...await c.loggedIds()].filter((id) => id.startsWith('away'));
    expect(missingWhileAway).toEqual([]);

    await proxy.restore();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const rows = await c.query<{ n: string }>("select count(*) as n from message_log where message_id like 'away%' and status > 0");
      if (Number(rows[0].n) >= answeredIds.length) break;
      if (Date.now() > deadline) throw new Error(`shipped ${rows[0].n} of ${answeredIds.length} outcomes in 120 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Each answered exchange exactly once: one request record and one outcome, no more.
    const rows = await c.query<{ message_id: string; status: number }>("select message_id, status from message_log where message_id like 'away%' order by node_id, seq");
    const outcomes = rows.filter((r) => r.status > 0).map((r) => r.message_id).sort();
    expect(outcomes).toEqual([...answeredIds].sort());
    expect(rows.filter((r) => r.status === 0).map((r) => r.message_id).sort()).toEqual([...answeredIds].sort());
    // Every call the provider saw while the database was away has its record.
    const seen = backend.seen.map((s) => String(s.headers['x-road-id'] ?? '')).filter((id) => id.startsWith('away'));
    expect(seen.sort()).toEqual([...answeredIds].sort());
    for (const n of nodes) {
      let r: { journal: { backlog: number; shipping: string } };
      do {
        r = await (await fetch(`${n.adminUrl}/readyz`)).json() as typeof r;
        if (Date.now() > deadline) throw new Error(`node ${n.index}: journal ${JSON.stringify(r.journal)}`);
        await new Promise((res) => setTimeout(res, 100));
      } while (r.journal.backlog !== 0 || r.journal.shipping !== 'ok');
    }
    for (const n of nodes) expect(await c.stopNode(n.index, 'SIGTERM')).toBe(0);
    const verify = await c.cli(['audit', 'verify']);
    expect(verify.stdout + verify.stderr).toMatch(/^OK: \d+ records verified/);
  });
});
