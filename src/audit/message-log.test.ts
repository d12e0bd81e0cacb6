import { describe, it, expect, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { createTestStore, tempDir, testEngines } from '../store/testing.js';
import { openStore, type Store } from '../store/index.js';
import { checkpointSignatureOk, hashMessage } from './chain.js';
import { exchange } from './fixtures.js';
import { MessageLog, loadOrCreateNodeKey, recordAdminAction, verifyStore } from './index.js';
import crypto from 'node:crypto';

async function rows(store: Store, nodeId: string) {
  return store.db.selectFrom('message_log').selectAll().where('node_id', '=', nodeId).orderBy('seq').execute();
}

describe.each(testEngines())('message log on %s', (engine) => {
  it('commits concurrent appends in batches with contiguous seqs and a valid chain', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      const n = 700;
      const recs = Array.from({ length: n }, (_, i) => exchange(i + 1, i === 3
        // Values whose bytes could differ between engines if handled carelessly.
        ? { durationMs: 12345.6789, issue: 'Sở Tư pháp \u001f', path: '/a\uD800b', requestBody: Buffer.from('{"a":1}').toString('base64') }
        : {}));
      await Promise.all(recs.map((r) => log.append(r)));
      // Every append resolved: all must already be in the database.
      const stored = await rows(t.store, key.nodeId);
      expect(stored.map((r) => Number(r.seq))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(stored.map((r) => r.message_id)).toEqual(recs.map((r) => r.messageId));
      expect(stored[3].duration_ms).toBe(12345.679);
      expect(stored[3].path).toBe('/a\uFFFDb');
      expect(stored[0].prev_hash).toBe('0'.repeat(64));
      for (let i = 1; i < n; i++) expect(stored[i].prev_hash).toBe(stored[i - 1].hash);
      expect(log.stats).toMatchObject({ appended: n, pending: 0, lastSeq: n });
      expect(log.stats.batches).toBeGreaterThanOrEqual(3); // maxBatch 256
      expect(log.stats.batches).toBeLessThan(n);
      const v = await verifyStore(t.store);
      expect(v).toMatchObject({ ok: true, records: n });
      await log.close();
    } finally {
      await t.cleanup();
    }
  });

  it('rejects the appends of a failed commit and continues a valid chain after recovery', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      await Promise.all([1, 2, 3].map((i) => log.append(exchange(i))));

      await sql`alter table message_log rename to message_log_away`.execute(t.store.db);
      const failed = await Promise.allSettled([4, 5, 6].map((i) => log.append(exchange(i))));
      expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'NOT_READY' });
      expect(log.stats).toMatchObject({ lastSeq: 3, pending: 0, appended: 3 });
      // flush reports a failure of what it waited for.
      const more = log.append(exchange(7));
      more.catch(() => {});
      await expect(log.flush()).rejects.toMatchObject({ code: 'NOT_READY' });
      await expect(more).rejects.toMatchObject({ code: 'NOT_READY' });
      await sql`alter table message_log_away rename to message_log`.execute(t.store.db);

      await Promise.all([8, 9].map((i) => log.append(exchange(i))));
      const stored = await rows(t.store, key.nodeId);
      expect(stored.map((r) => [Number(r.seq), r.message_id])).toEqual([[1, 'msg-1'], [2, 'msg-2'], [3, 'msg-3'], [4, 'msg-8'], [5, 'msg-9']]);
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 5 });
      await log.close();
    } finally {
      await t.cleanup();
    }
  });

  it('takes the head from the database after a failure whose outcome was unknown', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      await log.append(exchange(1));
      await sql`alter table message_log rename to message_log_away`.execute(t.store.db);
      await expect(log.append(exchange(2))).rejects.toMatchObject({ code: 'NOT_READY' });
      await sql`alter table message_log_away rename to message_log`.execute(t.store.db);
      // As if the failed commit had landed after all: record 2 is in the database.
      const head = (await rows(t.store, key.nodeId))[0];
      const landed = { ...head, seq: 2, message_id: 'msg-2', prev_hash: head.hash, hash: '' };
      landed.hash = hashMessage(landed);
      await t.store.db.insertInto('message_log').values(landed).execute();

      await log.append(exchange(3));
      const stored = await rows(t.store, key.nodeId);
      expect(stored.map((r) => [Number(r.seq), r.message_id])).toEqual([[1, 'msg-1'], [2, 'msg-2'], [3, 'msg-3']]);
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 3 });
      await log.close();
    } finally {
      await t.cleanup();
    }
  });

  it('resumes the chain when reopened and signs checkpoints only when the head moved', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const a = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      await Promise.all([1, 2, 3].map((i) => a.append(exchange(i))));
      await a.checkpoint();
      await a.checkpoint();
      await a.close();
      let cps = await t.store.db.selectFrom('log_checkpoints').selectAll().execute();
      expect(cps.map((c) => [c.chain, c.node_id, Number(c.seq)])).toEqual([['message', key.nodeId, 3]]);
      const pub = crypto.createPublicKey(key.publicKeyPem);
      expect(checkpointSignatureOk(pub, { ...cps[0], seq: Number(cps[0].seq) })).toBe(true);

      const b = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      expect(b.stats.lastSeq).toBe(3);
      await Promise.all([4, 5].map((i) => b.append(exchange(i))));
      await b.close(); // final checkpoint
      await expect(b.append(exchange(6))).rejects.toMatchObject({ code: 'NOT_READY' });
      cps = await t.store.db.selectFrom('log_checkpoints').selectAll().orderBy('seq').execute();
      expect(cps.map((c) => Number(c.seq))).toEqual([3, 5]);
      const stored = await rows(t.store, key.nodeId);
      expect(stored.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5]);
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 5, checkpoints: 2 });
    } finally {
      await t.cleanup();
    }
  });

  it('signs on its timer and checkpoints the admin trail head when it moved', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 50 });
      await log.append(exchange(1));
      await t.store.db.transaction().execute((trx) => recordAdminAction(trx, engine, { actor: 'admin', action: 'member.create', target: 'GOV/1' }));
      const deadline = Date.now() + 5000;
      let cps: Array<{ chain: string; seq: number }> = [];
      while (Date.now() < deadline) {
        cps = await t.store.db.selectFrom('log_checkpoints').select(['chain', 'seq']).orderBy('chain').execute();
        if (cps.length >= 2) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(cps.map((c) => [c.chain, Number(c.seq)])).toEqual([['admin', 1], ['message', 1]]);
      await log.close();
      expect(await t.store.db.selectFrom('log_checkpoints').select('seq').execute()).toHaveLength(2);
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 1, adminRecords: 1, checkpoints: 2 });
    } finally {
      await t.cleanup();
    }
  });

  it('keeps one valid chain per node when two processes with their own keys share the database', async () => {
    const t = await createTestStore(engine);
    const other = openStore({ dataDir: t.dataDir, databaseUrl: t.databaseUrl });
    try {
      const k1 = await loadOrCreateNodeKey(t.store, t.dataDir);
      const k2 = await loadOrCreateNodeKey(other, tempDir());
      expect(k2.nodeId).not.toBe(k1.nodeId);
      const l1 = await MessageLog.open(t.store, k1, { checkpointIntervalMs: 0, maxBatch: 16 });
      const l2 = await MessageLog.open(other, k2, { checkpointIntervalMs: 0, maxBatch: 16 });
      const work: Promise<unknown>[] = [];
      for (let i = 1; i <= 100; i++) { work.push(l1.append(exchange(i))); work.push(l2.append(exchange(1000 + i))); }
      await Promise.all(work);
      await l1.close();
      await l2.close();
      for (const k of [k1, k2]) expect((await rows(t.store, k.nodeId)).map((r) => Number(r.seq))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 200, checkpoints: 2 });
    } finally {
      await other.close();
      await t.cleanup();
    }
  });

  it('keeps its commits out of a registry transaction open on the same connection', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      let appended: Promise<unknown> | undefined;
      await expect(t.store.db.transaction().execute(async (trx) => {
        await trx.insertInto('members').values({ member_class: 'GOV', member_code: 'H59', name: 'x', created_at: new Date().toISOString() }).execute();
        appended = log.append(exchange(1));
        await new Promise((r) => setTimeout(r, 30));
        throw new Error('rolled back');
      })).rejects.toThrow('rolled back');
      await appended;
      expect(await t.store.db.selectFrom('members').selectAll().execute()).toEqual([]);
      expect((await rows(t.store, key.nodeId)).map((r) => r.message_id)).toEqual(['msg-1']);
      await log.close();
    } finally {
      await t.cleanup();
    }
  });

  it('refuses a record it could not store without failing the rest of its batch', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      const results = await Promise.allSettled([
        log.append(exchange(1)),
        log.append(exchange(2, { path: '/a\u0000b' })),
        log.append(exchange(3, { status: 70000 })),
        log.append(exchange(4, { at: 'not a time' })),
        log.append(exchange(5)),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
      expect((await rows(t.store, key.nodeId)).map((r) => [Number(r.seq), r.message_id])).toEqual([[1, 'msg-1'], [2, 'msg-5']]);
      await log.close();
    } finally {
      await t.cleanup();
    }
  });

  it('verifies clean while records and checkpoints are being written', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 1, maxBatch: 8 });
      let stop = false;
      const writer = (async () => {
        let i = 0;
        while (!stop) {
          await Promise.all(Array.from({ length: 8 }, () => log.append(exchange(++i))));
          await log.checkpoint();
        }
      })();
      for (let k = 0; k < 5; k++) {
        const v = await verifyStore(t.store);
        expect(v.ok, JSON.stringify(v.firstBad)).toBe(true);
      }
      stop = true;
      await writer;
      await log.close();
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: log.stats.lastSeq });
    } finally {
      await t.cleanup();
    }
  });
});

