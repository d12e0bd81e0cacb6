// The cached registry snapshot a node starts from when its database is unreachable (issue 13,
// item 1): a round trip gives the gateway the same picture, the file is private and holds no
// secret in clear, and a torn or altered file is refused instead of half-used.
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { loadConfig } from '../config/index.js';
import * as reg from './index.js';

const who = { actor: 'test' };
const SECRET = 'backend-secret-value-7f3a';

describe.each(testEngines())('the registry snapshot cache file on %s', (engine) => {
  let t: TestStore;
  let key: string;
  let file: string;
  beforeAll(async () => {
    t = await createTestStore(engine);
    const ctx = { store: t.store, config: loadConfig({ VAMCO_DATA_DIR: t.dataDir, VAMCO_BACKEND_ALLOW: '127.0.0.1' }) };
    await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.C01', name: 'Provider' }, who);
    await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.C02', name: 'Consumer' }, who);
    await reg.addSubsystem(ctx, { id: 'GOV/000.00.00.C01/p' }, who);
    await reg.addSubsystem(ctx, { id: 'GOV/000.00.00.C02/c' }, who);
    const openapi = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: { '/a/{id}': { get: {} } } };
    await reg.addService(ctx, { id: 'GOV/000.00.00.C01/p/svc', url: 'http://127.0.0.1:9/base', openapi, rateLimit: '5/s', backendAuth: { header: 'X-Secret', value: SECRET } }, who);
    await reg.grantAccess(ctx, { service: 'GOV/000.00.00.C01/p/svc', client: 'GOV/000.00.00.C02/c', endpoint: { method: 'GET', path: '/a/{id}' } }, who);
    key = (await reg.createKey(ctx, { subsystem: 'GOV/000.00.00.C02/c' }, who)).key;
    file = path.join(t.dataDir, reg.SNAPSHOT_CACHE_FILE);
  });
  afterAll(() => t.cleanup());

  it('every loaded snapshot is written (0600, no secret or key in clear) and rebuilds the same picture from the file alone', async () => {
    const holder = new reg.SnapshotHolder(t.store, 60_000, { cacheFile: file });
    await holder.start();
    holder.stop();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(key);
    expect(fs.readdirSync(t.dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const cached = reg.readSnapshotCache(file);
    if ('error' in cached) throw new Error(cached.error);
    const fromFile = new reg.SnapshotHolder(t.store, 60_000);
    fromFile.startFromCache(cached, await t.store.keyring());
    fromFile.stop();
    const a = holder.current;
    const b = fromFile.current;
    expect(fromFile.fromCache).toBe(true);
    expect(b.version).toBe(a.version);
    const svc = b.services.get('GOV/000.00.00.C01/p/svc')!;
    expect(svc.url.toString()).toBe(a.services.get('GOV/000.00.00.C01/p/svc')!.url.toString());
    expect(svc.rateLimit).toEqual({ points: 5, perSeconds: 1 });
    expect(svc.backendAuth).toEqual(a.services.get('GOV/000.00.00.C01/p/svc')!.backendAuth);
    expect(JSON.stringify(svc.backendAuth)).toContain(SECRET);
    const client = b.subsystems.get('GOV/000.00.00.C02/c')!;
    expect(reg.apiKeyHolder(b, key)?.subsystemId).toBe(client.id);
    expect(reg.isAllowed(b, svc, client.id, 'GET', '/a/1')).toBe(true);
    expect(reg.isAllowed(b, svc, client.id, 'POST', '/a/1')).toBe(false);
    expect([...b.keys.entries()]).toEqual([...a.keys.entries()]);
  });

  it('a file cut at any point of its body or header, or with one byte changed, is refused with the reason', async () => {
    const rows = await reg.buildSnapshot(t.store).then(() => reg.readSnapshotCache(file));
    if ('error' in rows) throw new Error(rows.error);
    const whole = reg.encodeSnapshotCache(rows.rows, rows.savedAt);
    expect(reg.decodeSnapshotCache(whole)).toMatchObject({ savedAt: rows.savedAt });
    // Every length short of whole: a torn write, wherever it stopped.
    for (let n = 0; n < whole.length; n += Math.max(1, Math.floor(whole.length / 997))) {
      expect(reg.decodeSnapshotCache(whole.subarray(0, n))).toHaveProperty('error');
    }
    expect(reg.decodeSnapshotCache(whole.subarray(0, whole.length - 1))).toEqual({ error: expect.stringMatching(/header says .* torn write/) });
    const flipped = Buffer.from(whole);
    flipped[flipped.length - 10] ^= 0x01;
    expect(reg.decodeSnapshotCache(flipped)).toEqual({ error: expect.stringMatching(/checksum does not match/) });
    fs.writeFileSync(path.join(t.dataDir, 'torn.json'), whole.subarray(0, 100));
    expect(reg.readSnapshotCache(path.join(t.dataDir, 'torn.json'))).toEqual({ error: expect.stringMatching(/torn\.json is unusable/) });
    expect(reg.readSnapshotCache(path.join(t.dataDir, 'none.json'))).toEqual({ error: expect.stringMatching(/there is no .*none\.json/) });
  });

  it('a crash that left a temp file behind (say, 0644) does not make the next file readable by others', async () => {
    fs.writeFileSync(`${file}.${process.pid}.tmp`, 'junk', { mode: 0o644 });
    const cached = reg.readSnapshotCache(file);
    if ('error' in cached) throw new Error(cached.error);
    await reg.writeSnapshotCache(file, cached.rows);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(reg.readSnapshotCache(file)).toMatchObject({ rows: { version: cached.rows.version } });
  });
});
