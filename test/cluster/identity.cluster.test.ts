// One identity per node (issue 13, item 3): a second process on a live node's data dir, and a
// copy of a live node's key (a cloned data dir), both refuse to start with the reason; a node
// killed with -9 starts again at once in place. Admin tokens and metrics across nodes (item 4).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './harness.js';
import { startVamco } from '../helpers/vamco-process.js';

describe('node identity across a cluster', () => {
  let c: Cluster | undefined;
  afterEach(async () => { await c?.close(); c = undefined; });

  it('refuses a second process on a data dir and a cloned node key; a crashed node restarts in place', async () => {
    c = await startCluster({ nodes: 1 });
    const [a] = c.nodes;

    // Same data dir, while the node runs: refused before the store is opened.
    await expect(startVamco(a.dataDir, c.env(0))).rejects.toThrow(new RegExp(`in use by process ${a.child.pid}.*one node per data dir`, 's'));

    // A clone: the live node's data dir copied elsewhere (its key with it), same database.
    const clone = path.join(c.dir, 'clone');
    fs.cpSync(a.dataDir, clone, { recursive: true });
    const cloneEnv = { ...c.env(0), VAMCO_DATA_DIR: clone };
    await expect(startVamco(clone, cloneEnv)).rejects.toThrow(new RegExp(`already running on .*data dir ${a.dataDir}, pid ${a.child.pid}.*cloned data dir`, 's'));

    // kill -9 frees the data-dir lock (the kernel's) and the same node takes its lease back.
    expect(await c.stopNode(0, 'SIGKILL')).toBeNull();
    const again = await c.startNode(0);
    // Ready once its first log probe committed (on a loaded machine a moment after the banner).
    const until = Date.now() + 60_000;
    for (let r = await fetch(again.gatewayUrl + '/readyz'); r.status !== 200; r = await fetch(again.gatewayUrl + '/readyz')) {
      const body = await r.text();
      if (Date.now() > until) throw new Error(`the restarted node is not ready after 60 s: ${r.status} ${body}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    // The clone is still refused: the lease is held again.
    await expect(startVamco(clone, cloneEnv)).rejects.toThrow(/already running on/);
  });

  it('accepts every node\'s admin token on every node and labels metrics by node', async () => {
    c = await startCluster({ nodes: 2 });
    const token = (i: number) => fs.readFileSync(path.join(c!.dataDirs[i], 'admin-token'), 'utf8').trim();
    expect(token(0)).not.toBe(token(1));
    for (const n of c.nodes) {
      for (const i of [0, 1]) {
        const r = await fetch(`${n.adminUrl}/api/v1/members`, { headers: { authorization: `Bearer ${token(i)}` } });
        expect(r.status, `node ${n.index} with node ${i}'s token`).toBe(200);
      }
      expect((await fetch(`${n.adminUrl}/api/v1/members`, { headers: { authorization: `Bearer ${token(0)}x` } })).status).toBe(401);
    }
    const ids = await c.query<{ node_id: string }>('select node_id from node_leases order by node_id');
    expect(ids).toHaveLength(2);
    for (const n of c.nodes) {
      const text = await (await fetch(`${n.adminUrl}/metrics`)).text();
      const labels = new Set([...text.matchAll(/node="([^"]+)"/g)].map((m) => m[1]));
      expect(labels.size).toBe(1);
      expect(ids.map((r) => r.node_id)).toContain([...labels][0]);
    }
  });
});
