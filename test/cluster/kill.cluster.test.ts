// kill -9 under load in a cluster (issue 13, done-when): two nodes on PostgreSQL behind nginx,
// one killed while exchanges run through both. After it restarts in place and both journals
// have shipped: every exchange a client got an answer to has its outcome in the store, every
// call the provider saw has its request record, and `vamco audit verify` is OK (exchanges cut
// by the kill counted as interrupted, not as tampering).
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, SERVICE, CLIENT, type Cluster } from './harness.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';
import { load } from '../helpers/vamco-process.js';

describe('kill -9 of a node under load', () => {
  let c: Cluster | undefined;
  let backend: TestBackend | undefined;
  afterEach(async () => { await c?.close(); await backend?.close(); c = undefined; });

  it('no answered exchange and no provider call without its record, the chain verifies', async () => {
    backend = await startBackend();
    c = await startCluster({ nodes: 2, nginx: true });
    const key = await c.registerExchange(backend.url);
    const call = (base: string, id: string) => fetch(`${base}/r1/DEV/${SERVICE}/warm`, {
      headers: { 'x-road-client': `DEV/${CLIENT}`, 'x-api-key': key, 'x-road-id': id },
    }).then(async (r) => { await r.arrayBuffer(); return r.status; });
    // Both nodes serve the service before the load (snapshot polling).
    for (const n of c.nodes) {
      const deadline = Date.now() + 60_000;
      while (await call(n.gatewayUrl, `warm-${n.index}-${Date.now()}`) !== 200) {
        if (Date.now() > deadline) throw new Error(`node ${n.index} never served the service`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const victim = c.nodes[0];

    // The load runs through nginx until 150 more exchanges were answered after the kill (by the other node).
    let answered = 0;
    let killedAt = -1;
    const deadline = Date.now() + 240_000;
    const run = load(c.nginxUrl!, key, {
      connections: 8, prefix: 'kill',
      stop: (n) => { answered = n; return (killedAt >= 0 && n >= killedAt + 150) || Date.now() > deadline; },
    });
    // Kill while exchanges are in progress on both nodes (nginx takes turns): after 200 answers.
    while (answered < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    victim.child.kill('SIGKILL');
    await victim.exited;
    killedAt = answered;
    const r = await run;
    expect(r.answered.length, 'the load ran to its end before the deadline').toBeGreaterThanOrEqual(killedAt + 150);
    // A request cut by the kill is retried by nginx on the other node, answered 502, or (its
    // answer cut mid-way) fails: the client saw it fail. Nothing else goes wrong.
    expect(r.answered.filter((a) => a.status !== 200 && a.status !== 502)).toEqual([]);
    expect(r.errors.length + r.answered.filter((a) => a.status === 502).length).toBeLessThanOrEqual(8);

    // The killed node restarts in place and ships what its journal holds.
    await c.restartNode(0);
    await c.shipped();

    const rows = await c.query<{ message_id: string; status: number }>("select message_id, status from message_log where message_id like 'kill%'");
    const outcomes = new Set(rows.filter((x) => x.status > 0).map((x) => x.message_id));
    const requests = new Set(rows.filter((x) => x.status === 0).map((x) => x.message_id));
    // Every answered exchange has its outcome record.
    expect(r.answered.filter((a) => a.status === 200 && !outcomes.has(a.id)).map((a) => a.id)).toEqual([]);
    // Every call the provider saw has its request record, made durable before the call.
    const seen = backend.seen.map((s) => String(s.headers['x-road-id'] ?? '')).filter((id) => id.startsWith('kill'));
    expect(seen.length).toBeGreaterThanOrEqual(r.answered.filter((a) => a.status === 200).length);
    expect(seen.filter((id) => !requests.has(id))).toEqual([]);

    for (const n of c.nodes) expect(await c.stopNode(n.index, 'SIGTERM')).toBe(0);
    const verify = await c.cli(['audit', 'verify']);
    expect(verify.stdout + verify.stderr).toMatch(/^OK: \d+ records verified/);
  });
});
