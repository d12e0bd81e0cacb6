import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import type { Engine } from '../store/index.js';
import { hashAdmin, hashMessage } from './chain.js';
import { exchange } from './fixtures.js';
import { MessageLog, checkAnchor, loadOrCreateNodeKey, recordAdminAction, takeAnchor, verifyStore, type NodeKey } from './index.js';
import { checkpointAdminHead } from './checkpoints.js';

// A chain of 20 records, checkpointed at 10 and at 20, and an admin trail of 3.
async function seed(t: TestStore, engine: Engine): Promise<NodeKey> {
  const key = await loadOrCreateNodeKey(t.store, t.dataDir);
  const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
  // Record 5 went through a backend credential: it carries an upstream leg.
  const leg = { scheme: 'oauth2', status: 200, durationMs: 12.5, attempts: 2, tokenId: 'tok-1a2b3c4d5e6f' };
  for (let i = 1; i <= 10; i++) void log.append(exchange(i, i === 5 ? { upstream: leg } : {}));
  await log.checkpoint();
  for (let i = 11; i <= 20; i++) void log.append(exchange(i));
  for (let i = 1; i <= 3; i++) {
    await t.store.db.transaction().execute((trx) => recordAdminAction(trx, engine, { actor: 'alice', action: 'grant', target: `svc-${i}`, after: { n: i } }));
  }
  await log.close();
  return key;
}

