// Graceful drain (issue 13, item 5): SIGTERM under load through nginx. The node answers /readyz
// 503 for VAMCO_DRAIN_TIMEOUT while it still serves, then stops accepting (nginx moves on to the
// other node), lets the exchange in progress finish and be logged, and exits 0. No request
// through the balancer fails, and every answered exchange is in the log.
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, SERVICE, CLIENT, type Cluster } from './harness.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';
import { load } from '../helpers/vamco-process.js';

describe('graceful drain', () => {
  let c: Cluster | undefined;
  let backend: TestBackend | undefined;
  afterEach(async () => { await c?.close(); await backend?.close(); c = undefined; });

  it('SIGTERM under load: readiness 503 while serving, in-flight exchanges finish and are logged, exit 0, nothing lost', async () => {
    backend = await startBackend();
    c = await startCluster({ nodes: 2, nginx: true, env: { VAMCO_DRAIN_TIMEOUT: '4s' } });
    const key = await c.registerExchange(backend.url);
    const [a] = c.nodes;
    const call = (base: string, path: string, id: string) => fetch(`${base}/r1/DEV/${SERVICE}/${path}`, {
      headers: { 'x-road-client': `DEV/${CLIENT}`, 'x-api-key': key, 'x-road-id': id },
    }).then(async (r) => ({ status: r.status, body: await r.text() }));
    // Both nodes know the service before the load starts.
    for (const n of c.nodes) {
      const deadline = Date.now() + 60_000;
      while ((await call(n.gatewayUrl, 'warm', `warm-${n.index}-${Date.now()}`)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`node ${n.index} never served the service`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    let exited = false;
    let exitAt = -1;
    const done = a.exited.then((code) => { exited = true; return code; });
    // The load goes on until 100 more exchanges were answered after the node exited (by the other node).
    const run = load(c.nginxUrl!, key, {
      connections: 6, prefix: 'drain',
      stop: (n) => { if (exited && exitAt < 0) exitAt = n; return exitAt >= 0 && n >= exitAt + 100; },
    });

    // Let traffic flow through both nodes, then: an exchange still in progress at SIGTERM.
    const deadline = Date.now() + 120_000;
    while (backend.seen.filter((s) => s.url.includes('/item/')).length < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Longer than the drain period: still in progress when the node stops accepting.
    const slow = call(a.gatewayUrl, 'slow/7000', 'drain-in-flight');
    while (!backend.seen.some((s) => s.headers['x-road-id'] === 'drain-in-flight')) await new Promise((r) => setTimeout(r, 20));
    a.child.kill('SIGTERM');

    // Draining: not ready, yet still serving.
    let readyz = 0;
    while (readyz !== 503) {
      readyz = (await fetch(`${a.gatewayUrl}/readyz`)).status;
      expect(exited).toBe(false);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await fetch(`${a.adminUrl}/readyz`)).status).toBe(503);
    expect((await call(a.gatewayUrl, 'during-drain', 'drain-served')).status).toBe(200);

    expect(await done).toBe(0);
    const r = await run;
    expect(await slow).toMatchObject({ status: 200 });
    // Nothing failed through the balancer, before, during or after the drain.
    expect(r.errors).toEqual([]);
    expect(r.answered.filter((x) => x.status !== 200)).toEqual([]);
    // The other node answered the last ones: their records reach the store from its journal.
    await c.shipped();
    const ids = await c.loggedIds();
    expect([...r.answered.map((x) => x.id), 'drain-in-flight', 'drain-served'].filter((id) => !ids.has(id))).toEqual([]);
  });
});
