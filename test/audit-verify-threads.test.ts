// audit verify on worker threads (src/audit/verify.ts): the compiled build checks each chain on a
// thread of its own and merges the parts in chain order. Whatever the log holds, the result must
// be the one a single pass on one thread gives: same first bad record and reason, same counts,
// same interrupted exchanges. Runs the compiled modules (dist/, built by `npm test` first),
// because worker threads load compiled JavaScript only.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../src/store/testing.js';
import { exchange } from '../src/audit/fixtures.js';
import { MessageLog, loadOrCreateNodeKey, recordAdminAction, takeAnchor, type NodeKey } from '../src/audit/index.js';
import type * as AuditModule from '../src/audit/verify.js';
import type * as StoreModule from '../src/store/index.js';

const dist = {
  verify: (await import(new URL('../dist/src/audit/verify.js', import.meta.url).href)) as typeof AuditModule,
  store: (await import(new URL('../dist/src/store/index.js', import.meta.url).href)) as typeof StoreModule,
};

describe.each(testEngines())('audit verify on threads, %s', (engine) => {
  let t: TestStore;
  let keys: NodeKey[];
  let compiled: StoreModule.Store;

  // Two nodes' chains (25 records each, checkpointed at 10 and 25), node B with an exchange
  // interrupted after its request record, and an admin trail of 2.
  beforeEach(async () => {
    t = await createTestStore(engine);
    keys = [];
    for (const name of ['a', 'b']) {
      const key = await loadOrCreateNodeKey(t.store, `${t.dataDir}/key-${name}`);
      const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
      for (let i = 1; i <= 10; i++) void log.append(exchange(i, { messageId: `${name}-${i}` }));
      await log.checkpoint();
      for (let i = 11; i <= 25; i++) {
        void log.append(exchange(i, { messageId: `${name}-${i}`, ...(name === 'b' && i === 18 ? { status: 0, requestId: 'cut-short' } : {}) }));
      }
      await log.checkpoint();
      await log.close();
      keys.push(key);
    }
    for (let i = 1; i <= 2; i++) {
      await t.store.db.transaction().execute((trx) => recordAdminAction(trx, engine, { actor: 'alice', action: 'grant', target: `svc-${i}` }));
    }
    compiled = dist.store.openStore({ dataDir: t.dataDir, databaseUrl: t.databaseUrl });
  });
  afterEach(async () => { await compiled.close(); await t.cleanup(); });

  const both = async (anchor?: Parameters<typeof AuditModule.verifyStore>[1]) => {
    const threaded = await dist.verify.verifyStore(compiled, anchor, { threads: 2 });
    const single = await dist.verify.verifyStore(compiled, anchor, { threads: 0 });
    expect(threaded).toEqual(single);
    return threaded;
  };
  const first = () => (keys[0].nodeId < keys[1].nodeId ? keys : [keys[1], keys[0]]);

  it('runs on threads in the compiled build and agrees with one thread on an intact log', async () => {
    expect(dist.verify.canUseThreads()).toBe(true);
    const r = await both();
    expect(r).toMatchObject({ ok: true, records: 50, checkpoints: 4, adminRecords: 2, interrupted: 1 });
    const b = keys[1].nodeId;
    expect(r.interruptedExchanges).toEqual([expect.objectContaining({ nodeId: b, seq: 18, messageId: 'b-18' })]);
  });

  it('names the first bad record in chain order when both chains were altered', async () => {
    const [one, two] = first();
    await t.store.db.updateTable('message_log').set({ status: 500 }).where('node_id', '=', two.nodeId).where('seq', '=', 3).execute();
    let r = await both();
    expect(r.firstBad).toMatchObject({ chain: 'message', nodeId: two.nodeId, seq: 3 });
    expect(r.firstBad!.reason).toBe('Record 3 was altered: its content does not match its hash.');
    // Counts as far as a single pass got: all of the first chain, two records of the second.
    expect(r.records).toBe(27);

    await t.store.db.deleteFrom('message_log').where('node_id', '=', one.nodeId).where('seq', '=', 20).execute();
    r = await both();
    expect(r.firstBad).toMatchObject({ chain: 'message', nodeId: one.nodeId, seq: 20 });
    expect(r.firstBad!.reason).toBe('Record 20 is missing: the chain goes from 19 to 21.');
  });

  it('checks checkpoints, the admin trail and an anchor on threads as on one', async () => {
    const anchor = await takeAnchor(t.store);
    const [, two] = first();
    // The tail of a chain deleted with its checkpoint: only the anchor still knows it was there.
    await t.store.db.deleteFrom('message_log').where('node_id', '=', two.nodeId).where('seq', '>', 20).execute();
    await t.store.db.deleteFrom('log_checkpoints').where('node_id', '=', two.nodeId).where('seq', '=', 25).execute();
    expect((await both()).ok).toBe(true);
    const r = await both(anchor);
    expect(r.firstBad).toMatchObject({ chain: 'message', nodeId: two.nodeId, seq: 21 });
    expect(r.firstBad!.reason).toMatch(/no longer extends the anchor/);

    await t.store.db.updateTable('admin_audit').set({ actor: 'mallory' }).where('seq', '=', 2).execute();
    expect((await both(anchor)).firstBad).toMatchObject({ chain: 'admin', seq: 2 });
  });
});
