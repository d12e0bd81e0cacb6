import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { createTestStore, testEngines, tempDir } from '../store/testing.js';
import { openStore } from '../store/index.js';
import { loadConfig } from '../config/index.js';
import * as reg from '../registry/index.js';
import { countByKid, formatKeyFile, keyStatus, loadKeyring, newSecretKey, retireOldKeys, rotateKey, sealContext } from './index.js';

const who = { actor: 'test' };

describe.each(testEngines())('the store keyring on %s', (engine) => {
  it('creates the key file on first use and refuses another platform\'s key file, or none', async () => {
    const t = await createTestStore(engine);
    try {
      const ring = await t.store.keyring();
      const file = path.join(t.dataDir, 'secret.key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(ring.kids).toEqual([ring.currentKid]);
      // The same database (a copy of the file, on SQLite) without its key file: refused, and no new key made.
      const empty = tempDir();
      if (engine === 'sqlite') t.store.sqlite!.exec(`vacuum into '${path.join(empty, 'vamco.db')}'`);
      const copy = openStore({ dataDir: empty, databaseUrl: t.databaseUrl });
      await expect(copy.keyring()).rejects.toThrow(new RegExp(`sealed values use key ${ring.currentKid}, but there is no key file at .*secret.key`));
      expect(fs.existsSync(path.join(empty, 'secret.key'))).toBe(false);
      // Another platform's key file: refused with the reason.
      const foreign = path.join(tempDir(), 'foreign.key');
      fs.writeFileSync(foreign, formatKeyFile([newSecretKey()]), { mode: 0o600 });
      const other = openStore({ dataDir: empty, databaseUrl: t.databaseUrl, secretKeyFile: foreign });
      await expect(other.keyring()).rejects.toThrow(new RegExp(`use key ${ring.currentKid}, which .*foreign.key does not hold .*belongs to another platform`));
      await copy.close();
      await other.close();
    } finally {
      await t.cleanup();
    }
  });

  it('seals values older versions wrote in clear, at the first start that has the key', async () => {
    const t = await createTestStore(engine);
    try {
      const ctx = { store: t.store, config: loadConfig({ VAMCO_DATA_DIR: t.dataDir, VAMCO_BACKEND_ALLOW: '127.0.0.1' }) };
      await reg.addMember(ctx, { memberClass: 'GOV', memberCode: 'P', name: 'P' }, who);
      await reg.addSubsystem(ctx, { id: 'GOV/P/app' }, who);
      await reg.addService(ctx, { id: 'GOV/P/app/svc', url: 'http://127.0.0.1:9/x', backendAuth: { header: 'Authorization', value: 'Basic c2VjcmV0' } }, who);
      // As an older version left it: in clear, and no mark that sealing was done.
      await t.store.db.updateTable('services').set({ backend_auth: JSON.stringify({ header: 'Authorization', value: 'Basic c2VjcmV0' }) }).execute();
      await t.store.db.deleteFrom('secrets').where('name', '=', 'sealed-columns-v1').execute();
      await t.store.close();
      const again = openStore({ dataDir: t.dataDir, databaseUrl: t.databaseUrl });
      try {
        const ring = await again.keyring();
        const row = await again.db.selectFrom('services').select(['id', 'backend_auth']).executeTakeFirstOrThrow();
        expect(row.backend_auth).toMatch(/^vs1\./);
        expect(row.backend_auth).not.toContain('c2VjcmV0');
        expect(JSON.parse(ring.open(row.backend_auth!, sealContext('services', 'backend_auth', row.id)))).toEqual({ header: 'Authorization', value: 'Basic c2VjcmV0' });
        expect((await reg.buildSnapshot(again)).services.get('GOV/P/app/svc')!.backendAuth).toEqual({ scheme: 'static', headers: [{ name: 'Authorization', value: 'Basic c2VjcmV0' }], budget: null });
      } finally {
        await again.close();
      }
    } finally {
      await t.cleanup();
    }
  });

  it('rotates: a new current key re-seals every value, and old keys retire only once unused', async () => {
    const t = await createTestStore(engine);
    try {
      const ctx = { store: t.store, config: loadConfig({ VAMCO_DATA_DIR: t.dataDir, VAMCO_BACKEND_ALLOW: '127.0.0.1' }) };
      await reg.addMember(ctx, { memberClass: 'GOV', memberCode: 'P', name: 'P' }, who);
      await reg.addSubsystem(ctx, { id: 'GOV/P/app' }, who);
      for (const s of ['a', 'b', 'c']) await reg.addService(ctx, { id: `GOV/P/app/${s}`, url: 'http://127.0.0.1:9/x', backendAuth: { header: 'X-Key', value: `key-${s}` } }, who);
      const old = (await t.store.keyring()).currentKid;
      const oldRing = loadKeyring(path.join(t.dataDir, 'secret.key'));
      expect([...(await countByKid(t.store.db)).entries()]).toEqual([[old, 3]]);
      const opts = { file: path.join(t.dataDir, 'secret.key') };
      await expect(retireOldKeys(t.store.db, opts)).resolves.toEqual({ retired: [] });
      const r = await rotateKey(t.store.db, opts);
      expect(r).toEqual({ kid: expect.stringMatching(/^k[0-9a-f]{12}$/), resealed: 3 });
      const status = await keyStatus(t.store.db, loadKeyring(opts.file));
      expect(status.keys).toEqual([{ kid: r.kid, current: true, sealedValues: 3 }, { kid: old, current: false, sealedValues: 0 }]);
      // The running store's keyring follows the file: the values still open, now with the new key.
      expect((await reg.buildSnapshot(t.store)).services.get('GOV/P/app/b')!.backendAuth).toEqual({ scheme: 'static', headers: [{ name: 'X-Key', value: 'key-b' }], budget: null });
      // A value still sealed with the old key (say, written by a node that had not seen the new
      // file yet): the old key cannot retire.
      const a = await t.store.db.selectFrom('services').select('id').where('service_code', '=', 'a').executeTakeFirstOrThrow();
      await t.store.db.updateTable('services').set({ backend_auth: oldRing.seal('{"header":"X-Key","value":"key-a"}', sealContext('services', 'backend_auth', a.id)) }).where('id', '=', a.id).execute();
      await expect(retireOldKeys(t.store.db, opts)).rejects.toThrow(new RegExp(`still sealed with ${old}: run "vamco secrets rotate"`));
      const second = await rotateKey(t.store.db, opts);
      expect(second.resealed).toBe(3);
      expect((await retireOldKeys(t.store.db, opts)).retired.sort()).toEqual([old, r.kid].sort());
      expect(loadKeyring(opts.file).kids).toEqual([second.kid]);
      expect((await reg.buildSnapshot(t.store)).services.get('GOV/P/app/a')!.backendAuth).toEqual({ scheme: 'static', headers: [{ name: 'X-Key', value: 'key-a' }], budget: null });
      // A store opened afterwards accepts the file: the key check was re-sealed with the new key.
      const again = openStore({ dataDir: t.dataDir, databaseUrl: t.databaseUrl });
      expect((await again.keyring()).currentKid).toBe(second.kid);
      await again.close();
    } finally {
      await t.cleanup();
    }
  });
});
