// Race-free start (issue 13, item 4): two nodes started at the same moment on an empty database
// both come up, 10 times out of 10; the first admin's one-time password is shown by exactly the
// node that created the account; the demo and publicadmin services name no node, so each node
// calls its own backends and a restart re-points nothing; `vamco user reset-password admin`
// works from the other node.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './harness.js';

const DEMO_SERVICE = 'GOV/000.00.00.H59/hotich/khaisinh';
const DEMO_CLIENT = 'GOV/000.00.00.H60/motcua';
const TRIALS = 10;

describe('concurrent first start', () => {
  let c: Cluster | undefined;
  afterEach(async () => { await c?.close(); c = undefined; });

  // One test per trial (each with the suite's own deadline): 10 of 10 must pass.
  it.each(Array.from({ length: TRIALS }, (_, i) => i + 1))(`two nodes on an empty database both start (trial %i of ${TRIALS})`, async (trial) => {
    {
      // The publicadmin wing on: its built-in registration is what raced (ALREADY_EXISTS).
      c = await startCluster({ nodes: 2, start: false, demo: true, env: { VAMCO_PUBLICADMIN: '1' } });
      const started = await Promise.allSettled([c.startNode(0), c.startNode(1)]);
      expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok')), `trial ${trial}`).toEqual(['ok', 'ok']);
      const banners = c.nodes.map((n) => n.output());
      const withPassword = banners.filter((b) => /one-time password "[^"]+"/.test(b));
      expect(withPassword, `trial ${trial}: one banner shows the first admin's password`).toHaveLength(1);
      const creator = banners.findIndex((b) => /one-time password/.test(b));
      const users = await c.query<{ username: string }>('select username from users');
      expect(users).toEqual([{ username: 'admin' }]);
      // Registered once, by name, not by a node's port.
      const urls = await c.query<{ url: string }>(`select url from services order by url`);
      expect(urls.map((u) => new URL(u.url).hostname)).toEqual(expect.arrayContaining(['demo.vamco.invalid', 'publicadmin.vamco.invalid']));
      expect(urls.filter((u) => /127\.0\.0\.1/.test(u.url))).toEqual([]);

      if (trial === 1) {
        // The demo key is in the data dir of the node that registered the demo.
        const keyFile = c.dataDirs.map((d) => path.join(d, 'demo-key')).find((f) => fs.existsSync(f))!;
        const key = fs.readFileSync(keyFile, 'utf8').trim();
        const callDemo = async (i: number) => {
          const r = await fetch(`${c!.nodes[i].gatewayUrl}/r1/DEV/${DEMO_SERVICE}`, { headers: { 'x-road-client': `DEV/${DEMO_CLIENT}`, 'x-api-key': key } });
          return { status: r.status, body: await r.text() };
        };
        for (const i of [0, 1]) { const r = await callDemo(i); expect(r.status, `node ${i}: ${r.body}`).toBe(200); }
        const trail = async () => (await c!.query<{ n: number }>(`select count(*)::int as n from admin_audit where actor like 'system:%'`))[0].n;
        const entries = await trail();
        // Node 0 restarted (stopped cleanly, started again): node 1 still reaches its own demo
        // backend meanwhile and after, and the restart wrote nothing to the admin trail.
        expect(await c.stopNode(0, 'SIGTERM')).toBe(0);
        expect((await callDemo(1)).status).toBe(200);
        await c.restartNode(0);
        expect((await callDemo(1)).status).toBe(200);
        expect((await callDemo(0)).status).toBe(200);
        expect(await trail()).toBe(entries);
        // The one-time password can be replaced from either node, not only the one that made it.
        const other = creator === 0 ? 1 : 0;
        const reset = await c.cli(['user', 'reset-password', 'admin'], other);
        expect(reset.stderr).toBe('');
        expect(reset.stdout).toMatch(/^user admin, one-time password: \S+/);
      }
      await c.close();
      c = undefined;
    }
  });
});
