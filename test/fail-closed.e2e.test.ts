// Fail closed before the provider (issue 13, item 2): a request record is durable (in the
// node's journal) before the backend sees the request; when the journal cannot commit — the
// disk full (a real 16 MB tmpfs filled to the last byte), the data dir removed, the journal
// moved away — the node refuses before any backend call (500 Server.NotReady, the X-Road
// fault), /readyz turns 503 and says why, and both recover by themselves once the cause goes
// away. A lock held on the store's log table (once a stall of every exchange) now holds none:
// the journal is the durable point (item 1). An exchange whose outcome could not be recorded
// after its backend call is reported by audit verify as interrupted, not as tampering.
// Mounting the tmpfs needs root (CI runs as root).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { request } from 'undici';
import pg from 'pg';
import Database from 'better-sqlite3';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { makeJournalUnwritable } from './helpers/faults.js';
import { tempDir, testEngines } from '../src/store/testing.js';
import { verifyStore } from '../src/audit/index.js';

const P = 'GOV/000.00.00.H59/hotich';
const C = 'GOV/000.00.00.H60/motcua';

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Node { p: TestPlatform; key: string }

async function setUp(p: TestPlatform, backendUrl: string): Promise<Node> {
  const adminOk = async (method: string, url: string, body?: unknown) => {
    const r = await p.admin(method, '/api/v1' + url, body);
    if (r.status >= 400) throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await adminOk('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' });
  await adminOk('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.H60', name: 'Văn phòng UBND tỉnh' });
  await adminOk('POST', '/subsystems', { id: P });
  await adminOk('POST', '/subsystems', { id: C });
  await adminOk('POST', '/services', { id: `${P}/echo`, url: backendUrl });
  await adminOk('POST', '/access-rights', { service: `${P}/echo`, client: C });
  const key = (await adminOk('POST', '/keys', { subsystem: C })).key as string;
  await p.snapshots.poll();
  return { p, key };
}

