// "Durable before answered" when the log cannot commit: the gateway answers 500 Server.NotReady —
// not the backend's answer, not the problem it would otherwise send — without calling the
// backend (its request record could not be made durable), /readyz says why, and the node
// records again once the log can commit. The fault is real: the node's journal (where records
// become durable) is moved away. The store's table moved away instead is no reason to refuse:
// the journal holds the records and ships them once the table is back (issue 13, item 1).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startBackend, type TestBackend } from './helpers/backend.js';
import { makeJournalUnwritable, makeMessageLogUnwritable } from './helpers/faults.js';
import { testEngines } from '../src/store/testing.js';
import { searchMessages } from '../src/audit/index.js';

const P = 'GOV/000.00.00.H59/hotich';
const C = 'GOV/000.00.00.H60/motcua';

describe.each(testEngines())('gateway while the message log cannot commit (%s)', (engine) => {
  let p: TestPlatform;
  let backend: TestBackend;
  let key: string;
  const call = async (svcPath: string, headers: Record<string, string> = {}) => {
    const res = await request(`${p.gatewayUrl}/r1/${p.instance}/${P}/${svcPath}`, {
      headers: { 'x-road-client': `${p.instance}/${C}`, 'x-api-key': key, ...headers },
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const adminOk = async (method: string, path: string, body?: unknown) => {
    const r = await p.admin(method, '/api/v1' + path, body);
    if (r.status >= 400) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const readyz = async () => {
    const r = await request(`${p.gatewayUrl}/readyz`);
    return { status: r.statusCode, body: await r.body.json() as { status: string; reason?: string } };
  };
  const until = async <T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const v = await fn();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** Runs `fn` while the log cannot commit, puts the log back whatever happens, and waits until the node says it is ready again. */
  const whileLogBroken = async (fn: () => Promise<void>) => {
    const restore = makeJournalUnwritable(p.dataDir);
    try { await fn(); } finally { await restore(); }
    await until('/readyz 200 after the log came back', readyz, (r) => r.status === 200);
  };

  beforeAll(async () => {
    backend = await startBackend();
    p = await startTestPlatform({ engine });
    await adminOk('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp' });
    await adminOk('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.H60', name: 'Văn phòng UBND tỉnh' });
    await adminOk('POST', '/subsystems', { id: P });
    await adminOk('POST', '/subsystems', { id: C });
    await adminOk('POST', '/services', { id: `${P}/echo`, url: backend.url });
    await adminOk('POST', '/services', { id: `${P}/closed`, url: backend.url });
    await adminOk('POST', '/access-rights', { service: `${P}/echo`, client: C });
    key = (await adminOk('POST', '/keys', { subsystem: C })).key;
    await p.snapshots.poll();
  });
  afterAll(async () => {
    await p?.stop();
    await backend?.close();
  });

  it('withholds the backend\'s answer and answers 500 Server.NotReady, then records again once the log can commit', async () => {
    await whileLogBroken(async () => {
      const r = await call('echo/x', { 'x-road-id': 'unlogged-ok' });
      expect([r.status, r.body.code, r.headers['x-road-error']]).toEqual([500, 'NOT_READY', 'Server.NotReady']);
      expect(r.headers['x-backend']).toBeUndefined();
      // Refused before the provider: the backend never saw it.
      expect(backend.seen.filter((s) => s.headers['x-road-id'] === 'unlogged-ok')).toEqual([]);
      const ready = await until('/readyz 503', readyz, (x) => x.status === 503);
      expect(ready.body.reason).toMatch(/message log cannot commit/);
      const again = await call('echo/x', { 'x-road-id': 'unlogged-ok-2' });
      expect([again.status, again.body.code, again.headers['x-road-error']]).toEqual([500, 'NOT_READY', 'Server.NotReady']);
      expect(again.body.message).toMatch(/message log/);
      expect(backend.seen.filter((s) => s.headers['x-road-id'] === 'unlogged-ok-2')).toEqual([]);
    });
    const again = await call('echo/x', { 'x-road-id': 'logged-again' });
    expect(again.status).toBe(200);
    await p.messageLog.flush();
    expect((await searchMessages(p.store, { messageId: 'logged-again' })).items).toHaveLength(1);
    expect((await searchMessages(p.store, { messageId: 'unlogged-ok' })).items).toHaveLength(0);
  });

  it('answers 500 Server.NotReady instead of the refusal it cannot record', async () => {
    await whileLogBroken(async () => {
      const refusals: [string, Record<string, string>][] = [
        ['closed/x', {}], // 500 ACCESS_DENIED when logged
        ['nosuch/x', {}], // 500 SERVICE_NOT_FOUND
        ['echo/x', { 'x-api-key': 'vmk_wrong' }], // 400 UNAUTHENTICATED
      ];
      for (const [path, headers] of refusals) {
        const r = await call(path, headers);
        expect([path, r.status, r.body.code]).toEqual([path, 500, 'NOT_READY']);
      }
    });
    const denied = await call('closed/x');
    expect([denied.status, denied.body.code]).toEqual([500, 'ACCESS_DENIED']);
  });

  it('keeps answering while the store cannot take the log, says so on the admin /readyz, and ships every record once it can', async () => {
    const restore = await makeMessageLogUnwritable(p.store);
    const ids = ['store-away-1', 'store-away-2', 'store-away-3'];
    try {
      for (const id of ids) {
        const r = await call('echo/x', { 'x-road-id': id });
        expect([id, r.status]).toEqual([id, 200]);
      }
      expect(ids.every((id) => backend.seen.some((s) => s.headers['x-road-id'] === id))).toBe(true);
      // Still ready: a balancer must not take away a node that serves; the backlog is visible.
      expect((await readyz()).status).toBe(200);
      const admin = await until('the admin /readyz to show the backlog', async () => {
        const r = await request(`${p.adminUrl}/readyz`);
        return { status: r.statusCode, body: await r.body.json() as { journal?: { backlog: number; shipping: string } } };
      }, (x) => (x.body.journal?.backlog ?? 0) >= ids.length * 2 && /failing/.test(x.body.journal?.shipping ?? ''));
      expect(admin.status).toBe(200);
      const metrics = await (await request(`${p.adminUrl}/metrics`, { headers: { authorization: `Bearer ${p.adminToken}` } })).body.text();
      expect(metrics).toMatch(/vamco_journal_shipping_failing\{[^}]*\} 1/);
    } finally {
      await restore();
    }
    await p.messageLog.flush();
    for (const id of ids) {
      const rows = await p.store.db.selectFrom('message_log').select('status').where('message_id', '=', id).orderBy('seq').execute();
      expect([id, rows.map((r) => r.status)]).toEqual([id, [0, 200]]);
    }
    const { verifyStore } = await import('../src/audit/index.js');
    expect(await verifyStore(p.store)).toMatchObject({ ok: true });
  });
});
