// The console's publicadmin views: every route × role × own/other agency, then what each role
// actually sees (dossiers scoped to the agency mapped to an agency admin's member) and the
// dossier read log the detail view writes to.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { createWorld, matrix, type Who, type World } from './world.js';
import { testEngines } from '../../src/store/testing.js';
import { AG_A, AG_B, PUBLICADMIN, dossiers, publicadminCases, setup } from './publicadmin.cases.js';

matrix('publicadmin console security matrix', publicadminCases, setup, PUBLICADMIN);

describe.each(testEngines())('publicadmin console views: what each role sees (%s)', (engine) => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld({ engine, ...PUBLICADMIN });
    await setup(w);
  });
  afterAll(async () => { await w?.cp.stop(); });
  const codes = async (who: Who, path: string) => ((await w.call(who, 'GET', path)).body.items as { code: string }[]).map((d) => d.code);

  it('scopes the dossier list to the agency mapped to an agency admin\'s member', async () => {
    expect(await codes('platform', '/publicadmin/dossiers')).toEqual(expect.arrayContaining([dossiers.A, dossiers.B]));
    expect(await codes('auditor', '/publicadmin/dossiers')).toEqual(expect.arrayContaining([dossiers.A, dossiers.B]));
    expect(await codes('agencyA', '/publicadmin/dossiers')).toEqual([dossiers.A]);
    expect(await codes('agencyB', '/publicadmin/dossiers')).toEqual([dossiers.B]);
    // No personal data in the list (so listing needs no read-log entry).
    expect(JSON.stringify((await w.call('platform', 'GET', '/publicadmin/dossiers')).body)).not.toMatch(/Nguyễn|Trần|07900000000/);
    const b = await w.call('agencyA', 'GET', `/publicadmin/dossiers/${dossiers.B}`);
    expect(b).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(b.body.detail).toContain(AG_B);
  });

  it('logs every detail read in the dossier read log with the console user as reader', async () => {
    await w.call('agencyA', 'GET', `/publicadmin/dossiers/${dossiers.A}`);
    await w.call('auditor', 'GET', `/publicadmin/dossiers/${dossiers.A}`);
    const d = await w.call('platform', 'GET', `/publicadmin/dossiers/${dossiers.A}`);
    expect(d.body).toMatchObject({ code: dossiers.A, applicant: { name: 'Nguyễn Văn A' }, history: [{ kind: 'created', to: 2, by: { client: 'test', userId: 'setup' } }], overdue: false });
    const log = await w.admin('GET', `/publicadmin/dossier-reads?dossierCode=${dossiers.A}&client=console`);
    expect(log.items.map((r: { userId: string }) => r.userId).reverse()).toEqual(['user:a-admin', 'user:auditor', 'admin-token']);
    // A refused read is no read.
    await w.call('agencyB', 'GET', `/publicadmin/dossiers/${dossiers.A}`);
    expect((await w.admin('GET', `/publicadmin/dossier-reads?dossierCode=${dossiers.A}&userId=user:b-admin`)).total).toBe(0);
  });

  it('answers stats with the dossiers service\'s numbers', async () => {
    const s = await w.call('agencyB', 'GET', `/publicadmin/stats?agencyCode=${AG_A}`);
    expect(s.status).toBe(200);
    expect(s.body.total).toMatchObject({ received: 1, finishedOnTime: 0, finishedLate: 0, overdueNow: 0, onTimeRate: null });
  });

  it('lists provinces by date (63 before the reform, 34 after) and filters overdue dossiers', async () => {
    expect((await w.call('auditor', 'GET', '/publicadmin/provinces?at=2025-06-30')).body.total).toBe(63);
    expect((await w.call('auditor', 'GET', '/publicadmin/provinces')).body.total).toBe(34);
    const unit = (await w.call('agencyA', 'GET', '/publicadmin/units/27712?at=2025-06-30')).body;
    expect(unit).toMatchObject({ unit: { name: 'Xã Bình Tâm' }, versions: [{ name: 'Xã Bình Tâm' }, { name: 'Phường Tân An', provinceCode: '80' }] });
    expect(unit.cameFrom.map((m: { oldCode: string }) => m.oldCode)).toContain('27698');
    expect(await codes('platform', '/publicadmin/dossiers?overdue=true')).toEqual([]);
    expect((await codes('platform', '/publicadmin/dossiers?overdue=false&status=2')).length).toBe(2);
  });

  it('refuses bad filters with problem+json', async () => {
    const r = await w.call('platform', 'GET', '/publicadmin/dossiers?receivedFrom=2026-1-1');
    expect(r).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });
});