async function call(n: Node, svcPath: string, id: string) {
  const res = await request(`${n.p.gatewayUrl}/r1/${n.p.instance}/${P}/${svcPath}`, {
    method: 'POST', body: 'hello',
    headers: { 'x-road-client': `${n.p.instance}/${C}`, 'x-api-key': n.key, 'x-road-id': id, 'content-type': 'text/plain' },
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text.startsWith('{') ? JSON.parse(text) : text, xroadError: res.headers['x-road-error'] };
}

async function readyz(n: Node) {
  const r = await request(`${n.p.gatewayUrl}/readyz`);
  return { status: r.statusCode, body: await r.body.json() as { status: string; reason?: string } };
}

const seenIds = (b: TestBackend) => b.seen.map((s) => s.headers['x-road-id']);

/** Every call the backend saw has a request record (status 0) in the log. */
async function requestRecorded(p: TestPlatform, ids: string[]): Promise<string[]> {
  await p.messageLog.flush().catch(() => {});
  const rows = await p.store.db.selectFrom('message_log').select('message_id').where('status', '=', 0).execute();
  const have = new Set(rows.map((r) => r.message_id));
  return ids.filter((id) => !have.has(id));
}

describe('the node refuses before the provider when its data dir\'s disk is full', () => {
  const mounts: string[] = [];
  afterAll(() => {
    for (const m of mounts) { try { execFileSync('umount', ['-l', m]); fs.rmSync(m, { recursive: true, force: true }); } catch { /* already gone */ } }
  });

  it.each(testEngines())('%s: NOT_READY with no backend call, /readyz 503 naming the full disk, recovers when space is freed', async (engine) => {
    const dir = tempDir('vamco-tmpfs-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', dir]);
    mounts.push(dir);
    const backend = await startBackend();
    const p = await startTestPlatform({ engine, env: { VAMCO_DATA_DIR: dir } });
    try {
      const n = await setUp(p, backend.url);
      expect((await call(n, 'echo/x', 'before-full')).status).toBe(200);
      // Fill the file system to its last byte, and keep it full: a probe that was writing its
      // small file during the fill frees that space again when it removes the file.
      const filler = path.join(dir, 'filler');
      const fd = fs.openSync(filler, 'w');
      const chunk = Buffer.alloc(64 * 1024, 1);
      const topUp = () => {
        for (let size = chunk.length; size >= 1; size >>= 1) {
          try { for (;;) fs.writeSync(fd, chunk.subarray(0, size)); } catch (e) { expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC'); }
        }
      };
      topUp();
      const r = await until('/readyz 503', async () => { topUp(); return readyz(n); }, (x) => x.status === 503);
      expect(r.body.reason).toMatch(/disk is full/);
      topUp();
      const refused = await call(n, 'echo/x', 'while-full');
      expect([refused.status, refused.body.code, refused.xroadError]).toEqual([500, 'NOT_READY', 'Server.NotReady']);
      expect(seenIds(backend)).not.toContain('while-full');

      fs.closeSync(fd);
      fs.rmSync(filler);
      await until('/readyz 200 once space is freed', () => readyz(n), (x) => x.status === 200);
      expect((await call(n, 'echo/x', 'after-full')).status).toBe(200);
      expect(await requestRecorded(p, seenIds(backend) as string[])).toEqual([]);
      await p.messageLog.flush();
      expect(await verifyStore(p.store)).toMatchObject({ ok: true });
    } finally {
      await p.stop().catch(() => {});
      await backend.close();
    }
  });
});

describe.each(testEngines())('the node refuses before the provider when the log cannot commit (%s)', (engine) => {
  let backend: TestBackend;
  let n: Node;
  beforeAll(async () => {
    backend = await startBackend();
    // A short commit timeout keeps the lock test quick; the default is 5 s.
    const p = await startTestPlatform({ engine, env: { VAMCO_LOG_COMMIT_TIMEOUT: '1s' } });
    n = await setUp(p, backend.url);
  });
  afterAll(async () => {
    await n?.p.stop();
    await backend?.close();
  });

  it('makes each request record durable before the backend sees the request', async () => {
    const ids = ['ok-1', 'ok-2', 'ok-3'];
    for (const id of ids) expect((await call(n, 'echo/x', id)).status).toBe(200);
    expect(await requestRecorded(n.p, ids)).toEqual([]);
    // The request record comes first in the chain, its outcome after it.
    const rows = await n.p.store.db.selectFrom('message_log').select(['seq', 'status']).where('message_id', '=', 'ok-2').orderBy('seq').execute();
    expect(rows.map((r) => r.status)).toEqual([0, 200]);
  });

  it('answers while a lock holds the store\'s log table longer than VAMCO_LOG_COMMIT_TIMEOUT, stays ready, ships the records once it is released', async () => {
    const release = await holdLogLock(n.p, engine);
    try {
      for (const id of ['while-locked', 'while-locked-2']) {
        const r = await call(n, 'echo/x', id);
        expect([id, r.status]).toEqual([id, 200]);
        expect(seenIds(backend)).toContain(id);
      }
      // Past the commit timeout, still ready: the journal commits, only shipping waits.
      await new Promise((r) => setTimeout(r, 1500));
      expect((await readyz(n)).status).toBe(200);
      expect((await call(n, 'echo/x', 'while-locked-3')).status).toBe(200);
    } finally {
      await release();
    }
    await n.p.messageLog.flush();
    expect(await requestRecorded(n.p, ['while-locked', 'while-locked-2', 'while-locked-3'])).toEqual([]);
    const outcomes = await n.p.store.db.selectFrom('message_log').select('message_id').where('status', '=', 200).where('message_id', 'like', 'while-locked%').execute();
    expect(outcomes.map((o) => o.message_id).sort()).toEqual(['while-locked', 'while-locked-2', 'while-locked-3']);
    expect(await verifyStore(n.p.store)).toMatchObject({ ok: true });
  });

  it('reports an exchange whose outcome could not be recorded after its backend call as interrupted, not tampering', async () => {
    const pending = call(n, 'echo/slow/1500', 'interrupted-1');
    // The backend has the request (so its request record is durable); then the log breaks.
    await until('the backend to receive the request', async () => seenIds(backend), (ids) => ids.includes('interrupted-1'));
    const restore = makeJournalUnwritable(n.p.env.VAMCO_DATA_DIR);
    let answer: Awaited<ReturnType<typeof call>>;
    try {
      answer = await pending;
    } finally {
      await restore();
    }
    // No answer without its outcome record: the consumer gets 503, not the backend's 200.
    expect([answer.status, answer.body.code, answer.xroadError]).toEqual([500, 'NOT_READY', 'Server.NotReady']);
    await until('/readyz 200', () => readyz(n), (x) => x.status === 200);
    await n.p.messageLog.flush();
    const v = await verifyStore(n.p.store);
    expect(v.ok).toBe(true);
    expect(v.interruptedExchanges?.map((i) => i.messageId)).toContain('interrupted-1');
    const cli = await n.p.cli(['audit', 'verify']);
    expect(cli.stdout).toMatch(/^OK: /);
    expect(cli.stdout).toMatch(/interrupted exchanges/);
    expect(cli.stdout).toContain('interrupted-1');
  });

  it('refuses once the data dir is removed, and says so', async () => {
    const stash = n.p.env.VAMCO_DATA_DIR + '.moved';
    // Moved aside rather than deleted, so the platform's files can come back for the engines
    // whose log lives elsewhere (PostgreSQL).
    fs.renameSync(n.p.env.VAMCO_DATA_DIR, stash);
    try {
      const ready = await until('/readyz 503', () => readyz(n), (x) => x.status === 503);
      expect(ready.body.reason).toMatch(/data dir is gone|removed/);
      const r = await call(n, 'echo/x', 'dir-gone');
      expect([r.status, r.body.code, r.xroadError]).toEqual([500, 'NOT_READY', 'Server.NotReady']);
      expect(seenIds(backend)).not.toContain('dir-gone');
    } finally {
      fs.renameSync(stash, n.p.env.VAMCO_DATA_DIR);
    }
    await until('/readyz 200 once the data dir is back', () => readyz(n), (x) => x.status === 200);
    expect((await call(n, 'echo/x', 'dir-back')).status).toBe(200);
  });
});

/** Holds the log's write lock from another connection until the returned function runs. */
async function holdLogLock(p: TestPlatform, engine: string): Promise<() => Promise<void>> {
  if (engine === 'postgres') {
    const c = new pg.Client({ connectionString: p.env.VAMCO_DATABASE_URL });
    await c.connect();
    await c.query('begin');
    await c.query('lock table message_log in access exclusive mode');
    return async () => { await c.query('rollback'); await c.end(); };
  }
  const db = new Database(path.join(p.env.VAMCO_DATA_DIR, 'vamco.db'));
  db.exec('begin immediate');
  return async () => { db.exec('rollback'); db.close(); };
}
