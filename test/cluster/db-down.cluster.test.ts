// Nodes keep answering while PostgreSQL refuses connections, and ship every record once it
// is back (issue 13, item 1). The fault is real: the nodes reach PostgreSQL through a TCP
// proxy that this test closes (open connections cut, new ones refused: what a database that
// went away looks like to a node), then opens again. Answers = records in the store, each
// exchange once (request record and outcome), the provider's calls all recorded, and
// `vamco audit verify` OK.
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster, type ClusterNode } from './harness.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';
import { load } from '../helpers/vamco-process.js';
import { pgProxy, type PgProxy } from '../helpers/faults.js';

const alive = (n: ClusterNode) => n.child.exitCode === null && n.child.signalCode === null;

/** Load on one node until `count` answers, the node gone or the deadline: never a wait without end. */
function loadUntil(n: ClusterNode, key: string, prefix: string, connections: number, count: number, deadline: number) {
  return load(n.gatewayUrl, key, { connections, prefix, stop: (x) => x >= count || !alive(n) || Date.now() > deadline });
}

/** Fails with the node's own words when it is gone (it must live through the database going away). */
function expectAlive(n: ClusterNode): void {
  if (!alive(n)) throw new Error(`node ${n.index} exited (${n.child.exitCode ?? n.child.signalCode}):\n${n.output().slice(-4000)}`);
}

describe('the shared database away', () => {
  let c: Cluster | undefined;
  let backend: TestBackend | undefined;
  let proxy: PgProxy | undefined;
  afterEach(async () => { await c?.close(); await proxy?.close(); await backend?.close(); c = undefined; });

  it('two nodes keep answering while PostgreSQL refuses connections, then ship every record: answers = records, verify OK', { timeout: 900_000 }, async () => {
    backend = await startBackend();
    c = await startCluster({ nodes: 2, start: false });
    const key = await c.registerExchange(backend.url);
    proxy = await pgProxy(c.databaseUrl);
    for (let i = 0; i < 2; i++) await c.startNode(i, { VAMCO_DATABASE_URL: proxy.url });
    const nodes = c.nodes;
    // Both nodes serve the service before the database goes away.
    for (const n of nodes) {
      const warm = await loadUntil(n, key, `warm${n.index}`, 1, 1, Date.now() + 120_000);
      expectAlive(n);
      expect(warm.answered.map((a) => a.status)).toEqual([200]);
    }

    await proxy.cut();
    // Every exchange while the database is away is answered, on both nodes.
    const away = Date.now() + 300_000;
    const during = await Promise.all(nodes.map((n) => loadUntil(n, key, `away${n.index}`, 4, 150, away)));
    for (const n of nodes) expectAlive(n);
    for (const r of during) {
      expect(r.errors).toEqual([]);
      expect(r.answered.length).toBeGreaterThanOrEqual(150);
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
