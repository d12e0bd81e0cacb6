// Migration 026 makes foreign_access_rights again (SQLite cannot change a table's constraints):
// run here on every engine the suite has (SQLite always, PostgreSQL with
// VAMCO_TEST_DATABASE_URL) against a database migrated to 025 and holding rows, as an upgraded
// platform's does. The rows must survive with their ids, the new unique constraint and the
// foreign key must hold, and ids given after it must not reuse the copied ones.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { sql } from 'kysely';
import { openStore } from '../db.js';
import { migrate } from '../migrate.js';
import { migrations } from './index.js';
import { createPgDatabase, tempDir, testEngines } from '../testing.js';

const at = (i: number) => `2026-01-0${i}T00:00:00.000Z`;

describe.each(testEngines())('migration 026 (foreign access rights rebuilt) on %s', (engine) => {
  it('keeps the rows written before it, and the constraints hold after it', async () => {
    const dataDir = tempDir();
    const pgdb = engine === 'postgres' ? await createPgDatabase() : null;
    const store = openStore({ dataDir, databaseUrl: pgdb?.url });
    try {
      const upTo = migrations.findIndex((m) => m.name === '026_peer_trust');
      expect(upTo).toBeGreaterThan(0);
      await migrate(store.db, store.engine, migrations.slice(0, upTo));
      const db = store.db as any;
      const one = async (table: string, values: Record<string, unknown>) => Number((await db.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow()).id);

      // Before 026: two services, a peer, three foreign rights (ids not contiguous, as after a revoke).
      const member = await one('members', { member_class: 'GOV', member_code: '000.00.00.B01', name: 'Sở B', created_at: at(1) });
      const sub = await one('subsystems', { member_id: member, subsystem_code: 'hotich', created_at: at(1) });
      const svc = (code: string) => one('services', { subsystem_id: sub, service_code: code, service_type: 'REST', url: 'http://127.0.0.1:9/', created_at: at(1), updated_at: at(1) });
      const records = await svc('records');
      const other = await svc('other');
      await db.insertInto('federation_peers').values({ instance: 'VN-A', url: 'https://a.example:8443', peer_ca: 'PEM', client_cert: 'sealed', created_at: at(2) }).execute();
      const r1 = await one('foreign_access_rights', { service_id: records, client: 'VN-A/GOV/000.00.00.A01/motcua', created_at: at(3) });
      const gone = await one('foreign_access_rights', { service_id: records, client: 'VN-A/GOV/000.00.00.A01/gone', created_at: at(4) });
      const r2 = await one('foreign_access_rights', { service_id: other, client: 'VN-A/GOV/000.00.00.A01/motcua', created_at: at(5) });
      const r3 = await one('foreign_access_rights', { service_id: records, client: 'VN-N/GOV/000.00.00.N01/quocgia', created_at: at(6) });
      await db.deleteFrom('foreign_access_rights').where('id', '=', gone).execute();

      expect(await migrate(store.db, store.engine)).toContain('026_peer_trust');

      // Every row kept, with its id, service, client and date; a right on the whole service is endpoint 0.
      const rows = await db.selectFrom('foreign_access_rights').selectAll().orderBy('id').execute();
      expect(rows.map((r: any) => ({ ...r, id: Number(r.id), service_id: Number(r.service_id), endpoint_id: Number(r.endpoint_id) }))).toEqual([
        { id: r1, service_id: records, client: 'VN-A/GOV/000.00.00.A01/motcua', endpoint_id: 0, created_at: at(3) },
        { id: r2, service_id: other, client: 'VN-A/GOV/000.00.00.A01/motcua', endpoint_id: 0, created_at: at(5) },
        { id: r3, service_id: records, client: 'VN-N/GOV/000.00.00.N01/quocgia', endpoint_id: 0, created_at: at(6) },
      ]);
      // The peer added before 026: trusted, no directory key pinned, no trust on first use.
      const peer = await db.selectFrom('federation_peers').selectAll().executeTakeFirstOrThrow();
      expect({ instance: peer.instance, withdrawn: peer.trust_withdrawn_at, key: peer.directory_key, tofu: Number(peer.directory_key_tofu) })
        .toEqual({ instance: 'VN-A', withdrawn: null, key: null, tofu: 0 });

      // Unique over (service, client, endpoint): the same right again is refused; the same client on one endpoint is a new right.
      await expect(db.insertInto('foreign_access_rights').values({ service_id: records, client: 'VN-A/GOV/000.00.00.A01/motcua', endpoint_id: 0, created_at: at(7) }).execute()).rejects.toThrow(/unique|duplicate/i);
      const endpoint = await one('service_endpoints', { service_id: records, method: 'GET', path: '/open' });
      const r4 = await one('foreign_access_rights', { service_id: records, client: 'VN-A/GOV/000.00.00.A01/motcua', endpoint_id: endpoint, created_at: at(7) });
      // A new id is past every copied one (and past the one revoked before): no id is given twice.
      expect(r4).toBeGreaterThan(r3);
      // The endpoint defaults to 0 (the whole service) when not given.
      const r5 = await one('foreign_access_rights', { service_id: other, client: 'VN-N/GOV/000.00.00.N01/quocgia', created_at: at(8) });
      expect(Number((await db.selectFrom('foreign_access_rights').select('endpoint_id').where('id', '=', r5).executeTakeFirstOrThrow()).endpoint_id)).toBe(0);

      // The foreign key holds: no right on a service that does not exist; a removed service takes its rights along.
      await expect(db.insertInto('foreign_access_rights').values({ service_id: 999_999, client: 'VN-A/GOV/000.00.00.A01/motcua', created_at: at(9) }).execute()).rejects.toThrow(/foreign key/i);
      await db.deleteFrom('services').where('id', '=', records).execute();
      expect((await db.selectFrom('foreign_access_rights').select('id').orderBy('id').execute()).map((r: any) => Number(r.id))).toEqual([r2, r5]);
      // The column constraints came along too.
      await expect(db.insertInto('foreign_access_rights').values({ service_id: other, client: null, created_at: at(9) }).execute()).rejects.toThrow(/null/i);
      // Nothing of the rebuild is left behind.
      const leftover = engine === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where name like 'foreign_access_rights_v2%'`.execute(store.db)
        : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_name = 'foreign_access_rights_v2'`.execute(store.db);
      expect(leftover.rows).toEqual([]);
    } finally {
      await store.close();
      await pgdb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
