// Registry change notifications (issue 13, item 4): a committed change is announced with its
// version (a failed one is not), a snapshot holder that hears of a newer version reloads at
// once however long its poll, and over Redis the announcement reaches another node of the same
// platform only. Redis unreachable: announcing neither throws nor waits, and is counted.
import net from 'node:net';
import type { Logger } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { loadConfig } from '../config/index.js';
import * as reg from './index.js';

const REDIS_URL = process.env.VAMCO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const who = { actor: 'test' };

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const quietLogger = () => ({ warn: vi.fn(), info: vi.fn() }) as unknown as Logger & { warn: ReturnType<typeof vi.fn>; info: ReturnType<typeof vi.fn> };

describe.each(testEngines())('registry change announcements on %s', (engine) => {
  let t: TestStore;
  let ctx: reg.RegistryCtx;
  beforeAll(async () => {
    t = await createTestStore(engine);
    ctx = { store: t.store, config: loadConfig({ VAMCO_DATA_DIR: t.dataDir, VAMCO_BACKEND_ALLOW: '127.0.0.1' }) };
  });
  afterAll(async () => { reg.announceThrough(t.store, null); await t.cleanup(); });

  it('a change announces the version it committed; a refused change announces nothing', async () => {
    const heard: (number | null)[] = [];
    const n = reg.localNotifier();
    n.listen((v) => heard.push(v));
    reg.announceThrough(t.store, n);
    await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.N01', name: 'One' }, who);
    expect(heard).toEqual([await reg.registryVersion(t.store)]);
    await expect(reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.N01', name: 'Again' }, who)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(heard).toHaveLength(1);
    // A listener that throws does not fail the change that announced it.
    n.listen(() => { throw new Error('listener broke'); });
    await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.N02', name: 'Two' }, who);
    const first = heard[0] as number;
    expect(heard).toEqual([first, first + 1]);
    reg.announceThrough(t.store, null);
  });

  it('a holder with a ten-minute poll loads a change it hears of at once, and ignores versions it has', async () => {
    const holder = new reg.SnapshotHolder(t.store, 600_000);
    await holder.start();
    try {
      const loads: number[] = [];
      holder.onChange((s) => loads.push(s.version));
      await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.N03', name: 'Three' }, who);
      const v = await reg.registryVersion(t.store);
      // Not told: the poll is ten minutes away, the snapshot stays behind.
      await new Promise((r) => setTimeout(r, 200));
      expect(holder.current.version).toBe(v - 1);
      holder.heard(v - 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(loads).toEqual([]);
      // A burst of announcements for it costs one reload.
      for (let i = 0; i < 5; i++) holder.heard(v);
      await until(() => holder.current.version === v, 'the holder loads the version it heard of');
      await new Promise((r) => setTimeout(r, 200));
      expect(loads).toEqual([v]);
      // null (announcements maybe missed): the holder checks, and finds the change.
      await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.N04', name: 'Four' }, who);
      holder.heard(null);
      await until(() => holder.current.version === v + 1, 'the holder checks the version on null');
      expect(holder.current.members.map((m) => m.memberCode)).toContain('000.00.00.N04');
    } finally {
      holder.stop();
    }
  });
});

describe('registry change announcements over Redis', () => {
  const open: reg.RegistryNotifier[] = [];
  afterEach(async () => { for (const n of open.splice(0)) await n.close(); });
  const notifier = async (channel: string, url = REDIS_URL, logger = quietLogger(), timeoutMs = 2000) => {
    const n = await reg.redisNotifier(url, channel, { timeoutMs, logger });
    open.push(n);
    return n;
  };

  it('reach every node on the channel (the announcing one too), not a node of another platform', async () => {
    const base = `vamco:registry:test:${process.pid}:${Date.now()}`;
    const a = await notifier(base);
    const b = await notifier(base);
    const other = await notifier(`${base}:other`);
    const heardA: number[] = [];
    const heardB: number[] = [];
    const heardOther: number[] = [];
    a.listen((v) => { if (v !== null) heardA.push(v); });
    b.listen((v) => { if (v !== null) heardB.push(v); });
    other.listen((v) => { if (v !== null) heardOther.push(v); });
    // Announced again until B's subscription is up (it comes up in the background).
    let v = 0;
    const deadline = Date.now() + 15_000;
    while (heardB.length === 0) {
      if (Date.now() > deadline) throw new Error(`B heard nothing from A over ${REDIS_URL} (the suite needs Redis: .ci/run starts it)`);
      a.announce(++v);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(heardB[0]).toBeGreaterThan(0);
    expect(heardB[0]).toBeLessThanOrEqual(v);
    // A hears its own at once (in process), and over Redis too once its subscription is up.
    for (let i = 1; i <= v; i++) expect(heardA).toContain(i);
    a.announce(++v);
    await until(() => heardA.filter((x) => x === v).length === 2 && heardB.includes(v), 'A and B hear the last announcement over Redis');
    await new Promise((r) => setTimeout(r, 300));
    expect(heardOther).toEqual([]);
  });

  it('a subscriber whose connection is cut reconnects by itself, checks for what it missed, and hears again', async () => {
    // B reaches Redis through a proxy the test can cut; A directly.
    const target = new URL(REDIS_URL);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((inbound) => {
      const out = net.connect(Number(target.port || 6379), target.hostname);
      for (const s of [inbound, out]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); }
      inbound.pipe(out).pipe(inbound);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const channel = `vamco:registry:test:cut:${process.pid}:${Date.now()}`;
      const a = await notifier(channel);
      const b = await notifier(channel, `redis://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`);
      const heardB: (number | null)[] = [];
      b.listen((v) => heardB.push(v));
      let v = 0;
      const hearsNext = async (what: string) => {
        const deadline = Date.now() + 15_000;
        const before = v;
        while (!heardB.some((x) => x !== null && x > before)) {
          if (Date.now() > deadline) throw new Error(`B heard nothing: ${what}`);
          a.announce(++v);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await hearsNext('before the cut');
      const nulls = heardB.filter((x) => x === null).length;
      for (const s of sockets) s.destroy();
      await until(() => heardB.filter((x) => x === null).length > nulls, 'B checks the version once it is back');
      await hearsNext('after the cut');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('Redis unreachable: an announcement returns at once, is counted, and is logged once per outage', async () => {
    // A port nothing listens on.
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const logger = quietLogger();
    const n = await notifier('vamco:registry:test:down', `redis://127.0.0.1:${port}`, logger, 300) as reg.RegistryNotifier & { failures: number };
    const heard: (number | null)[] = [];
    n.listen((v) => heard.push(v));
    const t0 = performance.now();
    n.announce(1);
    n.announce(2);
    expect(performance.now() - t0).toBeLessThan(50);
    // This process still hears its own changes.
    expect(heard).toEqual([1, 2]);
    await until(() => n.failures === 2, 'both announcements fail', 10_000);
    const publishWarnings = logger.warn.mock.calls.filter((c) => String(c[1]).includes('announcement'));
    expect(publishWarnings).toHaveLength(1);
  });

  it('the channel is the platform\'s: the same for one key file, another for another', async () => {
    const t1 = await createTestStore('sqlite');
    const t2 = await createTestStore('sqlite');
    try {
      const c1 = await reg.registryChannel(t1.store, 'VN-T');
      expect(await reg.registryChannel(t1.store, 'VN-T')).toBe(c1);
      expect(await reg.registryChannel(t2.store, 'VN-T')).not.toBe(c1);
      expect(c1).toMatch(/^vamco:registry:VN-T:[0-9a-f]{16}$/);
    } finally {
      await t1.cleanup();
      await t2.cleanup();
    }
  });
});