describe.each(testEngines())('audit verify on %s', (engine) => {
  let t: TestStore;
  let key: NodeKey;
  beforeEach(async () => { t = await createTestStore(engine); key = await seed(t, engine); });
  afterEach(async () => { await t.cleanup(); });

  const msg = () => t.store.db.updateTable('message_log').where('node_id', '=', key.nodeId);

  it('passes an intact log', async () => {
    expect(await verifyStore(t.store)).toEqual({ ok: true, records: 20, checkpoints: 3, adminRecords: 3, interrupted: 0 });
  });

  it('names a record whose column was changed', async () => {
    await msg().set({ status: 500 }).where('seq', '=', 7).execute();
    const v = await verifyStore(t.store);
    expect(v.ok).toBe(false);
    expect(v.firstBad).toMatchObject({ chain: 'message', nodeId: key.nodeId, seq: 7, messageId: 'msg-7' });
    expect(v.firstBad!.reason).toMatch(/altered/);
  });

  it('covers the upstream leg: a changed token id or upstream status is named', async () => {
    const stored = (await t.store.db.selectFrom('message_log').select('upstream').where('seq', '=', 5).executeTakeFirstOrThrow()).upstream;
    expect(JSON.parse(stored!)).toEqual({ scheme: 'oauth2', status: 200, durationMs: 12.5, attempts: 2, tokenId: 'tok-1a2b3c4d5e6f' });
    await msg().set({ upstream: stored!.replace('tok-1a2b3c4d5e6f', 'tok-000000000000') }).where('seq', '=', 5).execute();
    expect((await verifyStore(t.store)).firstBad).toMatchObject({ chain: 'message', seq: 5 });
    await msg().set({ upstream: null }).where('seq', '=', 5).execute();
    expect((await verifyStore(t.store)).firstBad).toMatchObject({ chain: 'message', seq: 5 });
  });

  it('gives a record without an upstream leg the hash it had before the field existed', () => {
    const row = {
      node_id: 'node-1', seq: 1, message_id: 'm', request_id: 'r', at: '2025-07-01T08:00:00.000Z', client: null, service: null,
      method: 'GET', path: '/', status: 200, duration_ms: 1.5, request_size: 0, response_size: 0, request_digest: null,
      response_digest: null, user_id: null, issue: null, error_code: null, request_body: null, response_body: null, prev_hash: '0'.repeat(64),
    };
    // Golden value of the v1 encoding (docs in chain.ts): any change to it breaks every stored chain.
    const v1 = '40284ae8e36322ba0541a42f801610f0dbd938c1c267bdc11ecf07a4753ad71c';
    expect(hashMessage({ ...row, upstream: null })).toBe(hashMessage(row));
    expect(hashMessage(row)).toBe(v1);
    expect(hashMessage({ ...row, upstream: '{}' })).not.toBe(v1);
  });

  it('names a deleted record in the middle', async () => {
    await t.store.db.deleteFrom('message_log').where('seq', '=', 7).execute();
    const v = await verifyStore(t.store);
    expect(v.firstBad).toMatchObject({ chain: 'message', nodeId: key.nodeId, seq: 7 });
    expect(v.firstBad!.reason).toMatch(/missing/);
  });

  it('detects records deleted from the end when a checkpoint covers them', async () => {
    await t.store.db.deleteFrom('message_log').where('seq', '>', 15).execute();
    const v = await verifyStore(t.store);
    expect(v.firstBad).toMatchObject({ chain: 'message', nodeId: key.nodeId, seq: 16 });
    expect(v.firstBad!.reason).toMatch(/16 to 20 are missing/);
  });

  it('detects a chain rewritten with fresh hashes through the signed checkpoint', async () => {
    const rows = await t.store.db.selectFrom('message_log').selectAll().where('seq', '>=', 12).orderBy('seq').execute();
    let prev = (await t.store.db.selectFrom('message_log').select('hash').where('seq', '=', 11).executeTakeFirstOrThrow()).hash;
    for (const r of rows) {
      const row = { ...r, seq: Number(r.seq), prev_hash: prev, status: r.seq === 12 ? 403 : r.status };
      row.hash = hashMessage(row);
      prev = row.hash;
      await msg().set({ status: row.status, prev_hash: row.prev_hash, hash: row.hash }).where('seq', '=', row.seq).execute();
    }
    const v = await verifyStore(t.store);
    expect(v.firstBad).toMatchObject({ chain: 'message', seq: 20, messageId: 'msg-20' });
    expect(v.firstBad!.reason).toMatch(/rewritten/);
  });

  it('detects two records whose contents were swapped', async () => {
    const [a, b] = await t.store.db.selectFrom('message_log').selectAll().where('seq', 'in', [5, 6]).orderBy('seq').execute();
    const content = (r: typeof a) => { const { node_id: _n, seq: _s, ...rest } = r; return rest; };
    await msg().set(content(b)).where('seq', '=', 5).execute();
    await msg().set(content(a)).where('seq', '=', 6).execute();
    const v = await verifyStore(t.store);
    expect(v.firstBad).toMatchObject({ chain: 'message', seq: 5, messageId: 'msg-6' });
  });

  it('detects a checkpoint whose signature does not verify', async () => {
    await t.store.db.updateTable('log_checkpoints').set({ at: '2020-01-01T00:00:00.000Z' }).where('chain', '=', 'message').where('seq', '=', 10).execute();
    const v = await verifyStore(t.store);
    expect(v.firstBad).toMatchObject({ chain: 'message', nodeId: key.nodeId, seq: 10 });
    expect(v.firstBad!.reason).toMatch(/invalid signature/);
  });

  it('detects a checkpoint by a node that is not registered', async () => {
    await t.store.db.deleteFrom('nodes').execute();
    const v = await verifyStore(t.store);
    expect(v.firstBad).toMatchObject({ chain: 'message', seq: 10 });
    expect(v.firstBad!.reason).toMatch(/not a registered node/);
  });

  it('names an altered or deleted admin trail record', async () => {
    await t.store.db.updateTable('admin_audit').set({ actor: 'mallory' }).where('seq', '=', 2).execute();
    let v = await verifyStore(t.store);
    expect(v.firstBad).toMatchObject({ chain: 'admin', seq: 2 });
    expect(v.firstBad!.reason).toMatch(/altered/);

    // Repaired by a forger who recomputes the hash: the next record no longer links.
    const r = await t.store.db.selectFrom('admin_audit').selectAll().where('seq', '=', 2).executeTakeFirstOrThrow();
    await t.store.db.updateTable('admin_audit').set({ hash: hashAdmin({ ...r, seq: 2 }) }).where('seq', '=', 2).execute();
    v = await verifyStore(t.store);
    expect(v.firstBad).toMatchObject({ chain: 'admin', seq: 3 });
    expect(v.firstBad!.reason).toMatch(/does not link/);

    await t.store.db.deleteFrom('admin_audit').where('seq', '=', 3).execute();
    v = await verifyStore(t.store);
    expect(v.firstBad).toMatchObject({ chain: 'admin', seq: 3 });
    expect(v.firstBad!.reason).toMatch(/missing/);
  });

  it('pages through chains longer than one page', async () => {
    const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
    await Promise.all(Array.from({ length: 2100 }, (_, i) => log.append(exchange(100 + i))));
    await log.close();
    expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 2120, checkpoints: 4 });
    await msg().set({ path: '/x' }).where('seq', '=', 2050).execute();
    expect((await verifyStore(t.store)).firstBad).toMatchObject({ seq: 2050 });
  });

  // Issue 12, finding 4: checkpoints chained to each other, and an anchor kept outside.
  describe('checkpoint chain and anchors', () => {
    const cps = () => t.store.db.deleteFrom('log_checkpoints');
    const rehash = async (from: number) => {
      const rows = await t.store.db.selectFrom('message_log').selectAll().where('seq', '>=', from).orderBy('seq').execute();
      let prev = (await t.store.db.selectFrom('message_log').select('hash').where('seq', '=', from - 1).executeTakeFirstOrThrow()).hash;
      for (const r of rows) {
        const row = { ...r, seq: Number(r.seq), prev_hash: prev, status: Number(r.seq) === from ? 403 : r.status };
        row.hash = hashMessage(row);
        prev = row.hash;
        await msg().set({ status: row.status, prev_hash: row.prev_hash, hash: row.hash }).where('seq', '=', row.seq).execute();
      }
    };

    it('chains each checkpoint to the previous one of its signer: one removed from the middle is named', async () => {
      const rows = await t.store.db.selectFrom('log_checkpoints').select(['chain', 'seq', 'prev']).where('chain', '=', 'message').orderBy('seq').execute();
      expect(rows.map((r) => [Number(r.seq), r.prev === '0'.repeat(64)])).toEqual([[10, true], [20, false]]);
      await cps().where('chain', '=', 'message').where('seq', '=', 10).execute();
      const v = await verifyStore(t.store);
      expect(v.firstBad).toMatchObject({ chain: 'message', nodeId: key.nodeId, seq: 20 });
      expect(v.firstBad!.reason).toMatch(/names a previous checkpoint that is not in the log/);
    });

    it('without an anchor, records deleted with their checkpoints or a chain re-hashed without checkpoints still look whole', async () => {
      // What only an anchor can show: nothing left in the database contradicts these.
      await cps().where('chain', '=', 'message').where('seq', '=', 20).execute();
      await t.store.db.deleteFrom('message_log').where('seq', '>', 10).execute();
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 10 });
      await cps().execute();
      await rehash(5);
      expect(await verifyStore(t.store)).toMatchObject({ ok: true, records: 10, checkpoints: 0 });
    });

    it('fails against an anchor when the newest records were deleted together with their checkpoints', async () => {
      const anchor = await takeAnchor(t.store);
      expect(anchor.checkpoints.map((c) => [c.chain, c.seq])).toEqual([['message', 20], ['admin', 3]]);
      expect(await verifyStore(t.store, anchor)).toMatchObject({ ok: true, records: 20 });
      await cps().where('chain', '=', 'message').where('seq', '=', 20).execute();
      await t.store.db.deleteFrom('message_log').where('seq', '>', 10).execute();
      const v = await verifyStore(t.store, anchor);
      expect(v.firstBad).toMatchObject({ chain: 'message', nodeId: key.nodeId, seq: 11 });
      expect(v.firstBad!.reason).toMatch(/no longer extends the anchor.*ends at record 10.*records 11 to 20 were deleted/);
    });

    it('fails against an anchor when every checkpoint was deleted and the chain re-hashed', async () => {
      const anchor = await takeAnchor(t.store);
      await cps().execute();
      await rehash(12);
      const v = await verifyStore(t.store, anchor);
      expect(v.firstBad).toMatchObject({ chain: 'message', seq: 20, messageId: 'msg-20' });
      expect(v.firstBad!.reason).toMatch(/does not match the anchor's checkpoint.*rewritten after the anchor/);
    });

    it('fails against an anchor when admin-trail records were deleted with their checkpoint', async () => {
      const anchor = await takeAnchor(t.store);
      await cps().where('chain', '=', 'admin').execute();
      await t.store.db.deleteFrom('admin_audit').where('seq', '=', 3).execute();
      expect((await verifyStore(t.store)).ok).toBe(true);
      const v = await verifyStore(t.store, anchor);
      expect(v.firstBad).toMatchObject({ chain: 'admin', seq: 3 });
    });

    it('passes a log that grew after its anchor, with later checkpoints chained on', async () => {
      const anchor = await takeAnchor(t.store);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      for (let i = 21; i <= 25; i++) void log.append(exchange(i));
      await log.close();
      await t.store.db.transaction().execute((trx) => recordAdminAction(trx, engine, { actor: 'bob', action: 'revoke', target: 'svc-1' }));
      await checkpointAdminHead(t.store.db, key);
      expect(await verifyStore(t.store, anchor)).toEqual({ ok: true, records: 25, checkpoints: 5, adminRecords: 4, interrupted: 0 });
    });

    it('refuses an anchor whose checkpoint or key was altered', async () => {
      const anchor = await takeAnchor(t.store);
      const copy = () => JSON.parse(JSON.stringify(anchor)) as typeof anchor;
      const a = copy();
      a.checkpoints[0].seq = 19;
      expect(() => checkAnchor(a, 'anchor.json')).toThrow(/anchor.json is not a usable audit anchor: the message chain's checkpoint at record 19 does not carry a valid signature/);
      const b = copy();
      b.nodes[0].nodeId = 'node-000000000000';
      expect(() => checkAnchor(b, 'anchor.json')).toThrow(/public key given for node node-000000000000 is not that node's/);
      expect(() => checkAnchor({ format: 'x' }, 'anchor.json')).toThrow(/format x/);
    });
  });
});
