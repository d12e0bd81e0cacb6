import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStore, tempDir, testEngines, type TestStore } from '../store/testing.js';
import { lockDataDir, acquireNodeLease, registerAdminToken, ClusterAdminTokens, LOCK_INFO_FILE } from './index.js';
import path from 'node:path';

describe('data dir lock', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

  it('refuses a second holder, names the first, and is free again after release', () => {
    const dir = tempDir('vamco-lock-');
    dirs.push(dir);
    const first = lockDataDir(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_INFO_FILE), 'utf8')).pid).toBe(process.pid);
    expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: 'NODE_ALREADY_RUNNING', message: expect.stringContaining(`process ${process.pid}`) }));
    first.release();
    expect(fs.existsSync(path.join(dir, LOCK_INFO_FILE))).toBe(false);
    lockDataDir(dir).release();
  });
});

describe.each(testEngines())('node lease (%s)', (engine) => {
  let t: TestStore;
  afterEach(async () => { await t?.cleanup(); });

  it('refuses the same key live elsewhere, takes back its own, and takes an expired one', async () => {
    t = await createTestStore(engine);
    const a = await acquireNodeLease(t.store, 'n1', { dataDir: '/srv/a', ttlMs: 60_000, host: 'h1' });
    // A clone: same key, another host (or another dir on this host).
    await expect(acquireNodeLease(t.store, 'n1', { dataDir: '/srv/a', ttlMs: 60_000, host: 'h2' }))
      .rejects.toMatchObject({ code: 'NODE_ALREADY_RUNNING', message: expect.stringContaining('already running on h1 (data dir /srv/a') });
    await expect(acquireNodeLease(t.store, 'n1', { dataDir: '/srv/copy', ttlMs: 60_000, host: 'h1' })).rejects.toMatchObject({ code: 'NODE_ALREADY_RUNNING' });
    // Another node id is not affected.
    const other = await acquireNodeLease(t.store, 'n2', { dataDir: '/srv/b', ttlMs: 60_000, host: 'h2' });
    // The same node restarted in place (after kill -9 its data-dir lock is free) takes its lease back.
    const again = await acquireNodeLease(t.store, 'n1', { dataDir: '/srv/a', ttlMs: 60_000, host: 'h1' });
    // A lease not renewed within its time is free: the clone may start then.
    const later = () => Date.now() + 61_000;
    const clone = await acquireNodeLease(t.store, 'n1', { dataDir: '/srv/a', ttlMs: 60_000, host: 'h2', now: later });
    await Promise.all([a.release(), again.release(), other.release(), clone.release()]);
  });

  it('a renewal that finds the lease taken marks the node as not holding it', async () => {
    t = await createTestStore(engine);
    const a = await acquireNodeLease(t.store, 'n1', { dataDir: '/srv/a', ttlMs: 300, host: 'h1' });
    expect(a.held()).toBe(true);
    await t.store.db.updateTable('node_leases').set({ holder: 'h9:/elsewhere' }).execute();
    const deadline = Date.now() + 30_000;
    while (a.held() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(a.held()).toBe(false);
    await a.release();
    // Release deletes only its own lease.
    expect(await t.store.db.selectFrom('node_leases').select('holder').execute()).toEqual([{ holder: 'h9:/elsewhere' }]);
  });

  it('a clean release frees the key for another holder at once', async () => {
    t = await createTestStore(engine);
    const a = await acquireNodeLease(t.store, 'n1', { dataDir: '/srv/a', ttlMs: 60_000, host: 'h1' });
    await a.release();
    (await acquireNodeLease(t.store, 'n1', { dataDir: '/srv/b', ttlMs: 60_000, host: 'h2' })).release();
  });

  it('accepts any node\'s admin token, and no other', async () => {
    t = await createTestStore(engine);
    const tokens = new ClusterAdminTokens(t.store, 0);
    const tok = 'vat_' + 'x'.repeat(40);
    expect(await tokens.matches(tok)).toBe(false);
    await registerAdminToken(t.store, 'n2', tok);
    expect(await tokens.matches(tok)).toBe(true);
    expect(await tokens.matches(tok + 'y')).toBe(false);
    expect(await tokens.matches('')).toBe(false);
    // A node's new token replaces its old one.
    await registerAdminToken(t.store, 'n2', 'vat_' + 'z'.repeat(40));
    expect(await tokens.matches(tok)).toBe(false);
  });
});
