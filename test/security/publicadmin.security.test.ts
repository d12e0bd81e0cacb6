// The console's publicadmin views: every route × role × own/other agency, then what each role
// actually sees (dossiers scoped to the agency mapped to an agency admin's member) and the
// dossier read log the detail view writes to.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { adminOnly, createWorld, matrix, ownRead, readAll, type Case, type Who, type World } from './world.js';
import { createDossier } from '../../src/publicadmin/dossiers/dossiers.js';
import { testEngines } from '../../src/store/testing.js';
import { fromLayThuTuc, saveProcedure } from '../../src/publicadmin/procedures/procedures.js';

// The shared world starts platforms without the publicadmin wing (it seeds ~14,000 unit rows)
// and on SQLite; these tests need the wing, and the views' SQL runs on PostgreSQL too.

/** Agency codes equal to the member codes the agency admins are moved to. */
const AG_A = '000.00.01.H91';
const AG_B = '000.00.02.H91';
const PROC = '1.991001';
const dossiers: Record<'A' | 'B', string> = { A: '', B: '' };

/** Agencies A and B as members (their codes are the agencies' codes), a procedure, one dossier each. */
async function setup(w: World): Promise<void> {
  for (const [code, name] of [[AG_A, 'Sở Tư pháp (thử)'], [AG_B, 'Sở Y tế (thử)']]) {
    await w.admin('POST', '/members', { memberClass: 'GOV', memberCode: code, name });
  }
  // The matrix's agency admins administer GOV/A and GOV/B; move them to members that are agencies.
  await w.admin('PATCH', '/users/a-admin', { memberId: `GOV/${AG_A}` });
  await w.admin('PATCH', '/users/b-admin', { memberId: `GOV/${AG_B}` });
  await w.admin('POST', '/publicadmin/agencies', { code: '000.00.00.H91', name: 'UBND tỉnh (thử)', unitCode: '80' });
  await w.admin('POST', '/publicadmin/agencies', { code: AG_A, name: 'Sở Tư pháp (thử)', unitCode: '27712' });
  await w.admin('POST', '/publicadmin/agencies', { code: AG_B, name: 'Sở Y tế (thử)', unitCode: '27712' });
  const store = w.cp.platform.store;
  await saveProcedure(store, fromLayThuTuc({ MATTHC: PROC, TENTTHC: 'Thủ tục thử năm ngày', CACHTHUCTHUCHIEN: [{ KENH: 1, THOIGIAN: [{ THOIGIANGIAIQUYET: 5, DONVITINH: 'Ngày làm việc' }] }] }, 'test'));
  const actor = { client: 'test', userId: 'setup' };
  dossiers.A = (await createDossier(store, { procedureCode: PROC, agencyCode: AG_A, applicant: { name: 'Nguyễn Văn A', idNumber: '079000000001' } }, actor)).code;
  dossiers.B = (await createDossier(store, { procedureCode: PROC, agencyCode: AG_B, applicant: { name: 'Trần Thị B', idNumber: '079000000002' } }, actor)).code;
}

const get = (path: string) => async () => ({ method: 'GET', path });

const cases: Case[] = [
  { name: 'GET /publicadmin/provinces', req: get('/publicadmin/provinces?at=2025-06-30'), expect: readAll() },
  { name: 'GET /publicadmin/units', req: get('/publicadmin/units?provinceCode=80&q=tan%20an'), expect: readAll() },
  { name: 'GET /publicadmin/units/{code}', req: get('/publicadmin/units/27712?at=2025-06-30'), expect: readAll() },
  { name: 'GET /publicadmin/units/{code} (unknown)', req: get('/publicadmin/units/99999'), expect: readAll(404) },
  { name: 'GET /publicadmin/agencies', req: get('/publicadmin/agencies'), expect: readAll() },
  { name: 'GET /publicadmin/procedures', req: get('/publicadmin/procedures'), expect: readAll() },
  { name: 'GET /publicadmin/procedures/{code}', req: get(`/publicadmin/procedures/${PROC}`), expect: readAll() },
  // Without a filter every role gets 200; agency admins get their own agency's dossiers only.
  { name: 'GET /publicadmin/dossiers', req: get('/publicadmin/dossiers'), expect: readAll() },
  { name: 'GET /publicadmin/dossiers?agencyCode= (A)', req: get(`/publicadmin/dossiers?agencyCode=${AG_A}&overdue=false`), expect: ownRead() },
  { name: 'GET /publicadmin/dossiers/{code} (A)', req: async () => ({ method: 'GET', path: `/publicadmin/dossiers/${dossiers.A}` }), expect: ownRead() },
  { name: 'GET /publicadmin/dossiers/{code} (unknown)', req: get('/publicadmin/dossiers/000.00.01.H91-200101-0001'), expect: readAll(404) },
  { name: 'GET /publicadmin/stats', req: get('/publicadmin/stats?from=2026-01-01'), expect: readAll() },
  // The log the detail view writes to holds who read whose personal data: not for agency admins.
  { name: 'GET /publicadmin/dossier-reads', req: get('/publicadmin/dossier-reads?client=console'), expect: { ...adminOnly(200), auditor: 200 } },
  // Writes stay with platform admins.
  { name: 'POST /publicadmin/agencies', req: async (w) => ({ method: 'POST', path: '/publicadmin/agencies', body: { code: `000.00.${String(10 + Number(w.fresh(''))).padStart(2, '0')}.H91`, name: 'Cơ quan mới' } }), expect: adminOnly(201) },
  // Holidays: every role reads them; only platform admins enter decisions or move deadlines.
  { name: 'GET /publicadmin/calendar/{year}', req: get('/publicadmin/calendar/2026'), expect: readAll() },
  { name: 'GET /publicadmin/holiday-rules', req: get('/publicadmin/holiday-rules?year=2026'), expect: readAll() },
  { name: 'POST /publicadmin/holiday-rules', req: async (w) => ({ method: 'POST', path: '/publicadmin/holiday-rules', body: { kind: 'day-off', date: freshWeekday(Number(w.fresh(''))), name: 'Nghỉ (thử)', source: 'Văn bản 1/VPCP-KGVX (thử)' } }), expect: adminOnly(201) },
  { name: 'POST /publicadmin/dossiers/recompute-deadlines', req: async () => ({ method: 'POST', path: '/publicadmin/dossiers/recompute-deadlines', body: { dryRun: true } }), expect: adminOnly(200) },
];

/** The n-th weekday from 1 June 2101: a distinct working day per call (no holiday falls in June–August). */
function freshWeekday(n: number): string {
  const d = new Date(Date.UTC(2101, 5, 1));
  for (let left = n; left > 0 || d.getUTCDay() === 0 || d.getUTCDay() === 6;) {
    d.setUTCDate(d.getUTCDate() + 1);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}

const PUBLICADMIN = { env: { VAMCO_PUBLICADMIN: '1' } };

matrix('publicadmin console security matrix', cases, setup, PUBLICADMIN);

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