describe('message log durability on SQLite', () => {
  // A SIGKILL keeps page-cache writes, so only the setting itself shows that a commit waits for
  // the disk (synchronous=FULL, 2) on every connection that writes the log: the store's (checkpoints,
  // trail) and the writer thread's (records).
  it('writes on connections whose synchronous setting is FULL, in WAL mode', async () => {
    const t = await createTestStore('sqlite');
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      await log.append(exchange(1));
      expect(await log.sqliteDurability()).toEqual([
        { connection: 'store', settings: { synchronous: 2, journalMode: 'wal' } },
        { connection: 'writer thread', settings: { synchronous: 2, journalMode: 'wal' } },
      ]);
      await log.close();
    } finally {
      await t.cleanup();
    }
  });
});

// With a journal, batches overlap (issue 15): a record arriving while a batch is written goes to
// the disk at once instead of waiting for that write, acknowledged in order all the same.
describe('message log on a journal', () => {
  type Held = { fd: number; buf: Buffer; off: number; len: number; pos: number; cb: (e: NodeJS.ErrnoException | null, n: number) => void };
  async function heldJournalLog() {
    const t = await createTestStore('sqlite');
    const key = await loadOrCreateNodeKey(t.store, t.dataDir);
    const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0, journal: { dir: path.join(t.dataDir, 'journal') } });
    const held: Held[] = [];
    const real = fs.write;
    const spy = vi.spyOn(fs, 'write').mockImplementation(((fd: number, buf: Buffer, off: number, len: number, pos: number, cb: Held['cb']) => {
      held.push({ fd, buf, off, len, pos, cb });
    }) as unknown as typeof fs.write);
    const land = (w: Held) => new Promise<void>((resolve) => real(w.fd, w.buf, w.off, w.len, w.pos, (e, n) => { w.cb(e, n); resolve(); }));
    const writes = async (n: number) => {
      const deadline = Date.now() + 30_000;
      while (held.length < n) {
        if (Date.now() > deadline) throw new Error(`gave up waiting for ${n} journal writes (saw ${held.length})`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    return { t, key, log, held, land, writes, restore: () => spy.mockRestore() };
  }
  const state = (p: Promise<unknown>) => Promise.race([p.then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r('pending'), 100))]);

  it('writes a record arriving during a write at once, at most two batches in flight, acknowledged in chain order', async () => {
    const h = await heldJournalLog();
    try {
      const first = h.log.append(exchange(1));
      await h.writes(1);
      const second = h.log.append(exchange(2));
      await h.writes(2);
      // Two in flight: the third waits for one of them.
      const third = h.log.append(exchange(3));
      expect(await state(third)).toBe('pending');
      expect(h.held).toHaveLength(2);
      await h.land(h.held[1]);
      expect(await state(second)).toBe('pending');
      await h.land(h.held[0]);
      expect(await first).toMatchObject({ seq: 1 });
      expect(await second).toMatchObject({ seq: 2 });
      await h.writes(3);
      await h.land(h.held[2]);
      expect(await third).toMatchObject({ seq: 3 });
      h.restore();
      await h.log.flush();
      expect((await rows(h.t.store, h.key.nodeId)).map((r) => Number(r.seq))).toEqual([1, 2, 3]);
      expect(await verifyStore(h.t.store)).toMatchObject({ ok: true, records: 3 });
      await h.log.close();
    } finally {
      h.restore();
      await h.t.cleanup();
    }
  });

  it('refuses the records of every batch in flight after a failed one, then continues the chain from the durable head', async () => {
    const h = await heldJournalLog();
    try {
      const ok = h.log.append(exchange(1));
      await h.writes(1);
      await h.land(h.held[0]);
      expect(await ok).toMatchObject({ seq: 1 });
      const failed = h.log.append(exchange(2));
      await h.writes(2);
      const after = h.log.append(exchange(3));
      await h.writes(3);
      // The later batch reaches the disk; the earlier one fails.
      await h.land(h.held[2]);
      h.held[1].cb(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }), 0);
      await expect(failed).rejects.toMatchObject({ code: 'NOT_READY' });
      await expect(after).rejects.toMatchObject({ code: 'NOT_READY' });
      h.restore();
      expect(await h.log.append(exchange(4))).toMatchObject({ seq: 2 });
      await h.log.flush();
      const stored = await rows(h.t.store, h.key.nodeId);
      expect(stored.map((r) => r.message_id)).toEqual([exchange(1).messageId, exchange(4).messageId]);
      expect(await verifyStore(h.t.store)).toMatchObject({ ok: true, records: 2 });
      await h.log.close();
    } finally {
      h.restore();
      await h.t.cleanup();
    }
  });
});
