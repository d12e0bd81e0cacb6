// Shared rate limits (issue 13, item 4): with VAMCO_REDIS_URL, two nodes behind nginx enforce
// one limit for the cluster, exactly — not the limit once per node. The shared budget towards a
// republished upstream (issue 16, item 4: "agencies together never exceed what the nation granted
// the province") counts in the same Redis, so it holds across nodes too.
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, SERVICE, CLIENT, type Cluster } from './harness.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';

describe('rate limits across nodes', () => {
  let c: Cluster | undefined;
  let backend: TestBackend | undefined;
  afterEach(async () => { await c?.close(); await backend?.close(); c = undefined; });

  it('two nodes on Redis allow exactly the limit between them, through nginx and directly', async () => {
    backend = await startBackend();
    c = await startCluster({ nodes: 2, redis: true, nginx: true });
    // Per hour: however long the burst takes on a busy machine, no point comes back during it.
    const key = await c.registerExchange(backend.url, { rateLimit: '30/h' });
    const call = async (base: string) => {
      const r = await fetch(`${base}/r1/DEV/${SERVICE}/n`, { headers: { 'x-road-client': `DEV/${CLIENT}`, 'x-api-key': key } });
      await r.arrayBuffer();
      return r.status;
    };
    // Both nodes must know the service before the burst (snapshot polling).
    await c.registryLoaded();
    const before = backend.seen.length;
    // 40 through nginx (round robin over both nodes), 20 straight to each node, all at once.
    const statuses = await Promise.all([
      ...Array.from({ length: 40 }, () => call(c!.nginxUrl!)),
      ...Array.from({ length: 20 }, () => call(c!.nodes[0].gatewayUrl)),
      ...Array.from({ length: 20 }, () => call(c!.nodes[1].gatewayUrl)),
    ]);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    expect(backend.seen.length - before).toBe(30);
    // Both nodes took part (each alone would have allowed 30), and their counts add up to it.
    const counted = await Promise.all(c.nodes.map(async (n) => {
      const m = await (await fetch(`${n.adminUrl}/metrics`)).text();
      const sum = (cls: string) => [...m.matchAll(new RegExp(`^vamco_requests_total\\{[^}]*status_class="${cls}"[^}]*\\} (\\d+)`, 'gm'))].reduce((a, x) => a + Number(x[1]), 0);
      return { ok: sum('2xx'), limited: sum('4xx') };
    }));
    expect(counted.every((x) => x.ok + x.limited >= 20), JSON.stringify(counted)).toBe(true);
    expect(counted[0].ok + counted[1].ok).toBe(30);
  });

  it('a shared upstream budget holds across two nodes on Redis: the backend sees exactly the budget, the rest get UPSTREAM_BUDGET_EXHAUSTED', async () => {
    backend = await startBackend();
    c = await startCluster({ nodes: 2, redis: true });
    // No rate limit to speak of: only the budget towards the upstream can refuse.
    const key = await c.registerExchange(backend.url, { backendAuth: { scheme: 'none', budget: '12/h' } });
    await c.registryLoaded();
    const call = async (base: string) => {
      const r = await fetch(`${base}/r1/DEV/${SERVICE}/b`, { headers: { 'x-road-client': `DEV/${CLIENT}`, 'x-api-key': key } });
      const body = await r.text();
      return { status: r.status, code: r.status === 200 ? null : (JSON.parse(body) as { code?: string }).code };
    };
    const before = backend.seen.length;
    const answers = await Promise.all(c.nodes.flatMap((n) => Array.from({ length: 15 }, () => call(n.gatewayUrl))));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(12);
    expect(answers.filter((a) => a.status !== 200)).toEqual(Array.from({ length: 18 }, () => ({ status: 429, code: 'UPSTREAM_BUDGET_EXHAUSTED' })));
    expect(backend.seen.length - before).toBe(12);
  });
});
