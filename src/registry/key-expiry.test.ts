// API keys with an expiry and a last use (issue 14): stored, listed and judged the same on
// SQLite and PostgreSQL; the last use reaches the store only when the batch is flushed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { loadConfig } from '../config/index.js';
import * as reg from './index.js';

const who = { actor: 'test:alice', address: '10.0.0.9' };
const SUB = 'GOV/000.00.00.H60/motcua';

describe('parseKeyExpiry', () => {
  const now = Date.parse('2026-03-01T10:00:00Z');
  it('reads a duration from now, a day to its end in Vietnam time, and an ISO moment', () => {
    expect(reg.parseKeyExpiry('90d', now)).toBe('2026-05-30T10:00:00.000Z');
    expect(reg.parseKeyExpiry('12h', now)).toBe('2026-03-01T22:00:00.000Z');
    expect(reg.parseKeyExpiry('30m', now)).toBe('2026-03-01T10:30:00.000Z');
    // 31/12/2026 is valid through 23:59:59 of that day at UTC+7: it ends at 17:00 UTC.
    expect(reg.parseKeyExpiry('31/12/2026', now)).toBe('2026-12-31T17:00:00.000Z');
    expect(reg.parseKeyExpiry('2026-12-31', now)).toBe('2026-12-31T17:00:00.000Z');
    expect(reg.parseKeyExpiry('2026-04-01T08:00:00+07:00', now)).toBe('2026-04-01T01:00:00.000Z');
    expect(reg.parseKeyExpiry('', now)).toBeNull();
    expect(reg.parseKeyExpiry(undefined, now)).toBeNull();
  });
  it('refuses what is no expiry, a day not in the calendar, and a moment not in the future', () => {
    for (const bad of ['soon', '90', '31/02/2026', '2026-13-01', '2026-04-01T08:00', '28/02/2026', '2026-02-28T00:00:00Z']) {
      expect(() => reg.parseKeyExpiry(bad, now), bad).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});

describe.each(testEngines())('API key expiry and last use on %s', (engine) => {
  let t: TestStore;
  let ctx: reg.RegistryCtx;
  beforeAll(async () => {
    t = await createTestStore(engine);
    ctx = { store: t.store, config: loadConfig({ VAMCO_DATA_DIR: t.dataDir, VAMCO_BACKEND_ALLOW: '127.0.0.1' }) };
    await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.H60', name: 'Van phong' }, who);
    await reg.addSubsystem(ctx, { id: SUB }, who);
  });
  afterAll(() => t.cleanup());

  it('stores the expiry; lists the key active until then and expired after; the snapshot refuses it with API_KEY_EXPIRED', async () => {
    const k = await reg.createKey(ctx, { subsystem: SUB, label: 'expiring', expires: '1h' }, who);
    expect(Date.parse(k.expiresAt!) - Date.now()).toBeGreaterThan(3_500_000);
    expect((await reg.getKey(ctx, k.id)).status).toBe('active');
    const snap = await reg.buildSnapshot(t.store);
    const entry = snap.keys.get(reg.hashApiKey(k.key))!;
    expect(entry.expiresAt).toBe(Date.parse(k.expiresAt!));
    expect(reg.liveKey(entry)?.subsystemId).toBe(snap.subsystems.get(SUB)!.id);
    expect(() => reg.liveKey(entry, entry.expiresAt! + 1)).toThrow(expect.objectContaining({ code: 'API_KEY_EXPIRED' }));
    // Past its moment, the list says expired (revoked still wins over expired).
    await t.store.db.updateTable('api_keys').set({ expires_at: new Date(Date.now() - 60_000).toISOString() }).where('id', '=', k.id).execute();
    expect((await reg.getKey(ctx, k.id)).status).toBe('expired');
    await reg.revokeKey(ctx, k.id, who);
    expect((await reg.getKey(ctx, k.id)).status).toBe('revoked');
  });

  it('a key without --expires never expires; a bad expiry creates no key', async () => {
    const k = await reg.createKey(ctx, { subsystem: SUB }, who);
    expect(k.expiresAt).toBeNull();
    const snap = await reg.buildSnapshot(t.store);
    expect(reg.liveKey(snap.keys.get(reg.hashApiKey(k.key)), Date.parse('2999-01-01'))?.id).toBe(k.id);
    const before = (await reg.listKeys(ctx)).length;
    await expect(reg.createKey(ctx, { subsystem: SUB, expires: 'tomorrow' }, who)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await reg.listKeys(ctx)).length).toBe(before);
  });

  it('writes the last use only on flush, keeps the latest across nodes, and lists it', async () => {
    const k = await reg.createKey(ctx, { subsystem: SUB }, who);
    const a = new reg.KeyUsage(t.store);
    const b = new reg.KeyUsage(t.store);
    a.used(k.id, Date.parse('2026-03-01T10:00:00Z'));
    a.used(k.id, Date.parse('2026-03-01T09:00:00Z'));
    expect((await reg.getKey(ctx, k.id)).lastUsedAt).toBeNull();
    await a.flush();
    expect((await reg.getKey(ctx, k.id)).lastUsedAt).toBe('2026-03-01T10:00:00.000Z');
    // Another node's older use, flushed later, does not move it back.
    b.used(k.id, Date.parse('2026-03-01T08:00:00Z'));
    await b.flush();
    expect((await reg.getKey(ctx, k.id)).lastUsedAt).toBe('2026-03-01T10:00:00.000Z');
    b.used(k.id, Date.parse('2026-03-01T11:00:00Z'));
    await b.stop();
    expect((await reg.getKey(ctx, k.id)).lastUsedAt).toBe('2026-03-01T11:00:00.000Z');
  });
});
