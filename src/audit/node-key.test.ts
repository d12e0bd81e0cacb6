import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { createTestStore, testEngines } from '../store/testing.js';
import { loadOrCreateNodeKey } from './index.js';

describe.each(testEngines())('node key on %s', (engine) => {
  it('is created once with mode 0600, derives its id from the public key and is registered', async () => {
    const t = await createTestStore(engine);
    try {
      const a = await loadOrCreateNodeKey(t.store, t.dataDir);
      const file = path.join(t.dataDir, 'node-key.pem');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const der = crypto.createPublicKey(a.publicKeyPem).export({ type: 'spki', format: 'der' });
      expect(a.nodeId).toBe('node-' + crypto.createHash('sha256').update(der).digest('hex').slice(0, 12));
      expect(a.privateKey.asymmetricKeyType).toBe('ed25519');

      const b = await loadOrCreateNodeKey(t.store, t.dataDir);
      expect(b.nodeId).toBe(a.nodeId);
      expect(b.publicKeyPem).toBe(a.publicKeyPem);
      const rows = await t.store.db.selectFrom('nodes').selectAll().execute();
      expect(rows.map((r) => [r.node_id, r.public_key])).toEqual([[a.nodeId, a.publicKeyPem]]);

      // A different key under the same id (a tampered registry) is refused.
      await t.store.db.updateTable('nodes').set({ public_key: crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string }).execute();
      await expect(loadOrCreateNodeKey(t.store, t.dataDir)).rejects.toMatchObject({ code: 'CONFLICT' });
    } finally {
      await t.cleanup();
    }
  });
});
