import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { createTestStore, testEngines } from '../store/testing.js';
import { Journal, segmentName } from './journal.js';
import { Shipper } from './shipper.js';
import { readMessageHead, storeWriter, MessageLog } from './message-log.js';
import { exchange } from './fixtures.js';
import { loadOrCreateNodeKey, loadOrCreateNodeKeyFile, verifyStore } from './index.js';
import type { Store } from '../store/index.js';
import type { NodeKey } from './types.js';
import { sql } from 'kysely';

const stored = async (store: Store, nodeId: string) => (await store.db.selectFrom('message_log').select(['seq', 'message_id'])
  .where('node_id', '=', nodeId).orderBy('seq').execute()).map((r) => Number(r.seq));
const until = async (what: string, ok: () => Promise<boolean> | boolean) => {
  const deadline = Date.now() + 30_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Three exchanges logged while the store is away (none stored), then resume: all three shipped, and the store verifies. */
async function loggedOfflineThenShipped(store: Store, nodeId: string, log: MessageLog): Promise<void> {
  await Promise.all([1, 2, 3].map((i) => log.append(exchange(i))));
  expect(await stored(store, nodeId)).toEqual([]);
  await log.resume();
  await log.flush();
  await log.close();
  expect(await stored(store, nodeId)).toEqual([1, 2, 3]);
  expect(await verifyStore(store)).toMatchObject({ ok: true, records: 3 });
}

/** Journal options for a dir in the test's data dir, and copies of such dirs (a data dir's backup). */
function dirs(dataDir: string) {
  return {
    at: (name: string) => ({ checkpointIntervalMs: 0, journal: { dir: path.join(dataDir, name) } }),
    copy: (from: string, to: string) => fs.cpSync(path.join(dataDir, from), path.join(dataDir, to), { recursive: true }),
  };
}

/** The live node's journal ("journal") logs 3 exchanges, backed up then as "three", and 2 more: all 5 shipped. */
async function liveWithBackup(store: Store, key: NodeKey, dataDir: string): Promise<void> {
  const { at, copy } = dirs(dataDir);
  const live = await MessageLog.open(store, key, at('journal'));
  await Promise.all([1, 2, 3].map((i) => live.append(exchange(i))));
  await live.flush();
  copy('journal', 'three');
  await Promise.all([4, 5].map((i) => live.append(exchange(i))));
  await live.flush();
  await live.close();
  expect(await stored(store, key.nodeId)).toEqual([1, 2, 3, 4, 5]);
}

/** The data dir's key logs 3 exchanges into "journal", all shipped: the old node of a key replacement. */
async function shippedThree(store: Store, dataDir: string): Promise<{ journalDir: string; old: NodeKey }> {
  const journalDir = path.join(dataDir, 'journal');
  const old = await loadOrCreateNodeKey(store, dataDir);
  const log = await MessageLog.open(store, old, dirs(dataDir).at('journal'));
  await Promise.all([1, 2, 3].map((i) => log.append(exchange(i))));
  await log.flush();
  await log.close();
  expect(await stored(store, old.nodeId)).toEqual([1, 2, 3]);
  return { journalDir, old };
}

describe.each(testEngines())('journal shipping into %s', (engine) => {
  it('answers appends from the journal and ships every record once, in order, into a store that verifies', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0, journal: { dir: path.join(t.dataDir, 'journal') } });
      await Promise.all(Array.from({ length: 600 }, (_, i) => log.append(exchange(i + 1))));
      await log.flush();
      expect(await stored(t.store, key.nodeId)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
      expect(log.shipping).toEqual({ backlog: 0, shippedSeq: 600, error: null });
      await log.checkpoint();
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 600, checkpoints: 1 });
      await log.close();
      // Reopened: continues the chain from the journal.
      const again = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0, journal: { dir: path.join(t.dataDir, 'journal') } });
      await again.append(exchange(601));
      await again.close();
      expect((await stored(t.store, key.nodeId)).length).toBe(601);
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 601 });
    } finally {
      await t.cleanup();
    }
  });

  it('offers each record to the store once across rounds and a restart: a double ship is seen even though the store would ignore it', async () => {
    const t = await createTestStore(engine);
    try {
      // The store ignores a (node_id, seq) it holds, so a record shipped twice leaves no trace in
      // message_log: a trigger that fires for every row offered, kept or ignored, counts offers.
      await sql`create table ship_offers (node_id text not null, seq bigint not null)`.execute(t.store.db);
      if (t.store.engine === 'postgres') {
        await sql`create function count_offer() returns trigger language plpgsql as $$ begin insert into ship_offers values (new.node_id, new.seq); return new; end $$`.execute(t.store.db);
        await sql`create trigger count_offer before insert on message_log for each row execute function count_offer()`.execute(t.store.db);
      } else {
        await sql`create trigger count_offer before insert on message_log begin insert into ship_offers values (new.node_id, new.seq); end`.execute(t.store.db);
      }
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const dir = path.join(t.dataDir, 'journal');
      const open = () => MessageLog.open(t.store, key, { checkpointIntervalMs: 0, journal: { dir } });
      let log = await open();
      let n = 0;
      // Rounds of every size, shipped while more arrive, then a restart that must start where the store is.
      for (const burst of [1, 7, 250, 3, 600]) {
        await Promise.all(Array.from({ length: burst }, () => log.append(exchange(++n))));
        if (burst % 2) await log.flush();
      }
      await log.flush();
      await log.close();
      log = await open();
      await Promise.all(Array.from({ length: 40 }, () => log.append(exchange(++n))));
      await log.flush();
      await log.close();
      const offers = (await sql<{ seq: string | number; offers: string | number }>`select seq, count(*) as offers from ship_offers where node_id = ${key.nodeId} group by seq order by seq`.execute(t.store.db)).rows;
      expect(offers.filter((o) => Number(o.offers) !== 1)).toEqual([]);
      expect(offers.map((o) => Number(o.seq))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(await stored(t.store, key.nodeId)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    } finally {
      await t.cleanup();
    }
  });

  it('a node that never logged starts without the store from its empty journal (begun at the genesis), then ships; a journal removed, or torn at its first write, still refuses', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const at = (name: string) => ({ checkpointIntervalMs: 0, journal: { dir: path.join(t.dataDir, name) } });
      // A start with the store and no exchange, then a start without it (issue 13: a node keeps serving).
      await (await MessageLog.open(t.store, key, at('journal'))).close();
      const log = await MessageLog.open(t.store, key, { ...at('journal'), offline: true });
      await loggedOfflineThenShipped(t.store, key.nodeId, log);
      // No journal at all (removed), or one whose first write is damaged: where the chain stands is
      // unknown without the store, and guessing the genesis could reuse numbers the store holds.
      const torn = path.join(t.dataDir, 'torn');
      fs.mkdirSync(torn);
      fs.writeFileSync(path.join(torn, segmentName(1)), Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 5]));
      for (const name of ['gone', 'torn']) {
        await expect(MessageLog.open(t.store, key, { ...at(name), offline: true })).rejects.toMatchObject({
          code: 'STORE_UNAVAILABLE', message: expect.stringMatching(new RegExp(`^The journal in ${path.join(t.dataDir, name)} holds no record to continue this node's chain from`)),
        });
      }
    } finally {
      await t.cleanup();
    }
  });

  it('a key made by this start (a new gateway worker slot) begins its chain at the genesis without the store, then registers and ships at resume', async () => {
    const t = await createTestStore(engine);
    try {
      const { key, created } = loadOrCreateNodeKeyFile(path.join(t.dataDir, 'workers', '1'));
      expect(created).toBe(true);
      const dir = path.join(t.dataDir, 'workers', '1', 'journal');
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0, journal: { dir }, offline: true, newKey: true });
      await loggedOfflineThenShipped(t.store, key.nodeId, log);
      // The same key again is no longer new (it has a chain now): without newKey its empty
      // journal elsewhere proves nothing, and the start without the store is refused.
      expect(loadOrCreateNodeKeyFile(path.join(t.dataDir, 'workers', '1')).created).toBe(false);
      await expect(MessageLog.open(t.store, key, { checkpointIntervalMs: 0, journal: { dir: path.join(t.dataDir, 'elsewhere') }, offline: true }))
        .rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      await t.cleanup();
    }
  });

  it('an older copy of the data dir started without the store stops at resume with JOURNAL_CONFLICT and ships nothing (the store would ignore the renumbered records)', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const { at, copy } = dirs(t.dataDir);
      const conflict = (storeSeq: number, fromSeq: number) => ({
        code: 'JOURNAL_CONFLICT', message: expect.stringContaining(`records up to seq ${storeSeq}, but its journal continued the chain after seq ${fromSeq}`),
      });
      // The live node: a first start that logged nothing (the copy "empty" is a backup of that),
      // then 3 exchanges (the copy "three"), then 2 more; everything shipped.
      await (await MessageLog.open(t.store, key, at('journal'))).close();
      copy('journal', 'empty');
      await liveWithBackup(t.store, key, t.dataDir);
      // Each copy started while the store is away serves from its own head, then meets the store.
      for (const [name, fromSeq] of [['empty', 0], ['three', 3]] as const) {
        const log = await MessageLog.open(t.store, key, { ...at(name), offline: true });
        await Promise.all([1, 2].map((i) => log.append(exchange(100 + i))));
        await expect(log.resume()).rejects.toMatchObject(conflict(5, fromSeq));
        await log.close();
      }
      // The same seq as the store's head with another record there: "empty" has since logged 2
      // records of its own (seq 1, 2); a copy of the store's chain cut at 2 would need seq 2's hash.
      await sql`delete from message_log where node_id = ${key.nodeId} and seq > 2`.execute(t.store.db);
      const same = await MessageLog.open(t.store, key, { ...at('empty'), offline: true });
      await expect(same.resume()).rejects.toMatchObject(conflict(2, 2));
      await same.close();
      // Nothing of the copies reached the store, and the copies' records are still in their journals.
      expect(await stored(t.store, key.nodeId)).toEqual([1, 2]);
      const { journal } = Journal.open(path.join(t.dataDir, 'three'), { seq: -1, hash: '' });
      expect(journal.head.seq).toBe(5);
      await journal.close();
    } finally {
      await t.cleanup();
    }
  });

  it('an older copy of the data dir that continued the chain on its own, started with the store, is refused (JOURNAL_CONFLICT) whether behind, at or ahead of the store, and kept; a journal merely behind, or ahead on the same chain, opens', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const { at, copy } = dirs(t.dataDir);
      const hashes = async () => (await t.store.db.selectFrom('message_log').select(['seq', 'hash']).where('node_id', '=', key.nodeId).orderBy('seq').execute())
        .map((r) => `${Number(r.seq)}:${r.hash}`);
      const files = (name: string) => fs.readdirSync(path.join(t.dataDir, name)).sort().map((f) => [f, fs.readFileSync(path.join(t.dataDir, name, f)).toString('base64')]);
      await liveWithBackup(t.store, key, t.dataDir);
      const before = await hashes();
      // Copies of the backup each started without the store and logging 1, 2 or 3 exchanges of their
      // own: their heads (4, 5, 6) are behind, at and ahead of the store's (5), on another chain.
      for (const [name, own] of [['behind', 1], ['at', 2], ['ahead', 3]] as const) {
        copy('three', name);
        const log = await MessageLog.open(t.store, key, { ...at(name), offline: true });
        await Promise.all(Array.from({ length: own }, (_, i) => log.append(exchange(100 + i))));
        await log.close();
        const kept = files(name);
        await expect(MessageLog.open(t.store, key, at(name))).rejects.toMatchObject({
          code: 'JOURNAL_CONFLICT',
          message: expect.stringMatching(new RegExp(`records up to seq 5, and its record at seq ${Math.min(3 + own, 5)} is not the one in the journal, which holds the chain up to seq ${3 + own}[\\s\\S]*Nothing of its journal was shipped: move ${path.join(t.dataDir, name)} elsewhere`)),
        });
        // Nothing of the copy stored, nothing of it removed (not even a new segment begun).
        expect(await hashes()).toEqual(before);
        expect(files(name)).toEqual(kept);
      }
      // The live journal, ahead of the store on the same chain (2 records logged without it): ships them.
      const offline = await MessageLog.open(t.store, key, { ...at('journal'), offline: true });
      await Promise.all([6, 7].map((i) => offline.append(exchange(i))));
      await offline.close();
      const ahead = await MessageLog.open(t.store, key, at('journal'));
      expect(ahead.stats.lastSeq).toBe(7);
      await ahead.flush();
      await ahead.close();
      expect(await stored(t.store, key.nodeId)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect((await hashes()).slice(0, 5)).toEqual(before);
      // The backup itself, merely behind (every record of it is in the store): continues from the store's head.
      const behind = await MessageLog.open(t.store, key, at('three'));
      expect(behind.stats.lastSeq).toBe(7);
      await behind.append(exchange(8));
      await behind.flush();
      await behind.close();
      expect(await stored(t.store, key.nodeId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 8 });
    } finally {
      await t.cleanup();
    }
  });

  it('ships a batch again after the store committed it but the shipper never heard (crash or lost connection): no duplicates, nothing missing', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const dir = path.join(t.dataDir, 'journal');
      // A first node process: writes 300 records to its journal and ships them; the store commits
      // the last batch, and the process dies before it learns so (the write "fails" after commit).
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0, journal: { dir } });
      await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(exchange(i + 1))));
      await log.flush();
      await log.close();
      const { journal } = Journal.open(dir, await readMessageHead(t.store, key.nodeId));
      const real = storeWriter(t.store, true);
      let lostAfterCommit = 2;
      // The restarted node believes nothing was shipped: it ships all 300 again, and its first
      // two batches "fail" after the store committed them.
      const shipper = new Shipper(journal, async (rows) => {
        await real(rows);
        if (lostAfterCommit-- > 0) throw new Error('connection lost after commit');
      }, async () => ({ seq: 0, hash: '0'.repeat(64) }), { batch: 100, retryMs: 10 });
      shipper.start();
      await until('the restarted shipper to catch up', () => shipper.shipped?.seq === 300 && shipper.lastError === null);
      await shipper.stop();
      await journal.close();
      await real.close?.();
      expect(lostAfterCommit).toBeLessThan(0);
      expect(await stored(t.store, key.nodeId)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 300 });
    } finally {
      await t.cleanup();
    }
  });

  it('keeps acknowledging appends while the store refuses, then ships the backlog', async () => {
    const t = await createTestStore(engine);
    try {
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const dir = path.join(t.dataDir, 'journal');
      const { journal } = Journal.open(dir, await readMessageHead(t.store, key.nodeId));
      const real = storeWriter(t.store, true);
      let storeUp = false;
      const errors: unknown[] = [];
      const shipper = new Shipper(journal, async (rows) => {
        if (!storeUp) throw new Error('connection refused');
        await real(rows);
      }, () => readMessageHead(t.store, key.nodeId), { retryMs: 20, onError: (e) => errors.push(e) });
      shipper.start();
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      await log.close(); // only to register the node; the journal below is this test's log
      const { hashMessage, toRowFields } = await import('./chain.js');
      let head = journal.head;
      for (let i = 1; i <= 50; i++) {
        const row = { ...toRowFields(exchange(i)), node_id: key.nodeId, seq: head.seq + 1, prev_hash: head.hash } as import('./chain.js').MessageRow;
        row.hash = hashMessage(row);
        await journal.append([row]);
        head = journal.head;
      }
      await until('the shipper to report the store refusing', () => errors.length === 1);
      expect(shipper.backlog).toBe(50);
      await expect(shipper.drain()).rejects.toThrow(/connection refused/);
      expect(await stored(t.store, key.nodeId)).toEqual([]);
      storeUp = true;
      await until('the backlog shipped', () => shipper.backlog === 0 && shipper.lastError === null);
      expect(await stored(t.store, key.nodeId)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 50 });
      await shipper.stop();
      await journal.close();
      await real.close?.();
      expect(fs.existsSync(dir)).toBe(true);
    } finally {
      await t.cleanup();
    }
  });

  it('a replaced node key (node-key.pem lost, the journal kept) begins its own chain at seq 1: the old chain, all shipped, is set aside; one not all in the store is refused and left in place', async () => {
    const t = await createTestStore(engine);
    try {
      const { journalDir, old } = await shippedThree(t.store, t.dataDir);
      fs.rmSync(path.join(t.dataDir, 'node-key.pem'));
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      expect(key.nodeId).not.toBe(old.nodeId);
      const asides: unknown[] = [];
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0, journal: { dir: journalDir, onSetAside: (e) => asides.push(e) } });
      await Promise.all([1, 2].map((i) => log.append(exchange(i))));
      await log.flush();
      await log.close();
      expect(await stored(t.store, key.nodeId)).toEqual([1, 2]);
      expect(await stored(t.store, old.nodeId)).toEqual([1, 2, 3]);
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 5 });
      const movedTo = `${journalDir}.${old.nodeId}`;
      expect(asides).toEqual([{ nodeId: old.nodeId, ownNodeId: key.nodeId, seq: 3, movedTo }]);
      expect(Journal.recover(movedTo)).toMatchObject({ head: { seq: 3 }, nodeId: old.nodeId });
      expect(Journal.recover(journalDir)).toMatchObject({ head: { seq: 2 }, nodeId: key.nodeId });
    } finally {
      await t.cleanup();
    }
  });

  it('a replaced node key refuses (JOURNAL_CONFLICT) a journal of the old chain with records not in the store, or any old chain when started without the store, and moves nothing', async () => {
    const t = await createTestStore(engine);
    try {
      const { at } = dirs(t.dataDir);
      const { journalDir, old } = await shippedThree(t.store, t.dataDir);
      const listing = () => fs.readdirSync(t.dataDir).filter((f) => f.startsWith('journal')).sort().map((f) => [f, fs.statSync(path.join(t.dataDir, f)).isDirectory() ? fs.readdirSync(path.join(t.dataDir, f)).map((s) => fs.readFileSync(path.join(t.dataDir, f, s)).toString('base64')) : []]);
      // A new key made by a start without the store: whether the old chain is all stored cannot be told.
      const fresh = loadOrCreateNodeKeyFile(path.join(t.dataDir, 'other'));
      const before = listing();
      await expect(MessageLog.open(t.store, fresh.key, { ...at('journal'), offline: true, newKey: true })).rejects.toMatchObject({
        code: 'JOURNAL_CONFLICT', message: expect.stringContaining(`holds node ${old.nodeId}'s records up to seq 3, and without the central database`),
      });
      expect(listing()).toEqual(before);
      // Two more records the store has not (logged without it), then the key replaced.
      const offline = await MessageLog.open(t.store, old, { ...at('journal'), offline: true });
      await Promise.all([4, 5].map((i) => offline.append(exchange(i))));
      await offline.close();
      expect(await stored(t.store, old.nodeId)).toEqual([1, 2, 3]);
      fs.rmSync(path.join(t.dataDir, 'node-key.pem'));
      const key = await loadOrCreateNodeKey(t.store, t.dataDir);
      const kept = listing();
      await expect(MessageLog.open(t.store, key, at('journal'))).rejects.toMatchObject({
        code: 'JOURNAL_CONFLICT',
        message: expect.stringContaining(`holds node ${old.nodeId}'s records up to seq 5, not all of them in the central database, but this node's key (node-key.pem) is node ${key.nodeId}'s`),
      });
      expect(listing()).toEqual(kept);
      expect(Journal.recover(journalDir)).toMatchObject({ head: { seq: 5 }, nodeId: old.nodeId });
      expect(await stored(t.store, key.nodeId)).toEqual([]);
    } finally {
      await t.cleanup();
    }
  });
});
