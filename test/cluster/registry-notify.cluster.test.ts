// Registry change notifications over Redis (issue 13, item 4): two nodes on one PostgreSQL with
// VAMCO_REDIS_URL and a ten-minute VAMCO_SNAPSHOT_POLL, so only the announcement a change makes
// once committed can carry it to the other node in time. A change made through node A's admin
// API (access revoked, granted again, the API key revoked) is honoured by node B's gateway
// within a generous deadline; node B in worker mode (VAMCO_WORKERS) too, in every worker.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, SERVICE, CLIENT, type Cluster } from './harness.js';
import { startBackend, type TestBackend } from '../helpers/backend.js';

// Long enough that polling cannot be what carries a change within the test's deadlines.
const NO_POLL = { VAMCO_SNAPSHOT_POLL: '10m' };
const DEADLINE_MS = 15_000;

/** One call on a fresh connection (in worker mode each may reach another worker): status and error code. */
function call(base: string, key: string): Promise<{ status: number; code: string | null }> {
  const u = new URL(`${base}/r1/DEV/${SERVICE}/n`);
  return new Promise((resolve, reject) => {
    const req = http.request(u, { agent: false, headers: { 'x-road-client': `DEV/${CLIENT}`, 'x-api-key': key } }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => { body += b.toString(); });
      res.on('end', () => {
        let code: string | null = null;
        if (res.statusCode !== 200) try { code = (JSON.parse(body) as { code?: string }).code ?? null; } catch { /* not problem+json */ }
        resolve({ status: res.statusCode!, code });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Calls until `n` answers in a row have `code` (null: 200), or fails after the deadline with the last answer. */
async function honoured(base: string, key: string, code: string | null, what: string, n = 1): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  let inRow = 0;
  let last: unknown;
  for (;;) {
    const r = await call(base, key);
    last = r;
    inRow = (code === null ? r.status === 200 : r.code === code) ? inRow + 1 : 0;
    if (inRow >= n) return;
    if (Date.now() > deadline) throw new Error(`${what}: not honoured within ${DEADLINE_MS} ms (last answer ${JSON.stringify(last)})`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe('registry changes reach every node over Redis', () => {
  let c: Cluster | undefined;
  let backend: TestBackend | undefined;
  afterEach(async () => { await c?.close(); await backend?.close(); c = undefined; backend = undefined; });

  const admin = async (method: string, url: string, body?: unknown) => {
    const token = fs.readFileSync(path.join(c!.dataDirs[0], 'admin-token'), 'utf8').trim();
    const r = await fetch(`${c!.nodes[0].adminUrl}/api/v1${url}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
    return text ? JSON.parse(text) as Record<string, unknown> : {};
  };

  /** Registers before the nodes start (each loads it at start: nothing is announced by the harness's direct writes). */
  const setUp = async (bEnv: Record<string, string> = {}) => {
    backend = await startBackend();
    c = await startCluster({ nodes: 2, redis: true, start: false, env: NO_POLL });
    const key = await c.registerExchange(backend.url);
    await c.startNode(0);
    await c.startNode(1, bEnv);
    await c.registryLoaded();
    const [a, b] = c.nodes;
    expect(await call(b.gatewayUrl, key)).toEqual({ status: 200, code: null });
    return { key, a, b };
  };

  it('access revoked and granted again, then the key revoked, on node A: node B honours each at once, not at its poll', async () => {
    const { key, a, b } = await setUp();
    const rights = (await admin('GET', `/access-rights?service=${encodeURIComponent(SERVICE)}&client=${encodeURIComponent(CLIENT)}`)).items as { id: number }[];
    expect(rights).toHaveLength(1);

    await admin('DELETE', `/access-rights/${rights[0].id}`);
    await honoured(b.gatewayUrl, key, 'ACCESS_DENIED', 'access revoked on A, refused by B');
    // A's own gateway hears it in process (its poll is as long).
    await honoured(a.gatewayUrl, key, 'ACCESS_DENIED', 'access revoked on A, refused by A');

    await admin('POST', '/access-rights', { service: SERVICE, client: CLIENT });
    await honoured(b.gatewayUrl, key, null, 'access granted on A, allowed by B');

    const keys = (await admin('GET', `/keys?subsystem=${encodeURIComponent(CLIENT)}`)).items as { id: number }[];
    expect(keys).toHaveLength(1);
    await admin('DELETE', `/keys/${keys[0].id}`);
    await honoured(b.gatewayUrl, key, 'UNAUTHENTICATED', 'key revoked on A, refused by B');
  });

  it('node B in worker mode: every worker honours a key revoked on node A', async () => {
    const { key, b } = await setUp({ VAMCO_WORKERS: '2' });
    const keys = (await admin('GET', `/keys?subsystem=${encodeURIComponent(CLIENT)}`)).items as { id: number }[];
    await admin('DELETE', `/keys/${keys[0].id}`);
    // Six fresh connections in a row refused: the primary hands connections to its workers in turn.
    await honoured(b.gatewayUrl, key, 'UNAUTHENTICATED', 'key revoked on A, refused by every worker of B', 6);
  });
});
